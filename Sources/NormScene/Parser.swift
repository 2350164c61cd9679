import NormCore
import NormLab
import NormSupport

/// Parses `.scene` files. Every error in the file is reported (not only the first), each with
/// file:line:column and, where obvious, a "did you mean" hint.
public enum SceneParser {
  /// Header keywords (before the timeline) and timeline keywords.
  public static let headerKeywords = [
    "title", "description", "seed", "data", "variant", "optimizer", "lr", "batch", "init", "loss", "validation",
    "instruments", "size",
  ]
  public static let timelineKeywords = [
    "run", "set", "freeze", "unfreeze", "reset", "restart", "reestimate", "shift", "restore", "mark", "caption",
    "pause", "screenshot",
    "chapter", "show", "zoom", "unzoom", "expect",
  ]
  /// Panels `show panel` accepts.
  public static let panels = ["loss", "histograms", "heatmap", "percentiles", "drift", "divergence", "surface"]

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
  /// Every variant name after a `for`, where it stands; checked once every variant is known.
  var variantReferences: [(name: String, line: Int, column: Int)] = []
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
      let words: [Word]
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

  /// Text after the keyword, raw (for captions and expressions), with its column.
  func rest(_ raw: String, after w: Word) -> (String, Int) {
    let chars = Array(raw)
    var k = w.column - 1 + w.text.count + (w.quoted ? 2 : 0)
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
    return (s, k + 1)
  }

  func number<T: LosslessStringConvertible>(_ w: Word?, _ type: T.Type) -> T? { w.flatMap { T($0.text) } }

  /// Parses a trailing `for a, b` variant list starting at index `i` of `args`.
  mutating func variantList(_ args: [Word], from i: Int) -> [String]?? {
    guard i < args.count else { return .some(nil) }
    guard args[i].text.lowercased() == "for", i + 1 < args.count else {
      error(args[i].column, "expected 'for VARIANT' here, found '\(args[i].text)'")
      return nil
    }
    var names = [String]()
    for w in args[(i + 1)...] {
      let name = w.text.trimmingCharacters(in: ",")
      guard !name.isEmpty else { continue }
      let leadingCommas = w.text.prefix { $0 == "," }.count
      names.append(name)
      variantReferences.append((name, lineNo, w.column + leadingCommas))
    }
    return .some(names)
  }

  /// Checks a statement's keyword and place, then hands it to that keyword's parser.
  mutating func statement(_ kw: String, _ first: Word, _ args: [Word], _ raw: String) {
    guard admit(kw, first) else { return }
    switch kw {
    case "title", "description": textHeader(kw, first, args, raw)
    case "seed": seedHeader(first, args)
    case "data": dataHeader(first, args)
    case "variant": variantHeader(first, raw)
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
  mutating func admit(_ kw: String, _ first: Word) -> Bool {
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

  /// A word split at its first `=`: `[key, value]`, or `[word]` when it has none.
  func keyValue(_ w: Word) -> [String] { w.text.split(separator: "=", maxSplits: 1).map(String.init) }

  /// `title TEXT` sets the title; `description TEXT` adds to the description.
  mutating func textHeader(_ kw: String, _ first: Word, _ args: [Word], _ raw: String) {
    let (t, col) = rest(raw, after: first)
    let text = args.count == 1 && args[0].quoted ? args[0].text : t
    guard !text.isEmpty else { return error(col, "\(kw) needs text") }
    if kw == "title" {
      scene.title = text
      sawTitle = true
    } else {
      scene.description += (scene.description.isEmpty ? "" : " ") + text
    }
  }

  /// `seed N`.
  mutating func seedHeader(_ first: Word, _ args: [Word]) {
    guard args.count == 1, let v = number(args.first, UInt64.self) else {
      return error(args.first?.column ?? first.column + 5, "seed needs a whole number ≥ 0, e.g. `seed 1`")
    }
    scene.seed = v
  }

  /// `data NAME key=value…`: a built-in data set and its parameters.
  mutating func dataHeader(_ first: Word, _ args: [Word]) {
    guard let name = args.first else {
      return error(first.column + 5, "data needs a name, e.g. `data digits` or `data spirals classes=3`")
    }
    guard BuiltinData.names.contains(name.text) else {
      return error(
        name.column,
        "unknown data set '\(name.text)'" + hint(for: name.text, among: BuiltinData.names)
          + " (built-in: \(BuiltinData.names.joined(separator: ", ")))")
    }
    scene.dataName = name.text
    scene.dataParameters = [:]
    for w in args.dropFirst() {
      let kv = keyValue(w)
      guard kv.count == 2 else { return error(w.column, "expected key=value, found '\(w.text)'") }
      scene.dataParameters[kv[0]] = kv[1]
    }
    dataLine = (lineNo, name.column)
  }

  /// `variant NAME: model spec`; the spec is checked against the data in `finish`.
  mutating func variantHeader(_ first: Word, _ raw: String) {
    sawVariantLine = true
    let (text, col) = rest(raw, after: first)
    guard let colon = text.firstIndex(of: ":") else {
      return error(
        col, "expected `variant NAME: model spec`, e.g. `variant bn: linear 100, batchnorm, relu, linear 10`")
    }
    let name = text[..<colon].trimmingCharacters(in: " ")
    if let problem = VariantNaming.problem(name) { return error(col, problem) }
    if scene.variants.contains(where: { $0.name == name }) {
      return error(col, "a variant named '\(name)' already exists")
    }
    if scene.variants.count == 4 { return error(first.column, "a scene has at most 4 variants") }
    let afterColon = text[text.index(after: colon)...]
    let lead = afterColon.prefix { $0 == " " }.count
    let spec = String(afterColon.dropFirst(lead))
    let specColumn = col + text.distance(from: text.startIndex, to: colon) + 1 + lead
    do { _ = try ModelSpec(parsing: spec) } catch {
      return self.error(specColumn + error.column - 1, error.message)
    }
    scene.variants.append(VariantSpec(name: name, model: spec))
    variantLines.append((name, lineNo, col, specColumn))
  }

  /// `optimizer KIND option…`; nothing changes unless every option is valid.
  mutating func optimizerHeader(_ first: Word, _ args: [Word]) {
    guard let k = args.first, let kind = OptimizerSettings.Kind(rawValue: k.text.lowercased()) else {
      return error(
        args.first?.column ?? first.column + 10,
        "optimizer must be sgd, momentum or adam"
          + hint(for: args.first?.text ?? "", among: ["sgd", "momentum", "adam"]))
    }
    var o = scene.optimizer
    o.kind = kind
    for w in args.dropFirst() {
      guard optimizerOption(w, into: &o) else { return }
    }
    scene.optimizer = o
  }

  /// One `optimizer` option (`nesterov` or `key=number` within its limits) into `o`; false after an error.
  mutating func optimizerOption(_ w: Word, into o: inout OptimizerSettings) -> Bool {
    let kv = keyValue(w)
    if kv == ["nesterov"] {
      o.nesterov = true
      return true
    }
    guard kv.count == 2, let v = Float(kv[1]) else {
      error(w.column, "expected momentum=, weight_decay= or nesterov, found '\(w.text)'")
      return false
    }
    let check: (Float) -> String?
    switch kv[0] {
    case "momentum": check = Limits.checkMomentum
    case "weight_decay", "wd": check = Limits.checkWeightDecay
    case "beta1", "beta2": check = Limits.checkBeta
    default:
      error(
        w.column,
        "optimizer has no option '\(kv[0])'"
          + hint(for: kv[0], among: ["momentum", "weight_decay", "nesterov", "beta1", "beta2"]))
      return false
    }
    if let need = check(v) {
      error(w.column, "\(kv[0]) must be \(need), found '\(kv[1])'")
      return false
    }
    switch kv[0] {
    case "momentum": o.momentum = v
    case "beta1": o.beta1 = v
    case "beta2": o.beta2 = v
    default: o.weightDecay = v
    }
    return true
  }

  /// `lr RATE` (wins over the optimizer's default in either order).
  mutating func learningRateHeader(_ first: Word, _ args: [Word]) {
    guard args.count == 1, let v = number(args.first, Float.self), Limits.checkLearningRate(v) == nil else {
      return error(
        args.first?.column ?? first.column + 3, "lr must be \(Limits.learningRateRule), e.g. `lr 0.5`")
    }
    explicitLearningRate = v
  }

  /// `batch N`.
  mutating func batchHeader(_ first: Word, _ args: [Word]) {
    guard args.count == 1, let v = number(args.first, Int.self), Limits.checkBatchSize(v) == nil else {
      return error(args.first?.column ?? first.column + 6, "batch must be \(Limits.batchSizeRule), e.g. `batch 60`")
    }
    scene.batchSize = v
  }

  /// `init SCHEME scale=FACTOR…`.
  mutating func initHeader(_ first: Word, _ args: [Word]) {
    guard let s = args.first, let scheme = InitScheme(parsing: s.text) else {
      return error(args.first?.column ?? first.column + 5, "init must be pytorch, kaiming, xavier or normal:STD")
    }
    scene.initialization.scheme = scheme
    for w in args.dropFirst() {
      guard w.text.hasPrefix("scale="), let v = Float(w.text.dropFirst(6)) else {
        return error(w.column, "expected scale=FACTOR, found '\(w.text)'")
      }
      if let need = Limits.checkInitScale(v) { return error(w.column, "scale must be \(need), found '\(w.text)'") }
      scene.initialization.scale = v
    }
  }

  /// `loss ce|mse`.
  mutating func lossHeader(_ first: Word, _ args: [Word]) {
    guard let w = args.first, let l = LossKind(rawValue: w.text.lowercased()) else {
      return error(args.first?.column ?? first.column + 5, "loss must be ce or mse")
    }
    scene.loss = l
  }

  /// `validation FRACTION`.
  mutating func validationHeader(_ first: Word, _ args: [Word]) {
    guard let v = number(args.first, Double.self), Limits.checkValidationFraction(v) == nil else {
      return error(args.first?.column ?? first.column + 11, "validation needs \(Limits.validationFractionRule)")
    }
    scene.validationFraction = v
  }

  /// `instruments off|key=N…`; stops at the first bad option.
  mutating func instrumentsHeader(_ args: [Word]) {
    for w in args {
      guard instrumentsOption(w) else { return }
    }
  }

  /// One `instruments` option (`off` or `key=N`, N ≥ 0) into the scene; false after an error.
  mutating func instrumentsOption(_ w: Word) -> Bool {
    if w.text == "off" {
      scene.instruments.enabled = false
      return true
    }
    let kv = keyValue(w)
    guard kv.count == 2, let v = Int(kv[1]), v >= 0 else {
      error(w.column, "expected every=N, ics=N, smoothness=N, probe=N or validation=N")
      return false
    }
    switch kv[0] {
    case "every": scene.instruments.every = max(1, v)
    case "ics": scene.instruments.icsEvery = v
    case "smoothness": scene.instruments.smoothnessEvery = v
    case "probe": scene.instruments.probeSize = max(1, v)
    case "validation": scene.instruments.validationEvery = v
    default:
      error(
        w.column,
        "instruments has no option '\(kv[0])'"
          + hint(for: kv[0], among: ["every", "ics", "smoothness", "probe", "validation"]))
      return false
    }
    return true
  }

  /// `size WIDTHxHEIGHT` (allowed anywhere).
  mutating func sizeHeader(_ first: Word, _ args: [Word]) {
    guard let w = args.first else { return error(first.column + 5, "size needs WIDTHxHEIGHT, e.g. `size 140x45`") }
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
  mutating func timeline(_ kw: String, _ first: Word, _ args: [Word], _ raw: String) {
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
  mutating func runStatement(_ first: Word, _ args: [Word], _ raw: String) {
    if let u = args.first, u.text.lowercased() == "until" { return runUntilStatement(u, raw) }
    guard args.count == 1, let n = number(args.first, Int.self), n >= 0, n <= 10_000_000 else {
      return error(
        args.first?.column ?? first.column + 4,
        "run needs a number of steps, e.g. `run 500`, or `run until CONDITION within N`")
    }
    add(.run(n), raw)
  }

  /// `run until CONDITION within N`: the condition is parsed in `finish`, once every variant is known.
  mutating func runUntilStatement(_ u: Word, _ raw: String) {
    let (text, col) = rest(raw, after: u)
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
  mutating func setStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard let what = args.first else { return error(first.column + 4, "set what? lr, batch, optimizer or mode") }
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
  mutating func setLearningRate(_ what: Word, _ args: [Word], _ raw: String) {
    guard args.count >= 2, let v = Float(args[1].text), Limits.checkLearningRate(v) == nil else {
      return error(
        args.count >= 2 ? args[1].column : what.column + 3, "set lr needs \(Limits.learningRateRule)")
    }
    guard let vs = variantList(args, from: 2) else { return }
    add(.setLearningRate(v, variants: vs), raw)
  }

  /// `set batch N`.
  mutating func setBatch(_ what: Word, _ args: [Word], _ raw: String) {
    guard args.count == 2, let v = Int(args[1].text), Limits.checkBatchSize(v) == nil else {
      return error(
        args.count >= 2 ? args[1].column : what.column + 6,
        "set batch must be \(Limits.batchSizeRule)")
    }
    add(.setBatch(v), raw)
  }

  /// `set optimizer KIND [lr RATE] [for VARIANTS]`.
  mutating func setOptimizer(_ what: Word, _ args: [Word], _ raw: String) {
    guard args.count >= 2, let k = OptimizerSettings.Kind(rawValue: args[1].text.lowercased()) else {
      return error(args.count >= 2 ? args[1].column : what.column + 10, "set optimizer needs sgd, momentum or adam")
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
  mutating func setMode(_ what: Word, _ args: [Word], _ raw: String) {
    guard args.count == 2, let m = Mode(rawValue: args[1].text.lowercased()) else {
      return error(args.count >= 2 ? args[1].column : what.column + 5, "set mode needs train or eval")
    }
    add(.setMode(m), raw)
  }

  /// `freeze|unfreeze bn|affine [for VARIANTS]`.
  mutating func freezeStatement(_ kw: String, _ first: Word, _ args: [Word], _ raw: String) {
    guard let what = args.first, ["bn", "affine"].contains(what.text.lowercased()) else {
      return error(
        args.first?.column ?? first.column + kw.count + 1, "\(kw) bn (running statistics) or \(kw) affine (γ and β)")
    }
    guard let vs = variantList(args, from: 1) else { return }
    add(
      what.text.lowercased() == "bn"
        ? .freezeBatchNorm(kw == "freeze", variants: vs) : .freezeAffine(kw == "freeze", variants: vs), raw)
  }

  /// `reset stats [for VARIANTS]`.
  mutating func resetStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "stats" else {
      return error(args.first?.column ?? first.column + 6, "expected `reset stats`")
    }
    guard let vs = variantList(args, from: 1) else { return }
    add(.resetStatistics(variants: vs), raw)
  }

  /// `reestimate stats N [for VARIANTS]`.
  mutating func reestimateStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard args.count >= 2, args[0].text.lowercased() == "stats", let n = Int(args[1].text), n >= 1, n <= 100_000
    else {
      return error(args.first?.column ?? first.column + 11, "expected `reestimate stats N` (N batches)")
    }
    guard let vs = variantList(args, from: 2) else { return }
    add(.reestimateStatistics(batches: n, variants: vs), raw)
  }

  /// `shift data key=number…`.
  mutating func shiftStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "data" else {
      return error(
        args.first?.column ?? first.column + 6, "expected `shift data scale=… offset=… rotation=… noise=…`")
    }
    var s = DomainShift()
    for a in args.dropFirst() {
      guard shiftOption(a, into: &s) else { return }
    }
    add(.shiftData(s, description: args.dropFirst().map(\.text).joined(separator: " ")), raw)
  }

  /// One `shift data` option (`key=number`, finite) into `s`; false after an error.
  mutating func shiftOption(_ a: Word, into s: inout DomainShift) -> Bool {
    let kv = keyValue(a)
    guard kv.count == 2, let v = Float(kv[1]), v.isFinite else {
      error(a.column, "expected key=number, found '\(a.text)'")
      return false
    }
    switch kv[0] {
    case "scale": s.scale = v
    case "offset": s.offset = v
    case "rotation": s.rotation = v
    case "noise":
      guard v >= 0 else {
        error(a.column, "noise must be ≥ 0")
        return false
      }
      s.noise = v
    default:
      error(
        a.column,
        "shift data has no option '\(kv[0])'" + hint(for: kv[0], among: ["scale", "offset", "rotation", "noise"]))
      return false
    }
    return true
  }

  /// `restore data`.
  mutating func restoreStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard let w = args.first, w.text.lowercased() == "data" else {
      return error(args.first?.column ?? first.column + 8, "expected `restore data`")
    }
    add(.restoreData, raw)
  }

  /// `mark LABEL`.
  mutating func markStatement(_ first: Word, _ args: [Word], _ raw: String) {
    // One quoted string is read with its escapes (\" and \\), as captions are.
    let label =
      args.count == 1 && args[0].quoted ? args[0].text : rest(raw, after: first).0.trimmingCharacters(in: "\"")
    add(.mark(label), raw)
  }

  /// `caption TEXT` or `caption "TEXT" [for Ns]`.
  mutating func captionStatement(_ first: Word, _ args: [Word], _ raw: String) {
    var text = rest(raw, after: first).0
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
    guard !text.isEmpty else { return error(first.column + 8, "caption needs text") }
    add(.caption(text, seconds: seconds), raw)
  }

  /// `restart`, alone.
  mutating func restartStatement(_ args: [Word], _ raw: String) {
    guard args.isEmpty else { return error(args[0].column, "restart takes nothing after it") }
    add(.restart, raw)
  }

  /// `screenshot NAME`: a name, never a path.
  mutating func screenshotStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard let w = args.first, args.count == 1 else {
      return error(args.first?.column ?? first.column + 11, "screenshot needs a name, e.g. `screenshot start`")
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
  mutating func chapterStatement(_ first: Word, _ args: [Word], _ raw: String) {
    let t = args.first?.quoted == true ? args[0].text : rest(raw, after: first).0
    guard !t.isEmpty else { return error(first.column + 8, "chapter needs a name") }
    add(.chapter(t), raw)
  }

  /// `show layer K` or `show panel NAME`: the initial view before the timeline, a statement in it.
  mutating func showStatement(_ first: Word, _ args: [Word], _ raw: String) {
    guard args.count == 2 else { return error(first.column + 5, "expected `show layer K` or `show panel NAME`") }
    switch args[0].text.lowercased() {
    case "layer":
      guard let k = Int(args[1].text), k >= 1, k <= 64 else {
        return error(args[1].column, "layer needs a number from 1")
      }
      if timelineStarted == nil { scene.view.layer = k } else { add(.showLayer(k), raw) }
    case "panel":
      let p = args[1].text.lowercased()
      guard SceneParser.panels.contains(p) else {
        return error(
          args[1].column,
          "unknown panel '\(args[1].text)'" + hint(for: p, among: SceneParser.panels)
            + " (panels: \(SceneParser.panels.joined(separator: ", ")))")
      }
      if timelineStarted == nil { scene.view.panel = p } else { add(.showPanel(p), raw) }
    default: error(args[0].column, "expected `show layer K` or `show panel NAME`")
    }
  }

  /// `expect CONDITION`: parsed in `finish`, once every variant is known.
  mutating func expectStatement(_ first: Word, _ raw: String) {
    let (text, col) = rest(raw, after: first)
    guard !text.isEmpty else {
      return error(col, "expect needs a condition, e.g. `expect final_loss(bn) < final_loss(plain)`")
    }
    let t = text
    expressions.append((lineNo, text, col, { .expect($0, source: t) }))
    add(.run(0), raw)
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
        var p = try ExprParser(e.text, columnOffset: e.column, variants: names)
        scene.statements[idx].kind = e.build(try p.parse())
      } catch { self.error(error.column, error.message, line: e.line) }
    }
    // Variant lists in statements (`for a, b`), each name at its own column.
    for r in variantReferences where !names.contains(r.name) {
      error(r.column, "no variant named '\(r.name)'" + hint(for: r.name, among: Array(names)), line: r.line)
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
    for (v, info) in zip(scene.variants, variantLines) {
      do {
        _ = try ModelSpec(parsing: v.model).build(
          inputShape: data.sampleShape, classes: data.classCount,
          settings: BuildSettings(seed: scene.seed, initialization: scene.initialization, initializeWeights: false))
      } catch { self.error(info.specColumn + error.column - 1, error.message, line: info.line) }
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
