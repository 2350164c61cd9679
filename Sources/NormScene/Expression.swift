import NormCore
import NormLab
import NormSupport

/// An expectation or condition: arithmetic, comparisons and `and`/`or`/`not` over metric
/// functions such as `final_loss(bn)` or `drift(plain, layer=3)`.
public indirect enum Expr: Sendable, Equatable {
  case number(Double)
  case bool(Bool)
  /// A metric: the function (from ``Metrics/functions``), variant (if it takes one),
  /// `key=value` arguments, column.
  case call(Metrics.Function, variant: String?, args: [String: Double], column: Int)
  case not(Expr)
  case negate(Expr)
  case binary(BinaryOperator, Expr, Expr)
  /// An aggregate over the scene's seeds (`mean(final_loss(bn))`): the inner expression is
  /// evaluated once per seed and the results combined. With one seed, `mean` is the value and
  /// `sd` and the interval bounds are NaN.
  case aggregate(Aggregate, Expr)
  /// A value named by `let NAME = EXPR` earlier in the timeline: what the expression read
  /// for this seed when the `let` ran (it outlives `restart`, so a closing caption can quote
  /// every chapter).
  case name(String, column: Int)

  /// The metric calls in the expression, in the order the evaluator records them (pre-order,
  /// left to right, every branch).
  /// Whether the expression combines values over seeds anywhere.
  public var containsAggregate: Bool {
    switch self {
    case .number, .bool, .call, .name: false
    case .aggregate: true
    case .not(let x), .negate(let x): x.containsAggregate
    case .binary(_, let a, let b): a.containsAggregate || b.containsAggregate
    }
  }

  public var calls: [Expr] {
    switch self {
    case .number, .bool: []
    case .call, .name: [self]
    case .not(let x), .negate(let x), .aggregate(_, let x): x.calls
    case .binary(_, let a, let b): a.calls + b.calls
    }
  }
}

/// The aggregates over seeds: the mean, the sample standard deviation (n − 1), the bounds of
/// the 95 % confidence interval of the mean (Student's t with n − 1 degrees of freedom), the
/// smallest and largest value, and `count(COND)`, the number of seeds where COND holds
/// (`count(true)` is the number of seeds).
public enum Aggregate: String, Sendable, CaseIterable {
  case mean
  case sd
  case ci95Low = "ci95_low"
  case ci95High = "ci95_high"
  case min
  case max
  case count

  /// The aggregate of `values` (NaN values included: a diverged seed makes the mean, the
  /// minimum and the maximum NaN; `count` counts it as not holding).
  public func combine(_ values: [Double]) -> Double {
    let n = Double(values.count)
    if self == .count { return Double(values.filter { $0 != 0 && !$0.isNaN }.count) }
    guard !values.isEmpty else { return .nan }
    if self == .min || self == .max {
      guard !values.contains(where: \.isNaN) else { return .nan }
      return self == .min ? values.min()! : values.max()!
    }
    let mean = values.reduce(0, +) / n
    if self == .mean { return mean }
    guard values.count > 1 else { return .nan }
    let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    switch self {
    case .mean: return mean
    case .sd: return sd
    case .ci95Low: return mean - Aggregate.t975(degrees: values.count - 1) * sd / n.squareRoot()
    case .ci95High: return mean + Aggregate.t975(degrees: values.count - 1) * sd / n.squareRoot()
    case .min, .max, .count: return .nan  // handled above
    }
  }

  /// Student's t 0.975 quantile for `degrees` degrees of freedom (table to 30, then the
  /// normal approximation with a first-order correction).
  static func t975(degrees d: Int) -> Double {
    let table: [Double] = [
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
      2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]
    if d >= 1 && d <= table.count { return table[d - 1] }
    return 1.959964 + 2.37 / Double(Swift.max(d, 1))
  }
}

/// The binary operators of the expression language, spelled as in scenes.
public enum BinaryOperator: String, Sendable, CaseIterable {
  case or, and
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case equal = "=="
  case notEqual = "!="
  case plus = "+"
  case minus = "-"
  case times = "*"
  case divide = "/"

  static let comparisons: Set<BinaryOperator> = [.less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual]
}

/// The metric functions: name, arguments, help and how each is read (see docs/scenes.md). The
/// parser accepts exactly these names and the evaluator reads each through its own entry.
public enum Metrics {
  public struct Function: Sendable, Equatable {
    /// How a function reads its value: from the experiment, or from one variant.
    enum Reader: Sendable {
      case experiment(@Sendable (Experiment) -> Double)
      case variant(@Sendable (MetricContext) throws -> Double)
      /// From the last `sweep` statement's results, for one variant (NaN before any sweep).
      case sweep(@Sendable (SweepResults, String, [String: Double]) -> Double)
    }
    public let name: String
    public let arguments: [String]
    public let isBool: Bool
    public let help: String
    let reader: Reader
    /// Whether the function reads the last sweep's results (and so may name a `model`).
    public var readsSweep: Bool {
      if case .sweep = reader { return true }
      return false
    }
    public var takesVariant: Bool {
      if case .experiment = reader { return false }
      return true
    }

    /// A function of one variant.
    init(
      _ name: String, arguments: [String] = [], isBool: Bool = false, help: String,
      _ read: @escaping @Sendable (MetricContext) throws -> Double
    ) {
      (self.name, self.arguments, self.isBool, self.help, reader) = (name, arguments, isBool, help, .variant(read))
    }

    /// A function of the whole experiment (no variant).
    init(_ name: String, help: String, experiment read: @escaping @Sendable (Experiment) -> Double) {
      (self.name, arguments, isBool, self.help, reader) = (name, [], false, help, .experiment(read))
    }

    /// A function of the last sweep's results for one variant.
    init(
      _ name: String, arguments: [String] = [], help: String,
      sweep read: @escaping @Sendable (SweepResults, String, [String: Double]) -> Double
    ) {
      (self.name, self.arguments, isBool, self.help, reader) = (name, arguments, false, help, .sweep(read))
    }

    public static func == (a: Function, b: Function) -> Bool { a.name == b.name }
  }

  /// Every function, in the order of docs/scenes.md.
  public static let all: [Function] = [
    .init("final_loss", help: "training loss now (EMA-smoothed)") { $0.last($0.record.lossSmoothed.last) },
    .init("loss", help: "last mini-batch loss") { $0.last($0.record.loss.last) },
    .init("val_loss", help: "validation loss now, eval mode") {
      Double(try $0.experiment.evaluateValidation(variant: $0.variant, mode: .eval).loss)
    },
    .init("val_accuracy", help: "validation accuracy now, eval mode") {
      Double(try $0.experiment.evaluateValidation(variant: $0.variant, mode: .eval).accuracy)
    },
    .init(
      "val_accuracy_train_mode", arguments: ["batch"],
      help: "validation accuracy in train mode (batch statistics) with batches of `batch` (default: the training batch)"
    ) { c in
      let b = c.args["batch"].map { Int(clamping: $0) } ?? c.experiment.batchSize
      return Double(
        try c.experiment.evaluateValidation(variant: c.variant, mode: .train, batchSize: max(1, b)).accuracy)
    },
    .init("train_accuracy", help: "training accuracy (smoothed)") { $0.last($0.record.accuracySmoothed.last) },
    .init("diverged", isBool: true, help: "the variant diverged") { $0.record.divergedAt != nil ? 1 : 0 },
    .init(
      "drift", arguments: ["layer", "place", "unit"],
      help: "W1 drift since the mark at a place (default before_norm), pooled or of one unit"
    ) { c in
      let tap = c.tap(default: .normInput)
      if c.args["unit"] != nil {
        guard let u = c.unit(at: tap) else { return .nan }
        return c.last(c.record.units[tap]?.drift.last?[u])
      }
      return c.last(c.record.driftSinceMark[tap]?.last)
    },
    .init("shift", arguments: ["layer", "place"], help: "W1 between the last two snapshots") { c in
      c.last(c.record.shiftW1[c.tap(default: .normInput)]?.last)
    },
    .init(
      "percentile_travel", arguments: ["layer", "place", "unit"],
      help: "path length of p15/p50/p85 at a place (default activation_input), pooled or of one unit"
    ) { c in
      guard let b = c.band(default: .activationInput) else { return .nan }
      var rec = VariantRecord(name: "", blocks: [])
      (rec.p15, rec.p50, rec.p85) = (b.p15, b.p50, b.p85)
      return Double(rec.percentileTravel)
    },
    .init(
      "percentile_range", arguments: ["layer", "place", "unit"],
      help: "mean range over time of p15/p50/p85 (default activation_input), pooled or of one unit"
    ) { c in
      guard let b = c.band(default: .activationInput) else { return .nan }
      return Double((b.p15.range + b.p50.range + b.p85.range) / 3)
    },
    .init(
      "spread", arguments: ["layer", "place", "unit"],
      help: "p85 − p15 now at a place (default activation_input), pooled or of one unit"
    ) { c in
      guard let b = c.band(default: .activationInput), let hi = b.p85.last, let lo = b.p15.last else { return .nan }
      return Double(hi - lo)
    },
    .init("eval_gap", help: "mean |logit_train − logit_eval| on the probe") {
      $0.last($0.record.trainEvalLogitGap.last)
    },
    .init("eval_kl", help: "mean KL(train ‖ eval) on the probe") { $0.last($0.record.trainEvalKL.last) },
    .init(
      "eval_gap_small", help: "mean |logit_train − logit_eval| on the probe in train-mode batches of 4 (the panel's)"
    ) { $0.last($0.record.smallBatchLogitGap.last) },
    .init("acc_train_mode_small", help: "probe accuracy in train-mode batches of 4 (the panel's)") {
      $0.last($0.record.smallBatchTrainAccuracy.last)
    },
    .init("acc_train_mode", help: "probe accuracy in train mode") { $0.last($0.record.trainModeAccuracy.last) },
    .init("acc_eval_mode", help: "probe accuracy in eval mode") { $0.last($0.record.evalModeAccuracy.last) },
    .init("single_acc_eval_mode", help: "one-sample accuracy, eval mode") {
      $0.last($0.record.singleSampleEvalAccuracy.last)
    },
    .init("single_sample_error", isBool: true, help: "train-mode inference on one sample is an error") {
      $0.record.singleSampleError != nil ? 1 : 0
    },
    .init("ics", arguments: ["layer"], help: "gradient ICS ‖G − G′‖₂") { $0.last($0.record.icsL2[$0.layer]?.last) },
    .init("ics_cos", arguments: ["layer"], help: "cos(G, G′)") { $0.last($0.record.icsCosine[$0.layer]?.last) },
    .init("beta_smoothness", help: "effective β-smoothness along −g") { $0.last($0.record.betaSmoothness.last) },
    .init("loss_variation", help: "range of the loss along −g") { $0.last($0.record.lossVariation.last) },
    .init("bn_gap", arguments: ["layer"], help: "BN |μ_batch − μ_running|/σ on the probe") {
      $0.last($0.record.bnMeanGap[$0.layer]?.last)
    },
    .init("grad_norm", arguments: ["layer"], help: "‖∇W‖ of the layer") {
      $0.last($0.record.gradientNorm[$0.layer]?.last)
    },
    .init("steps_to_loss", arguments: ["below"], help: "first step with smoothed loss < below") { c in
      let below = Float(c.args["below"] ?? 0)
      let s = c.record.lossSmoothed
      if let i = s.values.firstIndex(where: { $0 < below }) { return Double(s.steps[i]) }
      return .nan
    },
    .init("steps_to_accuracy", arguments: ["above"], help: "first step with validation accuracy ≥ above") { c in
      let above = Float(c.args["above"] ?? 1)
      let s = c.record.validationAccuracy
      if let i = s.values.firstIndex(where: { $0 >= above }) { return Double(s.steps[i]) }
      return .nan
    },
    .init(
      "trainable_max_lr", arguments: sweepAxes,
      help: "the last sweep: the largest rate at which ≥ 90% of the variant's runs reach the target",
      sweep: { r, v, args in SweepMetrics.range(r, variant: v, args).highest ?? .nan }),
    .init(
      "trainable_min_lr", arguments: sweepAxes,
      help: "the last sweep: the smallest rate at which ≥ 90% of the variant's runs reach the target",
      sweep: { r, v, args in SweepMetrics.range(r, variant: v, args).lowest ?? .nan }),
    .init(
      "trainable_rates", arguments: sweepAxes,
      help: "the last sweep: how many of its rates are trainable for the variant (0 when none is)",
      sweep: { r, v, args in Double(SweepMetrics.range(r, variant: v, args).rates.count) }),
    .init(
      "sweep_accuracy", arguments: ["lr"] + sweepAxes,
      help: "the last sweep: the variant's mean final validation accuracy at rate `lr` (over seeds and other axes)",
      sweep: { r, v, args in SweepMetrics.meanAccuracy(r, variant: v, lr: args["lr"], args) }),
    .init("lr", help: "current learning rate") { Double($0.variant.trainer.optimizer.settings.learningRate) },
    .init("step", help: "current step", experiment: { Double($0.step) }),
    .init("batch", help: "current batch size", experiment: { Double($0.batchSize) }),
  ]

  /// The arguments of the sweep functions that pick a value of a second swept parameter.
  static var sweepAxes: [String] { SweepMetrics.axisArguments.map(\.name) }

  /// The functions by name.
  public static let functions: [String: Function] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

  /// Arguments that take a word: `place=after_norm`, `unit=median`.
  public static let namedValues: [String: [String: Double]] = [
    "place": Dictionary(uniqueKeysWithValues: Tap.Kind.allCases.enumerated().map { ($1.word, Double($0)) }),
    "unit": ["median": -1],
  ]
  static let namedValueHelp: [String: String] = [
    "place": Tap.Kind.allCases.map(\.word).joined(separator: ", "),
    "unit": "a unit number from 0 or median",
  ]
}

/// What a function of one variant reads from.
struct MetricContext {
  let experiment: Experiment
  let variant: Variant
  let record: VariantRecord
  /// The function's `key=value` arguments.
  let args: [String: Double]
  /// `layer=K`, or the last hidden layer.
  let layer: Int
  var tap: Tap { Tap(block: layer, kind: .normInput) }

  /// The tap at `place=` (an index into ``Tap/Kind/allCases``), else `fallback`.
  func tap(default fallback: Tap.Kind) -> Tap {
    let kinds = Tap.Kind.allCases
    let kind = args["place"].map { Int(clamping: $0) }.flatMap { kinds.indices.contains($0) ? kinds[$0] : nil }
    return Tap(block: layer, kind: kind ?? fallback)
  }

  /// The unit `unit=` names at `tap` (`median`: the typical unit), nil when pooled or absent.
  func unit(at tap: Tap) -> Int? {
    guard let u = args["unit"], let stats = record.units[tap] else { return nil }
    let n = u < 0 ? stats.medianUnit : Int(clamping: u)
    return n.flatMap { $0 < stats.unitCount ? $0 : nil }
  }

  /// p15/p50/p85 over time at `place=` (default `fallback`): of one unit with `unit=`, else
  /// every unit pooled. Nil when not measured (or the unit does not exist: a claim fails).
  func band(default fallback: Tap.Kind) -> PercentileBand? {
    let tap = tap(default: fallback)
    if args["unit"] != nil {
      guard let u = unit(at: tap), let stats = record.units[tap] else { return nil }
      return stats.band(unit: u)
    }
    if args["place"] == nil, let b = record.bands[layer] { return b }
    return record.bandsByTap[tap]
  }

  init(experiment: Experiment, variant: Variant, args: [String: Double]) {
    (self.experiment, self.variant, self.args) = (experiment, variant, args)
    record = variant.record
    layer = args["layer"].map { Int(clamping: $0) } ?? record.blocks.last?.number ?? 1
  }

  /// The last value of a series, NaN before the first.
  func last(_ x: Float?) -> Double { x.map(Double.init) ?? .nan }
}

/// Parses expressions; columns are absolute (the caller passes the offset of the expression in
/// its line).
struct ExprParser {
  enum Token: Equatable {
    case number(Double)
    case ident(String)
    case op(String)
    case lparen, rparen, comma, equals, end
  }
  var tokens: [(Token, Int)] = []
  var i = 0
  let variants: Set<String>
  /// Networks only sweeps train (`model` lines): only the sweep functions read them.
  let sweepModels: Set<String>
  /// Names defined by `let` before the expression's line.
  let names: Set<String>
  /// Parentheses, `not` and unary minus open a level each; deeper input is an error, so the
  /// recursive parser, the evaluator and the tree's deallocation stay far from the stack's end.
  static let maxNesting = 64
  /// Binary operators in one expression; each makes the tree one level deeper at most.
  static let maxOperators = 256
  var nesting = 0
  var operators = 0
  var insideAggregate = false

  struct Failure: Error {
    var column: Int
    var message: String
  }

  init(
    _ text: String, columnOffset: Int, variants: Set<String>, sweepModels: Set<String> = [], names: Set<String> = []
  ) throws(Failure) {
    self.variants = variants
    self.sweepModels = sweepModels
    self.names = names
    let chars = Array(text)
    var k = 0
    while k < chars.count {
      let c = chars[k]
      let col = columnOffset + k
      if c == " " || c == "\t" {
        k += 1
        continue
      }
      if c.isNumber || (c == "." && k + 1 < chars.count && chars[k + 1].isNumber) {
        let s = k
        while k < chars.count,
          chars[k].isNumber || chars[k] == "." || chars[k] == "e" || chars[k] == "E"
            || ((chars[k] == "-" || chars[k] == "+") && (chars[k - 1] == "e" || chars[k - 1] == "E"))
        {
          k += 1
        }
        guard let v = Double(String(chars[s..<k])) else {
          throw Failure(column: col, message: "bad number '\(String(chars[s..<k]))'")
        }
        tokens.append((.number(v), col))
        continue
      }
      if c.isLetter || c == "_" {
        let s = k
        while k < chars.count, chars[k].isLetter || chars[k].isNumber || chars[k] == "_" || chars[k] == "-" { k += 1 }
        tokens.append((.ident(String(chars[s..<k])), col))
        continue
      }
      let two = k + 1 < chars.count ? String(chars[k...k + 1]) : ""
      if ["<=", ">=", "==", "!="].contains(two) {
        tokens.append((.op(two), col))
        k += 2
        continue
      }
      switch c {
      case "<", ">", "+", "-", "*", "/": tokens.append((.op(String(c)), col))
      case "(": tokens.append((.lparen, col))
      case ")": tokens.append((.rparen, col))
      case ",": tokens.append((.comma, col))
      case "=": tokens.append((.equals, col))
      default: throw Failure(column: col, message: "unexpected character '\(c)' in an expression")
      }
      k += 1
    }
    tokens.append((.end, columnOffset + chars.count))
  }

  var peek: Token { tokens[i].0 }
  var column: Int { tokens[i].1 }
  mutating func next() -> (Token, Int) {
    defer { i += 1 }
    return tokens[i]
  }

  mutating func parse() throws(Failure) -> Expr {
    let e = try orExpr()
    guard peek == .end else {
      throw Failure(column: column, message: "unexpected \(describe(peek)) after the expression")
    }
    return e
  }

  func describe(_ t: Token) -> String {
    switch t {
    case .number(let v): "number \(v)"
    case .ident(let s): "'\(s)'"
    case .op(let s): "'\(s)'"
    case .lparen: "'('"
    case .rparen: "')'"
    case .comma: "','"
    case .equals: "'='"
    case .end: "end of line"
    }
  }

  /// Enters one level of nesting (a parenthesis, `not`, unary minus) opened at `column`.
  mutating func enter(at column: Int) throws(Failure) {
    nesting += 1
    guard nesting <= Self.maxNesting else {
      throw Failure(column: column, message: "expression nested more than \(Self.maxNesting) levels deep")
    }
  }

  /// Counts one binary operator (the one about to be consumed).
  mutating func countOperator() throws(Failure) {
    operators += 1
    guard operators <= Self.maxOperators else {
      throw Failure(column: column, message: "expression has more than \(Self.maxOperators) operators; split it")
    }
  }

  mutating func orExpr() throws(Failure) -> Expr {
    var e = try andExpr()
    while peek == .ident("or") {
      try countOperator()
      _ = next()
      e = .binary(.or, e, try andExpr())
    }
    return e
  }
  mutating func andExpr() throws(Failure) -> Expr {
    var e = try notExpr()
    while peek == .ident("and") {
      try countOperator()
      _ = next()
      e = .binary(.and, e, try notExpr())
    }
    return e
  }
  mutating func notExpr() throws(Failure) -> Expr {
    if peek == .ident("not") {
      try enter(at: column)
      defer { nesting -= 1 }
      _ = next()
      return .not(try notExpr())
    }
    return try comparison()
  }
  mutating func comparison() throws(Failure) -> Expr {
    let e = try sum()
    if case .op(let o) = peek, let op = BinaryOperator(rawValue: o), BinaryOperator.comparisons.contains(op) {
      try countOperator()
      _ = next()
      return .binary(op, e, try sum())
    }
    return e
  }
  mutating func sum() throws(Failure) -> Expr {
    var e = try product()
    while case .op(let o) = peek, let op = BinaryOperator(rawValue: o), op == .plus || op == .minus {
      try countOperator()
      _ = next()
      e = .binary(op, e, try product())
    }
    return e
  }
  mutating func product() throws(Failure) -> Expr {
    var e = try unary()
    while case .op(let o) = peek, let op = BinaryOperator(rawValue: o), op == .times || op == .divide {
      try countOperator()
      _ = next()
      e = .binary(op, e, try unary())
    }
    return e
  }
  mutating func unary() throws(Failure) -> Expr {
    if peek == .op("-") {
      try enter(at: column)
      defer { nesting -= 1 }
      _ = next()
      return .negate(try unary())
    }
    return try primary()
  }
  /// `mean(EXPR)` and the other aggregates over seeds (not nested), after its name.
  mutating func aggregate(_ a: Aggregate, column col: Int) throws(Failure) -> Expr {
    guard !insideAggregate else {
      throw Failure(column: col, message: "\(a.rawValue) cannot be inside another aggregate over seeds")
    }
    guard peek == .lparen else { throw Failure(column: column, message: "expected '(' after \(a.rawValue)") }
    try enter(at: column)
    defer { nesting -= 1 }
    _ = next()
    insideAggregate = true
    let inner = try orExpr()
    insideAggregate = false
    guard peek == .rparen else { throw Failure(column: column, message: "expected ')' but found \(describe(peek))") }
    _ = next()
    return .aggregate(a, inner)
  }

  /// One `key=value` argument of a metric call: a number, or a word where the key takes one
  /// (`place=after_norm`, `unit=median`).
  mutating func argumentValue(_ key: String) throws(Failure) -> Double {
    if case .ident(let word) = peek, let names = Metrics.namedValues[key] {
      let ncol = column
      _ = next()
      guard let v = names[word] else {
        throw Failure(
          column: ncol,
          message: "\(key) is \(Metrics.namedValueHelp[key] ?? ""), not '\(word)'"
            + hint(for: word, among: Array(names.keys)))
      }
      return v
    }
    let negative = peek == .op("-")
    if negative { _ = next() }
    let (nt, ncol) = next()
    guard case .number(let v) = nt else { throw Failure(column: ncol, message: "\(key) needs a number") }
    return negative ? -v : v
  }

  mutating func primary() throws(Failure) -> Expr {
    let (t, col) = next()
    switch t {
    case .number(let v): return .number(v)
    case .lparen:
      try enter(at: col)
      defer { nesting -= 1 }
      let e = try orExpr()
      guard peek == .rparen else { throw Failure(column: column, message: "expected ')' but found \(describe(peek))") }
      _ = next()
      return e
    case .ident("true"): return .bool(true)
    case .ident("false"): return .bool(false)
    case .ident(let name) where Aggregate(rawValue: name) != nil:
      return try aggregate(Aggregate(rawValue: name)!, column: col)
    case .ident(let name) where names.contains(name) && peek != .lparen:
      return .name(name, column: col)
    case .ident(let name):
      guard let f = Metrics.functions[name] else {
        let known = (Array(Metrics.functions.keys) + Aggregate.allCases.map(\.rawValue) + names).sorted()
        let what = peek == .lparen ? "function" : "function or name"
        throw Failure(column: col, message: "unknown \(what) '\(name)'" + hint(for: name, among: known))
      }
      guard peek == .lparen else { throw Failure(column: column, message: "expected '(' after \(name)") }
      _ = next()
      var variant: String? = nil
      var args = [String: Double]()
      if f.takesVariant {
        let (vt, vcol) = next()
        guard case .ident(let v) = vt else {
          throw Failure(
            column: vcol,
            message: "\(name) needs a variant name first, e.g. \(name)(\(variants.sorted().first ?? "bn"))")
        }
        if sweepModels.contains(v) {
          guard f.readsSweep else {
            let readers = Metrics.all.filter(\.readsSweep).map(\.name).joined(separator: ", ")
            throw Failure(
              column: vcol,
              message: "'\(v)' is a sweep model (a `model` line), trained only by sweeps; only \(readers) read it")
          }
        } else if !variants.contains(v) {
          throw Failure(
            column: vcol,
            message: "no variant named '\(v)' (variants: \(variants.sorted().joined(separator: ", ")))"
              + hint(for: v, among: Array(variants)))
        }
        variant = v
      }
      while peek != .rparen {
        if f.takesVariant || !args.isEmpty {
          guard peek == .comma else {
            throw Failure(column: column, message: "expected ',' or ')' but found \(describe(peek))")
          }
          _ = next()
        }
        let (kt, kcol) = next()
        guard case .ident(let key) = kt else {
          throw Failure(column: kcol, message: "expected key=value, found \(describe(kt))")
        }
        guard f.arguments.contains(key) else {
          let allowed = f.arguments.isEmpty ? "takes no options" : "takes \(f.arguments.joined(separator: ", "))"
          throw Failure(
            column: kcol, message: "\(name) \(allowed); '\(key)' is not one" + hint(for: key, among: f.arguments))
        }
        guard peek == .equals else { throw Failure(column: column, message: "expected '=' after \(key)") }
        _ = next()
        args[key] = try argumentValue(key)
      }
      _ = next()
      return .call(f, variant: variant, args: args, column: col)
    default:
      throw Failure(column: col, message: "expected a number, a function or '(' but found \(describe(t))")
    }
  }
}

/// The value of an expression and the metric values it read, for PASS/FAIL reports.
public struct Evaluation: Sendable {
  public var value: Double
  public var isTrue: Bool { value != 0 && !value.isNaN }
  /// "final_loss(bn) = 0.0123" for each metric read, in order.
  public var readings: [String]
}

/// Evaluates expressions against an experiment. NaN compares false; `and`/`or` treat NaN as false.
struct Evaluator {
  let experiment: Experiment
  /// The values of `let` names defined so far (this seed's).
  let names: [String: Double]
  /// The last `sweep` statement's results.
  let sweep: SweepResults?
  var readings: [String] = []

  init(experiment: Experiment, names: [String: Double] = [:], sweep: SweepResults? = nil) {
    self.experiment = experiment
    self.names = names
    self.sweep = sweep
  }

  mutating func evaluate(_ e: Expr) throws -> Double {
    switch e {
    case .number(let v): return v
    case .bool(let b): return b ? 1 : 0
    case .not(let x): return try truth(evaluate(x)) ? 0 : 1
    case .negate(let x): return -(try evaluate(x))
    case .binary(let op, let a, let b):
      let x = try evaluate(a)
      // `and`/`or` read their right side only when it matters.
      switch op {
      case .and: return truth(x) ? (truth(try evaluate(b)) ? 1 : 0) : 0
      case .or: return truth(x) ? 1 : (truth(try evaluate(b)) ? 1 : 0)
      case .plus: return x + (try evaluate(b))
      case .minus: return x - (try evaluate(b))
      case .times: return x * (try evaluate(b))
      case .divide: return x / (try evaluate(b))
      case .less: return x < (try evaluate(b)) ? 1 : 0
      case .lessOrEqual: return x <= (try evaluate(b)) ? 1 : 0
      case .greater: return x > (try evaluate(b)) ? 1 : 0
      case .greaterOrEqual: return x >= (try evaluate(b)) ? 1 : 0
      case .equal: return x == (try evaluate(b)) ? 1 : 0
      case .notEqual: return x != (try evaluate(b)) ? 1 : 0
      }
    case .call(let f, let variant, let args, _):
      let v = try metric(f, variant, args)
      let shown = f.isBool ? (v != 0 ? "true" : "false") : short(v)
      readings.append("\(Evaluator.name(of: e)) = \(shown)")
      return v
    case .aggregate(let a, let x):
      // One experiment is one seed.
      return a.combine([try evaluate(x)])
    case .name(let n, _):
      let v = names[n] ?? .nan
      readings.append("\(n) = \(short(v))")
      return v
    }
  }

  /// `final_loss(bn)`, `drift(plain, layer=2)`: how a metric call is shown in readings.
  static func name(of call: Expr) -> String {
    if case .name(let n, _) = call { return n }
    guard case .call(let f, let variant, let args, _) = call else { return "" }
    // In the function's own argument order (`sweep_accuracy(bn, lr=0.1, batch=2)`).
    let argText = f.arguments.filter { args[$0] != nil }.map { key in
      // A word argument is shown as the word (`place=after_norm`, `unit=median`).
      let value = args[key]!
      let word = Metrics.namedValues[key]?.first { $0.value == value }?.key
      return "\(key)=\(word ?? NumberFormat.reading(value))"
    }
    return "\(f.name)(\(([variant].compactMap { $0 } + argText).joined(separator: ", ")))"
  }

  /// The value of every metric call in `e` (``Expr/calls`` order), each read even where `and`
  /// or `or` would not need it; a call that fails reads NaN and its error is returned.
  func record(_ e: Expr) -> (values: [Double], errors: [String]) {
    var values: [Double] = []
    var errors: [String] = []
    for c in e.calls {
      if case .name(let n, _) = c {
        values.append(names[n] ?? .nan)
        continue
      }
      guard case .call(let f, let variant, let args, _) = c else { continue }
      do { values.append(try metric(f, variant, args)) } catch {
        values.append(.nan)
        errors.append("\(Evaluator.name(of: c)): \(error)")
      }
    }
    return (values, errors)
  }

  func truth(_ v: Double) -> Bool { v != 0 && !v.isNaN }

  func short(_ v: Double) -> String { NumberFormat.reading(v) }

  /// Reads one metric through its table entry. A variant the experiment does not have (a
  /// parsed scene never names one) reads NaN.
  func metric(_ f: Metrics.Function, _ variantName: String?, _ args: [String: Double]) throws -> Double {
    switch f.reader {
    case .experiment(let read): return read(experiment)
    case .sweep(let read):
      guard let sweep, let vn = variantName else { return .nan }
      return read(sweep, vn, args)
    case .variant(let read):
      guard let vn = variantName, let v = experiment.variant(named: vn) else { return .nan }
      return try read(MetricContext(experiment: experiment, variant: v, args: args))
    }
  }
}

extension Experiment {
  /// Loss and accuracy over the validation split (or the training data when there is none) in
  /// `mode`, changing no state. In train mode, BatchNorm uses each batch's own statistics.
  public func evaluateValidation(variant v: Variant, mode: Mode, batchSize: Int = 500) throws -> NormCore.Evaluation {
    let data = validationData.count > 0 ? validationData : trainData
    return try v.trainer.evaluate(data: data, mode: mode, batchSize: batchSize)
  }
}

/// Evaluates an expression from recorded metric values, one array per seed (``Evaluator/record(_:)``):
/// the value for seed `seed`, with each aggregate combining its inner expression over all seeds.
/// Both sides of `and`/`or` are read (the values are recorded; nothing runs).
struct RecordedEvaluator {
  let seeds: [[Double]]

  func value(_ e: Expr, seed: Int) -> Double {
    var next = 0
    return value(e, seed: seed, next: &next)
  }

  private func value(_ e: Expr, seed: Int, next: inout Int) -> Double {
    switch e {
    case .number(let v): return v
    case .bool(let b): return b ? 1 : 0
    case .not(let x): return truth(value(x, seed: seed, next: &next)) ? 0 : 1
    case .negate(let x): return -value(x, seed: seed, next: &next)
    case .call, .name:
      defer { next += 1 }
      return seeds[seed][next]
    case .aggregate(let a, let x):
      let start = next
      let perSeed = seeds.indices.map { s in
        var k = start
        return value(x, seed: s, next: &k)
      }
      next = start + x.calls.count
      return a.combine(perSeed)
    case .binary(let op, let a, let b):
      let x = value(a, seed: seed, next: &next)
      let y = value(b, seed: seed, next: &next)
      switch op {
      case .and: return truth(x) && truth(y) ? 1 : 0
      case .or: return truth(x) || truth(y) ? 1 : 0
      case .plus: return x + y
      case .minus: return x - y
      case .times: return x * y
      case .divide: return x / y
      case .less: return x < y ? 1 : 0
      case .lessOrEqual: return x <= y ? 1 : 0
      case .greater: return x > y ? 1 : 0
      case .greaterOrEqual: return x >= y ? 1 : 0
      case .equal: return x == y ? 1 : 0
      case .notEqual: return x != y ? 1 : 0
      }
    }
  }

  func truth(_ v: Double) -> Bool { v != 0 && !v.isNaN }
}
