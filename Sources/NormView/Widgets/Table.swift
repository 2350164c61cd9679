/// Rows of text in aligned columns with a header row. Column widths fit the content and
/// shrink (with "…") when the area is narrow; extra rows are cut at the bottom.
public struct Table: Widget {
  public var header: [String]
  public var rows: [[String]]
  /// Style per row (nil: plain).
  public var rowStyles: [Style?]
  public var alignments: [Text.Alignment]
  public var theme: Theme

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
    let header = header.map(theme.label)
    let rows = rows.map { $0.map(theme.label) }
    var widths = header.map(Text.width)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], Text.width(c)) } }
    // Shrink the widest columns until the table fits (one space between columns).
    while widths.reduce(0, +) + widths.count - 1 > area.width, let m = widths.max(), m > 3 {
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
    line(header, area.y, theme.title)
    for (i, r) in rows.enumerated() where 1 + i < area.height {
      line(r, area.y + 1 + i, (i < rowStyles.count ? rowStyles[i] : nil) ?? theme.text)
    }
  }
}
