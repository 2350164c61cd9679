import NormCore
import NormLab
import NormScene
import NormView
import Testing

/// A configuration the command line accepts, built the way `ExperimentOptions` builds it.
struct CLIConfig: Sendable, CustomStringConvertible {
  var models: [String]
  var data = "digits"
  var dataParameters: [String: String] = [:]
  var optimizer = OptimizerSettings(kind: .sgd, learningRate: 0.1)
  var batch = 60
  var initialization = InitSettings()
  var loss = LossKind.crossEntropy
  var validationFraction = 0.2
  var instrumentsOff = false
  var freezeNorm = false
  var description: String { models.joined(separator: " | ") }

  /// What `validate()` and `makeExperiment()` do: the shared limits, then the names.
  func experiment() throws -> Experiment {
    let o = optimizer
    for problem in [
      Limits.checkLearningRate(o.learningRate), Limits.checkMomentum(o.effectiveMomentum),
      Limits.checkWeightDecay(o.effectiveWeightDecay),
      Limits.checkBatchSize(batch), Limits.checkInitScale(initialization.scale),
      Limits.checkValidationFraction(validationFraction),
    ] {
      #expect(problem == nil, "test configuration outside the limits: \(problem ?? "")")
    }
    var instruments = InstrumentSettings()
    instruments.enabled = !instrumentsOff
    instruments.every = 10
    let config = ExperimentConfig(
      variants: try VariantNaming.variants(from: models),
      data: try BuiltinData.make(name: data, parameters: dataParameters, seed: 3), optimizer: o, batchSize: batch,
      seed: 3, initialization: initialization, loss: loss, validationFraction: validationFraction,
      instruments: instruments)
    let e = try Experiment(config)
    if freezeNorm { try e.setNormAffineFrozen(true) }
    return e
  }
}

private func screen(_ e: Experiment) -> String {
  Screenshot.text(Dashboard.render(DashboardState(experiment: e, theme: Theme()), width: 140, height: 45))
}

/// The layers as written, without their columns.
private func layerTexts(_ spec: ModelSpec) -> [[String]] {
  spec.layers.map { l in
    [l.keyword.text] + l.positional.map(\.text) + l.options.map { $0.key.text + "=" + $0.value.text }
  }
}

private func sceneErrors(_ text: String) -> [String] {
  do {
    _ = try SceneParser.parse(text, file: "r.scene")
    return []
  } catch { return error.diagnostics.map(\.message) }
}

private let sceneHeader = """
  title "t"
  data digits
  variant plain: linear 16, relu, linear 10
  variant bn: linear 16, batchnorm, relu, linear 10

  """

@Suite("Recordings play back")
struct RecorderTests {
  static let configurations: [CLIConfig] = {
    var out = [CLIConfig]()
    // Auto-named variants: two norms in one model (once named "batchnorm+layernorm", which no
    // scene accepts), and the same norms twice (a "-2" suffix).
    out.append(
      CLIConfig(models: [
        "linear 16, batchnorm, relu, linear 16, layernorm, relu, linear 10",
        "linear 16, batchnorm, relu, linear 16, layernorm, relu, linear 10",
        "linear 16, relu, linear 10", "linear 16, rmsnorm, relu, linear 10",
      ]))
    // Explicit names, one layer per line (the command line accepts it; a scene line cannot
    // hold it as written), momentum with Nesterov and weight decay, a small batch.
    var c = CLIConfig(models: [
      "bn-1: linear 16\nbatchnorm\nrelu\nlinear 10", "Plain_2: linear 16,\r\n relu, linear 10",
    ])
    c.optimizer = OptimizerSettings(kind: .momentum, learningRate: 0.01)
    c.optimizer.momentum = 0.999
    c.optimizer.nesterov = true
    c.optimizer.weightDecay = 1e-4
    c.batch = 7
    out.append(c)
    // Built-in data with parameters, Adam, MSE, no validation, init scheme and scale, frozen γ/β.
    c = CLIConfig(models: ["linear 8, groupnorm 2, relu, linear 3", "linear 8, relu, linear 3"])
    c.data = "spirals"
    c.dataParameters = ["classes": "3", "n": "300"]
    c.optimizer = OptimizerSettings(kind: .adam, learningRate: 0.001)
    c.loss = .mse
    c.validationFraction = 0
    c.initialization = InitSettings(scheme: .normal(std: 0.1), scale: 2.5)
    c.freezeNorm = true
    out.append(c)
    // The edges of the limits: the largest learning rate and batch, instruments off.
    c = CLIConfig(models: ["linear 8, batchnorm, relu, linear 2"])
    c.data = "moons"
    c.optimizer.learningRate = Limits.maxLearningRate
    c.batch = Limits.maxBatchSize
    c.instrumentsOff = true
    out.append(c)
    return out
  }()

  @Test("every recording of a command-line configuration parses and plays back", arguments: configurations)
  func roundTrip(_ cli: CLIConfig) throws {
    let e = try cli.experiment()
    // What the live keys do: lr ×2 (capped as the live app caps it), batch ÷2, eval/train.
    for _ in 0..<6 { try e.advance() }
    try e.setLearningRate(min(e.learningRate * 2, Limits.maxLearningRate))
    try e.setBatchSize(max(1, e.batchSize / 2))
    for _ in 0..<5 { try e.advance() }
    e.setInferenceMode(.train)
    try e.advance()
    let text = SceneRecorder.text(
      experiment: e, dataName: cli.data, dataParameters: cli.dataParameters, startStep: 3, view: SceneView())
    let scene: Scene
    do { scene = try SceneParser.parse(text, file: "rec.scene") } catch {
      Issue.record("recording does not parse:\n\(error.diagnostics.map(\.rendered).joined(separator: "\n"))\n\(text)")
      return
    }
    #expect(scene.variants.map(\.name) == e.variants.map(\.name))
    for (a, b) in zip(scene.variants, e.variants) {
      #expect(try layerTexts(ModelSpec(parsing: a.model)) == layerTexts(b.spec), "\(a.model)")
    }
    let replay = try ScenePlayer(scene: scene)
    try replay.playToEnd(delegate: nil)
    #expect(replay.failure == nil)
    #expect(replay.experiment.step == e.step)
    #expect(replay.experiment.config.optimizer == e.config.optimizer)
    #expect(replay.experiment.batchSize == e.batchSize)
    #expect(replay.experiment.learningRate == e.learningRate)
    #expect(screen(replay.experiment) == screen(e), "\(text)")
  }

  @Test("command-line names follow the scene rule")
  func names() throws {
    let auto = try VariantNaming.variants(from: [
      "linear 8, batchnorm, layernorm, linear 2", "linear 8, batchnorm, layernorm, linear 2", "linear 2",
      "linear 2",
    ])
    #expect(auto.map(\.name) == ["batchnorm_layernorm", "batchnorm_layernorm-2", "plain", "plain-2"])
    for v in auto { #expect(VariantNaming.problem(v.name) == nil) }
    #expect(try VariantNaming.variants(from: ["bn-2: linear 2"]).map(\.name) == ["bn-2"])
    // A head that cannot be a name is part of the spec (whose parser reports it).
    #expect(try VariantNaming.variants(from: ["my net: linear 2"]).map(\.model) == ["my net: linear 2"])
    // Names the scene language refuses are refused on the command line with the same message.
    for bad in ["2bn", "-bn", "_bn", "lr", "for", "data"] {
      #expect(throws: NormError.self, "\(bad)") { try VariantNaming.variants(from: ["\(bad): linear 10"]) }
      let problem = try #require(VariantNaming.problem(bad))
      #expect(sceneErrors("title \"t\"\ndata digits\nvariant \(bad): linear 10\n").contains(problem), "\(bad)")
    }
  }

  @Test("a data shift is recorded as `shift data` and `restore data`, and plays back")
  func dataShift() throws {
    let original = try SceneParser.parse(
      sceneHeader + "run 10\nshift data scale=2 offset=0.5 noise=0.1\nrun 10\nrestore data\nrun 5\n"
        + "shift data rotation=15\nrun 5\n", file: "s.scene")
    let p = try ScenePlayer(scene: original)
    try p.playToEnd(delegate: nil)
    let text = SceneRecorder.text(
      experiment: p.experiment, dataName: "digits", dataParameters: [:], startStep: 0, view: SceneView())
    #expect(text.contains("shift data scale=2 offset=0.5 noise=0.1\n"))
    #expect(text.contains("restore data\n"))
    #expect(text.contains("shift data rotation=15\n"))
    #expect(!text.contains("# data changed"))
    let replay = try ScenePlayer(scene: try SceneParser.parse(text, file: "rec.scene"))
    try replay.playToEnd(delegate: nil)
    #expect(replay.experiment.step == 30)
    #expect(replay.experiment.trainData == p.experiment.trainData)
    #expect(screen(replay.experiment) == screen(p.experiment))
  }
}

@Suite("Recordings escape what they copy")
struct RecorderEscapeTests {
  @Test("a mark with ESC, BEL, quotes and backslashes is written as a scene string that plays back")
  func marks() throws {
    let label = "a\u{1B}]52;c;eA==\u{7}\"q\"\\z"
    let scene = try SceneParser.parse(sceneHeader + "run 2\n", file: "m.scene")
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    p.experiment.mark(label)
    let text = SceneRecorder.text(
      experiment: p.experiment, dataName: "digits", dataParameters: [:], startStep: 0, view: SceneView())
    #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(text.contains(#"mark "a?]52;c;eA==?\"q\"\\z""#))
    let replay = try ScenePlayer(scene: try SceneParser.parse(text, file: "rec.scene"))
    try replay.playToEnd(delegate: nil)
    let marks = replay.experiment.events.compactMap { ev -> String? in
      if case .mark(let m) = ev.kind { return m }
      return nil
    }
    #expect(marks.contains(#"a?]52;c;eA==?"q"\z"#))
  }
}

@Suite("Limits shared by the command line and scenes")
struct SharedLimitTests {
  @Test(
    "scenes reject what the limits reject",
    arguments: [
      ("optimizer momentum momentum=1", "momentum must be a number in [0, 1), found '1'"),
      ("optimizer momentum momentum=nan", "momentum must be a number in [0, 1)"),
      ("optimizer sgd weight_decay=inf", "weight_decay must be a finite number ≥ 0"),
      ("optimizer adam beta2=1", "beta2 must be a number in [0, 1)"),
      ("lr 1e7", "lr must be a number from 0 to 1e6"),
      ("lr -1", "lr must be a number from 0 to 1e6"),
      ("batch 0", "batch must be at least 1 and at most 134217728"),
      ("batch 1000000000", "batch must be at least 1 and at most 134217728"),
      ("init kaiming scale=inf", "scale must be a finite number > 0"),
      ("init kaiming scale=0", "scale must be a finite number > 0"),
      ("validation 1", "validation needs a fraction in [0, 1)"),
      ("run 1\nset lr nan", "set lr needs a number from 0 to 1e6"),
      ("run 1\nset optimizer sgd lr inf", "lr needs a number from 0 to 1e6"),
      ("run 1\nset batch 0", "set batch must be at least 1 and at most 134217728"),
    ])
  func rejected(line: String, message: String) {
    let e = sceneErrors(sceneHeader + line + "\n")
    #expect(e.contains { $0.contains(message) }, "\(line): \(e)")
  }

  @Test("scenes accept what the limits accept (a batch of a million, as the command line does)")
  func accepted() throws {
    for line in [
      "batch 1000000", "lr 1e6", "optimizer momentum momentum=0 weight_decay=0", "init xavier scale=1e-3",
      "run 1\nset batch 134217728",
    ] {
      #expect(sceneErrors(sceneHeader + line + "\n").isEmpty, "\(line)")
    }
    #expect(Limits.checkMomentum(.nan) != nil && Limits.checkLearningRate(.nan) != nil)
    #expect(Limits.checkWeightDecay(-0.1) != nil && Limits.checkBatchSize(Limits.maxBatchSize + 1) != nil)
    #expect(Limits.checkInitScale(.infinity) != nil && Limits.checkValidationFraction(.nan) != nil)
  }
}
