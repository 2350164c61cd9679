/// One row of variant entries, `marker name value` each, in the variant's style. It never drops
/// a variant silently. When the full form does not fit it abbreviates, step by step:
///
/// 1. one space between entries instead of two;
/// 2. each entry's shorter values in turn (e.g. `p50 0.75`, then `0.75` for a percentile
///    band), first with whole names, then with names cut to four cells (`pla…`);
/// 3. no values: marker and cut name (with `preferValues`: no names, marker and shortest
///    value, for a row of numbers whose markers another legend names);
///
/// and only when even that does not fit does it show the entries that fit followed by `+N more`.
public struct Legend: Widget {
  public struct Entry: Sendable {
    /// The variant's index (its marker, ``Theme/marker(_:)``).
    public var marker: Int
    public var name: String
    public var value: String
    /// Shorter forms of the value for narrow rows, longest first.
    public var shorterValues: [String]
    public var style: Style

    public init(marker: Int, name: String, value: String, shorterValues: [String] = [], style: Style) {
      self.marker = marker
      self.name = name
      self.value = value
      self.shorterValues = shorterValues
      self.style = style
    }

    /// The shortest form of the value.
    public var shortest: String { shorterValues.last ?? value }
  }

  public var entries: [Entry]
  public var theme: Theme
  /// When even cut names do not fit, keep the values and drop the names (not the reverse).
  public var preferValues: Bool

  public init(entries: [Entry], theme: Theme, preferValues: Bool = false) {
    self.entries = entries
    self.theme = theme
    self.preferValues = preferValues
  }

  /// The texts drawn at `width` cells and the gap between them; the last text is `+N more` when
  /// entries were left out.
  public func layout(width: Int) -> (texts: [(String, Style)], gap: Int) {
    func text(_ e: Entry, name: String, value: String?) -> String {
      let v = value.map { $0.isEmpty ? "" : " " + $0 } ?? ""
      return theme.label(theme.marker(e.marker) + (name.isEmpty ? "" : " " + name) + v)
    }
    func cut(_ n: String) -> String { Text.truncated(n, to: 4) }
    var forms: [(gap: Int, make: (Entry) -> String)] = [
      (2, { text($0, name: $0.name, value: $0.value) }),
      (1, { text($0, name: $0.name, value: $0.value) }),
    ]
    let depth = entries.map(\.shorterValues.count).max() ?? 0
    func value(_ e: Entry, _ k: Int) -> String { k < e.shorterValues.count ? e.shorterValues[k] : e.shortest }
    for k in 0..<depth {
      forms.append((1, { text($0, name: $0.name, value: value($0, k)) }))
      forms.append((1, { text($0, name: cut($0.name), value: value($0, k)) }))
    }
    if depth == 0 { forms.append((1, { text($0, name: cut($0.name), value: $0.value) })) }
    forms.append(
      preferValues
        ? (1, { text($0, name: "", value: $0.shortest) }) : (1, { text($0, name: cut($0.name), value: nil) }))
    for f in forms {
      let texts = entries.map { (f.make($0), $0.style) }
      if total(texts, gap: f.gap) <= width { return (texts, f.gap) }
    }
    // Even the shortest form does not fit: as many as fit, then "+N more".
    let short = entries.map { (forms.last!.make($0), $0.style) }
    for kept in stride(from: short.count - 1, through: 0, by: -1) {
      let more = ("+\(short.count - kept) more", theme.dim)
      let texts = Array(short.prefix(kept)) + [more]
      if total(texts, gap: 1) <= width || kept == 0 { return (texts, 1) }
    }
    return ([], 1)
  }

  func total(_ texts: [(String, Style)], gap: Int) -> Int {
    texts.reduce(0) { $0 + Text.width($1.0) } + gap * max(0, texts.count - 1)
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0, !entries.isEmpty else { return }
    let (texts, gap) = layout(width: area.width)
    var x = area.x
    for (t, st) in texts {
      x = buffer.write(t, x, area.y, st, clip: Rect(x: area.x, y: area.y, width: area.width, height: 1)) + gap
    }
  }
}
