import NormLab

/// The BN paper's Figure 1 (b, c): the 15th, 50th and 85th percentiles of a layer's input over
/// time, per variant. The median is a solid line with the variant's marker on it; the 15th and
/// 85th are dashed edges of the band through every sample, all in the variant's colour. The
/// legend (``Legend``) names every variant with its band now (`p15/p50/p85`, or the median
/// alone when narrow).
public struct PercentileBandChart: Widget {
  public struct Band: Sendable {
    public var label: String
    public var p15, p50, p85: Series
    public var style: Style
    public var marker: Int
    public init(label: String, p15: Series, p50: Series, p85: Series, style: Style, marker: Int) {
      self.label = label
      self.p15 = p15
      self.p50 = p50
      self.p85 = p85
      self.style = style
      self.marker = marker
    }
  }
  public var bands: [Band]
  public var theme: Theme
  /// The legend row above the chart (off where a caller names the band itself).
  public var showLegend = true

  public init(bands: [Band], theme: Theme) {
    self.bands = bands
    self.theme = theme
  }

  /// A band's values now, longest first: `p15/p50/p85`, `p50 0.75`, `0.75`.
  public static func legendValues(_ b: Band) -> [String] {
    let now = [b.p15.last, b.p50.last, b.p85.last].map { $0.map { formatNumber(Double($0), digits: 2) } ?? "—" }
    return [now.joined(separator: "/"), "p50 " + now[1], now[1]]
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    var series = [LineChart.Series]()
    for b in bands {
      series.append(
        .init(label: b.label + " p50", steps: b.p50.steps, values: b.p50.values, style: b.style, marker: b.marker))
      series.append(
        .init(
          label: "p15", steps: b.p15.steps, values: b.p15.values, style: b.style, marker: b.marker, pattern: .dashed,
          inLegend: false))
      series.append(
        .init(
          label: "p85", steps: b.p85.steps, values: b.p85.values, style: b.style, marker: b.marker, pattern: .dashed,
          inLegend: false))
    }
    var chart = LineChart(series: series, theme: theme)
    chart.showLegend = false
    chart.emptyText = "no percentiles yet"
    chart.render(showLegend ? area.inset(top: 1) : area, into: &buffer)
    guard showLegend else { return }
    // Legend: one entry per variant, with its current band.
    let entries = bands.map { b in
      let forms = Self.legendValues(b)
      return Legend.Entry(
        marker: b.marker, name: b.label, value: forms[0], shorterValues: Array(forms.dropFirst()), style: b.style)
    }
    Legend(entries: entries, theme: theme).render(
      Rect(x: area.x + 1, y: area.y, width: area.width - 1, height: 1), into: &buffer)
  }
}
