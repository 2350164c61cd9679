import NormCore
import NormSupport

/// A problem in a scene file at a line and column (both 1-based), rendered like a compiler:
///
///     scenes/x.scene:12:9: error: unknown layer 'batchnrom' (did you mean batchnorm?)
///         variant bn: linear 100, batchnrom, linear 10
///                                 ^
public struct SceneDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String
  /// The source line, for the caret display.
  public var sourceLine: String

  public init(file: String, line: Int, column: Int, message: String, sourceLine: String) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.sourceLine = sourceLine
  }

  /// `file:line:col: error: message`, with control characters (ESC …) shown as `?`: messages
  /// quote user text, which must never reach a terminal as an escape sequence.
  /// Messages quote user input; at most 300 characters of one are shown.
  public var description: String { "\(printable(file)):\(line):\(column): error: \(excerpt(message, limit: 300))" }

  /// Source lines longer than this are shown as a window around the column.
  static let shownWidth = 100

  /// The message, the line (or a window of it around the column, for long lines; control
  /// characters shown as `?`) and a caret under the column.
  public var rendered: String {
    let chars = Array(sourceLine)
    var from = 0
    var to = chars.count
    if chars.count > Self.shownWidth {
      from = min(max(0, column - 1 - Self.shownWidth / 2), chars.count - Self.shownWidth)
      to = from + Self.shownWidth
    }
    let head = from > 0 ? "…" : ""
    let clean = head + printable(String(chars[from..<to])) + (to < chars.count ? "…" : "")
    let caretPad = String(repeating: " ", count: max(0, min(column - 1 - from, to - from)) + head.count)
    return "\(description)\n    \(clean)\n    \(caretPad)^"
  }
}

/// All the errors of one file.
public struct SceneErrors: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [SceneDiagnostic]
  public var description: String { diagnostics.map(\.rendered).joined(separator: "\n") }
}

extension Token {
  /// The token came from a "quoted string": its source is wider than its text (at least by its
  /// two quotes; an unquoted token's text is its source).
  var quoted: Bool { width != text.count }
}

enum Lexer {
  /// Splits a line into words: whitespace-separated, "double quoted" strings kept whole (with
  /// \" and \\ escapes), and a `#` outside quotes starts a comment. Unterminated quotes are an
  /// error at the opening quote.
  static func words(_ line: String) throws(OptionError) -> [Token] {
    var out = [Token]()
    let chars = Array(line)
    var i = 0
    while i < chars.count {
      let c = chars[i]
      if c == " " || c == "\t" || c == "\r" {
        i += 1
        continue
      }
      if c == "#" { break }
      if c == "\"" {
        let start = i
        var text = ""
        i += 1
        var closed = false
        while i < chars.count {
          if chars[i] == "\\", i + 1 < chars.count {
            text.append(chars[i + 1])
            i += 2
            continue
          }
          if chars[i] == "\"" {
            closed = true
            i += 1
            break
          }
          text.append(chars[i])
          i += 1
        }
        if !closed { throw OptionError(column: start + 1, message: "unterminated string: add a closing \"") }
        out.append(Token(text, column: start + 1, width: i - start))
        continue
      }
      let start = i
      while i < chars.count, !" \t\r\"#".contains(chars[i]) { i += 1 }
      out.append(Token(String(chars[start..<i]), column: start + 1))
    }
    return out
  }
}
