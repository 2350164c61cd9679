import NormCore
import NormSupport

// Sweeps: a grid of short trainings (learning rate × batch × init scale × momentum × weight
// decay × variant × seed), each with a stated budget and outcome. This file holds the
// definition (its canonical text and hash), the grid's cells in their fixed order, and shards.
// The runner is in SweepRunner.swift, the JSONL format in SweepLog.swift, and the analysis
// (trainable ranges) in SweepResults.swift.

/// A problem with a sweep definition or file, in words a user can act on.
public struct SweepError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A parameter a sweep can vary.
public enum SweepParameter: String, Sendable, CaseIterable {
  case lr
  case batch
  case initScale = "init-scale"
  case momentum
  case weightDecay = "weight-decay"

  /// The JSONL key of the parameter (`init_scale`).
  public var key: String { rawValue.replacingDash() }

  /// The value rule from ``Limits`` (nil: acceptable).
  func check(_ v: Double) -> String? {
    switch self {
    case .lr: return Limits.checkLearningRate(Float(v))
    case .batch:
      guard v.rounded() == v, v.magnitude < 1e12 else { return "a whole number" }
      return Limits.checkBatchSize(Int(v))
    case .initScale: return Limits.checkInitScale(Float(v))
    case .momentum: return Limits.checkMomentum(Float(v))
    case .weightDecay: return Limits.checkWeightDecay(Float(v))
    }
  }
}

extension String {
  fileprivate func replacingDash() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}

/// The values one parameter takes in a sweep, ascending and distinct.
///
/// Written `A..BxN` for N log-spaced values from A to B (both included; `0.01..100x13` is
/// 0.01, 0.0215, 0.0464, 0.1, …, 100), or as a comma list `8,16,32` (any order; sorted), or one
/// value. Batch sizes are whole numbers: a range's values are rounded, and must stay distinct.
public enum SweepAxis {
  /// The values `text` stands for, checked against the parameter's limits.
  public static func values(_ text: String, for parameter: SweepParameter) throws(SweepError) -> [Double] {
    let name = "--" + parameter.rawValue
    let t = String(text.filter { $0 != " " && $0 != "\t" })
    guard !t.isEmpty else { throw SweepError("\(name) is empty: give a value, a list a,b,c or a range A..BxN") }
    let values: [Double]
    if let dots = t.firstRange(of: "..") {
      values = try range(t, dots: dots, text: text, parameter: parameter)
    } else {
      values = try list(t, text: text, parameter: parameter)
    }
    for v in values {
      if let rule = parameter.check(v) {
        throw SweepError("\(name) values must each be \(rule), got \(NumberFormat.reading(v))")
      }
    }
    return values
  }

  /// `A..BxN`: N log-spaced values, ends exact, inner values to 6 significant digits (so
  /// `0.01..100x13` reads 0.0215443, 1, 10); batch sizes rounded and still distinct.
  static func range(
    _ t: String, dots: Range<String.Index>, text: String, parameter: SweepParameter
  ) throws(SweepError) -> [Double] {
    let name = "--" + parameter.rawValue
    func fail(_ why: String) -> SweepError { SweepError("\(name) \(excerpt(text)): \(why)") }
    let start = String(t[..<dots.lowerBound])
    let rest = t[dots.upperBound...]
    guard let x = rest.lastIndex(where: { $0 == "x" || $0 == "X" }) else {
      throw fail("a range is A..BxN (N values, log-spaced), e.g. 0.01..100x13")
    }
    let end = String(rest[..<x])
    let countText = String(rest[rest.index(after: x)...])
    guard let a = Double(start), a.isFinite else { throw fail("'\(excerpt(start))' is not a number") }
    guard let b = Double(end), b.isFinite else { throw fail("'\(excerpt(end))' is not a number") }
    guard let n = Int(countText) else { throw fail("'\(excerpt(countText))' after x is not a whole number of values") }
    guard a > 0 else { throw fail("a range is log-spaced and must start above 0; list the values instead (0,0.1,0.5)") }
    guard b != a else { throw fail("the range is empty (it starts and ends at \(a))") }
    guard b > a else { throw fail("the range is inverted (\(end) < \(start)); write it \(end)..\(start)x\(n)") }
    guard n >= 2 else { throw fail("a range needs at least 2 values, got \(n)") }
    guard n <= Limits.maxSweepAxisValues else {
      throw fail("at most \(Limits.maxSweepAxisValues) values per axis, got \(n)")
    }
    let la = Double.log(a)
    let lb = Double.log(b)
    var values = (0..<n).map { i in
      i == 0 ? a : i == n - 1 ? b : significant(Double.exp(la + (lb - la) * Double(i) / Double(n - 1)), 6)
    }
    if parameter == .batch {
      values = values.map { $0.rounded() }
      guard Set(values).count == values.count else {
        throw fail("rounded to whole batch sizes the range repeats values; use fewer values or a list")
      }
    }
    return values
  }

  /// `a,b,c`: distinct numbers, returned ascending.
  static func list(_ t: String, text: String, parameter: SweepParameter) throws(SweepError) -> [Double] {
    let name = "--" + parameter.rawValue
    let parts = t.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count <= Limits.maxSweepAxisValues else {
      throw SweepError("\(name): at most \(Limits.maxSweepAxisValues) values per axis, got \(parts.count)")
    }
    var values = [Double]()
    for p in parts {
      guard let v = Double(p), v.isFinite else {
        throw SweepError(
          p.isEmpty
            ? "\(name) \(excerpt(text)): an empty value in the list"
            : "\(name) \(excerpt(text)): '\(excerpt(p))' is not a number")
      }
      values.append(v)
    }
    if let dup = values.first(where: { v in values.filter { $0 == v }.count > 1 }) {
      throw SweepError("\(name) \(excerpt(text)): \(NumberFormat.reading(dup)) is listed twice")
    }
    return values.sorted()
  }
}

/// `v` (> 0, finite) rounded to `digits` significant decimal digits, by an exact power of ten.
func significant(_ v: Double, _ digits: Int) -> Double {
  guard v > 0, v.isFinite else { return v }
  let e = NumberFormat.decimalParts(v).exponent
  let k = digits - 1 - e
  var p = 1.0
  for _ in 0..<min(abs(k), 22) { p *= 10 }
  return k >= 0 ? (v * p).rounded() / p : (v / p).rounded() * p
}

extension Double {
  fileprivate static func log(_ x: Double) -> Double { NormSupport.naturalLog(x) }
  fileprivate static func exp(_ x: Double) -> Double { NormSupport.naturalExp(x) }
}

/// What a run must reach to count as trained.
public enum SweepTarget: Sendable, Equatable, CustomStringConvertible {
  /// Validation accuracy (eval mode) at least this.
  case accuracy(Double)
  /// Validation loss (eval mode) at most this.
  case loss(Double)

  /// Whether an evaluation meets the target (NaN never does).
  public func isMet(accuracy: Double, loss: Double) -> Bool {
    switch self {
    case .accuracy(let t): accuracy >= t
    case .loss(let t): loss <= t
    }
  }

  /// `accuracy 0.9` / `loss 0.5`: the canonical text.
  public var canonical: String {
    switch self {
    case .accuracy(let t): "accuracy \(t)"
    case .loss(let t): "loss \(t)"
    }
  }

  init?(canonical: some StringProtocol) {
    let p = canonical.split(separator: " ")
    guard p.count == 2, let v = Double(p[1]) else { return nil }
    switch p[0] {
    case "accuracy": self = .accuracy(v)
    case "loss": self = .loss(v)
    default: return nil
    }
  }

  /// `val accuracy ≥ 0.9`.
  public var description: String {
    switch self {
    case .accuracy(let t): "val accuracy ≥ \(NumberFormat.compact(t))"
    case .loss(let t): "val loss ≤ \(NumberFormat.compact(t))"
    }
  }

  func check() -> String? {
    switch self {
    case .accuracy(let t): t > 0 && t <= 1 ? nil : "--target must be an accuracy in (0, 1], got \(t)"
    case .loss(let t): t.isFinite && t > 0 ? nil : "--target-loss must be a finite number > 0, got \(t)"
    }
  }
}

/// One run of a sweep: a point of the grid, a variant and a seed.
public struct SweepCell: Sendable, Equatable, Hashable {
  /// The run's position in ``SweepDefinition/cellCount`` order.
  public var index: Int
  public var variantIndex: Int
  public var variant: String
  public var lr: Double
  public var batch: Int
  public var initScale: Double
  public var momentum: Double
  public var weightDecay: Double
  public var seed: UInt64

  /// The value of a parameter in this cell.
  public func value(_ p: SweepParameter) -> Double {
    switch p {
    case .lr: lr
    case .batch: Double(batch)
    case .initScale: initScale
    case .momentum: momentum
    case .weightDecay: weightDecay
    }
  }

  /// `bn lr 0.1 batch 60 seed 3` plus any other parameter the sweep varies.
  public func label(varying: [SweepParameter]) -> String {
    var s = "\(variant) lr \(NumberFormat.compact(lr))"
    for p in varying where p != .lr { s += " \(p.rawValue) \(NumberFormat.compact(value(p)))" }
    return s + " seed \(seed)"
  }
}

/// A deterministic slice of a sweep: `--shard i/n` runs the cells whose index is i − 1 modulo n
/// (round robin, so every shard gets cheap and expensive rates alike).
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
  /// 1 … count.
  public var index: Int
  public var count: Int
  public static let whole = SweepShard(index: 1, count: 1)

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// `i/n` with 1 ≤ i ≤ n ≤ 10,000.
  public init(parsing text: String) throws(SweepError) {
    let p = text.split(separator: "/", omittingEmptySubsequences: false)
    guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]) else {
      throw SweepError("--shard must look like i/n (e.g. 2/4), got '\(excerpt(text))'")
    }
    guard n >= 1, n <= 10_000 else { throw SweepError("--shard i/n needs n from 1 to 10000, got \(n)") }
    guard i >= 1, i <= n else { throw SweepError("--shard i/n needs i from 1 to n (\(n)), got \(i)") }
    self.init(index: i, count: n)
  }

  public func contains(_ cell: Int) -> Bool { cell % count == index - 1 }
  public var description: String { "\(index)/\(count)" }
}

/// Everything that defines a sweep. Two sweeps with the same canonical text (and so the same
/// hash) run the same cells with the same results on the same build.
///
/// Each run trains one variant alone, from its seed, exactly as `normscope train` would with that
/// variant, learning rate, batch, init scale, momentum, weight decay and seed: the weights,
/// batches and split follow the seed. Every `checkEvery` steps (and at the last step) the
/// validation split is evaluated in eval mode; the first check that meets the target gives the
/// steps to target. A run that diverges (NaN/Inf, or a loss blow-up, as in `train`) stops there.
public struct SweepDefinition: Sendable, Equatable {
  /// The variants, named (`plain: linear 100, …`).
  public var variants: [VariantSpec]
  /// The data as written (`digits`, `spirals:n=600`, a file path). The caller loads it.
  public var data = "digits"
  public var optimizer = OptimizerSettings.Kind.sgd
  public var nesterov = false
  public var initialization = InitScheme.pytorch
  public var loss = LossKind.crossEntropy
  public var validationFraction = 0.2
  public var learningRates: [Double] = [0.1]
  public var batchSizes: [Int] = [60]
  public var initScales: [Double] = [1]
  /// SGD momentum values (sgd and momentum optimizers only).
  public var momenta: [Double] = [0]
  public var weightDecays: [Double] = [0]
  public var firstSeed: UInt64 = 1
  public var seedCount = 1
  /// Training steps of each run (unless ``samples`` is set).
  public var steps = 600
  /// Each run's budget in training samples instead of steps: a run at batch B trains
  /// ⌈samples / B⌉ steps and checks the target every ⌈checkEvery / B⌉ steps, so every batch
  /// size sees the same data, as Wu & He compare batch sizes (equal epochs). nil: ``steps``
  /// steps at every batch size, and ``checkEvery`` in steps.
  public var samples: Int? = nil
  public var target = SweepTarget.accuracy(0.9)
  /// Steps between target checks (validation in eval mode); samples when ``samples`` is set.
  public var checkEvery = 50

  public init(variants: [VariantSpec]) { self.variants = variants }

  /// The training steps of a run at batch size `batch`.
  public func steps(batch: Int) -> Int {
    guard let samples else { return steps }
    return Self.ceilDiv(samples, batch)
  }

  /// The steps between target checks of a run at batch size `batch`.
  public func checkInterval(batch: Int) -> Int {
    guard samples != nil else { return checkEvery }
    return max(1, Self.ceilDiv(checkEvery, batch))
  }

  /// ⌈a / b⌉ for a ≥ 0 without overflow (b below 1 counts as 1).
  static func ceilDiv(_ a: Int, _ b: Int) -> Int {
    let b = max(b, 1)
    return a / b + (a % b == 0 ? 0 : 1)
  }

  /// The budget in words: "600 steps", or "19,200 samples (600 steps at batch 32 … 9,600 at 2)".
  public var budget: String {
    guard let samples else { return "\(steps) steps" }
    let b = batchSizes.sorted()
    guard let lo = b.first, let hi = b.last else { return "\(NumberFormat.grouped(samples)) samples" }
    func n(_ b: Int) -> String { NumberFormat.grouped(steps(batch: b)) }
    let at = lo == hi ? "\(n(lo)) steps" : "\(n(hi)) steps at batch \(hi) … \(n(lo)) at \(lo)"
    return "\(NumberFormat.grouped(samples)) samples (\(at))"
  }

  /// The seeds: `firstSeed`, `firstSeed + 1`, ….
  public var seeds: [UInt64] { (0..<UInt64(max(seedCount, 0))).map { firstSeed &+ $0 } }

  /// The values of a parameter.
  public func values(_ p: SweepParameter) -> [Double] {
    switch p {
    case .lr: learningRates
    case .batch: batchSizes.map(Double.init)
    case .initScale: initScales
    case .momentum: momenta
    case .weightDecay: weightDecays
    }
  }

  /// The parameters with more than one value, in grid order.
  public var varying: [SweepParameter] { SweepParameter.allCases.filter { values($0).count > 1 } }

  /// Grid points (lr × batch × init scale × momentum × weight decay), without variants and seeds.
  public var pointCount: Int { SweepParameter.allCases.reduce(1) { $0 * values($1).count } }

  /// Runs in the sweep: points × variants × seeds.
  public var cellCount: Int { pointCount * variants.count * max(seedCount, 0) }

  /// The run at `index`. Order, slowest-changing first: batch, init scale, momentum, weight
  /// decay, learning rate, variant, seed, so a seed's replicates are neighbours and a
  /// partial sweep fills whole cells of the diagram.
  public func cell(_ index: Int) -> SweepCell {
    precondition(index >= 0 && index < cellCount)
    var i = index
    func take(_ n: Int) -> Int {
      let r = i % n
      i /= n
      return r
    }
    let s = take(seedCount)
    let v = take(variants.count)
    let l = take(learningRates.count)
    let w = take(weightDecays.count)
    let m = take(momenta.count)
    let k = take(initScales.count)
    let b = take(batchSizes.count)
    return SweepCell(
      index: index, variantIndex: v, variant: variants[v].name, lr: learningRates[l], batch: batchSizes[b],
      initScale: initScales[k], momentum: momenta[m], weightDecay: weightDecays[w], seed: firstSeed &+ UInt64(s))
  }

  /// The indices of the runs of a shard, in order.
  public func cells(in shard: SweepShard) -> [Int] {
    Array(stride(from: shard.index - 1, to: cellCount, by: shard.count))
  }

  /// Checks every setting against ``Limits``; nil when the definition can run.
  public func problem() -> String? {
    guard !variants.isEmpty else { return "a sweep needs at least one --model" }
    guard variants.count <= Limits.maxSweepVariants else {
      return "at most \(Limits.maxSweepVariants) --model variants in a sweep, got \(variants.count)"
    }
    let names = variants.map(\.name)
    if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
      return "two variants are named '\(excerpt(dup))'"
    }
    guard !data.contains(where: { $0 == "\n" || $0 == "\r" }) else { return "--data must be one line" }
    for v in variants {
      if v.name.isEmpty || v.name.contains(where: { $0 == "\n" || $0 == ":" }) || v.model.contains("\n") {
        return "variant '\(excerpt(v.name))': names and specs are one line, names without ':'"
      }
    }
    for p in SweepParameter.allCases {
      let vs = values(p)
      guard !vs.isEmpty else { return "--\(p.rawValue) has no values" }
      guard vs.count <= Limits.maxSweepAxisValues else {
        return "--\(p.rawValue): at most \(Limits.maxSweepAxisValues) values per axis, got \(vs.count)"
      }
      for v in vs { if let rule = p.check(v) { return "--\(p.rawValue) values must each be \(rule), got \(v)" } }
      guard zip(vs, vs.dropFirst()).allSatisfy({ $0 < $1 }) else {
        return "--\(p.rawValue) values must be distinct and ascending"
      }
    }
    // A layer's own `scale=` replaces the init scale, so an init-scale axis would not change it:
    // every value would train the same network.
    if initScales.count > 1,
      let v = variants.first(where: { $0.model.contains(/(linear|conv|rnn)[^,]*\bscale=/) })
    {
      return
        "--init-scale cannot vary variant '\(excerpt(v.name))': its layers set scale= themselves, which the init scale does not change"
    }
    if momenta != [0], optimizer == .adam || optimizer == .adamw {
      return "--momentum applies to sgd and momentum, not \(optimizer.rawValue) (Adam's β₁ is fixed at 0.9)"
    }
    if nesterov, momenta.contains(0) { return "--nesterov needs every momentum value above 0" }
    guard (1...Limits.maxSweepSeeds).contains(seedCount) else {
      return "--seeds must be 1 to \(Limits.maxSweepSeeds), got \(seedCount)"
    }
    guard firstSeed <= UInt64.max - UInt64(seedCount) else { return "--seed is too large for \(seedCount) seeds" }
    guard (1...Limits.maxSweepSteps).contains(steps) else {
      return "--steps must be 1 to \(Limits.maxSweepSteps), got \(steps)"
    }
    if let samples {
      guard samples >= 1, let lo = batchSizes.min(), steps(batch: lo) <= Limits.maxSweepSteps else {
        return "--samples must be 1 to \(Limits.maxSweepSteps) steps at the smallest batch, got \(samples)"
      }
    }
    guard checkEvery >= 1 else { return "--check-every must be at least 1, got \(checkEvery)" }
    if let p = target.check() { return p }
    guard validationFraction > 0, validationFraction < 1 else {
      return
        "--val-fraction must be in (0, 1) for a sweep (the outcome is validation accuracy), got \(validationFraction)"
    }
    // Multiply without overflow: every factor is at most 1,000.
    let runs = pointCount * variants.count * seedCount
    guard runs <= Limits.maxSweepRuns else {
      return
        "the grid has \(runs) runs (\(pointCount) points × \(variants.count) variants × \(seedCount) seeds); the limit is \(Limits.maxSweepRuns)"
    }
    return nil
  }

  // MARK: - Canonical text and hash

  /// The definition as text, one setting per line, every value written so it reads back
  /// exactly (shortest round-trip decimals). Its FNV-1a hash is ``hash``.
  public var canonicalText: String {
    func list(_ v: [Double]) -> String { v.map { "\($0)" }.joined(separator: ",") }
    var lines = [
      "normscope-sweep 1",
      "data \(data)",
      "optimizer \(optimizer.rawValue)\(nesterov ? " nesterov" : "")",
      "init \(initialization)",
      "loss \(loss.rawValue)",
      "val-fraction \(validationFraction)",
      samples.map { "samples \($0)" } ?? "steps \(steps)",
      "check-every \(checkEvery)",
      "target \(target.canonical)",
      "seeds \(firstSeed) \(seedCount)",
      "lr \(list(learningRates))",
      "batch \(batchSizes.map(String.init).joined(separator: ","))",
      "init-scale \(list(initScales))",
      "momentum \(list(momenta))",
      "weight-decay \(list(weightDecays))",
    ]
    for v in variants { lines.append("variant \(v.name): \(v.model)") }
    return lines.joined(separator: "\n") + "\n"
  }

  /// 16 hex digits of the 64-bit FNV-1a hash of ``canonicalText``.
  public var hash: String { Self.fnv1a(canonicalText) }

  /// 64-bit FNV-1a of the UTF-8 bytes, as 16 lowercase hex digits.
  public static func fnv1a(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Reads ``canonicalText`` back (from a sweep file's first line).
  public init(canonicalText text: String) throws(SweepError) {
    self.init(variants: [])
    var seen = Set<String>()
    var lineNumber = 0
    for raw in text.split(separator: "\n") {
      lineNumber += 1
      let line = String(raw)
      let key = String(line.prefix { $0 != " " })
      let rest = String(line.dropFirst(key.count + 1))
      func bad(_ why: String = "cannot read '\(excerpt(line))'") -> SweepError {
        SweepError("sweep definition line \(lineNumber): \(why)")
      }
      func int() throws(SweepError) -> Int {
        guard let v = Int(rest) else { throw bad() }
        return v
      }
      func doubles() throws(SweepError) -> [Double] {
        var out = [Double]()
        for p in rest.split(separator: ",") {
          guard let v = Double(p) else { throw bad() }
          out.append(v)
        }
        return out
      }
      if key != "variant" {
        guard !seen.contains(key) else { throw bad("'\(excerpt(key))' given twice") }
        seen.insert(key)
      }
      switch key {
      case "normscope-sweep": guard rest == "1" else { throw bad("unknown sweep format version '\(excerpt(rest))'") }
      case "data": data = rest
      case "optimizer":
        let p = rest.split(separator: " ")
        guard let k = p.first.flatMap({ OptimizerSettings.Kind(rawValue: String($0)) }) else { throw bad() }
        optimizer = k
        nesterov = p.count == 2 && p[1] == "nesterov"
        guard p.count == 1 || nesterov else { throw bad() }
      case "init":
        guard let s = InitScheme(parsing: rest) else { throw bad() }
        initialization = s
      case "loss":
        guard let l = LossKind(rawValue: rest) else { throw bad() }
        loss = l
      case "val-fraction":
        guard let v = Double(rest) else { throw bad() }
        validationFraction = v
      case "steps": steps = try int()
      case "samples": samples = try int()
      case "check-every": checkEvery = try int()
      case "target":
        guard let t = SweepTarget(canonical: rest) else { throw bad() }
        target = t
      case "seeds":
        let p = rest.split(separator: " ")
        guard p.count == 2, let a = UInt64(p[0]), let n = Int(p[1]) else { throw bad() }
        firstSeed = a
        seedCount = n
      case "lr": learningRates = try doubles()
      case "batch":
        batchSizes = try doubles().map { v throws(SweepError) in
          guard v.rounded() == v, v.magnitude < 1e12 else { throw bad() }
          return Int(v)
        }
      case "init-scale": initScales = try doubles()
      case "momentum": momenta = try doubles()
      case "weight-decay": weightDecays = try doubles()
      case "variant":
        guard let colon = rest.firstIndex(of: ":") else { throw bad() }
        let model = rest[rest.index(after: colon)...]
        variants.append(VariantSpec(name: String(rest[..<colon]), model: String(model.drop { $0 == " " })))
      default: throw bad("unknown setting '\(excerpt(key))'")
      }
    }
    guard seen.contains("normscope-sweep") else { throw SweepError("not a NormScope sweep definition") }
    if let p = problem() { throw SweepError("sweep definition: \(p)") }
  }
}
