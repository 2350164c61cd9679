/// Rows of text in aligned columns with a header row. Column widths fit the content and
/// shrink (with "…") when the area is narrow; extra rows are cut at the bottom.
public struct Table: Widget {
  public var header: [String]
  public var rows: [[String]]
  /// Style per row (nil: plain).
  public var rowStyles: [Style?]
  public var alignments: [Text.Alignment]
  public var theme: Theme
  /// Shorter headers (same columns), longest first, tried before columns are cut with "…".
  public var shorterHeaders: [[String]] = []

  public init(
    header: [String], rows: [[String]], rowStyles: [Style?] = [], alignments: [Text.Alignment] = [], theme: Theme
  ) {
    self.header = header
    self.rows = rows
    self.rowStyles = rowStyles
    self.alignments = alignments
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0, !header.isEmpty else { return }
    let rows = rows.map { $0.map(theme.label) }
    func columnWidths(_ header: [String]) -> [Int] {
      var widths = header.map(Text.width)
      for r in rows {
        for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], Text.width(c)) }
      }
      return widths
    }
    func total(_ w: [Int]) -> Int { w.reduce(0, +) + w.count - 1 }
    let headers = ([self.header] + shorterHeaders.filter { $0.count == self.header.count }).map {
      $0.map(theme.label)
    }
    let chosen = headers.first { total(columnWidths($0)) <= area.width } ?? headers.last!
    var widths = columnWidths(chosen)
    // Shrink the widest columns until the table fits (one space between columns).
    while total(widths) > area.width, let m = widths.max(), m > 3 {
      widths[widths.firstIndex(of: m)!] -= 1
    }
    func line(_ cells: [String], _ y: Int, _ style: Style) {
      var x = area.x
      for (i, w) in widths.enumerated() {
        let align = i < alignments.count ? alignments[i] : (i == 0 ? .left : .right)
        buffer.write(Text.fit(i < cells.count ? cells[i] : "", w, align: align), x, y, style, clip: area)
        x += w + 1
      }
    }
    line(chosen, area.y, theme.title)
    for (i, r) in rows.enumerated() where 1 + i < area.height {
      line(r, area.y + 1 + i, (i < rowStyles.count ? rowStyles[i] : nil) ?? theme.text)
    }
  }
}
