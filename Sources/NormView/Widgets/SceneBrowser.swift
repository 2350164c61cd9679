/// The live app's scene browser (`o`): the library's scenes on the left, the chosen one's
/// description, length, claims and last verdict on the right (below the list when the screen
/// is narrow), and a line to type a scene file's path.
public struct SceneBrowser: Widget, Sendable {
  public struct Item: Sendable, Equatable {
    public var name: String
    public var title: String
    /// `4 chapters · 1,900 steps · about 2 min live · 10 seeds · 12 claims`.
    public var summary: String
    public var description: String
    /// The last verdict over the scene's seeds, when known this session.
    public var verdict: String?
    /// Why it cannot be played (a file that does not parse).
    public var error: String?

    public init(
      name: String, title: String, summary: String, description: String, verdict: String? = nil,
      error: String? = nil
    ) {
      self.name = name
      self.title = title
      self.summary = summary
      self.description = description
      self.verdict = verdict
      self.error = error
    }
  }

  public var items: [Item]
  public var selected: Int
  /// The path being typed after `/`, or nil when not typing.
  public var pathInput: String?
  /// What the last attempt to open a scene said (an error, inline).
  public var message: String?
  public var theme: Theme

  public init(items: [Item], selected: Int, pathInput: String? = nil, message: String? = nil, theme: Theme) {
    self.items = items
    self.selected = selected
    self.pathInput = pathInput
    self.message = message
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    let ascii = theme.glyphs == .ascii
    let w = min(area.width - 2, 120)
    let h = area.height - 2
    let box = Layout.centered(area, width: w, height: h)
    guard box.width > 20, box.height > 6 else { return }
    buffer.fill(box, " ", Style(foreground: .default, background: .default))
    let dot = ascii ? "|" : "·"
    let title =
      pathInput != nil
      ? "open a scene file \(dot) type its path, Enter opens, Esc back"
      : "scenes \(dot) \(ascii ? "up/down" : "↑↓") choose \(dot) Enter plays \(dot) / types a path \(dot) Esc closes"
    Panel(title: title, theme: theme, focused: true).render(box, into: &buffer)
    let inner = box.inset(1)
    // The bottom line: the path being typed, or the last error.
    var body = inner
    let bottomY = inner.y + inner.height - 1
    // The path being typed on the last line, and above it what opening it said.
    var messageY = bottomY
    if let input = pathInput {
      body.height -= 1
      messageY -= 1
      let shown = Text.width(input) + 8 > inner.width ? "…" + String(input.suffix(max(1, inner.width - 10))) : input
      buffer.write(theme.label("path: ") + shown + "_", inner.x + 1, bottomY, theme.accent, clip: inner)
    }
    if let message {
      body.height -= 1
      buffer.write(Text.truncated(theme.label(message), to: inner.width - 2), inner.x + 1, messageY, theme.warning)
    }
    let nameWidth = min(max(items.map { Text.width($0.name) }.max() ?? 8, 8) + 4, inner.width / 3)
    let sideBySide = inner.width >= 70
    let list: Rect
    let preview: Rect
    if sideBySide {
      list = Rect(x: body.x, y: body.y, width: nameWidth, height: body.height)
      preview = Rect(x: body.x + nameWidth + 1, y: body.y, width: body.width - nameWidth - 1, height: body.height)
    } else {
      let listHeight = min(items.count, max(3, body.height / 3))
      list = Rect(x: body.x, y: body.y, width: body.width, height: listHeight)
      preview = Rect(x: body.x, y: body.y + listHeight + 1, width: body.width, height: body.height - listHeight - 1)
    }
    renderList(list, into: &buffer)
    if items.indices.contains(selected) { renderPreview(items[selected], preview, into: &buffer) }
  }

  /// The names, the selected one marked (`>` and accent), scrolled to keep it in view; a scene
  /// that does not parse is marked `!`.
  func renderList(_ r: Rect, into buffer: inout Buffer) {
    guard r.height > 0 else { return }
    let first = max(0, min(selected - r.height / 2, items.count - r.height))
    for row in 0..<min(r.height, items.count - first) {
      let i = first + row
      let item = items[i]
      let mark = i == selected ? ">" : " "
      let flag = item.error != nil ? "!" : " "
      let text = Text.truncated("\(mark)\(flag)\(item.name)", to: r.width)
      buffer.write(text, r.x + 1, r.y + row, i == selected ? theme.accent : theme.text, clip: r)
    }
  }

  func renderPreview(_ item: Item, _ r: Rect, into buffer: inout Buffer) {
    guard r.width > 10, r.height > 0 else { return }
    var lines: [(String, Style)] = []
    for l in Text.wrap(theme.label(item.title), width: r.width - 2) { lines.append((l, theme.title)) }
    if let error = item.error {
      for l in Text.wrap(theme.label("cannot be played: " + error), width: r.width - 2) {
        lines.append((l, theme.warning))
      }
    } else {
      for l in Text.wrap(theme.label(item.summary), width: r.width - 2) { lines.append((l, theme.accent)) }
      lines.append(
        (
          theme.label(item.verdict.map { "last verdict: " + $0 } ?? "last verdict: not checked this session"),
          theme.dim
        ))
    }
    lines.append(("", theme.text))
    for l in Text.wrap(theme.label(item.description), width: r.width - 2) { lines.append((l, theme.text)) }
    for (k, line) in lines.prefix(r.height).enumerated() {
      buffer.write(line.0, r.x + 1, r.y + k, line.1, clip: r)
    }
  }
}
