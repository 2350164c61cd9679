import NormCore
import NormLab
import NormSupport

/// An expectation or condition: arithmetic, comparisons and `and`/`or`/`not` over metric
/// functions such as `final_loss(bn)` or `drift(plain, layer=3)`.
public indirect enum Expr: Sendable, Equatable {
  case number(Double)
  case bool(Bool)
  /// A metric: function name, variant (if it takes one), `key=value` arguments, column.
  case call(name: String, variant: String?, args: [String: Double], column: Int)
  case not(Expr)
  case negate(Expr)
  case binary(String, Expr, Expr)
}

/// The metric functions, their arguments and what they mean (see docs/scenes.md).
public enum Metrics {
  public struct Function: Sendable {
    public var takesVariant: Bool
    public var arguments: [String]
    public var isBool: Bool
    public var help: String
  }

  public static let functions: [String: Function] = [
    "final_loss": .init(takesVariant: true, arguments: [], isBool: false, help: "training loss now (EMA-smoothed)"),
    "loss": .init(takesVariant: true, arguments: [], isBool: false, help: "last mini-batch loss"),
    "val_loss": .init(takesVariant: true, arguments: [], isBool: false, help: "validation loss now, eval mode"),
    "val_accuracy": .init(takesVariant: true, arguments: [], isBool: false, help: "validation accuracy now, eval mode"),
    "val_accuracy_train_mode": .init(
      takesVariant: true, arguments: ["batch"], isBool: false,
      help: "validation accuracy in train mode (batch statistics) with batches of `batch` (default: the training batch)"
    ),
    "train_accuracy": .init(takesVariant: true, arguments: [], isBool: false, help: "training accuracy (smoothed)"),
    "diverged": .init(takesVariant: true, arguments: [], isBool: true, help: "the variant diverged"),
    "drift": .init(
      takesVariant: true, arguments: ["layer"], isBool: false, help: "W1 drift of the layer's input since the mark"),
    "shift": .init(takesVariant: true, arguments: ["layer"], isBool: false, help: "W1 between the last two snapshots"),
    "percentile_travel": .init(
      takesVariant: true, arguments: ["layer"], isBool: false, help: "path length of p15/p50/p85"),
    "percentile_range": .init(
      takesVariant: true, arguments: ["layer"], isBool: false, help: "mean range of p15/p50/p85"),
    "eval_gap": .init(
      takesVariant: true, arguments: [], isBool: false, help: "mean |logit_train − logit_eval| on the probe"),
    "eval_kl": .init(takesVariant: true, arguments: [], isBool: false, help: "mean KL(train ‖ eval) on the probe"),
    "acc_train_mode": .init(takesVariant: true, arguments: [], isBool: false, help: "probe accuracy in train mode"),
    "acc_eval_mode": .init(takesVariant: true, arguments: [], isBool: false, help: "probe accuracy in eval mode"),
    "single_acc_eval_mode": .init(
      takesVariant: true, arguments: [], isBool: false, help: "one-sample accuracy, eval mode"),
    "single_sample_error": .init(
      takesVariant: true, arguments: [], isBool: true, help: "train-mode inference on one sample is an error"),
    "ics": .init(takesVariant: true, arguments: ["layer"], isBool: false, help: "gradient ICS ‖G − G′‖₂"),
    "ics_cos": .init(takesVariant: true, arguments: ["layer"], isBool: false, help: "cos(G, G′)"),
    "beta_smoothness": .init(takesVariant: true, arguments: [], isBool: false, help: "effective β-smoothness along −g"),
    "loss_variation": .init(takesVariant: true, arguments: [], isBool: false, help: "range of the loss along −g"),
    "bn_gap": .init(
      takesVariant: true, arguments: ["layer"], isBool: false, help: "BN |μ_batch − μ_running|/σ on the probe"),
    "grad_norm": .init(takesVariant: true, arguments: ["layer"], isBool: false, help: "‖∇W‖ of the layer"),
    "steps_to_loss": .init(
      takesVariant: true, arguments: ["below"], isBool: false, help: "first step with smoothed loss < below"),
    "steps_to_accuracy": .init(
      takesVariant: true, arguments: ["above"], isBool: false, help: "first step with validation accuracy ≥ above"),
    "lr": .init(takesVariant: true, arguments: [], isBool: false, help: "current learning rate"),
    "step": .init(takesVariant: false, arguments: [], isBool: false, help: "current step"),
    "batch": .init(takesVariant: false, arguments: [], isBool: false, help: "current batch size"),
  ]
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
  /// Parentheses, `not` and unary minus open a level each; deeper input is an error, so the
  /// recursive parser, the evaluator and the tree's deallocation stay far from the stack's end.
  static let maxNesting = 64
  /// Binary operators in one expression; each makes the tree one level deeper at most.
  static let maxOperators = 256
  var nesting = 0
  var operators = 0

  struct Failure: Error {
    var column: Int
    var message: String
  }

  init(_ text: String, columnOffset: Int, variants: Set<String>) throws(Failure) {
    self.variants = variants
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
      e = .binary("or", e, try andExpr())
    }
    return e
  }
  mutating func andExpr() throws(Failure) -> Expr {
    var e = try notExpr()
    while peek == .ident("and") {
      try countOperator()
      _ = next()
      e = .binary("and", e, try notExpr())
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
    if case .op(let o) = peek, ["<", "<=", ">", ">=", "==", "!="].contains(o) {
      try countOperator()
      _ = next()
      return .binary(o, e, try sum())
    }
    return e
  }
  mutating func sum() throws(Failure) -> Expr {
    var e = try product()
    while case .op(let o) = peek, o == "+" || o == "-" {
      try countOperator()
      _ = next()
      e = .binary(o, e, try product())
    }
    return e
  }
  mutating func product() throws(Failure) -> Expr {
    var e = try unary()
    while case .op(let o) = peek, o == "*" || o == "/" {
      try countOperator()
      _ = next()
      e = .binary(o, e, try unary())
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
    case .ident(let name):
      guard let f = Metrics.functions[name] else {
        let names = Array(Metrics.functions.keys).sorted()
        throw Failure(column: col, message: "unknown function '\(name)'" + hint(for: name, among: names))
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
        guard variants.contains(v) else {
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
        let negative = peek == .op("-")
        if negative { _ = next() }
        let (nt, ncol) = next()
        guard case .number(let v) = nt else { throw Failure(column: ncol, message: "\(key) needs a number") }
        args[key] = negative ? -v : v
      }
      _ = next()
      return .call(name: name, variant: variant, args: args, column: col)
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
  var readings: [String] = []

  init(experiment: Experiment) { self.experiment = experiment }

  mutating func evaluate(_ e: Expr) throws -> Double {
    switch e {
    case .number(let v): return v
    case .bool(let b): return b ? 1 : 0
    case .not(let x): return try truth(evaluate(x)) ? 0 : 1
    case .negate(let x): return -(try evaluate(x))
    case .binary(let op, let a, let b):
      let x = try evaluate(a)
      if op == "and" { return truth(x) ? (truth(try evaluate(b)) ? 1 : 0) : 0 }
      if op == "or" { return truth(x) ? 1 : (truth(try evaluate(b)) ? 1 : 0) }
      let y = try evaluate(b)
      switch op {
      case "+": return x + y
      case "-": return x - y
      case "*": return x * y
      case "/": return x / y
      case "<": return x < y ? 1 : 0
      case "<=": return x <= y ? 1 : 0
      case ">": return x > y ? 1 : 0
      case ">=": return x >= y ? 1 : 0
      case "==": return x == y ? 1 : 0
      case "!=": return x != y ? 1 : 0
      default: return .nan
      }
    case .call(let name, let variant, let args, _):
      let v = try metric(name, variant, args)
      let argText = args.keys.sorted().map { "\($0)=\(short(args[$0]!))" }
      let inside = ([variant].compactMap { $0 } + argText).joined(separator: ", ")
      let shown = Metrics.functions[name]!.isBool ? (v != 0 ? "true" : "false") : short(v)
      readings.append("\(name)(\(inside)) = \(shown)")
      return v
    }
  }

  func truth(_ v: Double) -> Bool { v != 0 && !v.isNaN }

  func short(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    let a = abs(v)
    if a >= 0.01 && a < 1e5 {
      var s = String(Double(Int(clamping: v * 10000, rounding: .toNearestOrAwayFromZero)) / 10000)
      if s.hasSuffix(".0") { s.removeLast(2) }
      return s
    }
    return "\(Float(v))"
  }

  func metric(_ name: String, _ variantName: String?, _ args: [String: Double]) throws -> Double {
    if name == "step" { return Double(experiment.step) }
    if name == "batch" { return Double(experiment.batchSize) }
    guard let vn = variantName, let v = experiment.variant(named: vn) else { return .nan }
    let r = v.record
    let layer = args["layer"].map { Int(clamping: $0) } ?? r.blocks.last?.number ?? 1
    let tap = Tap(block: layer, kind: .normInput)
    func d(_ x: Float?) -> Double { x.map(Double.init) ?? .nan }
    switch name {
    case "final_loss": return d(r.lossSmoothed.last)
    case "loss": return d(r.loss.last)
    case "val_loss": return Double(try experiment.evaluateValidation(variant: v, mode: .eval).loss)
    case "val_accuracy": return Double(try experiment.evaluateValidation(variant: v, mode: .eval).accuracy)
    case "val_accuracy_train_mode":
      let b = args["batch"].map { Int(clamping: $0) } ?? experiment.batchSize
      return Double(try experiment.evaluateValidation(variant: v, mode: .train, batchSize: max(1, b)).accuracy)
    case "train_accuracy": return d(r.accuracySmoothed.last)
    case "diverged": return r.divergedAt != nil ? 1 : 0
    case "drift": return d(r.driftSinceMark[tap]?.last)
    case "shift": return d(r.shiftW1[tap]?.last)
    case "percentile_travel":
      guard let b = r.bands[layer] else { return .nan }
      var rec = VariantRecord(name: "", blocks: [])
      (rec.p15, rec.p50, rec.p85) = (b.p15, b.p50, b.p85)
      return Double(rec.percentileTravel)
    case "percentile_range":
      guard let b = r.bands[layer] else { return .nan }
      return Double((b.p15.range + b.p50.range + b.p85.range) / 3)
    case "eval_gap": return d(r.trainEvalLogitGap.last)
    case "eval_kl": return d(r.trainEvalKL.last)
    case "acc_train_mode": return d(r.trainModeAccuracy.last)
    case "acc_eval_mode": return d(r.evalModeAccuracy.last)
    case "single_acc_eval_mode": return d(r.singleSampleEvalAccuracy.last)
    case "single_sample_error": return r.singleSampleError != nil ? 1 : 0
    case "ics": return d(r.icsL2[layer]?.last)
    case "ics_cos": return d(r.icsCosine[layer]?.last)
    case "beta_smoothness": return d(r.betaSmoothness.last)
    case "loss_variation": return d(r.lossVariation.last)
    case "bn_gap": return d(r.bnMeanGap[layer]?.last)
    case "grad_norm": return d(r.gradientNorm[layer]?.last)
    case "steps_to_loss":
      let below = Float(args["below"] ?? 0)
      if let i = r.lossSmoothed.values.firstIndex(where: { $0 < below }) { return Double(r.lossSmoothed.steps[i]) }
      return .nan
    case "steps_to_accuracy":
      let above = Float(args["above"] ?? 1)
      if let i = r.validationAccuracy.values.firstIndex(where: { $0 >= above }) {
        return Double(r.validationAccuracy.steps[i])
      }
      return .nan
    case "lr": return Double(v.trainer.optimizer.settings.learningRate)
    default: return .nan
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
