import Foundation
import NormLab
import NormView
import Testing

let theme = Theme(colors: .ansi256, glyphs: .braille)

func render(_ w: some Widget, _ width: Int, _ height: Int) -> Buffer {
  var b = Buffer(width: width, height: height)
  w.render(b.area, into: &b)
  return b
}

func sineSeries(_ n: Int, phase: Float, scale: Float) -> (steps: [Int], values: [Float]) {
  var s = [Int]()
  var v = [Float]()
  for i in 0..<n {
    s.append(i * 10)
    v.append(scale * (1.2 + Float(Darwinless.sin(Double(i) / 6 + Double(phase)))) * (1 + Float(n - i) / Float(n)))
  }
  return (s, v)
}

enum Darwinless {
  static func sin(_ x: Double) -> Double {
    // A series expansion keeps goldens independent of the C library's sin.
    var x = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if x > Double.pi { x -= 2 * Double.pi }
    var term = x
    var sum = x
    for k in 1..<12 {
      term *= -x * x / Double((2 * k) * (2 * k + 1))
      sum += term
    }
    return sum
  }
}

func gaussianHistogram(center: Float, spread: Float, lower: Float = -4, upper: Float = 4, extra: [Float] = [])
  -> Histogram
{
  var h = Histogram(lower: lower, upper: upper, bins: 40)
  var rng = SeededRNGForTests(seed: UInt64(abs(center * 1000)) + 1)
  for _ in 0..<5000 { h.add(center + spread * rng.normal()) }
  for e in extra { h.add(e) }
  return h
}

/// Box–Muller over a tiny LCG so widget goldens do not depend on NormCore's RNG.
struct SeededRNGForTests {
  var state: UInt64
  init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1 }
  mutating func uniform() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(state >> 11) / Double(1 << 53)
  }
  mutating func normal() -> Float {
    let u1 = max(uniform(), 1e-12)
    let u2 = uniform()
    // sqrt(-2 ln u1) cos(2π u2), with ln and cos from series-free identities via Foundation.
    return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
  }
}

@Suite("Widgets (golden screenshots)")
struct WidgetTests {
  @Test("line chart: two series, legend, axes", arguments: GlyphSet.allCases)
  func lineChart(glyphs: GlyphSet) {
    let a = sineSeries(60, phase: 0, scale: 1)
    let b = sineSeries(60, phase: 1.5, scale: 0.5)
    let t = Theme(colors: .ansi256, glyphs: glyphs)
    let chart = LineChart(
      series: [
        .init(label: "plain", steps: a.steps, values: a.values, style: t.variantStyle(0), marker: 0),
        .init(label: "bn", steps: b.steps, values: b.values, style: t.variantStyle(1), marker: 1),
      ], theme: t)
    expectGolden(Screenshot.text(render(chart, 50, 12)), "linechart-\(glyphs.rawValue).txt")
  }

  @Test func lineChartLogScaleAndGaps() {
    let steps = Array(0..<40).map { $0 * 5 }
    var v = steps.map { Float(2.3) * Float(Foundation.exp(-Double($0) / 60)) }
    v[20] = .nan
    v[21] = .infinity
    let chart = LineChart(
      series: [.init(label: "loss", steps: steps, values: v, style: theme.variantStyle(0), marker: 0)], theme: theme,
      logY: true)
    expectGolden(Screenshot.text(render(chart, 40, 10)), "linechart-log.txt")
  }

  @Test func histogramSingleOverlayAndNonFinite() {
    let a = gaussianHistogram(center: 0, spread: 1)
    expectGolden(
      Screenshot.text(render(HistogramChart(histograms: [(a, theme.variantStyle(0))], theme: theme), 44, 8)),
      "histogram.txt")
    let b = gaussianHistogram(center: 1.5, spread: 0.6, extra: [.nan, .nan, .infinity, 9, -9])
    let overlay = HistogramChart(histograms: [(a, theme.variantStyle(0)), (b, theme.variantStyle(1))], theme: theme)
    expectGolden(Screenshot.text(render(overlay, 84, 8)), "histogram-overlay.txt")
    expectGolden(Screenshot.text(render(overlay, 30, 6)), "histogram-narrow.txt")
    let constant = { () -> Histogram in
      var h = Histogram(lower: -1, upper: 1, bins: 40)
      for _ in 0..<100 { h.add(0.25) }
      return h
    }()
    expectGolden(
      Screenshot.text(render(HistogramChart(histograms: [(constant, .plain)], theme: theme), 44, 6)),
      "histogram-constant.txt")
  }

  @Test("heatmap over time", arguments: [ColorMode.ansi256, .mono])
  func heatmap(colors: ColorMode) {
    let t = Theme(colors: colors, glyphs: .braille)
    let snaps = (0..<50).map { gaussianHistogram(center: -2 + Float($0) / 15, spread: 0.5 + Float($0) / 100) }
    let view = Heatmap(snapshots: snaps, steps: (0..<50).map { $0 * 25 }, theme: t)
    let b = render(view, 60, 12)
    expectGolden(Screenshot.text(b), "heatmap-\(colors.rawValue).txt")
    if colors == .ansi256 { expectGolden(Screenshot.ansi(b), "heatmap-256.ansi") }
  }

  @Test func percentileBands() {
    func band(_ c: Float, _ drift: Float) -> PercentileBand {
      var b = PercentileBand()
      for i in 0..<40 {
        let m = c + drift * Float(i) / 40
        b.p15.append(step: i * 25, m - 1 - drift * Float(i) / 80)
        b.p50.append(step: i * 25, m)
        b.p85.append(step: i * 25, m + 1 + drift * Float(i) / 80)
      }
      return b
    }
    let p = band(0, 2)
    let q = band(0, 0.1)
    let chart = PercentileBandChart(
      bands: [
        .init(label: "plain", p15: p.p15, p50: p.p50, p85: p.p85, style: theme.variantStyle(0), marker: 0),
        .init(label: "bn", p15: q.p15, p50: q.p50, p85: q.p85, style: theme.variantStyle(1), marker: 1),
      ], theme: theme)
    expectGolden(Screenshot.text(render(chart, 60, 14)), "percentiles.txt")
  }

  @Test func smallWidgets() {
    var out = ""
    out += Screenshot.text(
      render(Sparkline(values: (0..<30).map { Float($0 % 7) } + [.nan, 3], style: .plain, theme: theme), 32, 1))
    out += Screenshot.text(
      render(
        Table(
          header: ["variant", "loss", "acc"],
          rows: [["plain", "0.524", "74.4%"], ["bn", "0.0122", "98.3%"], ["a-very-long-name", "1", "2"]], theme: theme),
        26, 4))
    out += Screenshot.text(
      render(
        Caption(
          text:
            "Without BN the last hidden layer's input drifts: its 15/50/85th percentiles move 4.6× further over 2,000 steps.",
          theme: theme), 40, 5))
    out += Screenshot.text(
      render(
        StatusBar(
          fields: [("", "NormScope", nil), ("step", "1200", nil), ("lr", "0.5", nil)], message: "lr → 0.5", theme: theme
        ), 60, 1))
    out += Screenshot.text(render(KeyHelpBar(keys: dashboardKeys, theme: theme), 60, 1))
    var panel = Buffer(width: 30, height: 4)
    Panel(title: "Loss", theme: theme, focused: true, badge: "layer 2/3").render(panel.area, into: &panel)
    out += Screenshot.text(panel)
    out += Screenshot.text(
      render(HelpOverlay(keys: Array(dashboardKeys.prefix(5)), notes: ["Panels explained here."], theme: theme), 56, 12)
    )
    expectGolden(out, "small-widgets.txt")
  }

  @Test func decisionSurface() {
    var classes = [Int]()
    for r in 0..<20 { for c in 0..<40 { classes.append((c - 20) * (c - 20) + (r - 10) * (r - 10) * 4 < 150 ? 1 : 0) } }
    var points = [DecisionSurface.Point]()
    for i in 0..<30 {
      let col = i % 6
      let row = i / 6
      let inside = (col == 2 || col == 3) && row == 2
      points.append(DecisionSurface.Point(x: Float(col) - 2.5, y: Float(row) - 2, label: inside ? 1 : 0))
    }
    let s = DecisionSurface(
      columns: 40, rows: 20, xRange: -3...3, yRange: -3...3, classes: classes, confidence: classes.map { _ in 1 },
      points: points)
    let b = render(DecisionSurfaceView(surface: s, theme: theme), 40, 10)
    expectGolden(Screenshot.text(b), "surface.txt")
    expectGolden(Screenshot.ansi(b), "surface-256.ansi")
    expectGolden(
      Screenshot.text(render(DecisionSurfaceView(surface: s, theme: Theme(colors: .mono, glyphs: .ascii)), 40, 10)),
      "surface-mono.txt")
  }
}

@Suite("Buffer, text and layout")
struct BufferTests {
  @Test func wideCharactersAndControls() {
    var b = Buffer(width: 10, height: 2)
    b.write("a漢字b", 0, 0)
    #expect(b.row(0) == "a漢字b    ")  // 6 cells used, 4 blank
    #expect(b[1, 0].symbol == "漢" && b[2, 0].isContinuation)
    b.write("x\u{1B}[31my\u{7}\u{9B}z", 0, 1)
    #expect(b.row(1) == "x?[31my??z")  // the one sanitiser shows controls as ?
    var c = Buffer(width: 3, height: 1)
    c.write("ab漢", 0, 0)
    #expect(c.row(0) == "ab ")
    #expect(Text.width("e\u{301}") == 1)
  }

  @Test func wrapAndFit() {
    #expect(Text.wrap("the quick brown fox jumps", width: 10) == ["the quick", "brown fox", "jumps"])
    #expect(Text.wrap("abcdefghijkl", width: 5) == ["abcde", "fghij", "kl"])
    #expect(Text.fit("abcdef", 4) == "abc…")
    #expect(Text.fit("ab", 4, align: .right) == "  ab")
  }

  @Test func layoutTilesExactly() {
    let r = Rect(x: 0, y: 0, width: 101, height: 10)
    let parts = Layout.split(r, .horizontal, [.length(10), .fill(1), .fill(2), .percentage(20)], spacing: 1)
    #expect(parts.map(\.width) == [10, 23, 46, 19])  // 98 cells: 10, 20% = 19, the 69 left split 1:2
    #expect(parts.last!.right == 101)
    let tight = Layout.split(Rect(x: 0, y: 0, width: 5, height: 1), .horizontal, [.length(4), .length(4)])
    #expect(tight.map(\.width) == [4, 1])
  }

  @Test func numberFormatting() {
    #expect(formatNumber(2.5634) == "2.56")
    #expect(formatNumber(0.0108) == "0.0108")
    #expect(formatNumber(12345) == "12.3k")
    #expect(formatNumber(0.00005) == "5e-5")
    #expect(formatNumber(-0.25) == "-0.25")
    #expect(formatNumber(.nan) == "NaN")
  }

  /// ColorMode.resolve, the one colour rule of live, play and shot.
  @Test func colorModeResolution() {
    let term = ["TERM": "xterm-256color"]
    // NO_COLOR (any value, even empty) beats the flag and the terminal.
    for flag in [nil, "truecolor", "256", "8", "mono"] as [String?] {
      for tc in [nil, .ansi256, .ansi8] as [ColorMode?] {
        #expect(ColorMode.resolve(flag: flag, environment: ["NO_COLOR": ""], terminalColors: tc) == .mono)
        #expect(ColorMode.resolve(flag: flag, environment: ["NO_COLOR": "1"], terminalColors: tc) == .mono)
      }
    }
    // No terminal (screenshots): the flag, else 256.
    #expect(ColorMode.resolve(flag: nil, environment: term, terminalColors: nil) == .ansi256)
    #expect(ColorMode.resolve(flag: "truecolor", environment: term, terminalColors: nil) == .truecolor)
    #expect(ColorMode.resolve(flag: "8", environment: term, terminalColors: nil) == .ansi8)
    #expect(ColorMode.resolve(flag: "mono", environment: [:], terminalColors: nil) == .mono)
    #expect(ColorMode.resolve(flag: "bogus", environment: [:], terminalColors: nil) == .ansi256)
    // A terminal: what it shows, and never more.
    #expect(ColorMode.resolve(flag: nil, environment: term, terminalColors: .ansi8) == .ansi8)
    #expect(ColorMode.resolve(flag: "truecolor", environment: term, terminalColors: .ansi256) == .ansi256)
    #expect(ColorMode.resolve(flag: "256", environment: term, terminalColors: .ansi8) == .ansi8)
    #expect(ColorMode.resolve(flag: "8", environment: term, terminalColors: .ansi256) == .ansi8)
    #expect(ColorMode.resolve(flag: "256", environment: term, terminalColors: .mono) == .mono)
  }
}
