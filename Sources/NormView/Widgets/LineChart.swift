import NormCore
import NormSupport

/// A line chart drawn with sub-cell dots (braille 2×4, quadrants 2×2 or ASCII), with y-axis
/// tick labels, first/last step on the x axis, a legend and several coloured series. With
/// `logY` the y axis is logarithmic (non-positive values are skipped and counted). Non-finite
/// points break the line; they are never plotted as numbers.
///
/// Every sample is drawn: a series is a solid or dashed line through all its points (a dashed
/// line leaves gaps between samples, never a sample out). Variants are told apart without colour:
/// each series carries its variant's marker (``Theme/marker(_:)``), drawn on the line at a few
/// of its samples (staggered per variant) and in the legend; with ASCII glyphs the whole line is
/// drawn in that marker (`*`, `+`, `o`, `x`).
public struct LineChart: Widget {
  public struct Series: Sendable {
    public var label: String
    public var steps: [Int]
    public var values: [Float]
    public var style: Style
    /// Index of the variant (for the legend marker).
    public var marker: Int
    /// Solid, or dashed for secondary series (e.g. percentile edges).
    public var pattern: Pattern
    /// Whether the series has its own legend entry (a variant's secondary series need not).
    public var inLegend: Bool
    /// The legend's value and its shorter forms (longest first); nil: the last value.
    public var legendValues: [String]? = nil
    public init(
      label: String, steps: [Int], values: [Float], style: Style, marker: Int, pattern: Pattern = .solid,
      inLegend: Bool = true
    ) {
      self.label = label
      self.steps = steps
      self.values = values
      self.style = style
      self.marker = marker
      self.pattern = pattern
      self.inLegend = inLegend
    }
  }

  /// How a series' line is drawn between its samples.
  public enum Pattern: Sendable {
    case solid
    /// Dashes between samples; every sample's dot is still set.
    case dashed
  }

  public var series: [Series]
  public var theme: Theme
  public var logY = false
  /// Fixed y range; nil fits the data.
  public var yRange: ClosedRange<Double>? = nil
  public var showLegend = true
  /// When the legend is short of room, keep the values and drop the names (``Legend/preferValues``).
  public var legendPrefersValues = false
  /// Text shown when there is nothing to plot.
  public var emptyText = "no data yet"

  public init(series: [Series], theme: Theme, logY: Bool = false, yRange: ClosedRange<Double>? = nil) {
    self.series = series
    self.theme = theme
    self.logY = logY
    self.yRange = yRange
  }

  func transform(_ v: Float) -> Double? {
    guard v.isFinite else { return nil }
    if logY { return v > 0 ? log10(Double(v)) : nil }
    return Double(v)
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width >= 10, area.height >= 3 else { return }
    var ys = [Double]()
    var xMin = Int.max
    var xMax = Int.min
    for s in series {
      for (i, v) in s.values.enumerated() {
        if let t = transform(v) { ys.append(t) }
        xMin = min(xMin, s.steps[i])
        xMax = max(xMax, s.steps[i])
      }
    }
    var legendRows = 0
    if showLegend && !series.isEmpty { legendRows = 1 }
    guard !ys.isEmpty, xMin <= xMax else {
      buffer.write(Text.fit(emptyText, area.width, align: .center), area.x, area.y + area.height / 2, theme.dim)
      drawLegend(area, &buffer)
      return
    }
    var lo = yRange.map { logY ? log10(max($0.lowerBound, 1e-12)) : $0.lowerBound } ?? ys.min()!
    var hi = yRange.map { logY ? log10(max($0.upperBound, 1e-12)) : $0.upperBound } ?? ys.max()!
    if hi - lo < 1e-9 {
      lo -= logY ? 0.5 : max(abs(lo) * 0.1, 0.5)
      hi += logY ? 0.5 : max(abs(hi) * 0.1, 0.5)
    }
    let ticks = [hi, (hi + lo) / 2, lo].map { logY ? pow10($0) : $0 }
    let labels = ticks.map { formatNumber($0) }
    let labelWidth = labels.map(Text.width).max()! + 1
    let plot = Rect(
      x: area.x + labelWidth + 1, y: area.y + legendRows, width: area.width - labelWidth - 1,
      height: area.height - legendRows - 1)
    guard plot.width >= 2, plot.height >= 1 else { return }
    // Axes.
    for y in plot.y..<plot.bottom { buffer.put(theme.glyphs == .ascii ? "|" : "│", plot.x - 1, y, theme.axis) }
    buffer.put(theme.glyphs == .ascii ? "+" : "└", plot.x - 1, plot.bottom, theme.axis)
    for x in plot.x..<plot.right { buffer.put(theme.glyphs == .ascii ? "-" : "─", x, plot.bottom, theme.axis) }
    let rowsFor = [plot.y, plot.y + (plot.height - 1) / 2, plot.bottom - 1]
    for (i, l) in labels.enumerated() where i == 0 || rowsFor[i] != rowsFor[i - 1] {
      buffer.write(Text.fit(l, labelWidth, align: .right), area.x, rowsFor[i], theme.axis)
    }
    let xl = "\(xMin)"
    let xr = "\(xMax)" + (logY ? "  log" : "")
    buffer.write(xl, plot.x, plot.bottom, theme.axis)
    if plot.width > Text.width(xl) + Text.width(xr) + 2 {
      buffer.write(xr, plot.right - Text.width(xr), plot.bottom, theme.axis)
    }
    let (canvas, sampleCells) = plotSeries(plot, xMin: xMin, xMax: xMax, lo: lo, hi: hi)
    canvas.render(into: &buffer, at: (plot.x, plot.y))
    drawMarkers(sampleCells, plot, &buffer)
    drawLegend(area, &buffer)
  }

  /// Every series drawn on a canvas the size of `plot` (dashed where asked), and each sample's
  /// cell, for the markers.
  func plotSeries(_ plot: Rect, xMin: Int, xMax: Int, lo: Double, hi: Double) -> (Canvas, [[(Int, Int)]]) {
    var canvas = Canvas(columns: plot.width, rows: plot.height, glyphs: theme.glyphs)
    let span = Double(max(xMax - xMin, 1))
    let dash = canvas.dotsPerCell.x * (theme.glyphs == .braille ? 2 : 1)
    // Sample cells per series, for the markers drawn on the lines.
    var sampleCells = [[(Int, Int)]]()
    for s in series {
      let ascii = theme.glyphs == .ascii ? theme.marker(s.marker) : nil
      var cells = [(Int, Int)]()
      defer { sampleCells.append(cells) }
      var prev: (Int, Int)? = nil
      var dashOffset = 0
      for (i, v) in s.values.enumerated() {
        guard let t = transform(v) else {
          prev = nil
          continue
        }
        let px = Int(
          clamping: Double(s.steps[i] - xMin) / span * Double(canvas.width - 1), rounding: .toNearestOrAwayFromZero)
        let f = (t - lo) / (hi - lo)
        guard f.isFinite else { continue }
        let py = Int(clamping: (1 - min(max(f, 0), 1)) * Double(canvas.height - 1), rounding: .toNearestOrAwayFromZero)
        if let p = prev {
          dashOffset += canvas.line(
            p.0, p.1, px, py, s.style, dash: s.pattern == .dashed ? dash : 0, dashOffset: dashOffset, symbol: ascii)
        } else {
          canvas.set(px, py, s.style, symbol: ascii)
        }
        cells.append((px / canvas.dotsPerCell.x, py / canvas.dotsPerCell.y))
        prev = (px, py)
      }
    }
    return (canvas, sampleCells)
  }

  /// Each solid series' marker on its line, at the samples nearest to a few columns spread
  /// over the plot and staggered per variant (so that two variants' markers do not coincide).
  func drawMarkers(_ sampleCells: [[(Int, Int)]], _ plot: Rect, _ buffer: inout Buffer) {
    guard theme.glyphs != .ascii else { return }  // the lines are drawn in their markers
    let variants = Set(series.map(\.marker)).sorted()
    let perLine = max(1, plot.width / 24)
    for (s, cells) in zip(series, sampleCells) where s.pattern == .solid && !cells.isEmpty {
      let rank = variants.firstIndex(of: s.marker) ?? 0
      for j in 0..<perLine {
        let target = plot.width * (2 * j * (variants.count + 1) + 2 * (rank + 1)) / (2 * perLine * (variants.count + 1))
        guard let c = cells.min(by: { abs($0.0 - target) < abs($1.0 - target) }) else { continue }
        buffer.put(theme.marker(s.marker), plot.x + c.0, plot.y + c.1, s.style)
      }
    }
  }

  func drawLegend(_ area: Rect, _ buffer: inout Buffer) {
    guard showLegend, !series.isEmpty else { return }
    let entries = series.filter(\.inLegend).map { s in
      let values = s.legendValues ?? [s.values.last.map { formatNumber(Double($0)) } ?? ""]
      return Legend.Entry(
        marker: s.marker, name: s.label, value: values.first ?? "", shorterValues: Array(values.dropFirst()),
        style: s.style)
    }
    Legend(entries: entries, theme: theme, preferValues: legendPrefersValues).render(
      Rect(x: area.x + 1, y: area.y, width: area.width - 1, height: 1), into: &buffer)
  }
}

func log10(_ x: Double) -> Double { naturalLog(x) / naturalLog(10) }
func pow10(_ x: Double) -> Double { naturalExp(x * naturalLog(10)) }
