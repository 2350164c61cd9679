/// The status bar: one row of `label value` fields on a bar background, each field kept
/// whole (fields that do not fit are dropped from the right), and a message at the right end.
public struct StatusBar: Widget {
  public var fields: [(label: String, value: String, style: Style?)]
  public var message: String?
  public var theme: Theme

  public init(fields: [(label: String, value: String, style: Style?)], message: String? = nil, theme: Theme) {
    self.fields = fields
    self.message = message
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0 else { return }
    buffer.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), " ", theme.bar)
    var x = area.x + 1
    let msg = message.map { " " + theme.label($0) + " " } ?? ""
    let limit = area.right - Text.width(msg)
    for f in fields {
      let f = (label: theme.label(f.label), value: theme.label(f.value), style: f.style)
      let text = f.label.isEmpty ? f.value : f.label + " " + f.value
      let w = Text.width(text)
      // A field that does not fit is left out, and a later, shorter one may still fit: the
      // fields come in order of importance.
      if x + w > limit { continue }
      if !f.label.isEmpty {
        buffer.write(
          f.label + " ", x, area.y,
          Style(foreground: theme.bar.foreground, background: theme.bar.background, attributes: .dim))
      }
      let vx = f.label.isEmpty ? x : x + Text.width(f.label) + 1
      var vs = theme.bar
      if let s = f.style {
        vs.foreground = s.foreground ?? vs.foreground
        vs.attributes = s.attributes
      }
      buffer.write(f.value, vx, area.y, vs)
      x += w + 3
    }
    if !msg.isEmpty, Text.width(msg) < area.width {
      buffer.write(
        msg, area.right - Text.width(msg), area.y,
        Style(foreground: theme.accent.foreground, background: theme.bar.background, attributes: .bold))
    }
  }
}

/// The key-help bar: `key action` pairs, keys highlighted; pairs that do not fit are dropped
/// from the end, always keeping the last two (`q quit`, `? help`).
public struct KeyHelpBar: Widget {
  public var keys: [(key: String, action: String)]
  public var theme: Theme

  public init(keys: [(key: String, action: String)], theme: Theme) {
    self.keys = keys
    self.theme = theme
  }

  /// The bar of a key table's rows marked for it, with ASCII keys under ASCII glyphs.
  public init(bindings: [KeyBinding], theme: Theme) {
    self.keys = bindings.compactMap { b in
      b.keyBar.map { (theme.glyphs == .ascii ? $0.asciiKey : $0.key, $0.action) }
    }
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    for item in itemRects(area) {
      let k = (key: theme.label(keys[item.index].key), action: theme.label(keys[item.index].action))
      let x = buffer.write(" " + k.key + " ", item.rect.x, area.y, theme.key, clip: area)
      buffer.write(" " + k.action + " ", x, area.y, theme.dim, clip: area)
    }
  }

  /// The items drawn in `area` (indices into ``keys``) and the cells each covers, ` key  action `,
  /// cut at the area's edge: what ``render(_:into:)`` draws, and where a click lands on one.
  public func itemRects(_ area: Rect) -> [(index: Int, rect: Rect)] {
    guard area.width > 0, area.height > 0 else { return [] }
    let widths = keys.map { Text.width(theme.label($0.key)) + Text.width(theme.label($0.action)) + 4 }
    var chosen = Array(keys.indices)
    while chosen.reduce(0, { $0 + widths[$1] }) > area.width, chosen.count > 2 { chosen.remove(at: chosen.count - 3) }
    var out = [(index: Int, rect: Rect)]()
    var x = area.x
    for i in chosen where x < area.right {
      out.append((i, Rect(x: x, y: area.y, width: min(widths[i], area.right - x), height: 1)))
      x += widths[i]
    }
    return out
  }
}

/// A centred box over the dashboard listing every key and what each panel shows.
public struct HelpOverlay: Widget {
  public var keys: [(key: String, action: String)]
  public var notes: [String]
  public var theme: Theme
  /// Lines scrolled past (keys, a blank line, then the notes); clamped to what exists.
  public var scroll = 0

  public init(keys: [(key: String, action: String)], notes: [String], theme: Theme) {
    self.keys = keys
    self.notes = notes
    self.theme = theme
  }

  /// Every row of a key table, in ASCII under ASCII glyphs.
  public init(bindings: [KeyBinding], notes: [String], theme: Theme) {
    let ascii = theme.glyphs == .ascii
    self.init(
      keys: bindings.map { ascii ? ($0.asciiLabel, $0.asciiHelp) : ($0.label, $0.help) }, notes: notes, theme: theme)
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    let keys = self.keys.map { (key: theme.label($0.key), action: theme.label($0.action)) }
    let notes = self.notes.map(theme.label)
    let keyWidth = keys.map { Text.width($0.key) }.max() ?? 0
    let actionWidth = keys.map { Text.width($0.action) }.max() ?? 0
    let w = min(area.width - 2, 96, max(keyWidth + actionWidth + 6, 50))
    let noteLines = notes.flatMap { Text.wrap($0, width: w - 4) }
    // A description wider than the box wraps onto lines of its own under the descriptions
    // (never cut off): rows of (key or "", text).
    let keyRows = keys.flatMap { k in
      Text.wrap(k.action, width: max(1, w - keyWidth - 6)).enumerated().map {
        ($0.offset == 0 ? k.key : "", $0.element)
      }
    }
    let total = keyRows.count + 1 + noteLines.count
    let h = min(area.height - 2, total + 2)
    let box = Layout.centered(area, width: w, height: h)
    guard box.width > 10, box.height > 3 else { return }
    buffer.fill(box, " ", Style(foreground: .default, background: .default))
    let visible = box.height - 2
    let first = max(0, min(scroll, total - visible))
    let dash = theme.glyphs == .ascii ? "-" : "—"
    // What does not fit scrolls, and the title says where the view is and how to move it.
    let title =
      total > visible
      ? "keys \(dash) lines \(first + 1)-\(first + visible) of \(total), \(theme.glyphs == .ascii ? "up/down" : "↑↓") scroll \(dash) press ? or Esc to close"
      : "keys \(dash) press ? or Esc to close"
    Panel(title: title, theme: theme, focused: true).render(box, into: &buffer)
    for row in 0..<visible {
      let line = first + row
      let y = box.y + 1 + row
      if line < keyRows.count {
        let k = keyRows[line]
        buffer.write(Text.fit(k.0, keyWidth, align: .right), box.x + 2, y, theme.accent, clip: box.inset(1))
        buffer.write(k.1, box.x + 4 + keyWidth, y, theme.text, clip: box.inset(1))
      } else if line > keyRows.count, line - keyRows.count - 1 < noteLines.count {
        buffer.write(noteLines[line - keyRows.count - 1], box.x + 2, y, theme.dim, clip: box.inset(1))
      }
    }
  }
}
