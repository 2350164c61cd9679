import ArgumentParser
import Foundation
import NormCore
import NormLab

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train 1 to 4 model variants in lockstep and print loss and accuracy.",
    discussion: """
      Every variant takes one step on the same mini-batch each step; layers that two variants share \
      (the k-th linear/conv/rnn layer of the same shape) start from identical weights.

      MODEL SPEC: comma-separated layers, e.g. 'linear 100, batchnorm, sigmoid, linear 10'. Prefix \
      'NAME:' to name a variant ('bn: linear 100, batchnorm, relu, linear 10'); otherwise variants \
      are named after their norms ('plain' when there is none). See README.md for every layer.

      DATA: a built-in set with optional parameters (digits, spirals, moons, circles, xor, blobs, \
      sequence, stripes; e.g. 'spirals:classes=3,noise=0.2,n=600'), a CSV file (features…,label), \
      or an MNIST IDX image file together with --labels.

      EXAMPLE:
        normscope train --data digits --init normal:0.1 --lr 0.5 --steps 2000 \\
          --model 'plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10' \\
          --model 'bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10'
      """
  )

  static let defaultArguments = [
    "--data", "digits", "--init", "normal:0.1", "--lr", "0.5", "--batch", "60", "--steps", "2000",
    "--model", "plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10",
    "--model",
    "bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10",
  ]

  @Option(name: .customLong("model"), help: ArgumentHelp("A model variant (repeat for up to 4).", valueName: "spec"))
  var models: [String] = []

  @Option(help: ArgumentHelp("Built-in data set[:k=v,…], CSV file, or IDX image file.", valueName: "name|path"))
  var data = "digits"

  @Option(help: ArgumentHelp("IDX label file to go with an IDX image file.", valueName: "path"))
  var labels: String?

  @Option(help: "Optimizer: sgd, momentum or adam.")
  var optimizer = "sgd"

  @Option(help: "Learning rate (default: 0.1 for sgd, 0.01 for momentum, 0.001 for adam).")
  var lr: Float?

  @Option(help: "Momentum for --optimizer momentum.")
  var momentum: Float = 0.9

  @Flag(help: "Nesterov momentum.")
  var nesterov = false

  @Option(name: .customLong("weight-decay"), help: "L2 weight decay (PyTorch's weight_decay).")
  var weightDecay: Float = 0

  @Option(help: "Mini-batch size.")
  var batch = 60

  @Option(help: "Training steps.")
  var steps = 1000

  @Option(help: "Random seed (weights, batches, data).")
  var seed: UInt64 = 1

  @Option(help: ArgumentHelp("Weight init: pytorch, kaiming, xavier or normal:STD.", valueName: "scheme"))
  var `init` = "pytorch"

  @Option(name: .customLong("init-scale"), help: "Multiply initial weights by this factor (e.g. 0.1, 10).")
  var initScale: Float = 1

  @Option(help: "Loss: ce (softmax cross-entropy) or mse (against one-hot targets).")
  var loss = "ce"

  @Option(name: .customLong("val-fraction"), help: "Fraction of the data held out for validation.")
  var valFraction = 0.2

  @Option(help: "Print a row every N steps (default: steps/10).")
  var every: Int?

  @Option(help: ArgumentHelp("Freeze parameters: 'norm' freezes every norm's γ and β.", valueName: "what"))
  var freeze: String?

  @Option(help: ArgumentHelp("Write per-step metrics to FILE.csv or FILE.jsonl.", valueName: "file"))
  var metrics: String?

  @Option(name: .customLong("sample-every"), help: "Instruments (histograms, drift, train/eval) every N steps.")
  var sampleEvery = 25

  @Option(name: .customLong("ics-every"), help: "Gradient internal covariate shift every N steps (0: off).")
  var icsEvery = 100

  @Option(name: .customLong("smoothness-every"), help: "Loss-landscape smoothness every N steps (0: off).")
  var smoothnessEvery = 500

  @Flag(name: .customLong("no-instruments"), help: "Record only loss, accuracy and validation.")
  var noInstruments = false

  func validate() throws {
    guard models.count <= 4 else { throw ValidationError("at most 4 --model variants, got \(models.count)") }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
    guard OptimizerSettings.Kind(rawValue: optimizer) != nil else {
      throw ValidationError(
        "--optimizer must be sgd, momentum or adam, got '\(optimizer)'"
          + hint(for: optimizer, among: ["sgd", "momentum", "adam"]))
    }
    if let lr { guard lr.isFinite, lr >= 0 else { throw ValidationError("--lr must be a number ≥ 0") } }
    guard InitScheme(parsing: self.`init`) != nil else {
      throw ValidationError("--init must be pytorch, kaiming, xavier or normal:STD, got '\(self.`init`)'")
    }
    guard initScale.isFinite, initScale > 0 else { throw ValidationError("--init-scale must be > 0") }
    guard LossKind(rawValue: loss) != nil else { throw ValidationError("--loss must be ce or mse, got '\(loss)'") }
    guard valFraction >= 0, valFraction < 1 else { throw ValidationError("--val-fraction must be in [0, 1)") }
    if let every { guard every >= 1 else { throw ValidationError("--every must be at least 1") } }
    guard sampleEvery >= 1 else { throw ValidationError("--sample-every must be at least 1") }
    guard icsEvery >= 0, smoothnessEvery >= 0 else {
      throw ValidationError("--ics-every and --smoothness-every must be ≥ 0")
    }
    if let freeze { guard freeze == "norm" else { throw ValidationError("--freeze accepts 'norm', got '\(freeze)'") } }
    if let metrics {
      guard metrics.hasSuffix(".csv") || metrics.hasSuffix(".jsonl") else {
        throw ValidationError("--metrics must name a .csv or .jsonl file, got '\(metrics)'")
      }
    }
  }

  func run() throws {
    let dataset: Dataset
    do { dataset = try DataSource.load(data, labels: labels, seed: seed) } catch {
      throw CleanExit.failure("\(error)", code: 2)
    }
    let kind = OptimizerSettings.Kind(rawValue: optimizer)!
    var opt = OptimizerSettings(kind: kind, learningRate: lr ?? [.sgd: 0.1, .momentum: 0.01, .adam: 0.001][kind]!)
    opt.momentum = momentum
    opt.nesterov = nesterov
    opt.weightDecay = weightDecay
    let specs = models.isEmpty ? Train.defaultModels(for: dataset) : models
    let variants = VariantNaming.variants(from: specs)
    let config = ExperimentConfig(
      variants: variants, data: dataset, optimizer: opt, batchSize: batch, seed: seed,
      initialization: InitSettings(scheme: InitScheme(parsing: self.`init`)!, scale: initScale),
      loss: LossKind(rawValue: loss)!, validationFraction: valFraction, instruments: instrumentSettings)
    let experiment: Experiment
    do { experiment = try Experiment(config) } catch { throw CleanExit.failure("\(error)", code: 2) }
    if freeze == "norm" { try experiment.setNormAffineFrozen(true) }
    let report = TrainReport(experiment: experiment, optimizer: opt)
    report.header(dataName: data)
    var recorder = metrics.map { _ in MetricsExport(for: experiment) }
    let interval = every ?? max(1, steps / 10)
    var failure: String? = nil
    for _ in 0..<steps {
      guard experiment.anyLive else { break }
      do { try experiment.advance() } catch {
        failure = "\(error)"
        break
      }
      let printNow = experiment.step % interval == 0 || experiment.step == steps
      if printNow, experiment.variants.contains(where: { $0.record.validationLoss.lastStep != experiment.step }) {
        do { try experiment.recordValidation() } catch {
          failure = "\(error)"
          break
        }
      }
      recorder?.capture(experiment)
      if printNow { report.row() }
    }
    if let recorder, let metrics {
      do { try AtomicFile.write(recorder.render(metrics.hasSuffix(".csv") ? .csv : .jsonl), to: metrics) } catch {
        throw CleanExit.failure("cannot write metrics: \(error)", code: 1)
      }
    }
    if let failure { throw CleanExit.failure(failure, code: 1) }
    report.instrumentSummary()
    report.footer(validation: try? experiment.validate())
  }

  var instrumentSettings: InstrumentSettings {
    var s = InstrumentSettings()
    s.enabled = !noInstruments
    s.every = sampleEvery
    s.icsEvery = icsEvery
    s.smoothnessEvery = smoothnessEvery
    return s
  }

  static func defaultModels(for data: Dataset) -> [String] {
    let k = data.classCount
    return [
      "plain: linear 100, relu, linear 100, relu, linear \(k)",
      "bn: linear 100, batchnorm, relu, linear 100, batchnorm, relu, linear \(k)",
    ]
  }
}

/// Ends the process with a message on standard error and an exit status.
enum CleanExit {
  static func failure(_ message: String, code: Int32) -> ExitCode {
    var err = StandardError()
    print("normscope: error: \(message)", to: &err)
    return ExitCode(code)
  }
}

struct StandardError: TextOutputStream {
  mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
