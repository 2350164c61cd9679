/// The ASCII forms of what the dashboard draws, for the ASCII glyph set (a non-UTF-8 locale such
/// as `LANG=C`, where a terminal shows every other character as `?`, or `g` pressed twice).
///
/// Two levels:
/// - ``label(_:)`` rewrites a label in ASCII words and arrows (`→` becomes `->`, `×2` `x2`,
///   `|Δlogit|` `|dlogit|`, `‖G−G′‖` `||G-G'||`, `β` `beta`); widgets call it (through
///   ``Theme/label(_:)``) before they measure a label, so a longer ASCII form is laid out whole.
/// - ``cell(_:)`` maps one character to ASCII of the same width, for a buffer whose
///   ``Buffer/asciiOnly`` is set: the net under everything drawn (user text, numbers, glyphs),
///   so no cell of an ASCII screen ever holds a character the terminal would show as `?`.
public enum ASCII {
  /// Multi-character ASCII forms of the symbols labels use.
  static let words: [Character: String] = [
    "→": "->", "←": "<-", "↑": "^", "↓": "v", "↕": "^v", "⇒": "=>", "×": "x", "÷": "/", "·": "|", "‖": "||",
    "−": "-", "–": "-", "—": "-", "′": "'", "…": "...", "Δ": "d", "δ": "d", "β": "beta", "η": "eta", "μ": "mu",
    "σ": "sd", "γ": "gamma", "∈": "in", "½": "1/2", "±": "+-", "✕": "X", "✓": "ok", "✗": "FAIL", "≈": "~",
    "≤": "<=", "≥": ">=", "²": "^2", "°": "deg", "●": "*", "■": "+", "▲": "o", "◆": "x", "‘": "'", "’": "'",
    "“": "\"", "”": "\"",
  ]

  /// One-cell ASCII forms (box drawing, blocks, markers, the symbols above shortened to a cell).
  static let cells: [Character: Character] = [
    "─": "-", "━": "-", "│": "|", "┃": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "┏": "#", "┓": "#",
    "┗": "#", "┛": "#", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+", "═": "=", "║": "#", "→": ">",
    "←": "<", "↑": "^", "↓": "v", "↕": "^", "×": "x", "÷": "/", "·": "|", "‖": "|", "−": "-", "–": "-",
    "—": "-", "′": "'", "…": "~", "Δ": "d", "δ": "d", "β": "b", "η": "n", "μ": "u", "σ": "s", "γ": "g",
    "±": "+", "✕": "X", "✓": "v", "✗": "x", "≈": "~", "≤": "<", "≥": ">", "²": "2", "●": "*", "■": "+",
    "▲": "o", "◆": "x", "░": ".", "▒": ":", "▓": "#", "█": "@", "▀": "#", "▄": "#", "▌": "#", "▐": "#",
    "▁": ".", "▂": ".", "▃": ".", "▅": "o", "▆": "o", "▇": "#", "‘": "'", "’": "'", "“": "\"",
    "”": "\"",
  ]

  /// `s` in ASCII words and arrows; characters without a word take their one-cell form.
  public static func label(_ s: String) -> String {
    var out = ""
    for ch in s {
      if ch.isASCII {
        out.append(ch)
      } else if let w = words[ch] {
        out += w
      } else {
        out += String(repeating: String(cell(ch)), count: Text.width(of: ch))
      }
    }
    return out
  }

  /// One ASCII character for a one-cell character (braille dots `*`, quadrant blocks `#`, any
  /// other non-ASCII letter `_`). Never `?`: that is the help key.
  public static func cell(_ ch: Character) -> Character {
    if ch.isASCII { return ch }
    if let c = cells[ch] { return c }
    guard let u = ch.unicodeScalars.first?.value else { return "_" }
    if (0x2800...0x28FF).contains(u) { return "*" }
    if (0x2580...0x259F).contains(u) { return "#" }
    if (0x2500...0x257F).contains(u) { return "+" }
    return "_"
  }

  /// A whole cell symbol in ASCII of the same width ("" for a wide character's continuation).
  public static func symbol(_ s: String) -> String {
    if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
    var out = ""
    for ch in s { out += String(repeating: String(cell(ch)), count: max(Text.width(of: ch), 0)) }
    return out
  }
}
