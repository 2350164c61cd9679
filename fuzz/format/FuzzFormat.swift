// libFuzzer target: number formatting and plotting. The input's bytes are read as Doubles, Floats
// and small integers (NormFuzzDriver.ByteReader: a selector byte picks NaN, ±inf, ±0,
// subnormals, extremes, rounding edges, or raw bit patterns) and fed to `formatNumber`, to every
// widget that draws numbers (LineChart, Sparkline, HistogramChart, Heatmap, PercentileBandChart,
// DecisionSurfaceView, Table, StatusBar), to the whole dashboard with hostile records (every
// panel, zoomed or not, at small and odd sizes), and to every screenshot exporter and the
// flip-book (with a hostile byte budget).
import NormCore
import NormFuzzDriver
import NormLab
import NormScene
import NormSupport
import NormView

/// A dashboard of a real (tiny) experiment on 2-D data, so every panel exists, taken once.
let baseState: DashboardState = {
  let text = """
    title "format fuzz"
    data spirals
    variant plain: linear 8, relu, linear 3
    variant bn: linear 8, batchnorm, sigmoid, linear 8, layernorm, tanh, linear 3
    batch 8
    instruments every=1 ics=1 smoothness=1 probe=16 validation=1
    run 3
    """
  do {
    let player = try ScenePlayer(scene: try SceneParser.parse(text, file: "format.scene"))
    try player.playToEnd(delegate: nil)
    return DashboardState(experiment: player.experiment, title: "format fuzz", theme: Theme())
  } catch { fatalError("the format target's base scene does not play: \(error)") }
}()

func hasControl(_ s: String, allowingNewline: Bool) -> Bool {
  s.unicodeScalars.contains { u in
    (u.value < 0x20 && !(allowingNewline && u == "\n")) || (0x7F...0x9F).contains(u.value)
  }
}

extension ByteReader {
  /// Non-negative, non-decreasing steps as training produces them (with large jumps).
  mutating func steps(_ n: Int) -> [Int] {
    var s = int(0...3) == 0 ? int(0...1 << 16) << int(0...24) : 0
    return (0..<n).map { _ in
      s += int(0...7) == 0 ? int(0...65535) << int(0...20) : int(0...3)
      return s
    }
  }

  mutating func values(_ n: Int) -> [Float] { (0..<n).map { _ in float() } }

  mutating func series() -> Series {
    let n = int(0...12)
    var s = Series(capacity: int(4...16))
    for (step, v) in zip(steps(n), values(n)) { s.append(step: step, v) }
    return s
  }

  /// A hostile (but valid: lower < upper) histogram range.
  mutating func histogramRange() -> (Float, Float) {
    let lo = float()
    let hi = float()
    if lo < hi { return (lo, hi) }
    return lo.isNaN || hi.isNaN || lo == hi ? (-1, 1) : (hi, lo)
  }

  /// A histogram with hostile values added. Histograms drawn together share their number of
  /// bins, and snapshots of one tap over time also their range, as the instruments make them.
  mutating func histogram(bins: Int, range: (Float, Float)? = nil) -> Histogram {
    let (lo, hi) = range ?? histogramRange()
    var h = Histogram(lower: lo, upper: hi, bins: bins)
    for _ in 0..<int(0...20) { h.add(float()) }
    if int(0...1) == 0 { for _ in 0..<int(0...200) { h.add(1) } }
    return h
  }

  mutating func range() -> ClosedRange<Double>? {
    let a = double()
    let b = double()
    return a <= b ? a...b : b <= a ? b...a : nil
  }

  mutating func floatRange() -> ClosedRange<Float> {
    let a = float()
    let b = float()
    return a <= b ? a...b : b <= a ? b...a : 0...1
  }

  mutating func theme() -> Theme {
    Theme(
      colors: ColorMode.allCases[int(0...ColorMode.allCases.count - 1)],
      glyphs: GlyphSet.allCases[int(0...GlyphSet.allCases.count - 1)])
  }

  mutating func surface() -> DecisionSurface {
    let columns = int(1...12)
    let rows = int(1...8)
    let classes = int(1...4)
    return DecisionSurface(
      columns: columns, rows: rows, xRange: floatRange(), yRange: floatRange(),
      classes: (0..<(columns * rows)).map { _ in int(0...classes - 1) }, confidence: values(columns * rows),
      points: (0..<int(0...10)).map { _ in DecisionSurface.Point(x: float(), y: float(), label: int(0...classes - 1)) })
  }
}

/// Dictionary keys in a fixed order, so an input reads its bytes the same way in every process.
func ordered<K>(_ keys: Dictionary<K, some Any>.Keys) -> [K] { keys.sorted { "\($0)" < "\($1)" } }

func checkFormatted(_ s: String) {
  check(!s.isEmpty && s.count <= 32, "formatNumber gave '\(s)'")
  check(!hasControl(s, allowingNewline: false), "control character in a formatted number")
}

/// Renders into a buffer and checks every exporter's output.
func export(_ b: Buffer, _ r: inout ByteReader) {
  let text = Screenshot.text(b)
  check(!hasControl(text, allowingNewline: true), "control character in a text screenshot")
  _ = Screenshot.export(b, as: ScreenshotFormat.allCases[r.int(0...ScreenshotFormat.allCases.count - 1)])
  var book = FlipBook(budget: r.int(0...1 << 16))
  for _ in 0..<r.int(0...3) { book.append(label: formatNumber(r.double()), buffer: b) }
  check(!hasControl(book.contents, allowingNewline: true), "control character in a flip-book")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormat(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var r = ByteReader(data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? [])
  // 1. Numbers alone.
  for _ in 0..<r.int(1...8) {
    let v = r.double()
    checkFormatted(formatNumber(v, digits: r.int(1...6)))
    checkFormatted(formatNumber(Double(Float(v))))
  }
  let theme = r.theme()
  // 2. Each widget on its own, in an area of hostile size.
  let w = r.int(0...120)
  let h = r.int(0...40)
  var b = Buffer(width: w, height: h)
  let area = Rect(x: 0, y: 0, width: w, height: h)
  switch r.int(0...7) {
  case 0, 1:
    let series = (0..<r.int(1...4)).map { i in
      let n = r.int(0...40)
      return LineChart.Series(
        label: "s\(i)", steps: r.steps(n), values: r.values(n), style: theme.variantStyle(i), marker: i,
        pattern: r.int(0...1) == 1 ? .dashed : .solid)
    }
    LineChart(series: series, theme: theme, logY: r.int(0...1) == 1, yRange: r.int(0...1) == 0 ? r.range() : nil)
      .render(area, into: &b)
  case 2: Sparkline(values: r.values(r.int(0...60)), style: theme.variantStyle(0), theme: theme).render(area, into: &b)
  case 3:
    let bins = r.int(1...40)
    HistogramChart(
      histograms: (0..<r.int(1...3)).map { (r.histogram(bins: bins), theme.variantStyle($0)) }, theme: theme
    )
    .render(area, into: &b)
  case 4:
    let n = r.int(0...20)
    let bins = r.int(1...40)
    let range = r.histogramRange()
    let snaps = (0..<n).map { _ in r.histogram(bins: bins, range: range) }
    Heatmap(snapshots: snaps, steps: r.steps(n), theme: theme).render(area, into: &b)
  case 5:
    let bands = (0..<r.int(1...3)).map { i in
      PercentileBandChart.Band(
        label: "b\(i)", p15: r.series(), p50: r.series(), p85: r.series(), style: theme.variantStyle(i), marker: i)
    }
    PercentileBandChart(bands: bands, theme: theme).render(area, into: &b)
  case 6: DecisionSurfaceView(surface: r.surface(), theme: theme).render(area, into: &b)
  default:
    let rows = (0..<r.int(0...6)).map { _ in (0..<3).map { _ in formatNumber(r.double()) } }
    Table(header: ["a", "b", "c"], rows: rows, theme: theme).render(area, into: &b)
    StatusBar(
      fields: [("lr", formatNumber(r.double()), nil), ("loss", formatNumber(r.double()), nil)],
      message: formatNumber(r.double()), theme: theme
    ).render(area, into: &b)
  }
  export(b, &r)
  // 3. The dashboard with hostile records.
  var s = baseState
  s.theme = theme
  s.step = r.int(0...1 << 40)
  s.learningRate = r.float()
  s.batchSize = r.int(1...1 << 20)
  s.showTiming = r.int(0...1) == 1
  let bins = r.int(1...40)
  for i in s.records.indices {
    var rec = s.records[i]
    rec.loss = r.series()
    rec.lossSmoothed = r.series()
    rec.accuracy = r.series()
    rec.accuracySmoothed = r.series()
    rec.validationLoss = r.series()
    rec.validationAccuracy = r.series()
    rec.p15 = r.series()
    rec.p50 = r.series()
    rec.p85 = r.series()
    rec.lossVariation = r.series()
    rec.betaSmoothness = r.series()
    rec.trainModeAccuracy = r.series()
    rec.evalModeAccuracy = r.series()
    rec.singleSampleTrainAccuracy = r.series()
    rec.singleSampleEvalAccuracy = r.series()
    rec.secondsPerStep = r.double()
    if r.int(0...3) == 0 { rec.divergedAt = r.int(0...1 << 40) }
    for tap in ordered(rec.histograms.keys) { rec.histograms[tap] = r.histogram(bins: bins) }
    // One snapshot of every tap per sampled step: the step ring and each tap's ring agree.
    let capacity = r.int(1...8)
    let snapshots = r.int(0...10)
    for tap in ordered(rec.histogramHistory.keys) {
      var ring = RingBuffer<Histogram>(capacity: capacity)
      let range = r.histogramRange()
      for _ in 0..<snapshots { ring.append(r.histogram(bins: bins, range: range)) }
      rec.histogramHistory[tap] = ring
    }
    var steps = RingBuffer<Int>(capacity: capacity)
    for st in r.steps(snapshots) { steps.append(st) }
    rec.histogramSteps = steps
    for k in ordered(rec.bands.keys) {
      var band = PercentileBand()
      band.p15 = r.series()
      band.p50 = r.series()
      band.p85 = r.series()
      rec.bands[k] = band
    }
    for k in ordered(rec.driftSinceMark.keys) { rec.driftSinceMark[k] = r.series() }
    for k in ordered(rec.shiftMean.keys) { rec.shiftMean[k] = r.series() }
    for k in ordered(rec.shiftW1.keys) { rec.shiftW1[k] = r.series() }
    for k in ordered(rec.icsL2.keys) { rec.icsL2[k] = r.series() }
    for k in ordered(rec.icsCosine.keys) { rec.icsCosine[k] = r.series() }
    for k in ordered(rec.gradientNorm.keys) { rec.gradientNorm[k] = r.series() }
    for k in ordered(rec.bnMeanGap.keys) { rec.bnMeanGap[k] = r.series() }
    for k in ordered(rec.bnVarianceRatio.keys) { rec.bnVarianceRatio[k] = r.series() }
    s.records[i] = rec
  }
  s.surfaces = s.surfaces.map { _ in r.int(0...2) == 0 ? nil : r.surface() }
  s.focus = s.panels[r.int(0...s.panels.count - 1)]
  s.zoomed = r.int(0...1) == 1
  s.selectedLayer = r.int(1...max(s.layerCount, 1))
  let width = r.int(0...3) == 0 ? r.int(1...200) : 140
  let height = r.int(0...3) == 0 ? r.int(1...60) : 45
  let screen = Dashboard.render(s, width: width, height: height)
  check(screen.width == width && screen.height == height, "dashboard buffer of the wrong size")
  export(screen, &r)
  return 0
}

@main enum Main {
  static func main() { fuzzMain(fuzzFormat) }
}
