import NormCore
import NormLab
import NormSupport
import NormView
import Testing

/// Values across the whole Double range: every widget and exporter must draw them without
/// trapping (a Double→Int conversion of 1e25 used to end the program with SIGILL).
let hostileDoubles: [Double] = [
  0, -0.0, 1, -1, 0.001, 1e-300, -1e-300, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
  999_949_999, 999_950_000, 9.96e9, 1e15, 9.2e18, 9.3e18, 9.2e24, 1e25, 1e30, -1e30, 1e308, -1e308,
  .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
]
let hostileFloats: [Float] =
  hostileDoubles.map(Float.init) + [
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 3e38, -3e38,
  ]

@Suite("Hostile values: every widget and exporter across the Double range")
struct HostileValueTests {
  @Test("formatNumber never traps and stays short")
  func formatting() {
    for v in hostileDoubles {
      let s = formatNumber(v)
      #expect(!s.isEmpty)
      #expect(s.count <= 9, "\(v) → \(s)")
    }
    #expect(formatNumber(1e30) == "1e30")
    #expect(formatNumber(-2.5e24) == "-2.5e24")
    #expect(formatNumber(9.96e-5) == "1e-4")
    #expect(formatNumber(1_500_000) == "1.5M")
    #expect(formatNumber(12_345) == "12.3k")
  }

  @Test("charts, histograms, heatmaps, sparklines, decision surfaces and tables draw any value")
  func widgets() {
    let t = Theme(colors: .truecolor, glyphs: .braille)
    for v in hostileFloats {
      let normal: [Float] = [0.5, 1, 2]
      for values in [[v], normal + [v], [v, v, v]] {
        let steps = Array(0..<values.count).map { $0 * 10 }
        for logY in [false, true] {
          for range in [nil, -1.0...1.0, 0.001...1e30] as [ClosedRange<Double>?] {
            let chart = LineChart(
              series: [.init(label: "x", steps: steps, values: values, style: Style(), marker: 0, pattern: .dashed)],
              theme: t, logY: logY, yRange: range)
            _ = render(chart, 60, 12)
          }
        }
        _ = render(Sparkline(values: values, style: Style(), theme: t), 20, 1)
        let band = PercentileBandChart.Band(
          label: "b", p15: series(steps, values), p50: series(steps, values.map { $0 * 2 }),
          p85: series(steps, values.map { -$0 }), style: Style(), marker: 1)
        _ = render(PercentileBandChart(bands: [band], theme: t), 60, 12)
      }
      for (lo, hi) in [
        (-4, 4), (-Float.greatestFiniteMagnitude, .greatestFiniteMagnitude), (0, Float.leastNonzeroMagnitude),
      ] {
        var h = Histogram(lower: lo, upper: hi, bins: 40)
        h.add([v, 0, 1, -1])
        [v, 1].withUnsafeBufferPointer { h.add($0) }
        _ = render(HistogramChart(histograms: [(h, Style())], theme: t), 50, 12)
        _ = render(Heatmap(snapshots: [h, h], steps: [0, 10], theme: t), 50, 12)
      }
      let surface = DecisionSurface(
        columns: 4, rows: 4, xRange: -1...1, yRange: -1...1, classes: [Int](repeating: 0, count: 16),
        confidence: [Float](repeating: v, count: 16),
        points: [.init(x: v, y: -v, label: 1), .init(x: 0, y: v, label: 0)])
      _ = render(DecisionSurfaceView(surface: surface, theme: t), 20, 10)
      _ = t.density(v)
      for mode in [ColorMode.ansi256, .ansi8, .mono] { _ = Theme(colors: mode, glyphs: .blocks).density(v) }
      _ = render(
        Table(header: ["a", "b"], rows: [[formatNumber(Double(v)), formatNumber(-Double(v))]], theme: t), 30, 4)
      _ = Statistics.percentile(sorted: [v, v], 50)
    }
  }

  @Test("a dashboard with a learning rate of 1e30 and diverged variants renders and exports")
  func dashboard() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [
          VariantSpec(name: "plain", model: "linear 16, relu, linear 3"),
          VariantSpec(name: "bn", model: "linear 16, batchnorm, relu, linear 3"),
        ], data: try BuiltinData.make(name: "spirals", seed: 1), optimizer: .init(kind: .sgd, learningRate: 1e30),
        batchSize: 16, seed: 1))
    for _ in 0..<30 where e.anyLive { try e.advance() }
    try e.recordValidation()
    for (w, h) in [(80, 24), (140, 45)] {
      let b = Dashboard.render(DashboardState(experiment: e, theme: Theme(colors: .truecolor)), width: w, height: h)
      for f in ScreenshotFormat.allCases { #expect(!Screenshot.export(b, as: f).isEmpty) }
      #expect(Screenshot.text(b).contains("1e30"))
    }
  }
}

func series(_ steps: [Int], _ values: [Float]) -> NormLab.Series {
  var s = NormLab.Series()
  for (x, v) in zip(steps, values) { s.append(step: x, v) }
  return s
}
