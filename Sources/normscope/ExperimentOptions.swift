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

  /// The flags as NormScene's ``ExperimentSettings``, which the live app's experiment editor
  /// fills in too: both are checked by the same rules, with the same messages.
  var settings: ExperimentSettings {
    var s = ExperimentSettings()
    s.models = models
    s.data = data
    s.labels = labels
    s.optimizer = optimizer
    s.lr = lr
    s.momentum = momentum
    s.nesterov = nesterov
    s.weightDecay = weightDecay
    s.batch = batch
    s.seed = seed
    s.initScheme = self.`init`
    s.initScale = initScale
    s.loss = loss
    s.valFraction = valFraction
    s.freeze = freeze
    s.sampleEvery = sampleEvery
    s.icsEvery = icsEvery
    s.smoothnessEvery = smoothnessEvery
    s.noInstruments = noInstruments
    return s
  }

  func validate() throws {
    do { try settings.validate() } catch { throw ValidationError(error.message) }
  }

  var optimizerSettings: OptimizerSettings { settings.optimizerSettings! }

  /// Loads the data and builds the experiment; invalid input exits with status 2.
  func makeExperiment() throws -> Experiment {
    let settings = self.settings
    let dataset: Dataset
    do { dataset = try settings.loadData() } catch { throw CleanExit.failure("\(error)", code: 2) }
    let config = try settings.config(data: dataset)
    let experiment: Experiment
    do { experiment = try Experiment(config) } catch { throw CleanExit.failure("\(error)", code: 2) }
    if freeze == "norm" { try experiment.setNormAffineFrozen(true) }
    return experiment
  }
}
