import ArgumentParser
import NormCore
import NormLab
import NormScene
import NormSupport

/// The flags that define an experiment, shared by `train` and `shot`.
struct ExperimentOptions: ParsableArguments {
  @Option(name: .customLong("model"), help: ArgumentHelp("A model variant (repeat for up to 4).", valueName: "spec"))
  var models: [String] = []

  @Option(
    help: ArgumentHelp(
      "Built-in data set[:k=v,…] (\(Choices.sentence(BuiltinData.names))), CSV file, or IDX image file.",
      valueName: "name|path"),
    completion: .file())
  var data = "digits"

  @Option(help: ArgumentHelp("IDX label file to go with an IDX image file.", valueName: "path"), completion: .file())
  var labels: String?

  @Option(help: Choices.help("Optimizer:", Choices.optimizers), completion: Choices.completion(Choices.optimizers))
  var optimizer = "sgd"

  @Option(help: "Learning rate (default: 0.1 for sgd, 0.01 for momentum, 0.001 for adam and adamw).")
  var lr: Float?

  @Option(help: "SGD momentum (default: 0.9 for momentum, 0 for sgd, as PyTorch's SGD).")
  var momentum: Float?

  @Flag(help: "Nesterov momentum.")
  var nesterov = false

  @Option(
    name: .customLong("weight-decay"),
    help: "Weight decay (PyTorch's weight_decay; default 0, and 0.01 for adamw, which decouples it).")
  var weightDecay: Float?

  @Option(help: "Mini-batch size.")
  var batch = 60

  @Option(help: "Random seed (weights, batches, data).")
  var seed: UInt64 = 1

  @Option(
    help: Choices.help("Weight init:", Choices.initSchemes, valueName: "scheme"),
    completion: Choices.completion(Choices.initSchemes))
  var `init` = "pytorch"

  @Option(name: .customLong("init-scale"), help: "Multiply initial weights by this factor (e.g. 0.1, 10).")
  var initScale: Float = 1

  @Option(
    help: Choices.help("Loss:", Choices.losses, "(ce: softmax cross-entropy; mse: against one-hot targets)."),
    completion: Choices.completion(Choices.losses))
  var loss = "ce"

  @Option(name: .customLong("val-fraction"), help: "Fraction of the data held out for validation.")
  var valFraction = 0.2

  @Option(
    help: Choices.help("Freeze parameters:", Choices.freeze, "(freezes every norm's γ and β).", valueName: "what"),
    completion: Choices.completion(Choices.freeze))
  var freeze: String?

  @Option(name: .customLong("sample-every"), help: "Instruments (histograms, drift, train/eval) every N steps.")
  var sampleEvery = 40

  @Option(name: .customLong("ics-every"), help: "Gradient internal covariate shift every N steps (0: off).")
  var icsEvery = 100

  @Option(name: .customLong("smoothness-every"), help: "Loss-landscape smoothness every N steps (0: off).")
  var smoothnessEvery = 500

  @Flag(name: .customLong("no-instruments"), help: "Record only loss, accuracy and validation.")
  var noInstruments = false

  func validate() throws {
    guard models.count <= 4 else { throw ValidationError("at most 4 --model variants, got \(models.count)") }
    // Ranges are NormLab's `Limits`, the same the scene language checks.
    if let need = Limits.checkBatchSize(batch) { throw ValidationError("--batch must be \(need), got \(batch)") }
    guard OptimizerSettings.Kind(rawValue: optimizer) != nil else {
      throw ValidationError(
        "--optimizer must be \(OptimizerSettings.Kind.choices), got '\(optimizer)'"
          + hint(for: optimizer, among: OptimizerSettings.Kind.allCases.map(\.rawValue)))
    }
    if let lr, let need = Limits.checkLearningRate(lr) { throw ValidationError("--lr must be \(need), got \(lr)") }
    if let momentum, let need = Limits.checkMomentum(momentum) {
      throw ValidationError("--momentum must be \(need), got \(momentum)")
    }
    if let weightDecay, let need = Limits.checkWeightDecay(weightDecay) {
      throw ValidationError("--weight-decay must be \(need), got \(weightDecay)")
    }
    if nesterov && optimizerSettings.effectiveMomentum == 0 {
      // PyTorch: "Nesterov momentum requires a momentum and zero dampening".
      throw ValidationError("--nesterov needs momentum: use --optimizer momentum or --momentum M (M > 0)")
    }
    guard InitScheme(parsing: self.`init`) != nil else {
      throw ValidationError("--init must be pytorch, kaiming, xavier or normal:STD, got '\(self.`init`)'")
    }
    if let need = Limits.checkInitScale(initScale) {
      throw ValidationError("--init-scale must be \(need), got \(initScale)")
    }
    guard LossKind(rawValue: loss) != nil else { throw ValidationError("--loss must be ce or mse, got '\(loss)'") }
    if let need = Limits.checkValidationFraction(valFraction) {
      throw ValidationError("--val-fraction must be \(need), got \(valFraction)")
    }
    if let freeze {
      guard freeze == "norm" else { throw ValidationError("--freeze accepts 'norm', got '\(excerpt(freeze))'") }
    }
    // Names follow the scene language's rule, so a live session's recording plays back.
    do { _ = try VariantNaming.variants(from: models) } catch { throw ValidationError("\(error)") }
    guard sampleEvery >= 1 else { throw ValidationError("--sample-every must be at least 1") }
    guard icsEvery >= 0, smoothnessEvery >= 0 else {
      throw ValidationError("--ics-every and --smoothness-every must be ≥ 0")
    }
  }

  var instrumentSettings: InstrumentSettings {
    var s = InstrumentSettings()
    s.enabled = !noInstruments
    s.every = sampleEvery
    s.icsEvery = icsEvery
    s.smoothnessEvery = smoothnessEvery
    return s
  }

  var optimizerSettings: OptimizerSettings {
    let kind = OptimizerSettings.Kind(rawValue: optimizer)!
    var opt = OptimizerSettings(kind: kind, learningRate: lr ?? kind.defaultLearningRate)
    opt.momentum = momentum
    opt.nesterov = nesterov
    opt.weightDecay = weightDecay
    return opt
  }

  /// Loads the data and builds the experiment; invalid input exits with status 2.
  func makeExperiment() throws -> Experiment {
    let dataset: Dataset
    do { dataset = try DataSource.load(data, labels: labels, seed: seed) } catch {
      throw CleanExit.failure("\(error)", code: 2)
    }
    let specs = models.isEmpty ? Train.defaultModels(for: dataset) : models
    let config = ExperimentConfig(
      variants: try VariantNaming.variants(from: specs), data: dataset, optimizer: optimizerSettings, batchSize: batch,
      seed: seed,
      initialization: InitSettings(scheme: InitScheme(parsing: self.`init`)!, scale: initScale),
      loss: LossKind(rawValue: loss)!, validationFraction: valFraction, instruments: instrumentSettings)
    let experiment: Experiment
    do { experiment = try Experiment(config) } catch { throw CleanExit.failure("\(error)", code: 2) }
    if freeze == "norm" { try experiment.setNormAffineFrozen(true) }
    return experiment
  }
}
