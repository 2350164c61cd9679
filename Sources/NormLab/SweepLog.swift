import NormCore
import NormSupport

/// The sweep file format (JSONL): a first line with the definition, then one line per finished
/// run, each carrying the sweep's hash and the run's grid parameters:
///
/// ```
/// {"sweep":"4be1…","cells":130,"definition":"normscope-sweep 1\ndata digits\n…"}
/// {"sweep":"4be1…","cell":17,"variant":"bn","lr":0.1,"batch":60,"init_scale":1.0,"momentum":0.0,
///  "weight_decay":0.0,"seed":3,"steps":600,"target":"accuracy 0.9","val_accuracy":0.964,
///  "val_loss":0.12,"diverged":false,"diverged_at":null,"steps_to_target":250,"reached":true,"error":null}
/// ```
///
/// Numbers are written in their shortest round-trip form, so reading a line gives the exact
/// values back; no clock or timing is written, so the same runs give the same lines.
public enum SweepLog {
  /// The first line of a sweep file (with its newline).
  public static func header(_ d: SweepDefinition) -> String {
    "{\"sweep\":\"\(d.hash)\",\"cells\":\(d.cellCount),\"definition\":\(JSON.quote(d.canonicalText))}\n"
  }

  /// One run's line (with its newline).
  public static func line(_ r: SweepResult, definition d: SweepDefinition) -> String {
    let c = r.cell
    func num(_ v: Double?) -> String {
      guard let v, v.isFinite else { return "null" }
      return "\(v)"
    }
    func int(_ v: Int?) -> String { v.map(String.init) ?? "null" }
    var s = "{\"sweep\":\"\(d.hash)\",\"cell\":\(c.index),\"variant\":\(JSON.quote(c.variant))"
    for p in SweepParameter.allCases { s += p == .batch ? ",\"batch\":\(c.batch)" : ",\"\(p.key)\":\(c.value(p))" }
    s += ",\"seed\":\(c.seed),\"steps\":\(d.steps(batch: c.batch))"
    s += ",\"target\":\(JSON.quote(d.target.canonical))"
    s += ",\"val_accuracy\":\(num(r.valAccuracy)),\"val_loss\":\(num(r.valLoss))"
    s += ",\"diverged\":\(r.diverged),\"diverged_at\":\(int(r.divergedAt))"
    s += ",\"steps_to_target\":\(int(r.stepsToTarget)),\"reached\":\(r.reachedTarget)"
    s += ",\"error\":\(r.error.map(JSON.quote) ?? "null")}\n"
    return s
  }

  /// A sweep file read back.
  public struct Contents: Sendable {
    public var definition: SweepDefinition
    /// Runs in file order, with their line numbers.
    public var results: [(line: Int, result: SweepResult)]
    /// The line number of a last line that was cut off (no newline, or not a whole JSON
    /// object): it is dropped, and a writer resuming the file truncates it to `validBytes`.
    public var truncatedLine: Int?
    /// Bytes up to the end of the last complete line.
    public var validBytes: Int
  }

  /// Reads a sweep file's text. `file` names it in messages (`s.jsonl:7: …`). With
  /// `expecting`, the file must belong to that sweep (same hash); otherwise its own header
  /// defines it. A line from another sweep, or a line that cannot be read anywhere but at the
  /// end, is an error naming its line; a cut-off last line is dropped and reported in
  /// ``Contents/truncatedLine``.
  public static func read(_ bytes: [UInt8], file: String, expecting: SweepDefinition? = nil) throws(SweepError)
    -> Contents
  {
    // Split into lines, remembering whether the last one ended with a newline.
    var lines: [(start: Int, end: Int)] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
      lines.append((start, i))
      start = i + 1
    }
    let unterminated = start < bytes.count
    if unterminated { lines.append((start, bytes.count)) }
    var validBytes = unterminated ? start : bytes.count
    var truncated: Int? = nil
    var definition = expecting
    var results: [(Int, SweepResult)] = []
    for (n, range) in lines.enumerated() {
      let number = n + 1
      let isLast = n == lines.count - 1
      let text = String(decoding: bytes[range.start..<range.end], as: UTF8.self)
      func fail(_ why: String) -> SweepError { SweepError("\(file):\(number): \(why)") }
      if text.allSatisfy({ $0 == " " || $0 == "\r" || $0 == "\t" }) {
        if isLast && unterminated { validBytes = range.start }
        continue
      }
      let object: [String: JSON.Value]
      do throws(SweepError) {
        guard !(isLast && unterminated) else { throw SweepError("no newline") }
        object = try JSON.object(text)
      } catch {
        if isLast {
          truncated = number
          validBytes = range.start
          break
        }
        throw fail("not a sweep line (\(error.message))")
      }
      guard case .string(let hash)? = object["sweep"] else { throw fail("not a sweep line (no \"sweep\" hash)") }
      if case .string(let text)? = object["definition"] {
        let d: SweepDefinition
        do { d = try SweepDefinition(canonicalText: text) } catch { throw fail(error.message) }
        guard d.hash == hash else { throw fail("the definition does not match its hash \(hash): the line was edited") }
        if let have = definition {
          guard have.hash == hash else {
            throw fail(
              number == 1 && expecting != nil
                ? "this file holds another sweep (hash \(hash); this sweep is \(have.hash)); choose another output file, or run the sweep it holds"
                : "a definition line of another sweep (hash \(hash), expected \(have.hash))")
          }
        } else {
          definition = d
        }
        continue
      }
      guard let d = definition else { throw fail("a run line before the sweep's definition line") }
      guard hash == d.hash else { throw fail("a line from another sweep (hash \(hash), this sweep is \(d.hash))") }
      do { results.append((number, try result(object, definition: d))) } catch { throw fail(error.message) }
    }
    guard let d = definition else {
      throw SweepError("\(file): no sweep definition line (is it a NormScope sweep file?)")
    }
    return Contents(definition: d, results: results, truncatedLine: truncated, validBytes: validBytes)
  }

  /// A run line's result, checked against the grid: its parameters must be those of its cell.
  static func result(_ o: [String: JSON.Value], definition d: SweepDefinition) throws(SweepError) -> SweepResult {
    func number(_ k: String) throws(SweepError) -> Double? {
      switch o[k] {
      case .number(let v)?: return v
      case .null?: return nil
      default: throw SweepError("\"\(k)\" missing or not a number")
      }
    }
    func int(_ k: String) throws(SweepError) -> Int? {
      guard let v = try number(k) else { return nil }
      guard v.rounded() == v, v.magnitude < 1e15 else { throw SweepError("\"\(k)\" is not a whole number") }
      return Int(v)
    }
    guard let index = try int("cell"), index >= 0, index < d.cellCount else {
      throw SweepError("\"cell\" is not a cell of this sweep (0 to \(d.cellCount - 1))")
    }
    let cell = d.cell(index)
    var parametersMatch = true
    for p in SweepParameter.allCases where try number(p.key) != cell.value(p) { parametersMatch = false }
    guard case .string(let variant)? = o["variant"], variant == cell.variant, parametersMatch,
      case .number(let seed)? = o["seed"], seed == Double(cell.seed)
    else {
      throw SweepError("the line's parameters are not those of cell \(index) (\(cell.label(varying: d.varying)))")
    }
    var error: String? = nil
    if case .string(let e)? = o["error"] { error = e }
    return SweepResult(
      cell: cell, valAccuracy: try number("val_accuracy"), valLoss: try number("val_loss"),
      divergedAt: try int("diverged_at"), stepsToTarget: try int("steps_to_target"), error: error)
  }
}

/// The JSON NormScope writes and reads back: flat objects of strings, numbers, booleans and
/// null. No Foundation.
enum JSON {
  enum Value: Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
  }

  /// `s` as a JSON string literal.
  static func quote(_ s: String) -> String { JSONText.quoted(s) }

  /// Parses one flat JSON object.
  static func object(_ text: String) throws(SweepError) -> [String: Value] {
    var p = Parser(Array(text.unicodeScalars))
    return try p.object()
  }

  struct Parser {
    let s: [Unicode.Scalar]
    var i = 0
    init(_ s: [Unicode.Scalar]) { self.s = s }

    mutating func space() { while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\r" { i += 1 } }
    func fail(_ why: String) -> SweepError { SweepError("\(why) at character \(i + 1)") }

    mutating func expect(_ c: Unicode.Scalar) throws(SweepError) {
      space()
      guard i < s.count, s[i] == c else { throw fail("expected '\(c)'") }
      i += 1
    }

    mutating func object() throws(SweepError) -> [String: Value] {
      try expect("{")
      var out = [String: Value]()
      space()
      if i < s.count, s[i] == "}" {
        i += 1
      } else {
        while true {
          space()
          let key = try string()
          try expect(":")
          guard out[key] == nil else { throw fail("key \"\(excerpt(key))\" twice") }
          out[key] = try value()
          space()
          guard i < s.count else { throw fail("unexpected end") }
          if s[i] == "," {
            i += 1
            continue
          }
          try expect("}")
          break
        }
      }
      space()
      guard i == s.count else { throw fail("text after the object") }
      return out
    }

    mutating func value() throws(SweepError) -> Value {
      space()
      guard i < s.count else { throw fail("unexpected end") }
      switch s[i] {
      case "\"": return .string(try string())
      case "t": return try word("true", .bool(true))
      case "f": return try word("false", .bool(false))
      case "n": return try word("null", .null)
      default:
        let start = i
        while i < s.count, "0123456789+-.eE".unicodeScalars.contains(s[i]) { i += 1 }
        var text = ""
        text.unicodeScalars.append(contentsOf: s[start..<i])
        guard !text.isEmpty, let v = Double(text), v.isFinite else { throw fail("not a value") }
        return .number(v)
      }
    }

    mutating func word(_ w: String, _ v: Value) throws(SweepError) -> Value {
      for c in w.unicodeScalars {
        guard i < s.count, s[i] == c else { throw fail("not a value") }
        i += 1
      }
      return v
    }

    mutating func string() throws(SweepError) -> String {
      guard i < s.count, s[i] == "\"" else { throw fail("expected a string") }
      i += 1
      var out = String.UnicodeScalarView()
      while true {
        guard i < s.count else { throw fail("unterminated string") }
        let c = s[i]
        i += 1
        if c == "\"" { break }
        guard c.value >= 0x20 else { throw fail("control character in a string") }
        guard c == "\\" else {
          out.append(c)
          continue
        }
        guard i < s.count else { throw fail("unterminated string") }
        let e = s[i]
        i += 1
        switch e {
        case "\"", "\\", "/": out.append(e)
        case "n": out.append("\n")
        case "t": out.append("\t")
        case "r": out.append("\r")
        case "b": out.append("\u{8}")
        case "f": out.append("\u{C}")
        case "u":
          guard i + 4 <= s.count else { throw fail("short \\u escape") }
          var hex = ""
          hex.unicodeScalars.append(contentsOf: s[i..<(i + 4)])
          i += 4
          guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else {
            throw fail("\\u escape outside the Basic Multilingual Plane or a surrogate")
          }
          out.append(u)
        default: throw fail("unknown escape \\\(e)")
        }
      }
      return String(out)
    }
  }
}
