/// A caption box: a heading (e.g. the scene's chapter) and word-wrapped text, centred
/// vertically. In presenter mode the text is bold and set off with a blank line, for a class
/// reading a projector.
public struct Caption: Widget {
  public var heading: String?
  public var text: String
  public var theme: Theme
  public var presenter: Bool

  public init(heading: String? = nil, text: String, theme: Theme, presenter: Bool = false) {
    self.heading = heading
    self.text = text
    self.theme = theme
    self.presenter = presenter
  }

  /// Rows the caption needs at a given width (inside its panel).
  public static func height(of text: String, width: Int) -> Int { Text.wrap(text, width: max(1, width)).count }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 2, area.height > 0 else { return }
    let inner = area.inset(left: 1, right: 1)
    var lines = Text.wrap(theme.label(text), width: inner.width)
    if lines.count > inner.height {
      lines = Array(lines.prefix(inner.height))
      // The last line ends in "…" after a whole word.
      if let l = lines.last { lines[lines.count - 1] = Text.truncatedAtWord(l + theme.label(" …"), to: inner.width) }
    }
    let y0 = inner.y + max(0, (inner.height - lines.count) / 2)
    let st = presenter ? Style(attributes: .bold) : theme.text
    for (i, l) in lines.enumerated() {
      buffer.write(Text.fit(l, inner.width, align: presenter ? .center : .left), inner.x, y0 + i, st)
    }
    _ = heading
  }
}
