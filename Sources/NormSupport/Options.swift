/// A piece of source text and where it stands: the 1-based column of its first character and
/// the number of characters it spans there (more than `text.count` for a quoted string, whose
/// quotes and escapes are not part of its text).
public struct Token: Sendable, Equatable, CustomStringConvertible {
  public var text: String
  public var column: Int
  public var width: Int

  public init(_ text: String, column: Int, width: Int? = nil) {
    self.text = text
    self.column = column
    self.width = width ?? text.count
  }

  /// The column just past the token's last character.
  public var endColumn: Int { column + width }

  public var description: String { "\(text)@\(column)" }

  /// Blank space between tokens: space, tab and a lone carriage return.
  public static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" }

  /// The tokens of `line` between runs of `isSeparator` characters (blank space unless told),
  /// with columns counted from `column` for the line's first character.
  public static func split(
    _ line: some StringProtocol, column: Int = 1, at isSeparator: (Character) -> Bool = Token.isBlank
  ) -> [Token] {
    var tokens: [Token] = []
    var text = ""
    var start = column
    var col = column
    for c in line {
      if isSeparator(c) {
        if !text.isEmpty { tokens.append(Token(text, column: start)) }
        text = ""
        start = col + 1
      } else {
        text.append(c)
      }
      col += 1
    }
    if !text.isEmpty { tokens.append(Token(text, column: start)) }
    return tokens
  }

  /// The token without the leading and trailing characters `isTrimmed`, its column moved past
  /// the leading ones (an unquoted token only: its text is its source).
  public func trimming(_ isTrimmed: (Character) -> Bool) -> Token {
    let lead = text.prefix(while: isTrimmed).count
    var rest = text.dropFirst(lead)
    while let c = rest.last, isTrimmed(c) { rest = rest.dropLast() }
    return Token(String(rest), column: column + lead)
  }

  /// `key=value` split at the first `=`, each part with its own column; nil without a `=`.
  /// Either part may be empty.
  public var keyValue: (key: Token, value: Token)? {
    guard let eq = text.firstIndex(of: "=") else { return nil }
    let key = String(text[..<eq])
    return (Token(key, column: column), Token(String(text[text.index(after: eq)...]), column: column + key.count + 1))
  }
}

/// A problem in options, at the 1-based column of the offending token or value.
public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
  public var column: Int
  public var message: String
  public init(column: Int, message: String) {
    self.column = column
    self.message = message
  }
  public var description: String { "column \(column): \(message)" }

  /// Compiler-style rendering: `label:1:COL: error: message`, the one-line source, and a caret
  /// under the column (control characters shown as `?`).
  public func rendered(source: String, label: String) -> String {
    let pad = String(repeating: " ", count: max(0, column - 1))
    return printable("\(label):1:\(column): error: \(message)") + "\n    " + printable(source) + "\n    \(pad)^"
  }
}

/// Reads positional tokens and `key=value` options with typed checks. Every error carries the
/// column of what it is about: the token, or the value of an option.
///
/// Reading marks the keys asked for; ``finish(positionalCount:)`` then reports any option
/// nobody asked for, with a "did you mean" hint among the keys that were.
public struct OptionReader: Sendable {
  /// One `key=value` option as written.
  public struct Option: Sendable, Equatable {
    public var key: Token
    public var value: Token
    public init(key: Token, value: Token) {
      self.key = key
      self.value = value
    }
    /// The option as one `key=value` token.
    public var token: Token { Token(key.text + "=" + value.text, column: key.column) }
  }

  /// What the options belong to, for messages ("batchnorm has no option 'x'").
  public let name: String
  public private(set) var positional: [Token]
  public private(set) var options: [Option]
  /// The keys asked for (and flags declared), in order: the candidates of a hint.
  public private(set) var known: [String] = []

  /// Options already split: positional tokens and `key=value` options.
  public init(name: String, positional: [Token] = [], options: [Option] = []) {
    self.name = name
    self.positional = positional
    self.options = options
  }

  /// Splits `tokens` into positional tokens and `key=value` options.
  ///
  /// - Parameters:
  ///   - lowercaseKeys: keys are read case-insensitively.
  ///   - positionalFirst: positional tokens must come before the first option.
  ///   - allowsPositional: false makes a token without `=` an error.
  /// - Throws: an empty key (`=1`, at the token), a missing value (`k=`, just past the `=`),
  ///   an option given twice (at its second key), or a misplaced positional token.
  public init(
    _ tokens: some Sequence<Token>, name: String, lowercaseKeys: Bool = false, positionalFirst: Bool = false,
    allowsPositional: Bool = true
  ) throws(OptionError) {
    self.init(name: name)
    for t in tokens {
      guard let (rawKey, value) = t.keyValue else {
        guard allowsPositional else {
          throw OptionError(column: t.column, message: "expected key=value, found '\(t.text)'")
        }
        guard !positionalFirst || options.isEmpty else {
          throw OptionError(column: t.column, message: "'\(t.text)' must come before the key=value options")
        }
        positional.append(t)
        continue
      }
      var key = rawKey
      if lowercaseKeys { key.text = key.text.lowercased() }
      guard !key.text.isEmpty else {
        throw OptionError(column: t.column, message: "expected key=value, found '\(t.text)'")
      }
      guard !value.text.isEmpty else {
        throw OptionError(column: value.column, message: "missing value after '\(key.text)='")
      }
      if options.contains(where: { $0.key.text == key.text }) {
        throw OptionError(column: key.column, message: "option '\(key.text)' given twice")
      }
      options.append(Option(key: key, value: value))
    }
  }

  // MARK: Raw values

  /// Notes `keys` as known (for hints and ``unknownOption``) without reading them.
  public mutating func declare(_ keys: String...) {
    for k in keys where !known.contains(k) { known.append(k) }
  }

  /// The option `key`, if given.
  public mutating func option(_ key: String) -> Option? {
    declare(key)
    return options.first { $0.key.text == key }
  }

  /// The option given for any of `keys` (aliases; the last of them given wins).
  public mutating func option(anyOf keys: [String]) -> Option? {
    var found: Option? = nil
    for k in keys { if let o = option(k) { found = o } }
    return found
  }

  /// The value of `key`, if given.
  public mutating func value(_ key: String) -> Token? { option(key)?.value }

  /// The value given for any of `keys` (aliases; the last of them given wins).
  public mutating func value(anyOf keys: [String]) -> Token? { option(anyOf: keys)?.value }

  /// The value of `key`, or `fallback` at column `column` when it is not given.
  public mutating func string(_ key: String, default fallback: String, column: Int) -> Token {
    value(key) ?? Token(fallback, column: column)
  }

  // MARK: Typed values

  /// `token` as a whole number in `range`; the message names the value `name`.
  public static func int(_ token: Token, name: String, in range: ClosedRange<Int>) throws(OptionError) -> Int {
    guard let v = Int(token.text), range.contains(v) else {
      throw OptionError(
        column: token.column,
        message: "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(token.text)'")
    }
    return v
  }

  /// `token` as a finite number ≥ 0; the message names the value `name`.
  public static func nonNegative(_ token: Token, name: String) throws(OptionError) -> Float {
    guard let v = Float(token.text), v.isFinite, v >= 0 else {
      throw OptionError(column: token.column, message: "\(name) must be a number ≥ 0, got '\(token.text)'")
    }
    return v
  }

  /// The whole number given for any of `keys` (aliases, named after the first), within `range`.
  public mutating func int(_ keys: [String], default fallback: Int, in range: ClosedRange<Int>) throws(OptionError)
    -> Int
  {
    guard let t = value(anyOf: keys) else { return fallback }
    return try Self.int(t, name: keys[0], in: range)
  }

  /// The whole number given for `key`, within `range`.
  public mutating func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(OptionError)
    -> Int
  {
    try int([key], default: fallback, in: range)
  }

  /// The finite number ≥ 0 given for `key`.
  public mutating func float(_ key: String, default fallback: Float) throws(OptionError) -> Float {
    guard let t = value(key) else { return fallback }
    return try Self.nonNegative(t, name: key)
  }

  /// The truth value given for `key`: true, yes, on, 1 or false, no, off, 0 (any case).
  public mutating func bool(_ key: String, default fallback: Bool) throws(OptionError) -> Bool {
    guard let t = value(key) else { return fallback }
    switch t.text.lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: throw OptionError(column: t.column, message: "\(key) must be true or false, got '\(t.text)'")
    }
  }

  // MARK: Finishing

  /// The first option (in the order written) whose key was never asked for or declared.
  public func unknownOption() -> Option? {
    options.first { !known.contains($0.key.text) }
  }

  /// " (did you mean K?)" for a key among the known ones, or "".
  public func hint(for key: String) -> String { NormSupport.hint(for: key, among: known) }

  /// Checks that nothing is left: at most `positionalCount` positional tokens (or any number
  /// when nil) and no unknown option ("NAME has no option 'k'", with a hint).
  public func finish(positionalCount: Int? = nil) throws(OptionError) {
    if let positionalCount, positional.count > positionalCount {
      let t = positional[positionalCount]
      throw OptionError(
        column: t.column,
        message: positionalCount == 0
          ? "\(name) takes no number; found '\(t.text)'" : "unexpected extra argument '\(t.text)'")
    }
    if let k = unknownOption()?.key {
      throw OptionError(column: k.column, message: "\(name) has no option '\(k.text)'" + hint(for: k.text))
    }
  }
}
