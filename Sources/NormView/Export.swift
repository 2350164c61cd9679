import NormSupport

/// Screenshot formats of a buffer.
public enum ScreenshotFormat: String, Sendable, CaseIterable {
  /// Plain UTF-8 text: exact cells, trailing spaces trimmed.
  case txt
  /// Text with SGR colour escapes: `cat` reproduces the screen.
  case ansi
  /// Monospace text with colours as SVG, for slides and docs.
  case svg
  /// A UTF-8 HTML page: a grid of fixed-width cells that keeps its columns in any browser.
  case html
}

/// A flip-book built one frame at a time within a byte budget: each frame is turned into text
/// as it arrives (no buffers are kept), and once the next frame would pass the budget every
/// later frame is counted but not kept. The text then ends with a line saying how many frames
/// were left out, so a scene of thousands of statements at 1000×1000 cannot exhaust memory.
public struct FlipBook: Sendable {
  /// 64 MiB: about 1,000 frames of a 140×45 dashboard.
  public static let defaultBudget = 64 << 20
  public let budget: Int
  public private(set) var text = ""
  /// Frames kept, and frames left out after the budget was reached.
  public private(set) var keptCount = 0
  public private(set) var droppedCount = 0

  public init(budget: Int = FlipBook.defaultBudget) { self.budget = budget }

  /// True once a frame has been left out: callers may skip rendering further frames and call
  /// ``skip()`` instead.
  public var isFull: Bool { droppedCount > 0 }

  public mutating func append(label: String, buffer: Buffer) {
    guard !isFull else { return skip() }
    let frame = Screenshot.text(buffer) + Screenshot.flipBookSeparator(keptCount + 1, label: label) + "\n"
    guard frame.utf8.count <= budget - text.utf8.count else { return skip() }
    text += frame
    keptCount += 1
  }

  /// Counts a frame that is not kept.
  public mutating func skip() { droppedCount += 1 }

  /// The book; when frames were left out, a last line says how many and why.
  public var contents: String {
    guard droppedCount > 0 else { return text }
    return text
      + "──── \(droppedCount) more frame\(droppedCount == 1 ? "" : "s") not kept: the flip-book is limited to \(budget >> 20) MiB ────\n"
  }
}

/// Turns buffers into screenshots. Deterministic: the same buffer gives the same bytes.
public enum Screenshot {
  public static func export(_ b: Buffer, as format: ScreenshotFormat) -> String {
    switch format {
    case .txt: text(b)
    case .ansi: ansi(b)
    case .svg: svg(b)
    case .html: html(b)
    }
  }

  /// Plain text: one line per row, trailing spaces removed, ending in a newline.
  public static func text(_ b: Buffer) -> String {
    var out = ""
    for y in 0..<b.height {
      var line = b.row(y)
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  /// The separator line that follows each frame of a flip-book.
  public static func flipBookSeparator(_ index: Int, label: String) -> String {
    "──── frame \(index)" + (label.isEmpty ? "" : ": " + excerpt(label, limit: 160)) + " ────"
  }

  /// Several screens in one text: each frame's text, then its separator line.
  public static func flipBook(_ frames: [(label: String, buffer: Buffer)]) -> String {
    var book = FlipBook(budget: .max)
    for f in frames { book.append(label: f.label, buffer: f.buffer) }
    return book.contents
  }

  static func sgr(_ fg: Color, _ bg: Color, _ a: Attributes) -> String {
    var codes = ["0"]
    if a.contains(.bold) { codes.append("1") }
    if a.contains(.dim) { codes.append("2") }
    if a.contains(.italic) { codes.append("3") }
    if a.contains(.underline) { codes.append("4") }
    if a.contains(.reverse) { codes.append("7") }
    func color(_ c: Color, base: Int) -> String? {
      switch c {
      case .default: return nil
      case .indexed(let i) where i < 8: return String(base + Int(i))
      case .indexed(let i) where i < 16: return String(base + 60 + Int(i) - 8)
      case .indexed(let i): return "\(base + 8);5;\(i)"
      case .rgb(let r, let g, let b): return "\(base + 8);2;\(r);\(g);\(b)"
      }
    }
    if let f = color(fg, base: 30) { codes.append(f) }
    if let g = color(bg, base: 40) { codes.append(g) }
    return "\u{1B}[" + codes.joined(separator: ";") + "m"
  }

  /// ANSI text: an SGR sequence wherever the style changes, reset at the end of each row.
  /// Trailing default-styled blanks are trimmed, so stripping the escapes gives `text(b)`.
  public static func ansi(_ b: Buffer) -> String {
    var out = ""
    for y in 0..<b.height {
      var last = b.width
      while last > 0 {
        let c = b[last - 1, y]
        if (c.symbol == " " || c.symbol.isEmpty) && c.background == .default && !c.attributes.contains(.reverse)
          && !c.attributes.contains(.underline)
        {
          last -= 1
        } else {
          break
        }
      }
      var current: (Color, Color, Attributes)? = nil
      for x in 0..<last {
        let c = b[x, y]
        if c.isContinuation { continue }
        if current == nil || current! != (c.foreground, c.background, c.attributes) {
          out += sgr(c.foreground, c.background, c.attributes)
          current = (c.foreground, c.background, c.attributes)
        }
        out += c.symbol
      }
      if current != nil { out += "\u{1B}[0m" }
      // A row whose visible text ends in spaces keeps them in ANSI only if styled; trim to
      // match the text export.
      while out.hasSuffix(" ") { out.removeLast() }
      out += "\n"
    }
    return out
  }

  /// Removes SGR escape sequences (for comparing ANSI with text exports).
  public static func strippingEscapes(_ s: String) -> String {
    var out = ""
    var i = s.startIndex
    while i < s.endIndex {
      if s[i] == "\u{1B}" {
        var j = s.index(after: i)
        if j < s.endIndex, s[j] == "[" {
          j = s.index(after: j)
          while j < s.endIndex, !(s[j].isLetter) { j = s.index(after: j) }
          if j < s.endIndex { j = s.index(after: j) }
        }
        i = j
        continue
      }
      out.append(s[i])
      i = s.index(after: i)
    }
    var lines = out.split(separator: "\n", omittingEmptySubsequences: false).map { l -> String in
      var t = String(l)
      while t.hasSuffix(" ") { t.removeLast() }
      return t
    }
    if lines.last == "" { lines.removeLast() }
    return lines.map { $0 + "\n" }.joined()
  }

  static let defaultForeground = (UInt8(220), UInt8(220), UInt8(220))
  static let defaultBackground = (UInt8(24), UInt8(24), UInt8(28))

  static func hex(_ c: (UInt8, UInt8, UInt8)) -> String {
    let digits = Array("0123456789abcdef")
    return "#" + [c.0, c.1, c.2].map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 15)]) }.joined()
  }

  static func escapeXML(_ s: String) -> String {
    var o = ""
    for ch in s {
      switch ch {
      case "&": o += "&amp;"
      case "<": o += "&lt;"
      case ">": o += "&gt;"
      case "\"": o += "&quot;"
      default: o.append(ch)
      }
    }
    return o
  }

  /// Resolved colours of a cell (reverse applied; dim halves the foreground).
  static func resolved(_ c: Cell) -> (fg: (UInt8, UInt8, UInt8), bg: (UInt8, UInt8, UInt8)?) {
    var fg = c.foreground.rgbValue ?? defaultForeground
    var bg = c.background.rgbValue
    if c.attributes.contains(.reverse) {
      let f = fg
      fg = bg ?? defaultBackground
      bg = f
    }
    if c.attributes.contains(.dim) { fg = (fg.0 / 2 + 20, fg.1 / 2 + 20, fg.2 / 2 + 20) }
    return (fg, bg)
  }

  /// SVG: a dark background, one rectangle per run of a background colour, one `<text>` per
  /// run of a style. Cell 9×18 px, DejaVu Sans Mono or any monospace font.
  public static func svg(_ b: Buffer) -> String {
    let cw = 9
    let ch = 18
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(b.width * cw)" height="\(b.height * ch)" \
      viewBox="0 0 \(b.width * cw) \(b.height * ch)" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" \
      font-size="15">
      <rect width="100%" height="100%" fill="\(hex(defaultBackground))"/>

      """
    for y in 0..<b.height {
      var x = 0
      while x < b.width {
        let bg = resolved(b[x, y]).bg
        var e = x + 1
        while e < b.width, let a = resolved(b[e, y]).bg, let c = bg, a == c { e += 1 }
        if let bg {
          out +=
            "<rect x=\"\(x * cw)\" y=\"\(y * ch)\" width=\"\((e - x) * cw)\" height=\"\(ch)\" fill=\"\(hex(bg))\"/>\n"
        }
        x = e
      }
    }
    for y in 0..<b.height {
      var x = 0
      while x < b.width {
        let c = b[x, y]
        if c.isContinuation || c.symbol == " " {
          x += 1
          continue
        }
        let key = resolved(c).fg
        let bold = c.attributes.contains(.bold)
        var run = ""
        var e = x
        while e < b.width {
          let d = b[e, y]
          if d.isContinuation {
            e += 1
            continue
          }
          if resolved(d).fg != key || d.attributes.contains(.bold) != bold { break }
          run += d.symbol
          e += 1
        }
        while run.hasSuffix(" ") { run.removeLast() }
        out +=
          "<text x=\"\(x * cw)\" y=\"\(y * ch + 14)\" fill=\"\(hex(key))\"\(bold ? " font-weight=\"bold\"" : "") xml:space=\"preserve\" textLength=\"\(Text.width(run) * cw)\" lengthAdjust=\"spacingAndGlyphs\">\(escapeXML(run))</text>\n"
        x = e
      }
    }
    return out + "</svg>\n"
  }

  /// HTML: a UTF-8 page whose grid holds in any browser. Every cell is an inline block of a
  /// fixed width (9 px; 18 px for a wide character) in rows of a fixed height (18 px), so a
  /// glyph that falls back to a wider font (braille, box drawing) stays in its column instead of
  /// pushing the rest of the row right; runs of blanks share one block. The font stack prefers
  /// monospace fonts that have braille and box drawing ("DejaVu Sans Mono", "Noto Sans Mono",
  /// Symbola). Styles are CSS classes, one per (foreground, background, bold). Well-formed XML.
  public static func html(_ b: Buffer) -> String {
    let cw = 9
    let ch = 18
    var classes = [String: Int]()
    var css = [String]()
    func styleClass(_ c: Cell) -> String {
      let (fg, bg) = resolved(c)
      var style = "color:\(hex(fg))"
      if let bg { style += ";background:\(hex(bg))" }
      if c.attributes.contains(.bold) { style += ";font-weight:bold" }
      if let k = classes[style] { return "s\(k)" }
      classes[style] = css.count
      css.append(".s\(css.count){\(style)}")
      return "s\(css.count - 1)"
    }
    var body = ""
    for y in 0..<b.height {
      body += "<div class=\"r\">"
      var x = 0
      while x < b.width {
        let c = b[x, y]
        if c.isContinuation {
          x += 1
          continue
        }
        let cls = styleClass(c)
        if c.symbol == " " || c.symbol.isEmpty {
          // A run of blanks of one style: one block.
          var e = x + 1
          while e < b.width, b[e, y].symbol == " ", styleClass(b[e, y]) == cls { e += 1 }
          body += "<i class=\"\(cls)\" style=\"width:\((e - x) * cw)px\"></i>"
          x = e
          continue
        }
        let wide = x + 1 < b.width && b[x + 1, y].isContinuation
        body += "<i class=\"\(cls)\(wide ? " w" : "")\">\(escapeXML(c.symbol))</i>"
        x += 1
      }
      body += "</div>\n"
    }
    let fonts = "'DejaVu Sans Mono','Noto Sans Mono','Symbola','Noto Sans Symbols 2',Menlo,Consolas,monospace"
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"/><title>NormScope screenshot</title>
      <style>
      .ns{display:inline-block;background:\(hex(defaultBackground));color:\(hex(defaultForeground));\
      font-family:\(fonts);font-size:15px;line-height:\(ch)px;width:\(b.width * cw)px}
      .ns .r{display:block;height:\(ch)px;width:\(b.width * cw)px;overflow:hidden;white-space:nowrap}
      .ns i{display:inline-block;width:\(cw)px;height:\(ch)px;vertical-align:top;font-style:normal;\
      white-space:pre;overflow:visible;text-align:left}
      .ns i.w{width:\(2 * cw)px}
      \(css.joined(separator: "\n"))
      </style></head>
      <body style="margin:0;background:\(hex(defaultBackground))"><div class="ns">
      \(body)</div></body></html>

      """
  }
}
