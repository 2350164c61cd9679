import NormSupport

/// A rectangle of cells: x, y of the top-left corner, width and height.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
  public var x, y, width, height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }
  public var right: Int { x + width }
  public var bottom: Int { y + height }
  public var isEmpty: Bool { width <= 0 || height <= 0 }
  /// The rectangle shrunk by `n` cells on every side (or by the given amounts).
  public func inset(_ n: Int) -> Rect { inset(left: n, top: n, right: n, bottom: n) }
  public func inset(left: Int = 0, top: Int = 0, right: Int = 0, bottom: Int = 0) -> Rect {
    Rect(x: x + left, y: y + top, width: width - left - right, height: height - top - bottom)
  }
  public func intersection(_ o: Rect) -> Rect {
    let x0 = max(x, o.x)
    let y0 = max(y, o.y)
    return Rect(x: x0, y: y0, width: min(right, o.right) - x0, height: min(bottom, o.bottom) - y0)
  }
  public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// A grid of cells that widgets draw into. Terminal-independent: the same buffer goes to
/// ncurses, to a text/ANSI/SVG screenshot, or to a test.
public struct Buffer: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]
  /// Every symbol put or written is mapped to ASCII of the same width (``ASCII/symbol(_:)``):
  /// set for the ASCII glyph set, so nothing reaches a non-UTF-8 terminal as `?`.
  public var asciiOnly = false

  public init(width: Int, height: Int, fill: Cell = .blank) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = [Cell](repeating: fill, count: self.width * self.height)
  }

  public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set {
      guard x >= 0, y >= 0, x < width, y < height else { return }
      cells[y * width + x] = newValue
    }
  }

  /// Whether (x, y) lies in the buffer.
  public func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

  /// Applies a style to one cell (nil colours keep the cell's).
  public mutating func style(_ x: Int, _ y: Int, _ s: Style) {
    guard contains(x, y) else { return }
    var c = cells[y * width + x]
    if let f = s.foreground { c.foreground = f }
    if let b = s.background { c.background = b }
    c.attributes.formUnion(s.attributes)
    cells[y * width + x] = c
  }

  /// Sets one cell's symbol and style.
  public mutating func put(_ symbol: String, _ x: Int, _ y: Int, _ s: Style = .plain) {
    guard contains(x, y) else { return }
    var c = cells[y * width + x]
    c.symbol = asciiOnly ? ASCII.symbol(symbol) : symbol
    c.attributes = s.attributes
    if let f = s.foreground { c.foreground = f }
    if let b = s.background { c.background = b }
    cells[y * width + x] = c
  }

  /// Fills a rectangle with a symbol and style.
  public mutating func fill(_ r: Rect, _ symbol: String = " ", _ s: Style = .plain) {
    let r = r.intersection(area)
    for yy in r.y..<r.bottom { for xx in r.x..<r.right { put(symbol, xx, yy, s) } }
  }

  /// Writes text from (x, y), clipped to `clip` (default: the row to the buffer's edge).
  /// Control characters (ESC, C0, C1, DEL) are removed first, so text from files can never
  /// reach the terminal as escape sequences. Wide characters take two cells; one that does
  /// not fit is replaced by a space. Returns the x after the last cell written.
  @discardableResult
  public mutating func write(_ text: String, _ x: Int, _ y: Int, _ s: Style = .plain, clip: Rect? = nil) -> Int {
    let clip = (clip ?? Rect(x: x, y: y, width: width - x, height: 1)).intersection(area)
    guard y >= clip.y, y < clip.bottom else { return x }
    var cx = x
    let clean = Text.sanitized(text)
    for ch in asciiOnly ? ASCII.symbol(clean) : clean {
      let w = Text.width(of: ch)
      if w == 0 { continue }
      if cx + w > clip.right { break }
      if cx >= clip.x {
        if w == 2 && cx + 1 >= clip.right {
          put(" ", cx, y, s)
          cx += 1
          break
        }
        put(String(ch), cx, y, s)
        if w == 2 { put("", cx + 1, y, s) }
      }
      cx += w
    }
    return cx
  }

  /// The text of row y, wide-character continuations skipped.
  public func row(_ y: Int) -> String {
    var s = ""
    for x in 0..<width {
      let c = self[x, y]
      if !c.isContinuation { s += c.symbol }
    }
    return s
  }

  /// Copies `other` into this buffer with its top-left corner at (x, y).
  public mutating func blit(_ other: Buffer, _ x: Int, _ y: Int) {
    for yy in 0..<other.height {
      for xx in 0..<other.width where contains(x + xx, y + yy) { self[x + xx, y + yy] = other[xx, yy] }
    }
  }
}

/// Text measurement and cleaning for the cell grid.
public enum Text {
  /// Whether a key's character may be typed into a text field: not a newline and not a control
  /// character (Ctrl-A, a stray escape byte), which are keys, never text.
  public static func typable(_ c: Character) -> Bool {
    !c.isNewline && !c.unicodeScalars.contains { $0.properties.generalCategory == .control }
  }

  /// User text made safe for a cell: NormSupport's `printable` (the one sanitiser), so a
  /// control or invisible format character shows as `?` on screen as it does in messages.
  public static func sanitized(_ s: String) -> String { printable(s) }

  /// Display width of a character in cells: 0 for combining marks and zero-width characters,
  /// 2 for East Asian wide/full-width and emoji, 1 otherwise.
  public static func width(of ch: Character) -> Int {
    guard let u = ch.unicodeScalars.first else { return 0 }
    let v = u.value
    if v == 0 { return 0 }
    if u.properties.generalCategory == .nonspacingMark || u.properties.generalCategory == .enclosingMark { return 0 }
    if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
      || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
      || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
      || (0x20000...0x3FFFD).contains(v)
    {
      return 2
    }
    return 1
  }

  /// Display width of a string.
  public static func width(_ s: String) -> Int { sanitized(s).reduce(0) { $0 + width(of: $1) } }

  /// Truncates to at most `n` cells, ending with "…" when cut.
  public static func truncated(_ s: String, to n: Int) -> String {
    guard n > 0 else { return "" }
    let clean = sanitized(s)
    if width(clean) <= n { return clean }
    var out = ""
    var w = 0
    for ch in clean {
      let cw = width(of: ch)
      if w + cw > n - 1 { break }
      out.append(ch)
      w += cw
    }
    return out + "…"
  }

  /// Truncates to at most `n` cells at a word boundary, ending with "…" when cut: "Small batches
  /// break BN" in 16 cells is "Small batches…", never "Small batches b…". Words end at a space;
  /// separators (`·`, `:`, `,`, `;`, `(`) before the cut are dropped with it. Only when the
  /// first word alone does not fit, or the cut would leave a third of the room (12 cells or
  /// more) empty (a long path in a message), is it cut inside a word (as ``truncated(_:to:)``).
  public static func truncatedAtWord(_ s: String, to n: Int) -> String {
    guard n > 0 else { return "" }
    let clean = sanitized(s)
    if width(clean) <= n { return clean }
    let chars = Array(clean)
    var w = 0
    var best: Int? = nil
    for (i, ch) in chars.enumerated() {
      let cw = width(of: ch)
      if w + cw > n - 1 { break }
      w += cw
      if i + 1 < chars.count, chars[i + 1] == " " { best = i + 1 }
    }
    guard var end = best else { return truncated(clean, to: n) }
    while end > 0, " ·:,;(—–-".contains(chars[end - 1]) { end -= 1 }
    let used = chars[0..<end].reduce(0) { $0 + width(of: $1) }
    guard end > 0, n - 1 - used < max(12, n / 3) else { return truncated(clean, to: n) }
    return String(chars[0..<end]) + "…"
  }

  /// The first of `forms` (longest and clearest first) that fits in `n` cells; when none
  /// does, the last one cut at a word boundary (``truncatedAtWord(_:to:)``).
  public static func firstFitting(_ forms: [String], _ n: Int) -> String {
    if let f = forms.first(where: { width($0) <= n }) { return sanitized(f) }
    return truncatedAtWord(forms.last ?? "", to: n)
  }

  /// Greedy word wrap to lines of at most `width` cells (long words are broken).
  public static func wrap(_ s: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines = [String]()
    for paragraph in sanitizedKeepingNewlines(s).split(separator: "\n", omittingEmptySubsequences: false) {
      var line = ""
      var lw = 0
      for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
        var word = String(word)
        var ww = Text.width(word)
        while ww > width {
          if lw > 0 {
            lines.append(line)
            line = ""
            lw = 0
          }
          var head = ""
          var hw = 0
          for ch in word {
            let cw = Text.width(of: ch)
            if hw + cw > width { break }
            head.append(ch)
            hw += cw
          }
          lines.append(head)
          word = String(word.dropFirst(head.count))
          ww = Text.width(word)
        }
        if ww == 0 { continue }
        if lw == 0 {
          line = word
          lw = ww
        } else if lw + 1 + ww <= width {
          line += " " + word
          lw += 1 + ww
        } else {
          lines.append(line)
          line = word
          lw = ww
        }
      }
      lines.append(line)
    }
    return lines
  }

  static func sanitizedKeepingNewlines(_ s: String) -> String {
    s.split(separator: "\n", omittingEmptySubsequences: false).map { sanitized(String($0)) }.joined(separator: "\n")
  }

  /// Pads (or truncates) to exactly `n` cells, aligned left, right or centred.
  public static func fit(_ s: String, _ n: Int, align: Alignment = .left) -> String {
    let t = truncated(s, to: n)
    let pad = max(0, n - width(t))
    switch align {
    case .left: return t + String(repeating: " ", count: pad)
    case .right: return String(repeating: " ", count: pad) + t
    case .center: return String(repeating: " ", count: pad / 2) + t + String(repeating: " ", count: pad - pad / 2)
    }
  }

  public enum Alignment: Sendable { case left, right, center }
}
