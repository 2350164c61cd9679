import NormCore
import NormLab
import NormSupport

/// Parses `.scene` files. Every error in the file is reported (not only the first), each with
/// file:line:column and, where obvious, a "did you mean" hint.
public enum SceneParser {
  /// Most seeds a scene may ask for (`seeds N`, `play --seeds N`).
  public static let maxSeeds = 100
  /// Header keywords (before the timeline) and timeline keywords.
  public static let headerKeywords = [
    "title", "description", "seed", "seeds", "data", "variant", "model", "optimizer", "lr", "batch", "init", "loss",
    "validation",
    "instruments", "size",
  ]
  public static let timelineKeywords = [
    "run", "set", "freeze", "unfreeze", "reset", "restart", "reestimate", "shift", "restore", "mark", "caption",
    "pause", "screenshot",
    "chapter", "show", "zoom", "unzoom", "expect", "figure", "let", "sweep",
  ]
  /// Panels `show panel` accepts: the dashboard's, from the one table.
  public static let panels = PanelKind.names

  public static func parse(_ text: String, file: String) throws(SceneErrors) -> Scene {
    var p = Parse(file: file)
    p.run(text)
    if !p.errors.isEmpty { throw SceneErrors(diagnostics: p.errors) }
    return p.scene
  }
}

private struct Parse {
  var scene: Scene
  var errors: [SceneDiagnostic] = []
  var lines: [String] = []
  var lineNo = 0
  var timelineStarted: Int? = nil
  var sawTitle = false
  var sawVariantLine = false
  var dataLine: (Int, Int)? = nil
  var variantLines: [(name: String, line: Int, column: Int, specColumn: Int)] = []
  var expressions: [(line: Int, text: String, column: Int, build: (Expr) -> Statement.Kind)] = []
  /// `figure` lines, parsed in `finish` once every variant is known: text pieces and
  /// placeholders (expression text, its column, its format).
  var figures: [(line: Int, source: String, pieces: [Either])] = []
  /// Captions that quote values, parsed in `finish` like figures.
  var valuedCaptions: [(line: Int, seconds: Double?, pieces: [Either])] = []
  /// `let` names in timeline order, with their line (an expression sees those above it).
  var lets: [(name: String, line: Int)] = []
  enum Either {
    case text(String)
    case value(String, column: Int, FigureFormat)
  }
  /// Every variant name after a `for`, where it stands; checked once every variant is known.
  var variantReferences: [(name: Token, line: Int)] = []
  /// The names after a sweep's `for`: variants or sweep models.
  var sweepReferences: [(name: Token, line: Int)] = []
  /// `model` lines: the line and the column of the spec.
  var modelLines: [(line: Int, specColumn: Int)] = []
  /// The header's `lr`, if it has one (it wins over the optimizer's default in either order).
  var explicitLearningRate: Float? = nil

  init(file: String) { scene = Scene(file: file) }

  mutating func error(_ column: Int, _ message: String, line: Int? = nil) {
    let l = line ?? lineNo
    errors.append(
      SceneDiagnostic(file: scene.file, line: l, column: max(1, column), message: message, sourceLine: lines[l - 1]))
  }

  mutating func run(_ text: String) {
    lines = text.textLines().map { String($0).replacingTabs() }
    if text.utf8.count > 1_000_000 {
      lines = [lines.first ?? ""]
      lineNo = 1
      error(1, "scene file is larger than 1 MB")
      return
    }
    for (i, raw) in lines.enumerated() {
      lineNo = i + 1
      let words: [Token]
      do { words = try Lexer.words(raw) } catch {
        self.error(error.column, error.message)
        continue
      }
      guard let first = words.first else { continue }
      statement(first.text.lowercased(), first, Array(words.dropFirst()), raw)
    }
    finish()
    errors.sort { ($0.line, $0.column) < ($1.line, $1.column) }
  }

  /// The column where an argument after `keyword` starts when one space separates them: where
  /// a missing argument is reported.
  func after(_ keyword: Token) -> Int { keyword.endColumn + 1 }

  /// Text after the keyword, raw (for captions and expressions), with its column.
  func rest(_ raw: String, after w: Token) -> Token {
    let chars = Array(raw)
    var k = w.endColumn - 1
    while k < chars.count, chars[k] == " " { k += 1 }
    var end = chars.count
    // Strip a trailing comment outside quotes.
    var inQuote = false
    for j in k..<chars.count {
      if chars[j] == "\"" { inQuote.toggle() }
      if chars[j] == "#" && !inQuote {
        end = j
        break
      }
    }
    var s = String(chars[min(k, chars.count)..<max(k, end)])
    while s.hasSuffix(" ") { s.removeLast() }
    return Token(s, column: k + 1)
  }

  func number<T: LosslessStringConvertible>(_ w: Token?, _ type: T.Type) -> T? { w.flatMap { T($0.text) } }

  /// Parses a trailing `for a, b` variant list starting at index `i` of `args`.
  mutating func variantList(_ args: [Token], from i: Int) -> [String]?? {
    guard i < args.count else { return .some(nil) }
    guard args[i].text.lowercased() == "for", i + 1 < args.count else {
      error(args[i].column, "expected 'for VARIANT' here, found '\(args[i].text)'")
      return nil
    }
    var names = [String]()
    for w in args[(i + 1)...] {
      let name = w.trimming { $0 == "," }
      guard !name.text.isEmpty else { continue }
      names.append(name.text)
      variantReferences.append((name, lineNo))
    }
    return .some(names)
  }

  /// Checks a statement's keyword and place, then hands it to that keyword's parser.
  mutating func statement(_ kw: String, _ first: Token, _ args: [Token], _ raw: String) {
    guard admit(kw, first) else { return }
    switch kw {
    case "title", "description": textHeader(kw, first, args, raw)
    case "seed": seedHeader(first, args)
    case "seeds": seedsHeader(first, args)
    case "data": dataHeader(first, args)
    case "variant": variantHeader(first, raw)
    case "model": modelHeader(first, raw)
    case "optimizer": optimizerHeader(first, args)
    case "lr": learningRateHeader(first, args)
    case "batch": batchHeader(first, args)
    case "init": initHeader(first, args)
    case "loss": lossHeader(first, args)
    case "validation": validationHeader(first, args)
    case "instruments": instrumentsHeader(args)
    case "size": sizeHeader(first, args)
    default: timeline(kw, first, args, raw)
    }
  }

  /// Reports an unknown keyword or a header line after the timeline; notes where the timeline starts.
  mutating func admit(_ kw: String, _ first: Token) -> Bool {
    let isHeader = SceneParser.headerKeywords.contains(kw)
    let isTimeline = SceneParser.timelineKeywords.contains(kw)
    if !isHeader && !isTimeline {
      error(
        first.column,
        "unknown statement '\(first.text)'"
          + hint(for: kw, among: SceneParser.headerKeywords + SceneParser.timelineKeywords))
      return false
    }
    if isHeader, let t = timelineStarted, kw != "size" {
      error(
        first.column, "'\(kw)' sets up the experiment, so it must come before the timeline (which starts on line \(t))")
      return false
    }
    if isTimeline && timelineStarted == nil && !["show", "zoom", "unzoom", "caption", "chapter"].contains(kw) {
      timelineStarted = lineNo
    }
    return true
  }

  /// `title TEXT` sets the title; `description TEXT` adds to the description.
  mutating func textHeader(_ kw: String, _ first: Token, _ args: [Token], _ raw: String) {
    let r = rest(raw, after: first)
    let text = args.count == 1 && args[0].quoted ? args[0].text : r.text
    guard !text.isEmpty else { return error(r.column, "\(kw) needs text") }
    if kw == "title" {
      scene.title = text
      sawTitle = true
    } else {
      scene.description += (scene.description.isEmpty ? "" : " ") + text
    }
  }

  /// `seed N`.
  mutating func seedHeader(_ first: Token, _ args: [Token]) {
    guard args.count == 1, let v = number(args.first, UInt64.self) else {
      return error(args.first?.column ?? after(first), "seed needs a whole number ≥ 0, e.g. `seed 1`")
    }
    scene.seed = v
  }

  /// `seeds N`: headless play runs the scene with seeds `seed`, `seed + 1`, … (N of them).
  mutating func seedsHeader(_ first: Token, _ args: [Token]) {
    guard args.count == 1, let v = number(args.first, Int.self), (1...SceneParser.maxSeeds).contains(v) else {
      return error(
        args.first?.column ?? after(first),
        "seeds needs a whole number from 1 to \(SceneParser.maxSeeds), e.g. `seeds 10`")
    }
    scene.seedCount = v
  }

  /// `data NAME key=value…`: a built-in data set and its parameters.
  mutating func dataHeader(_ first: Token, _ args: [Token]) {
    guard let name = args.first else {
      return error(after(first), "data needs a name, e.g. `data digits` or `data spirals classes=3`")
    }
    guard BuiltinData.names.contains(name.text) else {
      return error(
        name.column,
        "unknown data set '\(name.text)'" + hint(for: name.text, among: BuiltinData.names)
          + " (built-in: \(BuiltinData.names.joined(separator: ", ")))")
    }
    scene.dataName = name.text
    scene.dataParameters = [:]
    // Every parameter is read and checked here, at its own column; the data is made in `finish`.
    var parameters: OptionReader
    do {
      parameters = try OptionReader(args.dropFirst(), name: "data", allowsPositional: false)
      _ = try BuiltinData.generator(name, &parameters)
    } catch { return self.error(error.column, error.message) }
    for o in parameters.options { scene.dataParameters[o.key.text] = o.value.text }
    dataLine = (lineNo, name.column)
  }

  /// `variant NAME: model spec`; the spec is checked against the data in `finish`.
  mutating func variantHeader(_ first: Token, _ raw: String) {
    sawVariantLine = true
    guard let v = namedSpec(first, raw, example: "variant bn: linear 100, batchnorm, relu, linear 10") else { return }
    if scene.variants.count == 4 { return error(first.column, "a scene has at most 4 variants") }
    scene.variants.append(VariantSpec(name: v.name, model: v.spec))
    variantLines.append((v.name, lineNo, v.column, v.specColumn))
  }

  /// `model NAME: SPEC`: a network only sweeps train (see ``Scene/sweepModels``).
  mutating func modelHeader(_ first: Token, _ raw: String) {
    guard let v = namedSpec(first, raw, example: "model plain: linear 100, tanh, linear 10") else { return }
    if scene.sweepModels.count == Limits.maxSweepVariants {
      return error(first.column, "a scene has at most \(Limits.maxSweepVariants) sweep models")
    }
    scene.sweepModels.append(VariantSpec(name: v.name, model: v.spec))
    modelLines.append((lineNo, v.specColumn))
  }

  /// `KEYWORD NAME: model spec` with a new name (not a variant's or a model's) and a spec that
  /// parses; nil after reporting the error.
  mutating func namedSpec(_ first: Token, _ raw: String, example: String) -> (
    name: String, spec: String, column: Int, specColumn: Int
  )? {
    let r = rest(raw, after: first)
    let (text, col) = (r.text, r.column)
    guard let colon = text.firstIndex(of: ":") else {
      error(col, "expected `\(first.text.lowercased()) NAME: model spec`, e.g. `\(example)`")
      return nil
    }
    let name = text[..<colon].trimmingCharacters(in: " ")
    if let problem = VariantNaming.problem(name) {
      error(col, problem)
      return nil
    }
    if scene.variants.contains(where: { $0.name == name }) || scene.sweepModels.contains(where: { $0.name == name }) {
      error(col, "a variant or model named '\(name)' already exists")
      return nil
    }
    let afterColon = text[text.index(after: colon)...]
    let lead = afterColon.prefix { $0 == " " }.count
    let spec = String(afterColon.dropFirst(lead))
    let specColumn = col + text.distance(from: text.startIndex, to: colon) + 1 + lead
    do { _ = try ModelSpec(parsing: spec) } catch {
      self.error(specColumn + error.column - 1, error.message)
      return nil
    }
    return (name, spec, col, specColumn)
  }

  /// `optimizer KIND option…`; nothing changes unless every option is valid.
  mutating func optimizerHeader(_ first: Token, _ args: [Token]) {
    guard let k = args.first, let kind = OptimizerSettings.Kind(rawValue: k.text.lowercased()) else {
      return error(
        args.first?.column ?? after(first),
        "optimizer must be \(OptimizerSettings.Kind.choices)"
          + hint(for: args.first?.text ?? "", among: OptimizerSettings.Kind.allCases.map(\.rawValue)))
    }
    var o = scene.optimizer
    o.kind = kind
    do { try Self.optimizerOptions(args.dropFirst(), into: &o) } catch {
      return self.error(error.column, error.message)
    }
    scene.optimizer = o
  }

  /// The `optimizer` options after the kind (`nesterov`, `key=number` within its limits) into `o`.
  static func optimizerOptions(_ tokens: ArraySlice<Token>, into o: inout OptimizerSettings) throws(OptionError) {
    var r = try OptionReader(tokens, name: "optimizer")
    r.declare("momentum", "weight_decay", "nesterov", "beta1", "beta2")
    func expected(_ t: Token) -> OptionError {
      OptionError(column: t.column, message: "expected momentum=, weight_decay= or nesterov, found '\(t.text)'")
    }
    if let t = r.positional.first(where: { $0.text != "nesterov" }) { throw expected(t) }
    if !r.positional.isEmpty { o.nesterov = true }
    func number(_ keys: [String], _ check: (Float) -> String?) throws(OptionError) -> Float? {
      guard let o = r.option(anyOf: keys) else { return nil }
      guard let v = Float(o.value.text) else { throw expected(o.token) }
      if let need = check(v) {
        throw OptionError(column: o.value.column, message: "\(o.key.text) must be \(need), found '\(o.value.text)'")
      }
      return v
    }
    if let v = try number(["momentum"], Limits.checkMomentum) { o.momentum = v }
    if let v = try number(["weight_decay", "wd"], Limits.checkWeightDecay) { o.weightDecay = v }
    if let v = try number(["beta1"], Limits.checkBeta) { o.beta1 = v }
    if let v = try number(["beta2"], Limits.checkBeta) { o.beta2 = v }
    try r.finish()
  }

  /// `lr RATE` (wins over the optimizer's default in either order).
  mutating func learningRateHeader(_ first: Token, _ args: [Token]) {
    guard args.count == 1, let v = number(args.first, Float.self), Limits.checkLearningRate(v) == nil else {
      return error(
        args.first?.column ?? after(first), "lr must be \(Limits.learningRateRule), e.g. `lr 0.5`")
    }
    explicitLearningRate = v
  }

  /// `batch N`.
  mutating func batchHeader(_ first: Token, _ args: [Token]) {
    guard args.count == 1, let v = number(args.first, Int.self), Limits.checkBatchSize(v) == nil else {
      return error(args.first?.column ?? after(first), "batch must be \(Limits.batchSizeRule), e.g. `batch 60`")
    }
    scene.batchSize = v
  }

  /// `init SCHEME scale=FACTOR…`.
  mutating func initHeader(_ first: Token, _ args: [Token]) {
    guard let s = args.first, let scheme = InitScheme(parsing: s.text) else {
      return error(args.first?.column ?? after(first), "init must be pytorch, kaiming, xavier or normal:STD")
    }
    scene.initialization.scheme = scheme
    do throws(OptionError) {
      var r = try OptionReader(args.dropFirst(), name: "init")
      let scale = r.option("scale")
      func expected(_ t: Token) -> OptionError {
        OptionError(column: t.column, message: "expected scale=FACTOR, found '\(t.text)'")
      }
      if let t = r.positional.first { throw expected(t) }
      if let o = r.unknownOption() { throw expected(o.token) }
      guard let scale else { return }
      guard let v = Float(scale.value.text) else { throw expected(scale.token) }
      if let need = Limits.checkInitScale(v) {
        throw OptionError(column: scale.value.column, message: "scale must be \(need), found '\(scale.value.text)'")
      }
      scene.initialization.scale = v
    } catch { return self.error(error.column, error.message) }
  }

  /// `loss ce|mse`.
  mutating func lossHeader(_ first: Token, _ args: [Token]) {
    guard let w = args.first, let l = LossKind(rawValue: w.text.lowercased()) else {
      return error(args.first?.column ?? after(first), "loss must be ce or mse")
    }
    scene.loss = l
  }

  /// `validation FRACTION`.
  mutating func validationHeader(_ first: Token, _ args: [Token]) {
    guard let v = number(args.first, Double.self), Limits.checkValidationFraction(v) == nil else {
      return error(args.first?.column ?? after(first), "validation needs \(Limits.validationFractionRule)")
    }
    scene.validationFraction = v
  }

  /// `instruments off|key=N…` (N ≥ 0).
  mutating func instrumentsHeader(_ args: [Token]) {
    do throws(OptionError) {
      var r = try OptionReader(args, name: "instruments")
      r.declare("every", "ics", "smoothness", "probe", "validation", "unit", "place")
      let expected = "expected every=N, ics=N, smoothness=N, probe=N, validation=N, unit=N|median or place=PLACE"
      if let t = r.positional.first(where: { $0.text != "off" }) {
        throw OptionError(column: t.column, message: expected)
      }
      if !r.positional.isEmpty { scene.instruments.enabled = false }
      func count(_ key: String) throws(OptionError) -> Int? {
        guard let o = r.option(key) else { return nil }
        guard let v = Int(o.value.text), v >= 0 else { throw OptionError(column: o.key.column, message: expected) }
        return v
      }
      if let v = try count("every") { scene.instruments.every = max(1, v) }
      if let v = try count("ics") { scene.instruments.icsEvery = v }
      if let v = try count("smoothness") { scene.instruments.smoothnessEvery = v }
      if let v = try count("probe") { scene.instruments.probeSize = max(1, v) }
      if let v = try count("validation") { scene.instruments.validationEvery = v }
      // The percentile panel: one unit (as the BN paper's Fig. 1) and the place it watches.
      if let o = r.option("unit") {
        if o.value.text == "median" {
          scene.instruments.percentileUnit = .median
        } else if let n = Int(o.value.text), n >= 0 {
          scene.instruments.percentileUnit = .number(n)
        } else {
          throw OptionError(
            column: o.value.column, message: "unit is a unit number from 0 or median, found '\(o.value.text)'")
        }
      }
      if let o = r.option("place") {
        guard let kind = Tap.Kind.allCases.first(where: { $0.word == o.value.text }) else {
          throw OptionError(
            column: o.value.column,
            message: "place is \(Tap.Kind.allCases.map(\.word).joined(separator: ", ")), found '\(o.value.text)'"
              + hint(for: o.value.text, among: Tap.Kind.allCases.map(\.word)))
        }
        scene.instruments.percentileTap = kind
      }
      try r.finish()
    } catch { self.error(error.column, error.message) }
  }

  /// `size WIDTHxHEIGHT` (allowed anywhere).
  mutating func sizeHeader(_ first: Token, _ args: [Token]) {
    guard let w = args.first else { return error(after(first), "size needs WIDTHxHEIGHT, e.g. `size 140x45`") }
    let parts = w.text.lowercased().split(separator: "x")
    guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), (80...1000).contains(a),
      (24...1000).contains(b)
    else {
      return error(w.column, "size must be WIDTHxHEIGHT from 80x24 to 1000x1000, got '\(w.text)'")
    }
    scene.size = (a, b)
  }

  /// Appends a timeline statement for the current line.
  mutating func add(_ kind: Statement.Kind, _ raw: String) {
    scene.statements.append(Statement(kind: kind, line: lineNo, text: raw.trimmingCharacters(in: " ")))
  }

  /// Hands a timeline statement to its keyword's parser.
  mutating func timeline(_ kw: String, _ first: Token, _ args: [Token], _ raw: String) {
    switch kw {
    case "run": runStatement(first, args, raw)
    case "set": setStatement(first, args, raw)
    case "freeze", "unfreeze": freezeStatement(kw, first, args, raw)
    case "reset": resetStatement(first, args, raw)
    case "reestimate": reestimateStatement(first, args, raw)
    case "shift": shiftStatement(first, args, raw)
    case "restore": restoreStatement(first, args, raw)
    case "mark": markStatement(first, args, raw)
    case "caption": captionStatement(first, args, raw)
    case "figure": figureStatement(first, args, raw)
    case "let": letStatement(first, args, raw)
    case "sweep": sweepStatement(first, args, raw)
    case "pause": add(.pause, raw)
    case "restart": restartStatement(args, raw)
    case "screenshot": screenshotStatement(first, args, raw)
    case "chapter": chapterStatement(first, args, raw)
    case "show": showStatement(first, args, raw)
    case "zoom", "unzoom":
      if timelineStarted == nil { scene.view.zoomed = kw == "zoom" } else { add(.zoom(kw == "zoom"), raw) }
    case "expect": expectStatement(first, raw)
    default: break
    }
  }

  /// `run N` or `run until CONDITION within N`.
  mutating func runStatement(_ first: Token, _ args: [Token], _ raw: String) {
    if let u = args.first, u.text.lowercased() == "until" { return runUntilStatement(u, raw) }
    guard args.count == 1, let n = number(args.first, Int.self), n >= 0, n <= 10_000_000 else {
      return error(
        args.first?.column ?? after(first),
        "run needs a number of steps, e.g. `run 500`, or `run until CONDITION within N`")
    }
    add(.run(n), raw)
  }

  /// `run until CONDITION within N`: the condition is parsed in `finish`, once every variant is known.
  mutating func runUntilStatement(_ u: Token, _ raw: String) {
    let r = rest(raw, after: u)
    let (text, col) = (r.text, r.column)
    guard let range = text.range(of: " within ") else {
      return error(
        col + text.count,
        "run until needs `within N` at the end, e.g. `run until val_accuracy(bn) > 0.9 within 2000`")
    }
    let exprText = String(text[..<range.lowerBound])
    let nText = text[range.upperBound...].trimmingCharacters(in: " ")
    guard let n = Int(nText), n >= 1, n <= 10_000_000 else {
      return error(
        col + text.distance(from: text.startIndex, to: range.upperBound), "within needs a whole number of steps ≥ 1"
      )
    }
    let line = lineNo
    expressions.append((line, exprText, col, { .runUntil($0, within: n, source: exprText) }))
    add(.run(0), raw)  // placeholder, replaced after expressions are parsed
  }

  /// `set lr|batch|optimizer|mode …`.
  mutating func setStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard let what = args.first else { return error(after(first), "set what? lr, batch, optimizer or mode") }
    switch what.text.lowercased() {
    case "lr": setLearningRate(what, args, raw)
    case "batch": setBatch(what, args, raw)
    case "optimizer": setOptimizer(what, args, raw)
    case "mode": setMode(what, args, raw)
    default:
      error(
        what.column,
        "cannot set '\(what.text)'" + hint(for: what.text, among: ["lr", "batch", "optimizer", "mode"])
          + "; set lr, batch, optimizer or mode")
    }
  }

  /// `set lr RATE [for VARIANTS]`.
  mutating func setLearningRate(_ what: Token, _ args: [Token], _ raw: String) {
    guard args.count >= 2, let v = Float(args[1].text), Limits.checkLearningRate(v) == nil else {
      return error(
        args.count >= 2 ? args[1].column : after(what), "set lr needs \(Limits.learningRateRule)")
    }
    guard let vs = variantList(args, from: 2) else { return }
    add(.setLearningRate(v, variants: vs), raw)
  }

  /// `set batch N`.
  mutating func setBatch(_ what: Token, _ args: [Token], _ raw: String) {
    guard args.count == 2, let v = Int(args[1].text), Limits.checkBatchSize(v) == nil else {
      return error(
        args.count >= 2 ? args[1].column : after(what),
        "set batch must be \(Limits.batchSizeRule)")
    }
    add(.setBatch(v), raw)
  }

  /// `set optimizer KIND [lr RATE] [for VARIANTS]`.
  mutating func setOptimizer(_ what: Token, _ args: [Token], _ raw: String) {
    guard args.count >= 2, let k = OptimizerSettings.Kind(rawValue: args[1].text.lowercased()) else {
      return error(
        args.count >= 2 ? args[1].column : after(what), "set optimizer needs \(OptimizerSettings.Kind.choices)")
    }
    var lr: Float? = nil
    var i = 2
    if i + 1 < args.count, args[i].text.lowercased() == "lr" {
      guard let v = Float(args[i + 1].text), Limits.checkLearningRate(v) == nil else {
        return error(args[i + 1].column, "lr needs \(Limits.learningRateRule)")
      }
      lr = v
      i += 2
    }
    guard let vs = variantList(args, from: i) else { return }
    add(.setOptimizer(k, learningRate: lr, variants: vs), raw)
  }

  /// `set mode train|eval`.
  mutating func setMode(_ what: Token, _ args: [Token], _ raw: String) {
    guard args.count == 2, let m = Mode(rawValue: args[1].text.lowercased()) else {
      return error(args.count >= 2 ? args[1].column : after(what), "set mode needs train or eval")
    }
    add(.setMode(m), raw)
  }

  /// `freeze|unfreeze bn|affine [for VARIANTS]`.
  mutating func freezeStatement(_ kw: String, _ first: Token, _ args: [Token], _ raw: String) {
    guard let what = args.first, ["bn", "affine"].contains(what.text.lowercased()) else {
      return error(
        args.first?.column ?? after(first), "\(kw) bn (running statistics) or \(kw) affine (γ and β)")
    }
    guard let vs = variantList(args, from: 1) else { return }
    add(
      what.text.lowercased() == "bn"
        ? .freezeBatchNorm(kw == "freeze", variants: vs) : .freezeAffine(kw == "freeze", variants: vs), raw)
  }

  /// `reset stats [for VARIANTS]`.
  mutating func resetStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "stats" else {
      return error(args.first?.column ?? after(first), "expected `reset stats`")
    }
    guard let vs = variantList(args, from: 1) else { return }
    add(.resetStatistics(variants: vs), raw)
  }

  /// `reestimate stats N [for VARIANTS]`.
  mutating func reestimateStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard args.count >= 2, args[0].text.lowercased() == "stats", let n = Int(args[1].text), n >= 1, n <= 100_000
    else {
      return error(args.first?.column ?? after(first), "expected `reestimate stats N` (N batches)")
    }
    guard let vs = variantList(args, from: 2) else { return }
    add(.reestimateStatistics(batches: n, variants: vs), raw)
  }

  /// `shift data key=number…`.
  mutating func shiftStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "data" else {
      return error(
        args.first?.column ?? after(first), "expected `shift data scale=… offset=… rotation=… noise=…`")
    }
    var s = DomainShift()
    do { try Self.shiftOptions(args.dropFirst(), into: &s) } catch { return self.error(error.column, error.message) }
    add(.shiftData(s, description: args.dropFirst().map(\.text).joined(separator: " ")), raw)
  }

  /// The `shift data` options (`key=number`, finite; noise ≥ 0) into `s`.
  static func shiftOptions(_ tokens: ArraySlice<Token>, into s: inout DomainShift) throws(OptionError) {
    var r = try OptionReader(tokens, name: "shift data")
    func expected(_ t: Token) -> OptionError {
      OptionError(column: t.column, message: "expected key=number, found '\(t.text)'")
    }
    if let t = r.positional.first { throw expected(t) }
    func number(_ o: OptionReader.Option) throws(OptionError) -> Float {
      guard let v = Float(o.value.text), v.isFinite else { throw expected(o.token) }
      return v
    }
    if let o = r.option("scale") { s.scale = try number(o) }
    if let o = r.option("offset") { s.offset = try number(o) }
    if let o = r.option("rotation") { s.rotation = try number(o) }
    if let o = r.option("noise") {
      s.noise = try number(o)
      guard s.noise >= 0 else { throw OptionError(column: o.value.column, message: "noise must be ≥ 0") }
    }
    try r.finish()
  }

  /// `restore data`.
  mutating func restoreStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "data" else {
      return error(args.first?.column ?? after(first), "expected `restore data`")
    }
    add(.restoreData, raw)
  }

  /// `mark LABEL`.
  mutating func markStatement(_ first: Token, _ args: [Token], _ raw: String) {
    // One quoted string is read with its escapes (\" and \\), as captions are.
    let label =
      args.count == 1 && args[0].quoted ? args[0].text : rest(raw, after: first).text.trimmingCharacters(in: "\"")
    add(.mark(label), raw)
  }

  /// `caption TEXT` or `caption "TEXT" [for Ns]`.
  mutating func captionStatement(_ first: Token, _ args: [Token], _ raw: String) {
    var text = rest(raw, after: first).text
    var seconds: Double? = nil
    if let q = args.first, q.quoted {
      text = q.text
      if args.count >= 2 {
        guard args.count == 3, args[1].text == "for", args[2].text.hasSuffix("s"),
          let s = Double(args[2].text.dropLast()), s >= 0
        else {
          return error(args[1].column, "after the quoted caption, only `for Ns` (seconds) may follow")
        }
        seconds = s
      }
    }
    guard !text.isEmpty else { return error(after(first), "caption needs text") }
    let column = args.first.map { $0.quoted ? $0.column + 1 : $0.column } ?? after(first)
    guard let pieces = placeholders(text, column: column, what: "a caption") else { return }
    if pieces.contains(where: { if case .value = $0 { true } else { false } }) {
      valuedCaptions.append((lineNo, seconds, pieces))
      add(.run(0), raw)
    } else {
      add(.caption([.text(pieces.map { if case .text(let t) = $0 { t } else { "" } }.joined())], seconds: seconds), raw)
    }
  }

  /// `let NAME = EXPR`: names this seed's value of EXPR at this point of the timeline.
  mutating func letStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard args.count >= 3, args[1].text == "=" else {
      return error(
        args.first?.column ?? after(first), "expected `let NAME = EXPRESSION`, e.g. `let bn32 = val_accuracy(bn)`")
    }
    let name = args[0]
    guard let c0 = name.text.first, c0.isLetter || c0 == "_",
      name.text.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }), name.text.count <= 40
    else {
      return error(name.column, "a name is ASCII letters, digits and '_', starting with a letter, e.g. `bn32`")
    }
    guard Metrics.functions[name.text] == nil, Aggregate(rawValue: name.text) == nil,
      !["true", "false", "and", "or", "not"].contains(name.text)
    else {
      return error(name.column, "'\(name.text)' is a function or keyword; choose another name")
    }
    if let earlier = lets.first(where: { $0.name == name.text }) {
      return error(name.column, "'\(name.text)' is already defined at line \(earlier.line); names are set once")
    }
    let r = rest(raw, after: args[1])
    lets.append((name.text, lineNo))
    let n = name.text
    expressions.append((lineNo, r.text, r.column, { .define(n, $0, source: r.text) }))
    add(.run(0), raw)
  }

  /// `figure "TEXT {EXPR|FMT} …"`: the text with measured values in braces.
  mutating func figureStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard args.count == 1, let q = args.first, q.quoted, !q.text.isEmpty else {
      return error(
        args.first?.column ?? after(first), "figure needs one quoted text, e.g. `figure \"BN {val_accuracy(bn)|%}\"`")
    }
    guard let pieces = placeholders(q.text, column: q.column + 1, what: "a figure") else { return }
    guard pieces.contains(where: { if case .value = $0 { true } else { false } }) else {
      return error(q.column, "a figure quotes at least one measured value in braces, e.g. {val_accuracy(bn)|%}")
    }
    figures.append((lineNo, q.text, pieces))
    add(.run(0), raw)
  }

  /// Splits TEXT into literal text and `{EXPR|FMT}` values (`{{` and `}}` are literal
  /// braces). `column` is where TEXT starts. Nil after an error.
  mutating func placeholders(_ text: String, column: Int, what: String) -> [Either]? {
    var pieces: [Either] = []
    var literal = ""
    let chars = Array(text)
    var k = 0
    while k < chars.count {
      if chars[k] == "}" {
        guard k + 1 < chars.count, chars[k + 1] == "}" else {
          error(column + k, "a lone '}' in \(what): write '}}' for a brace")
          return nil
        }
        literal.append("}")
        k += 2
        continue
      }
      guard chars[k] == "{" else {
        literal.append(chars[k])
        k += 1
        continue
      }
      if k + 1 < chars.count, chars[k + 1] == "{" {
        literal.append("{")
        k += 2
        continue
      }
      guard let close = chars[k...].firstIndex(of: "}") else {
        error(column + k, "unclosed '{' in \(what): add '}' (or write '{{' for a brace)")
        return nil
      }
      if !literal.isEmpty { pieces.append(.text(literal)) }
      literal = ""
      let inside = String(chars[(k + 1)..<close])
      var exprText = inside
      var format = FigureFormat.significant
      if let bar = inside.lastIndex(of: "|") {
        exprText = String(inside[..<bar])
        let f = inside[inside.index(after: bar)...].trimmingCharacters(in: " ")
        if f == "%" {
          format = .percent
        } else if let d = Int(f), (0...6).contains(d) {
          format = .decimals(d)
        } else {
          error(
            column + k + 1 + inside.distance(from: inside.startIndex, to: bar) + 1,
            "a value's format is % or 0 to 6 decimals, found '\(f)'")
          return nil
        }
      }
      guard !exprText.trimmingCharacters(in: " ").isEmpty else {
        error(column + k, "empty '{}' in \(what): put a measured value inside, e.g. {val_accuracy(bn)|%}")
        return nil
      }
      pieces.append(.value(exprText, column: column + k + 1, format))
      k = close + 1
    }
    if !literal.isEmpty { pieces.append(.text(literal)) }
    return pieces
  }

  /// `sweep lr A..BxN … steps N target X [seeds N] [for a, b]` (see ``SweepStatement``).
  mutating func sweepStatement(_ first: Token, _ args: [Token], _ raw: String) {
    var d: SweepDefinition
    var forTokens: [Token]
    do { (d, forTokens) = try SweepStatement.definition(args, scene: scene) } catch {
      return self.error(error.column, error.message)
    }
    if !forTokens.isEmpty {
      // A sweep may name variants and sweep models; the names are checked in `finish`.
      let before = variantReferences.count
      guard let names = variantList(forTokens, from: 0), let names else { return }
      sweepReferences += variantReferences[before...]
      variantReferences.removeSubrange(before...)
      let pool = scene.variants + scene.sweepModels
      d.variants = names.compactMap { n in pool.first { $0.name == n } }
      guard d.variants.count == names.count else { return }
    }
    if let p = d.problem() {
      // The definition speaks the command line's option names; a scene's are shorter.
      let names = [
        ("--init-scale", "init"), ("--weight-decay", "decay"), ("--model", "variant"), ("--", ""),
      ]
      let message = names.reduce(p) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
      return error(args.first?.column ?? after(first), "sweep: \(message)")
    }
    add(.sweep(d, source: rest(raw, after: first).text), raw)
  }

  /// `restart`, alone.
  mutating func restartStatement(_ args: [Token], _ raw: String) {
    guard args.isEmpty else { return error(args[0].column, "restart takes nothing after it") }
    add(.restart, raw)
  }

  /// `screenshot NAME`: a name, never a path.
  mutating func screenshotStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard let w = args.first, args.count == 1 else {
      return error(args.first?.column ?? after(first), "screenshot needs a name, e.g. `screenshot start`")
    }
    // A name, never a path: screenshots stay in the directory the user chose.
    guard !w.text.isEmpty, w.text.count <= 100, w.text.first != ".",
      w.text.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
    else {
      return error(
        w.column, "a screenshot name is letters, digits, '-', '_' and '.', not starting with '.' (no paths)")
    }
    add(.screenshot(w.text), raw)
  }

  /// `chapter NAME`.
  mutating func chapterStatement(_ first: Token, _ args: [Token], _ raw: String) {
    let t = args.first?.quoted == true ? args[0].text : rest(raw, after: first).text
    guard !t.isEmpty else { return error(after(first), "chapter needs a name") }
    add(.chapter(t), raw)
  }

  /// `show layer K` or `show panel NAME`: the initial view before the timeline, a statement in it.
  mutating func showStatement(_ first: Token, _ args: [Token], _ raw: String) {
    guard args.count == 2 else { return error(after(first), "expected `show layer K` or `show panel NAME`") }
    switch args[0].text.lowercased() {
    case "layer":
      guard let k = Int(args[1].text), k >= 1, k <= 64 else {
        return error(args[1].column, "layer needs a number from 1")
      }
      if timelineStarted == nil { scene.view.layer = k } else { add(.showLayer(k), raw) }
    case "panel":
      guard let p = PanelKind(name: args[1].text) else {
        return error(
          args[1].column,
          "unknown panel '\(args[1].text)'" + hint(for: args[1].text.lowercased(), among: PanelKind.names)
            + " (panels: \(PanelKind.names.joined(separator: ", ")))")
      }
      if timelineStarted == nil { scene.view.panel = p } else { add(.showPanel(p), raw) }
    default: error(args[0].column, "expected `show layer K` or `show panel NAME`")
    }
  }

  /// `expect CONDITION`: parsed in `finish`, once every variant is known.
  mutating func expectStatement(_ first: Token, _ raw: String) {
    let r = rest(raw, after: first)
    let (text, col) = (r.text, r.column)
    guard !text.isEmpty else {
      return error(col, "expect needs a condition, e.g. `expect final_loss(bn) < final_loss(plain)`")
    }
    guard let (condition, quorum) = splitQuorum(text, column: col) else { return }
    let t = condition
    expressions.append((lineNo, condition, col, { .expect($0, source: t, quorum: quorum) }))
    add(.run(0), raw)
  }

  /// Splits `COND in ≥ 90% of seeds` (also `>=`) into the condition and the fraction 0.9.
  /// Without the suffix every seed must pass. Nil after an error.
  mutating func splitQuorum(_ text: String, column: Int) -> (String, Double?)? {
    guard let r = text.range(of: " in "), text.hasSuffix(" of seeds") || text.hasSuffix(" of seeds.") else {
      return (text, nil)
    }
    var tail = String(text[r.upperBound...]).trimmingCharacters(in: " .")
    let tailColumn = column + text.distance(from: text.startIndex, to: r.upperBound)
    tail = String(tail.dropLast("of seeds".count)).trimmingCharacters(in: " ")
    for prefix in ["≥", ">="] where tail.hasPrefix(prefix) { tail = String(tail.dropFirst(prefix.count)) }
    tail = tail.trimmingCharacters(in: " ")
    guard tail.hasSuffix("%"), let p = Double(tail.dropLast()), p > 0, p <= 100 else {
      error(tailColumn, "expected `in ≥ P% of seeds` with 0 < P ≤ 100, e.g. `in ≥ 90% of seeds`")
      return nil
    }
    return (String(text[..<r.lowerBound]), p / 100)
  }

  /// The `let` names an expression on `line` may quote: those defined above it.
  func namesBefore(_ line: Int) -> Set<String> { Set(lets.filter { $0.line < line }.map(\.name)) }

  /// A figure's or caption's pieces with their expressions parsed (errors reported).
  mutating func parts(_ pieces: [Either], line: Int, variants: Set<String>) -> [FigurePart] {
    var parts: [FigurePart] = []
    for piece in pieces {
      switch piece {
      case .text(let t): parts.append(.text(t))
      case .value(let text, let column, let format):
        do {
          var p = try ExprParser(
            text, columnOffset: column, variants: variants, sweepModels: Set(scene.sweepModels.map(\.name)),
            names: namesBefore(line))
          parts.append(.value(try p.parse(), format))
        } catch { self.error(error.column, error.message, line: line) }
      }
    }
    return parts
  }

  mutating func finish() {
    // Without an `lr` line: the optimizer's default, the same as on the command line.
    scene.optimizer.learningRate = explicitLearningRate ?? scene.optimizer.kind.defaultLearningRate
    if scene.variants.isEmpty && !sawVariantLine {
      lineNo = max(1, lines.count)
      error(1, "the scene has no variants; add `variant NAME: model spec` lines before the timeline", line: 1)
    }
    if !sawTitle, !lines.isEmpty { error(1, "the scene has no title; add `title \"…\"` at the top", line: 1) }
    // Expressions, now that every variant is known; each replaces its placeholder statement.
    let names = Set(scene.variants.map(\.name))
    for e in expressions {
      guard let idx = scene.statements.firstIndex(where: { $0.line == e.line }) else { continue }
      do {
        var p = try ExprParser(
          e.text, columnOffset: e.column, variants: names, sweepModels: Set(scene.sweepModels.map(\.name)),
          names: namesBefore(e.line))
        let x = try p.parse()
        if case .define = e.build(x), x.containsAggregate {
          self.error(
            e.column, "a `let` names one seed's value; aggregate where it is quoted, e.g. {mean(NAME)|%}",
            line: e.line)
          continue
        }
        scene.statements[idx].kind = e.build(x)
      } catch { self.error(error.column, error.message, line: e.line) }
    }
    for f in figures {
      guard let idx = scene.statements.firstIndex(where: { $0.line == f.line }) else { continue }
      scene.statements[idx].kind = .figure(parts(f.pieces, line: f.line, variants: names), source: f.source)
    }
    for c in valuedCaptions {
      guard let idx = scene.statements.firstIndex(where: { $0.line == c.line }) else { continue }
      scene.statements[idx].kind = .caption(parts(c.pieces, line: c.line, variants: names), seconds: c.seconds)
    }
    // Variant lists in statements (`for a, b`), each name at its own column.
    let models = Set(scene.sweepModels.map(\.name))
    for r in variantReferences where !names.contains(r.name.text) {
      let why = models.contains(r.name.text) ? " ('\(r.name.text)' is a sweep model: only `sweep … for` trains it)" : ""
      error(
        r.name.column,
        "no variant named '\(r.name.text)'" + (why.isEmpty ? hint(for: r.name.text, among: Array(names)) : why),
        line: r.line)
    }
    for r in sweepReferences where !names.contains(r.name.text) && !models.contains(r.name.text) {
      let known = Array(names.union(models))
      error(
        r.name.column, "no variant or model named '\(r.name.text)'" + hint(for: r.name.text, among: known), line: r.line
      )
    }
    // Models against the data: shapes and class counts.
    guard errors.isEmpty || !variantLines.isEmpty else { return }
    let data: Dataset
    do {
      data = try DataCache.shared.dataset(name: scene.dataName, parameters: scene.dataParameters, seed: scene.seed)
    } catch {
      if let (l, c) = dataLine { self.error(c, "\(error)", line: l) }
      return
    }
    let specs =
      zip(scene.variants, variantLines).map { ($0.model, $1.line, $1.specColumn) }
      + zip(scene.sweepModels, modelLines).map { ($0.model, $1.line, $1.specColumn) }
    for (model, line, specColumn) in specs {
      do {
        _ = try ModelSpec(parsing: model).build(
          inputShape: data.sampleShape, classes: data.classCount,
          settings: BuildSettings(seed: scene.seed, initialization: scene.initialization, initializeWeights: false))
      } catch { self.error(specColumn + error.column - 1, error.message, line: line) }
    }
    errors.sort { ($0.line, $0.column) < ($1.line, $1.column) }
  }
}

extension String {
  func replacingTabs() -> String { String(map { $0 == "\t" ? " " : $0 }) }
  func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let c = s.first, set.contains(c) { s = s.dropFirst() }
    while let c = s.last, set.contains(c) { s = s.dropLast() }
    return String(s)
  }
}

extension Substring {
  func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}

extension String {
  /// The first occurrence of `s` (NormScene does not import Foundation).
  func range(of s: String) -> Range<Index>? {
    guard !s.isEmpty else { return nil }
    var i = startIndex
    while i < endIndex {
      if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
      i = index(after: i)
    }
    return nil
  }
}
