import NormSupport
import NormCore
import NormScene

/// A seeded mutation fuzzer for everything NormScope parses from untrusted text: scene files
/// (and through them model specs and expressions), model specs alone, CSV and IDX data. Each
/// input must either parse or be rejected with a positioned diagnostic inside the input; a crash
/// ends the process (the test fails), a slow input is reported.
public struct Fuzzer {
  public struct Report: Sendable, CustomStringConvertible {
    public var inputs = 0
    public var accepted = 0
    public var rejected = 0
    public var problems: [String] = []
    public var slowest: Double = 0
    public var description: String {
      "\(inputs) inputs: \(accepted) accepted, \(rejected) rejected with positioned errors, \(problems.count) problems; slowest \(Int(slowest * 1e6)) µs"
    }
  }

  var rng: SeededRNG
  let corpus: [String]
  let specs: [String]
  let csv: [UInt8]

  public init(seed: UInt64, corpus: [String], specs: [String], csv: String) {
    rng = SeededRNG(seed: seed, stream: "fuzz")
    self.corpus = corpus
    self.specs = specs
    self.csv = Array(csv.utf8)
  }

  static let tokens = [
    "run", "until", "within", "set", "lr", "batch", "expect", "caption", "\"", "#", "=", ",", ":", "(", ")", "and",
    "or", "not",
    "variant", "data", "digits", "title", "batchnorm", "linear", "conv", "rnn", "layer=", "for", "..", "/", "\u{1B}[2J",
    "\u{0}",
    "9999999999999999999", "-1", "1e309", "nan", "inf", "0.0", "é", "漢", "\t", "\r", "screenshot", "shift data",
    "restart",
    "final_loss(", "drift(", "mark", "chapter", "show panel", "zoom", "freeze bn", "reestimate stats 1",
  ]

  mutating func mutate(_ s: String) -> String {
    var chars = Array(s)
    let rounds = 1 + rng.int(below: 4)
    for _ in 0..<rounds {
      switch rng.int(below: 9) {
      case 0 where !chars.isEmpty:  // delete a run
        let i = rng.int(below: chars.count)
        chars.removeSubrange(i..<min(chars.count, i + 1 + rng.int(below: 8)))
      case 1:  // insert a token
        let t = Array(Self.tokens[rng.int(below: Self.tokens.count)])
        chars.insert(contentsOf: t, at: chars.isEmpty ? 0 : rng.int(below: chars.count + 1))
      case 2:  // insert a random scalar, controls included
        let u = Unicode.Scalar(UInt32(rng.int(below: 0x3000))) ?? "?"
        chars.insert(Character(u), at: chars.isEmpty ? 0 : rng.int(below: chars.count + 1))
      case 3 where chars.count > 2:  // truncate
        chars.removeLast(rng.int(below: chars.count / 2 + 1))
      case 4:  // duplicate or swap lines
        var lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > 1 {
          let a = rng.int(below: lines.count)
          let b = rng.int(below: lines.count)
          if rng.int(below: 2) == 0 { lines.swapAt(a, b) } else { lines.insert(lines[a], at: b) }
        }
        chars = Array(lines.joined(separator: "\n"))
      case 5 where !chars.isEmpty:  // replace a digit run with an extreme number
        let i = rng.int(below: chars.count)
        chars.insert(contentsOf: Array(["0", "-0", "1e38", "100000000", "3.5", "-7"][rng.int(below: 6)]), at: i)
      case 6:  // splice a random spec into the text
        let sp = Array(specs[rng.int(below: specs.count)])
        chars.insert(contentsOf: sp, at: chars.isEmpty ? 0 : rng.int(below: chars.count + 1))
      case 7:  // Windows line endings (one Character, "\r\n", to Swift), everywhere or on one line
        if rng.int(below: 2) == 0 {
          chars = chars.map { $0 == "\n" ? "\r\n" : $0 }
        } else {
          let breaks = chars.indices.filter { chars[$0] == "\n" }
          if !breaks.isEmpty { chars[breaks[rng.int(below: breaks.count)]] = "\r\n" }
        }
      default:  // flip a character
        if !chars.isEmpty {
          chars[rng.int(below: chars.count)] = Character(Unicode.Scalar(UInt8(32 + rng.int(below: 95))))
        }
      }
    }
    return String(chars)
  }

  /// Runs `count` inputs, round-robin over scene text, model specs and CSV/IDX bytes.
  public mutating func run(count: Int, clock: () -> Double, willRun: ((String) -> Void)? = nil) -> Report {
    var r = Report()
    for n in 0..<count {
      let t0 = clock()
      switch n % 4 {
      case 0, 1:
        let text = mutate(corpus[rng.int(below: corpus.count)])
        willRun?("scene #\(n)\n" + text)
        checkScene(text, &r)
      case 2:
        let text = mutate(specs[rng.int(below: specs.count)])
        willRun?("spec #\(n)\n" + text)
        checkSpec(text, &r)
      default:
        willRun?("data #\(n)")
        checkData(&r)
      }
      r.inputs += 1
      r.slowest = max(r.slowest, clock() - t0)
    }
    return r
  }

  /// Checks one saved input (a file kept under `Tests/Fuzz/crashes`): `kind` is "scene" or
  /// "spec". Returns the problems found; an empty list means it is handled now.
  public static func recheck(_ text: String, kind: String) -> [String] {
    let f = Fuzzer(seed: 1, corpus: [], specs: [], csv: "")
    var r = Report()
    if kind == "spec" { f.checkSpec(text, &r) } else { f.checkScene(text, &r) }
    return r.problems
  }

  func checkScene(_ text: String, _ r: inout Report) {
    do {
      _ = try SceneParser.parse(text, file: "fuzz.scene")
      r.accepted += 1
    } catch {
      r.rejected += 1
      let lines = text.textLines()
      for d in error.diagnostics {
        let okLine = d.line >= 1 && d.line <= max(lines.count, 1)
        let width = okLine ? lines[d.line - 1].count : 0
        if !okLine || d.column < 1 || d.column > width + 2 || d.message.isEmpty {
          if r.problems.count < 20 { r.problems.append("bad position \(d.line):\(d.column) for: \(d.message)") }
        }
        if d.rendered.unicodeScalars.contains(where: { $0.value == 0x1B }) {
          if r.problems.count < 20 { r.problems.append("escape character in a diagnostic") }
        }
      }
      if error.diagnostics.isEmpty && r.problems.count < 20 { r.problems.append("rejected without a diagnostic") }
    }
  }

  func checkSpec(_ text: String, _ r: inout Report) {
    do {
      let spec = try ModelSpec(parsing: text)
      for shape in [[64], [1, 8, 8], [12, 4]] {
        _ = try? spec.buildLayers(inputShape: shape, settings: BuildSettings(seed: 1, initializeWeights: false))
      }
      r.accepted += 1
    } catch {
      r.rejected += 1
      if error.column < 1 || error.column > text.count + 2 || error.message.isEmpty, r.problems.count < 20 {
        r.problems.append("spec error at column \(error.column) of \(text.count)")
      }
    }
  }

  mutating func checkData(_ r: inout Report) {
    var bytes = csv
    if rng.int(below: 4) == 0 {  // Windows line endings
      bytes = bytes.flatMap { $0 == UInt8(ascii: "\n") ? [UInt8(ascii: "\r"), $0] : [$0] }
    }
    for _ in 0..<(1 + rng.int(below: 6)) {
      let i = bytes.isEmpty ? 0 : rng.int(below: bytes.count)
      switch rng.int(below: 3) {
      case 0 where !bytes.isEmpty: bytes.remove(at: i)
      case 1: bytes.insert(UInt8(rng.int(below: 256)), at: i)
      default: bytes.insert(contentsOf: Array(",\n\"-e9.".utf8).shuffledPrefix(&rng), at: i)
      }
    }
    if (try? DataLoader.parseCSV(bytes, fileName: "f.csv")) != nil { r.accepted += 1 } else { r.rejected += 1 }
    // IDX: a random header, never an allocation sized by it.
    var header: [UInt8] = [0, 0, 8, 3]
    for _ in 0..<12 { header.append(UInt8(rng.int(below: 256))) }
    let body = [UInt8](repeating: 7, count: rng.int(below: 64))
    let labels: [UInt8] = [0, 0, 8, 1] + (0..<4).map { _ in UInt8(rng.int(below: 256)) } + [1, 2, 3]
    if (try? DataLoader.parseIDX(images: header + body, labels: labels, imagesName: "i", labelsName: "l")) != nil {
      r.accepted += 1
    } else {
      r.rejected += 1
    }
  }
}

extension Array where Element == UInt8 {
  fileprivate func shuffledPrefix(_ rng: inout SeededRNG) -> [UInt8] {
    var a = self
    rng.shuffle(&a)
    return Array(a.prefix(1 + rng.int(below: a.count)))
  }
}
