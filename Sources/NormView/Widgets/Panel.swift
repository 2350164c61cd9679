/// A bordered box with a title, the frame every dashboard panel sits in. A focused panel has a
/// heavier, highlighted border. `inner(_:)` is the area left for content.
public struct Panel: Widget {
  public var title: String
  public var theme: Theme
  public var focused: Bool
  /// Right-aligned text in the top border (e.g. "layer 2").
  public var badge: String?
  /// Shorter titles, longest first: a narrow panel shows the first that fits rather than cut
  /// the title inside a word.
  public var shorterTitles: [String]

  public init(
    title: String, theme: Theme, focused: Bool = false, badge: String? = nil, shorterTitles: [String] = []
  ) {
    self.title = title
    self.theme = theme
    self.focused = focused
    self.badge = badge
    self.shorterTitles = shorterTitles
  }

  public func inner(_ area: Rect) -> Rect { area.inset(1) }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width >= 2, area.height >= 2 else { return }
    let b = focused ? theme.boxFocused : theme.box
    let st = focused ? theme.focusBorder : theme.border
    for x in area.x..<area.right {
      buffer.put(b.h, x, area.y, st)
      buffer.put(b.h, x, area.bottom - 1, st)
    }
    for y in area.y..<area.bottom {
      buffer.put(b.v, area.x, y, st)
      buffer.put(b.v, area.right - 1, y, st)
    }
    buffer.put(b.tl, area.x, area.y, st)
    buffer.put(b.tr, area.right - 1, area.y, st)
    buffer.put(b.bl, area.x, area.bottom - 1, st)
    buffer.put(b.br, area.right - 1, area.bottom - 1, st)
    let room = area.width - 4
    guard room > 0 else { return }
    var badgeText = ""
    if let badge, room > 12 { badgeText = " " + Text.truncatedAtWord(theme.label(badge), to: room / 2) + " " }
    let forms = ([title] + shorterTitles).map(theme.label)
    let t = " " + Text.firstFitting(forms, max(0, room - Text.width(badgeText) - 2)) + " "
    buffer.write(t, area.x + 2, area.y, focused ? theme.focusBorder : theme.title)
    if !badgeText.isEmpty {
      buffer.write(badgeText, area.right - 2 - Text.width(badgeText), area.y, theme.dim)
    }
  }
}
