import NormSupport

/// The built-in data sets and their parameters.
public enum BuiltinData {
  /// Names accepted by ``make(name:parameters:seed:)``.
  public static let names = ["digits", "spirals", "moons", "circles", "xor", "blobs", "sequence", "stripes"]

  /// The largest built-in data set, in values (n × sample size): 2²⁵ = 128 MiB of Float32.
  public static let maxValues = 1 << 25

  /// Builds a named data set. `parameters` are `key=value` settings (e.g. `classes=3`,
  /// `noise=0.2`, `n=600`); unknown keys are errors (the first in key order is reported).
  public static func make(name: String, parameters: [String: String] = [:], seed: UInt64) throws -> Dataset {
    // Check the size before generating anything: parameters multiply (overflow-checked).
    func int(_ k: String, _ d: Int) -> Int { parameters[k].flatMap { Int($0) }.map { max($0, 0) } ?? d }
    let values: Int?
    switch name {
    case "sequence": values = checkedProduct([int("n", 2000), int("steps", 12), int("symbols", 4)])
    case "stripes": values = checkedProduct([int("n", 1200), int("channels", 3), int("size", 16), int("size", 16)])
    case "digits": values = 1797 * 64
    default: values = checkedProduct([int("n", 600), 2])
    }
    guard let values, values <= maxValues else {
      throw NormError(
        "\(name): \(values.map(String.init) ?? "too many") values is more than the \(maxValues) a built-in data set may hold; lower n or the sample size"
      )
    }
    var p = OptionReader(
      name: name,
      options: parameters.sorted { $0.key < $1.key }.map {
        OptionReader.Option(key: Token($0.key, column: 0), value: Token($0.value, column: 0))
      })
    let generate: Generator
    do { generate = try generator(Token(name, column: 0), &p) } catch { throw NormError(error.message) }
    var rng = SeededRNG(seed: seed, stream: "data/\(name)")
    return generate(&rng)
  }

  /// Makes a data set from its random stream.
  public typealias Generator = (inout SeededRNG) -> Dataset

  /// Reads the parameters of the built-in data set `name` from `p`, each range-checked and none
  /// unknown, and returns the generator they configure; nothing is generated yet. Errors point
  /// at the offending key or value (or the name), their messages start with the name
  /// ("spirals: classes must be a whole number in 2...16, got '1'"), and the first unknown
  /// parameter in `p`'s order is the one reported.
  public static func generator(_ name: Token, _ p: inout OptionReader) throws(OptionError) -> Generator {
    let generate: Generator?
    do {
      generate = try configured(name.text, &p)
    } catch { throw OptionError(column: error.column, message: "\(name.text): \(error.message)") }
    guard let generate else {
      throw OptionError(
        column: name.column, message: "unknown data set '\(name.text)'" + hint(for: name.text, among: names))
    }
    if let k = p.unknownOption()?.key {
      throw OptionError(column: k.column, message: "\(name.text): unknown parameter '\(k.text)'" + p.hint(for: k.text))
    }
    return generate
  }

  /// The generator of `name` with the parameters it reads from `p`; nil for an unknown name.
  static func configured(_ name: String, _ p: inout OptionReader) throws(OptionError) -> Generator? {
    switch name {
    case "digits":
      return { _ in digits() }
    case "spirals":
      let (n, classes, noise) = (
        try p.int("n", default: 600, in: 2...1_000_000), try p.int("classes", default: 3, in: 2...16),
        try p.float("noise", default: 0.2)
      )
      return { spirals(n: n, classes: classes, noise: noise, rng: &$0) }
    case "moons":
      let (n, noise) = (try p.int("n", default: 600, in: 2...1_000_000), try p.float("noise", default: 0.1))
      return { moons(n: n, noise: noise, rng: &$0) }
    case "circles":
      let (n, noise, factor) = (
        try p.int("n", default: 600, in: 2...1_000_000), try p.float("noise", default: 0.08),
        try p.float("factor", default: 0.5)
      )
      return { circles(n: n, noise: noise, factor: factor, rng: &$0) }
    case "xor":
      let (n, noise) = (try p.int("n", default: 600, in: 2...1_000_000), try p.float("noise", default: 0.1))
      return { xor(n: n, noise: noise, rng: &$0) }
    case "blobs":
      let (n, classes, noise) = (
        try p.int("n", default: 600, in: 2...1_000_000), try p.int("classes", default: 3, in: 2...16),
        try p.float("noise", default: 1.0)
      )
      return { blobs(n: n, classes: classes, noise: noise, rng: &$0) }
    case "sequence":
      let (n, steps, symbols, noise) = (
        try p.int("n", default: 2000, in: 2...1_000_000), try p.int("steps", default: 12, in: 2...256),
        try p.int("symbols", default: 4, in: 2...32), try p.float("noise", default: 0.3)
      )
      return { sequence(n: n, steps: steps, symbols: symbols, noise: noise, rng: &$0) }
    case "stripes":
      let (n, size, channels, noise) = (
        try p.int("n", default: 1200, in: 2...100_000), try p.int("size", default: 16, in: 4...64),
        try p.int("channels", default: 3, in: 1...8), try p.float("noise", default: 0.3)
      )
      return { stripes(n: n, size: size, channels: channels, noise: noise, rng: &$0) }
    default:
      return nil
    }
  }

  /// The UCI optical digits (8×8, 1,797 samples), pixels scaled from 0…16 to 0…1, as images
  /// of shape [1, 8, 8] (a first `linear` layer sees them flattened to 64 features).
  public static func digits() -> Dataset {
    var f = [Float]()
    f.reserveCapacity(1797 * 64)
    var l = [Int32]()
    l.reserveCapacity(1797)
    for line in digitsEncoded.utf8.split(separator: UInt8(ascii: "\n")) {
      var i = 0
      for ch in line {
        let v: Int = ch <= UInt8(ascii: "9") ? Int(ch) - 48 : Int(ch) - 87
        if i < 64 { f.append(Float(v) / 16) } else { l.append(Int32(v)) }
        i += 1
      }
    }
    return Dataset(name: "digits", sampleShape: [1, 8, 8], features: f, labels: l, classCount: 10)
  }

  /// Interleaved spiral arms (CS231n's toy): class j at radius r ∈ [0, 1] and angle
  /// 4j + 4r + noise·N(0,1).
  public static func spirals(n: Int, classes: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    var l = [Int32]()
    for i in 0..<n {
      let j = i % classes
      let r = Float(i / classes) / Float(max((n - 1) / classes, 1))
      let t = Float(j) * 4 + r * 4 + rng.normal() * noise
      f += [r * _sinf(t), r * _cosf(t)]
      l.append(Int32(j))
    }
    return Dataset(name: "spirals", sampleShape: [2], features: f, labels: l, classCount: classes)
  }

  /// Two interleaving half circles (as scikit-learn's make_moons), Gaussian noise.
  public static func moons(n: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    var l = [Int32]()
    for i in 0..<n {
      let c = i % 2
      let t = Float.pi * rng.uniform()
      let x: Float = c == 0 ? _cosf(t) : 1 - _cosf(t)
      let y: Float = c == 0 ? _sinf(t) : 0.5 - _sinf(t)
      f += [x + noise * rng.normal(), y + noise * rng.normal()]
      l.append(Int32(c))
    }
    return Dataset(name: "moons", sampleShape: [2], features: f, labels: l, classCount: 2)
  }

  /// A circle inside another (radius ratio `factor`), Gaussian noise.
  public static func circles(n: Int, noise: Float, factor: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    var l = [Int32]()
    for i in 0..<n {
      let c = i % 2
      let t = 2 * Float.pi * rng.uniform()
      let r: Float = c == 0 ? 1 : factor
      f += [r * _cosf(t) + noise * rng.normal(), r * _sinf(t) + noise * rng.normal()]
      l.append(Int32(c))
    }
    return Dataset(name: "circles", sampleShape: [2], features: f, labels: l, classCount: 2)
  }

  /// Points in [−1, 1]², label 1 where x·y > 0; Gaussian jitter added after labelling.
  public static func xor(n: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    var l = [Int32]()
    for _ in 0..<n {
      let x = rng.uniform(-1, 1)
      let y = rng.uniform(-1, 1)
      l.append(x * y > 0 ? 1 : 0)
      f += [x + noise * rng.normal(), y + noise * rng.normal()]
    }
    return Dataset(name: "xor", sampleShape: [2], features: f, labels: l, classCount: 2)
  }

  /// Gaussian blobs with standard deviation `noise`, centres evenly on a circle of radius 3.
  public static func blobs(n: Int, classes: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    var l = [Int32]()
    for i in 0..<n {
      let c = i % classes
      let a = 2 * Float.pi * Float(c) / Float(classes)
      f += [3 * _cosf(a) + noise * rng.normal(), 3 * _sinf(a) + noise * rng.normal()]
      l.append(Int32(c))
    }
    return Dataset(name: "blobs", sampleShape: [2], features: f, labels: l, classCount: classes)
  }

  /// The RNN task "majority symbol": each sample is T steps of a noisy one-hot over K symbols;
  /// the label is the symbol seen most often (always a strict majority). The answer needs memory
  /// of the whole sequence. Shape [T, K].
  public static func sequence(n: Int, steps: Int, symbols: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    f.reserveCapacity(n * steps * symbols)
    var l = [Int32]()
    var seq = [Int](repeating: 0, count: steps)
    for _ in 0..<n {
      let label = rng.int(below: symbols)
      while true {
        var counts = [Int](repeating: 0, count: symbols)
        for t in 0..<steps {
          seq[t] = rng.uniform() < 0.4 ? label : rng.int(below: symbols)
          counts[seq[t]] += 1
        }
        let top = counts[label]
        if counts.enumerated().allSatisfy({ $0.offset == label || $0.element < top }) { break }
      }
      for t in 0..<steps {
        for k in 0..<symbols { f.append((k == seq[t] ? 1 : 0) + noise * rng.normal()) }
      }
      l.append(Int32(label))
    }
    return Dataset(name: "sequence", sampleShape: [steps, symbols], features: f, labels: l, classCount: symbols)
  }

  /// Colour images of stripes in one of four orientations (0°, 45°, 90°, 135° — the label)
  /// with random frequency, phase and per-channel contrast, plus Gaussian noise. Shape [C, S, S].
  public static func stripes(n: Int, size: Int, channels: Int, noise: Float, rng: inout SeededRNG) -> Dataset {
    var f = [Float]()
    f.reserveCapacity(n * channels * size * size)
    var l = [Int32]()
    for i in 0..<n {
      let c = i % 4
      let angle = Float(c) * Float.pi / 4
      let freq = rng.uniform(0.6, 1.4)
      let phase = rng.uniform(0, 2 * Float.pi)
      let (dx, dy) = (_cosf(angle), _sinf(angle))
      var contrast = [Float]()
      for _ in 0..<channels { contrast.append(rng.uniform(0.3, 1)) }
      for ch in 0..<channels {
        for y in 0..<size {
          for x in 0..<size {
            let v = _sinf(freq * (Float(x) * dx + Float(y) * dy) + phase)
            f.append(contrast[ch] * v + noise * rng.normal())
          }
        }
      }
      l.append(Int32(c))
    }
    return Dataset(name: "stripes", sampleShape: [channels, size, size], features: f, labels: l, classCount: 4)
  }
}

@inline(__always) func _sinf(_ x: Float) -> Float { Float(_sin(Double(x))) }
@inline(__always) func _cosf(_ x: Float) -> Float { Float(_cos(Double(x))) }
