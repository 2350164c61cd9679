import NormSupport

/// The live app's experiment editor (`m`) as drawn: a box over the panels with one line per
/// field (`> label   value`), each invalid field followed by its message (`! …`, marked by text
/// as well as colour, so it reads under NO_COLOR), scrolled to keep the focused field in view,
/// and a bottom line saying whether Enter applies. The form's state and rules live in the app
/// (NormApp's `ExperimentEditor`); this widget only draws rows.
public struct ExperimentForm: Widget, Sendable {
  /// One line of the form.
  public struct Row: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// A section heading (`variant 2`).
      case heading
      /// Typed text (a cursor shows when focused).
      case text
      /// One of a few values, changed with ← →.
      case choice
      /// Shown, not edited (a structured variant's generated spec).
      case readOnly
      /// Enter runs it (`[Apply]`).
      case action
    }
    public var kind: Kind
    public var label: String
    public var value: String
    /// Shown dim when `value` is empty (what a blank field means).
    public var placeholder: String?
    public var focused: Bool
    public var error: String?
    /// The 1-based column of `value` the error points at (a spec error): a `^` marks it when
    /// the value fits on one line.
    public var errorColumn: Int?

    public init(
      _ kind: Kind, _ label: String, _ value: String = "", placeholder: String? = nil, focused: Bool = false,
      error: String? = nil
    ) {
      self.kind = kind
      self.label = label
      self.value = value
      self.placeholder = placeholder
      self.focused = focused
      self.error = error
    }
  }

  public var rows: [Row]
  /// The bottom line: whether Enter applies, or how many problems stop it.
  public var status: String
  public var theme: Theme

  public init(rows: [Row], status: String, theme: Theme) {
    self.rows = rows
    self.status = status
    self.theme = theme
  }

  /// Width of the label column.
  static let labelWidth = 16

  public func render(_ area: Rect, into buffer: inout Buffer) {
    let ascii = theme.glyphs == .ascii
    let box = Layout.centered(area, width: min(area.width - 2, 100), height: area.height - 2)
    guard box.width > 24, box.height > 5 else { return }
    buffer.fill(box, " ", Style(foreground: .default, background: .default))
    let dot = ascii ? "|" : "·"
    let arrows = ascii ? "up/down" : "↑↓"
    let sides = ascii ? "left/right" : "←→"
    let title = Text.firstFitting(
      [
        "experiment \(dot) tab/\(arrows) move \(dot) \(sides) choose \(dot) type to edit \(dot) Enter applies \(dot) Esc cancels",
        "experiment \(dot) Enter applies \(dot) Esc cancels", "experiment",
      ], box.width - 6)
    Panel(title: title, theme: theme, focused: true).render(box, into: &buffer)
    let inner = box.inset(1)
    var body = inner
    body.height -= 1
    let lines = self.lines(width: inner.width - 2)
    let focusLines = lines.indices.filter { lines[$0].focused }
    var first = 0
    if let last = focusLines.last, last >= body.height {
      first = min(max(0, last - body.height / 2), max(0, lines.count - body.height))
    }
    if let top = focusLines.first, top < first { first = top }
    for (k, line) in lines.dropFirst(first).prefix(body.height).enumerated() {
      buffer.write(line.text, body.x + 1, body.y + k, line.style, clip: body)
    }
    var footer = status
    if lines.count > body.height {
      footer += " \(dot) lines \(first + 1)-\(min(lines.count, first + body.height)) of \(lines.count)"
    }
    buffer.write(
      Text.truncated(theme.label(footer), to: inner.width - 2), inner.x + 1, inner.y + inner.height - 1,
      status.hasPrefix("!") ? theme.warning : theme.accent)
  }

  /// The form's lines at `width`: each row, its wrapped value (a long spec), its error.
  func lines(width: Int) -> [(text: String, style: Style, focused: Bool)] {
    var out = [(text: String, style: Style, focused: Bool)]()
    let valueWidth = max(8, width - Self.labelWidth - 2)
    for row in rows {
      let mark = row.focused ? ">" : " "
      switch row.kind {
      case .heading:
        out.append((theme.label(row.label), theme.title, row.focused))
        continue
      case .action:
        out.append(("\(mark) " + theme.label(row.label), row.focused ? theme.accent : theme.text, row.focused))
      case .text, .choice, .readOnly:
        var value = row.value
        if row.kind == .choice { value = "< \(value) >" }
        if row.kind == .text && row.focused { value += "_" }
        if row.value.isEmpty, let p = row.placeholder { value += "(\(p))" }
        let wrapped = Text.wrap(theme.label(value), width: valueWidth)
        let head = "\(mark) " + Text.fit(theme.label(row.label), Self.labelWidth - 2) + "  "
        for (k, part) in (wrapped.isEmpty ? [""] : wrapped).enumerated() {
          let lead = k == 0 ? head : String(repeating: " ", count: Self.labelWidth + 2)
          let style = row.focused ? theme.accent : (row.kind == .readOnly ? theme.dim : theme.text)
          out.append((lead + part, style, row.focused))
        }
      }
      if let c = row.errorColumn, row.error != nil, c >= 1, Text.width(row.value) + 1 <= valueWidth,
        row.kind == .text || row.kind == .readOnly
      {
        out.append((String(repeating: " ", count: Self.labelWidth + 1 + c) + "^", theme.warning, row.focused))
      }
      if let e = row.error {
        for part in Text.wrap(theme.label("! " + e), width: max(8, width - 4)) {
          out.append(("    " + part, theme.warning, row.focused))
        }
      }
    }
    return out
  }
}
