import NormCore

/// A named model variant of an experiment.
public struct VariantSpec: Sendable, Equatable {
  public var name: String
  public var model: String
  public init(name: String, model: String) {
    self.name = name
    self.model = model
  }
}

/// Everything that defines an experiment; the same configuration and seed give bit-identical
/// training on the same build.
public struct ExperimentConfig: Sendable {
  public var variants: [VariantSpec]
  public var data: Dataset
  public var optimizer: OptimizerSettings
  public var batchSize: Int
  public var seed: UInt64
  public var initialization: InitSettings
  public var loss: LossKind
  /// Fraction of `data` held out for validation (0 disables validation).
  public var validationFraction: Double

  public init(
    variants: [VariantSpec], data: Dataset, optimizer: OptimizerSettings = .init(), batchSize: Int = 60,
    seed: UInt64 = 1,
    initialization: InitSettings = .init(), loss: LossKind = .crossEntropy, validationFraction: Double = 0.2
  ) {
    self.variants = variants
    self.data = data
    self.optimizer = optimizer
    self.batchSize = batchSize
    self.seed = seed
    self.initialization = initialization
    self.loss = loss
    self.validationFraction = validationFraction
  }
}

/// An error in an experiment, naming the variant where there is one.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
  public var variant: String?
  public var message: String
  public var description: String { (variant.map { "variant '\($0)': " } ?? "") + message }
}

/// One variant's trainer and its record.
public final class Variant {
  public let name: String
  public let spec: ModelSpec
  public let trainer: Trainer
  /// The step at which the loss or a gradient became non-finite (or the loss blew up); the
  /// variant stops updating from then on and keeps its history.
  public internal(set) var divergedAt: Int? = nil
  /// The last training step's result.
  public internal(set) var last: StepResult? = nil
  /// Seconds spent in this variant's training steps (for time-per-step figures).
  public internal(set) var trainingSeconds = 0.0
  public internal(set) var trainedSteps = 0

  init(name: String, spec: ModelSpec, trainer: Trainer) {
    self.name = name
    self.spec = spec
    self.trainer = trainer
  }

  public var network: Network { trainer.network }
}

/// 1 to 4 model variants trained in lockstep: every step, each live variant takes one
/// optimizer step on the *same* mini-batch; variants that share a weight layer at the same
/// position start with identical weights (see ``ModelSpec/build(inputShape:classes:settings:)``).
public final class Experiment {
  public let config: ExperimentConfig
  public let trainData: Dataset
  public let validationData: Dataset
  public let variants: [Variant]
  /// Steps taken so far.
  public private(set) var step = 0
  /// Mini-batch size for the next steps (may change between steps).
  public var batchSize: Int
  private var sampler: BatchSampler
  /// A loss above this multiple of the first step's loss (and above 50) counts as a blow-up.
  public var blowUpFactor: Float = 1e3
  private var firstLoss: [Float?]

  public init(_ config: ExperimentConfig) throws {
    guard (1...4).contains(config.variants.count) else {
      throw ExperimentError(message: "an experiment has 1 to 4 variants, got \(config.variants.count)")
    }
    let names = config.variants.map(\.name)
    if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
      throw ExperimentError(message: "two variants are named '\(dup)'")
    }
    guard config.batchSize >= 1 else { throw ExperimentError(message: "batch size must be at least 1") }
    self.config = config
    if config.validationFraction > 0 {
      (trainData, validationData) = config.data.split(validationFraction: config.validationFraction, seed: config.seed)
    } else {
      trainData = config.data
      validationData = config.data.subset([])
    }
    var vs = [Variant]()
    for v in config.variants {
      let spec: ModelSpec
      do { spec = try ModelSpec(parsing: v.model) } catch {
        throw ExperimentError(variant: v.name, message: error.rendered(source: v.model, label: v.name))
      }
      let net: Network
      do {
        net = try spec.build(
          inputShape: config.data.sampleShape, classes: config.data.classCount,
          settings: BuildSettings(seed: config.seed, initialization: config.initialization))
      } catch { throw ExperimentError(variant: v.name, message: error.rendered(source: v.model, label: v.name)) }
      vs.append(
        Variant(
          name: v.name, spec: spec, trainer: Trainer(network: net, optimizer: config.optimizer, loss: config.loss)))
    }
    variants = vs
    batchSize = config.batchSize
    sampler = BatchSampler(count: trainData.count, seed: config.seed)
    firstLoss = Array(repeating: nil, count: vs.count)
  }

  /// Whether any variant still trains.
  public var anyLive: Bool { variants.contains { $0.divergedAt == nil } }

  /// Sets the learning rate of every variant.
  public func setLearningRate(_ lr: Float) {
    for v in variants { v.trainer.optimizer.settings.learningRate = lr }
  }

  /// Takes one lockstep step. Returns the indices of the mini-batch used.
  @discardableResult
  public func advance() throws -> ArraySlice<Int> {
    let indices = sampler.next(batchSize)
    step += 1
    let clock = ContinuousClock()
    for (i, v) in variants.enumerated() where v.divergedAt == nil {
      let t0 = clock.now
      let r: StepResult
      do { r = try v.trainer.step(data: trainData, indices: indices) } catch {
        throw ExperimentError(variant: v.name, message: "step \(step): \(error)")
      }
      let dt = clock.now - t0
      v.trainingSeconds += Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18
      v.trainedSteps += 1
      v.last = r
      if firstLoss[i] == nil, r.finite { firstLoss[i] = r.loss }
      let blewUp = r.finite && r.loss > max(50, blowUpFactor * (firstLoss[i] ?? r.loss))
      if !r.finite || blewUp { v.divergedAt = step }
    }
    return indices
  }

  /// Validation loss and accuracy of each variant (eval mode, no state changes); nil for an
  /// experiment without validation data.
  public func validate(mode: Mode = .eval) throws -> [Evaluation]? {
    guard validationData.count > 0 else { return nil }
    return try variants.map { v in
      do { return try v.trainer.evaluate(data: validationData, mode: mode) } catch {
        throw ExperimentError(variant: v.name, message: "validation: \(error)")
      }
    }
  }
}
