import Foundation
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

// MARK: Checking

extension ExperimentEditor {
  /// The class count of the data the fields name, when it loads.
  public var classCount: Int? {
    if case .success(let d)? = loaded?.data { return d.classCount }
    return nil
  }

  /// `--data` text for the data fields: `spirals:classes=3,noise=0.3`, or the file's path.
  public var dataText: String {
    if data == .file { return path }
    var params = otherParameters
    if !noise.isEmpty, data.parameters.contains("noise") { params["noise"] = noise }
    if !classes.isEmpty, data.parameters.contains("classes") { params["classes"] = classes }
    // Parameters of another data set (moons has no classes) would be errors: only the set's own.
    params = params.filter { data.parameters.contains($0.key) || !["noise", "classes"].contains($0.key) }
    guard !params.isEmpty else { return data.rawValue }
    return data.rawValue + ":" + params.keys.sorted().map { "\($0)=\(params[$0]!)" }.joined(separator: ",")
  }

  /// The settings the fields give, and the fields that cannot be read (the command line's
  /// words for a value of the wrong type).
  func settings() -> (ExperimentSettings, [Field: String]) {
    var s = base
    var bad = [Field: String]()
    func number<T: LosslessStringConvertible>(_ f: Field, _ text: String, _ option: String, _ value: String) -> T? {
      let t = text.trimmingCharacters(in: .whitespaces)
      if t.isEmpty { return nil }
      guard let v = T(t) else {
        bad[f] = ExperimentSettings.invalidValue(text, option: option, valueName: value)
        return nil
      }
      return v
    }
    s.data = dataText
    s.labels = data == .file && !labels.isEmpty ? labels : nil
    s.optimizer = optimizer.rawValue
    s.lr = number(.lr, lr, "--lr", "lr")
    let hasMomentum = optimizer == .sgd || optimizer == .momentum
    s.momentum = hasMomentum ? number(.momentum, momentum, "--momentum", "momentum") : nil
    s.nesterov = hasMomentum && nesterov
    s.weightDecay = number(.weightDecay, weightDecay, "--weight-decay", "weight-decay")
    s.batch = number(.batch, batch, "--batch", "batch") ?? s.batch
    if batch.trimmingCharacters(in: .whitespaces).isEmpty {
      bad[.batch] = ExperimentSettings.invalidValue(batch, option: "--batch", valueName: "batch")
    }
    s.seed = number(.seed, seed, "--seed", "seed") ?? s.seed
    s.initScheme = initScheme == .normal ? "normal:\(initStd)" : initScheme.rawValue
    s.initScale = number(.initScale, initScale, "--init-scale", "init-scale") ?? s.initScale
    s.models = variants.map { $0.modelText(classes: classCount ?? 2) }
    return (s, bad)
  }

  /// The field a command-line problem belongs to.
  func field(for p: ExperimentSettings.Problem) -> Field {
    switch p.option {
    case .batch: .batch
    case .optimizer: .optimizer
    case .lr: .lr
    case .momentum: .momentum
    case .weightDecay: .weightDecay
    case .nesterov: .nesterov
    case .initScheme: initScheme == .normal ? .initStd : .initScheme
    case .initScale: .initScale
    case .model: .add
    case .data: data == .file ? .path : .data
    case .loss, .valFraction, .freeze, .instruments: .apply
    }
  }

  /// Checks every field: the fields' own reading, the command line's rules, the data (loaded
  /// again only when its fields change) and each variant's spec against it.
  public mutating func validate() {
    applyError = nil
    loadData()
    let (s, bad) = settings()
    var errs = bad
    for p in s.problems() where errs[field(for: p)] == nil {
      // Variant names are checked one by one below, at the variant.
      if p.option == .model && !(s.models.count > 4) { continue }
      errs[field(for: p)] = p.message
    }
    if case .failure(let f)? = loaded?.data { errs[dataField(for: f.message)] = f.message }
    for i in variants.indices { checkVariant(i, settings: s, &errs) }
    errors = errs
  }

  /// Loads the data the fields name, unless the same data was loaded last time.
  mutating func loadData() {
    let seedValue = UInt64(seed.trimmingCharacters(in: .whitespaces)) ?? 1
    let key = "\(dataText)\u{0}\(data == .file ? labels : "")\u{0}\(seedValue)"
    guard loaded?.key != key else { return }
    var s = base
    s.data = dataText
    s.labels = data == .file && !labels.isEmpty ? labels : nil
    s.seed = seedValue
    if data == .file, let special = ([path] + (labels.isEmpty ? [] : [labels])).first(where: Self.isSpecialFile) {
      loaded = (key, Result.failure(LoadFailure(message: Self.specialFileMessage(special))))
      return
    }
    do { loaded = (key, Result.success(try s.loadData())) } catch {
      loaded = (key, Result.failure(LoadFailure(message: "\(error)")))
    }
  }

  /// A path that exists but is neither a regular file nor a directory (a terminal, a FIFO, a
  /// device): the editor reads files on the UI thread as they are typed, so it never opens one
  /// of these, whose read could wait for ever.
  static func isSpecialFile(_ path: String) -> Bool {
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    guard let type = try? FileManager.default.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType else {
      // A link that resolves to no path (`/proc/self/fd/0` → `pipe:[…]`) but exists is a stream.
      return FileManager.default.fileExists(atPath: path)
    }
    return type != .typeRegular && type != .typeDirectory
  }

  static func specialFileMessage(_ path: String) -> String {
    "\(printable(path)): not a regular file (the editor reads only regular files; pass it with --data instead)"
  }

  /// The field a data error is about: a parameter it names, the labels file, or the data field.
  func dataField(for message: String) -> Field {
    if data == .file { return !labels.isEmpty && message.contains(labels) ? .labels : .path }
    if data.parameters.contains("classes"), message.contains("classes") { return .classes }
    if data.parameters.contains("noise"), message.contains("noise") { return .noise }
    return .data
  }

  /// Variant `i`: its name (the command line's naming rule), its structured fields, and its spec
  /// parsed and built for the data (the spec language's errors, at a column of the spec shown).
  func checkVariant(_ i: Int, settings s: ExperimentSettings, _ errs: inout [Field: String]) {
    let v = variants[i]
    if !v.name.isEmpty {
      // The command line's check (its message), then the naming rule itself, which the command
      // line never sees broken: it reads `bn 2: …` or `a:b: …` as a spec, not a name.
      do { _ = try VariantNaming.variants(from: [v.modelText(classes: classCount ?? 2)]) } catch {
        errs[.name(i)] = "\(error)"
      }
      if errs[.name(i)] == nil, let problem = VariantNaming.problem(v.name) { errs[.name(i)] = problem }
    }
    if !v.specMode {
      if let d = v.depthValue, (1...Self.maxDepth).contains(d) {
      } else {
        errs[.depth(i)] = "depth must be a whole number in 1...\(Self.maxDepth), got '\(excerpt(v.depth))'"
      }
      if let w = Int(v.width.trimmingCharacters(in: .whitespaces)), (1...Self.maxWidth).contains(w) {
      } else {
        errs[.width(i)] = "width must be a whole number in 1...\(Self.maxWidth), got '\(excerpt(v.width))'"
      }
      if errs[.depth(i)] != nil || errs[.width(i)] != nil { return }
    }
    guard case .success(let data)? = loaded?.data else { return }
    let text = v.specText(classes: data.classCount)
    do {
      let spec = try ModelSpec(parsing: text)
      let initialization = InitSettings(
        scheme: InitScheme(parsing: s.initScheme) ?? .pytorch, scale: s.initScale > 0 ? s.initScale : 1)
      _ = try spec.build(
        inputShape: data.sampleShape, classes: data.classCount,
        settings: BuildSettings(seed: s.seed, initialization: initialization, initializeWeights: false))
    } catch {
      errs[.spec(i)] = "column \(error.column): \(error.message)"
    }
  }

  /// Whether every field is valid.
  public var isValid: Bool { errors.isEmpty }

  /// The checked experiment, or nil (with ``errors`` or ``applyError`` saying why): every field
  /// valid, then the experiment built once as the lab will build it.
  public mutating func apply() -> Applied? {
    validate()
    guard errors.isEmpty, case .success(let dataset)? = loaded?.data else { return nil }
    let (s, _) = settings()
    let config: ExperimentConfig
    do {
      config = try s.config(data: dataset)
      _ = try Experiment(config)
    } catch {
      applyError = "\(error)"
      return nil
    }
    let builtin = s.builtinData
    return Applied(
      config: config, settings: s, dataName: builtin?.name, dataParameters: builtin?.parameters ?? [:])
  }
}

// MARK: Keys

extension ExperimentEditor {
  /// Applies a key: tab / shift-tab / ↓ / ↑ move; ← → change a choice; typing and backspace
  /// edit a text field; Enter runs the focused action (add, remove, Apply, Cancel) and anywhere
  /// else applies when the draft is valid; Esc cancels.
  public mutating func handle(_ key: Key) -> Outcome {
    let fs = fields
    let at = fs.firstIndex(of: focus) ?? 0
    switch key {
    case .escape: return .cancelled
    case .tab, .down: focus = fs[(at + 1) % fs.count]
    case .backTab, .up: focus = fs[(at + fs.count - 1) % fs.count]
    case .left, .right:
      guard choice(focus) != nil else { break }
      cycle(focus, by: key == .right ? 1 : -1)
      validate()
    case .backspace:
      guard var t = text(focus), !t.isEmpty else { break }
      t.removeLast()
      setText(focus, t)
      validate()
    case .character(let c):
      guard let t = text(focus), t.count < 4096, Text.typable(c) else { break }
      setText(focus, t + String(c))
      validate()
    case .enter: return enter()
    case .function, .resize, .mouse, .other: break
    }
    return .editing
  }

  /// Enter: the focused action, or Apply.
  mutating func enter() -> Outcome {
    switch focus {
    case .cancel: return .cancelled
    case .add:
      guard variants.count < Self.maxVariants else { break }
      var v = variants.last ?? Variant()
      v.name = ""
      variants.append(v)
      focus = .name(variants.count - 1)
      validate()
    case .remove(let i):
      guard variants.count > 1 else { break }
      variants.remove(at: i)
      focus = .name(min(i, variants.count - 1))
      validate()
    default:
      if let applied = apply() { return .applied(applied) }
      if let first = fields.first(where: { errors[$0] != nil }) {
        focus = first
      } else {
        focus = .apply
      }
    }
    return .editing
  }
}

// MARK: Starting from an experiment

extension ExperimentEditor {
  /// A draft of `config`, the experiment running: its data (`dataName` and parameters, or the
  /// file `dataFile` with its IDX labels `dataLabels`), variants (structured where the form generates the same text), optimizer,
  /// and the learning rate and batch size in use now.
  public init(
    config c: ExperimentConfig, dataName: String?, dataParameters: [String: String], dataFile: String? = nil,
    dataLabels: String? = nil, learningRate: Float? = nil, batchSize: Int? = nil
  ) {
    if let dataName, let choice = DataChoice(rawValue: dataName), choice != .file {
      data = choice
      noise = dataParameters["noise"] ?? ""
      classes = dataParameters["classes"] ?? ""
      otherParameters = dataParameters.filter { $0.key != "noise" && $0.key != "classes" }
    } else {
      data = .file
      path = dataFile ?? ""
      labels = dataLabels ?? ""
    }
    let classes = c.data.classCount
    variants = c.variants.prefix(Self.maxVariants).map { v in
      let structured = Variant.structured(v.model, classes: classes)
      var d = structured ?? Variant()
      if structured == nil {
        d.specMode = true
        d.spec = v.model
      }
      d.name = v.name
      return d
    }
    if variants.isEmpty { variants = [Variant()] }
    optimizer = c.optimizer.kind
    lr = "\(learningRate ?? c.optimizer.learningRate)"
    momentum = c.optimizer.momentum.map { "\($0)" } ?? ""
    nesterov = c.optimizer.nesterov
    weightDecay = c.optimizer.weightDecay.map { "\($0)" } ?? ""
    batch = "\(batchSize ?? c.batchSize)"
    switch c.initialization.scheme {
    case .normal(let std):
      initScheme = .normal
      initStd = "\(std)"
    case .pytorch: initScheme = .pytorch
    case .kaiming: initScheme = .kaiming
    case .xavier: initScheme = .xavier
    }
    initScale = "\(c.initialization.scale)"
    seed = "\(c.seed)"
    base.loss = c.loss.rawValue
    base.valFraction = c.validationFraction
    base.noInstruments = !c.instruments.enabled
    base.sampleEvery = c.instruments.every
    base.icsEvery = c.instruments.icsEvery
    base.smoothnessEvery = c.instruments.smoothnessEvery
    validate()
  }
}
