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
  /// What the instruments measure and how often.
  public var instruments: InstrumentSettings

  public init(
    variants: [VariantSpec], data: Dataset, optimizer: OptimizerSettings = .init(), batchSize: Int = 60,
    seed: UInt64 = 1, initialization: InitSettings = .init(), loss: LossKind = .crossEntropy,
    validationFraction: Double = 0.2, instruments: InstrumentSettings = .init()
  ) {
    self.variants = variants
    self.data = data
    self.optimizer = optimizer
    self.batchSize = batchSize
    self.seed = seed
    self.initialization = initialization
    self.loss = loss
    self.validationFraction = validationFraction
    self.instruments = instruments
  }
}

/// An error in an experiment, naming the variant where there is one. An error that comes from
/// NormCore (a layer, a spec) is kept as `cause`, so a caller can still ask what it was
/// (`cause as? NormError`, `.tooFewValues`) after it was put in the experiment's words.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
  public var variant: String?
  public var message: String
  /// The error this one reports, if it wraps one.
  public var cause: (any Error)?
  public init(variant: String? = nil, message: String, cause: (any Error)? = nil) {
    self.variant = variant
    self.message = message
    self.cause = cause
  }
  /// The NormCore error at the bottom of this one, without any context around it.
  public var normError: NormError? { (cause as? NormError)?.rootCause }
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

  /// Everything measured so far (a value: copy it to read it elsewhere).
  public internal(set) var record: VariantRecord
  let probeState = ProbeState()

  init(name: String, spec: ModelSpec, trainer: Trainer) {
    self.name = name
    self.spec = spec
    self.trainer = trainer
    record = VariantRecord(name: name, blocks: Block.blocks(of: trainer.network))
  }

  public var network: Network { trainer.network }
}

/// 1 to 4 model variants trained in lockstep: every step, each live variant takes one
/// optimizer step on the *same* mini-batch; variants that share a weight layer at the same
/// position start with identical weights (see ``ModelSpec/build(inputShape:classes:settings:)``).
public final class Experiment {
  public let config: ExperimentConfig
  public private(set) var trainData: Dataset
  public private(set) var validationData: Dataset
  /// The fixed batch the instruments probe (the first `probeSize` validation samples).
  public private(set) var probeData: Dataset
  public let variants: [Variant]
  /// Every change made between steps, in order.
  public private(set) var events: [Event] = []
  /// Which mode inference views use; changed with ``setInferenceMode(_:)``.
  public private(set) var inferenceMode: Mode = .eval
  /// Instrument cadence; may be changed between steps.
  public var instruments: InstrumentSettings
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
        throw ExperimentError(variant: v.name, message: error.rendered(source: v.model, label: v.name), cause: error)
      }
      let net: Network
      do {
        net = try spec.build(
          inputShape: config.data.sampleShape, classes: config.data.classCount,
          settings: BuildSettings(seed: config.seed, initialization: config.initialization))
      } catch {
        throw ExperimentError(variant: v.name, message: error.rendered(source: v.model, label: v.name), cause: error)
      }
      vs.append(
        Variant(
          name: v.name, spec: spec, trainer: Trainer(network: net, optimizer: config.optimizer, loss: config.loss)))
    }
    variants = vs
    batchSize = config.batchSize
    instruments = config.instruments
    sampler = BatchSampler(count: trainData.count, seed: config.seed)
    firstLoss = Array(repeating: nil, count: vs.count)
    probeData = Self.probe(
      from: validationData.count > 0 ? validationData : trainData, size: config.instruments.probeSize)
    if config.instruments.enabled { try sampleInstruments() }
  }

  static func probe(from d: Dataset, size: Int) -> Dataset { d.subset(0..<min(max(size, 0), d.count)) }

  /// The variant named `name`.
  public func variant(named name: String) -> Variant? { variants.first { $0.name == name } }

  /// Whether any variant still trains.
  public var anyLive: Bool { variants.contains { $0.divergedAt == nil } }

  private func targets(_ names: [String]?) throws -> [Variant] {
    guard let names else { return variants }
    return try names.map { n in
      guard let v = variant(named: n) else {
        throw ExperimentError(
          message: "no variant named '\(n)' (variants: \(variants.map(\.name).joined(separator: ", ")))")
      }
      return v
    }
  }

  /// Records a change that the experiment itself does not act on (pause, resume, single step).
  public func record(_ kind: Event.Kind) { events.append(Event(step: step, kind: kind, variants: nil)) }

  /// Sets the learning rate of every variant (or of the named ones).
  public func setLearningRate(_ lr: Float, variants names: [String]? = nil) throws {
    guard lr.isFinite, lr >= 0 else { throw ExperimentError(message: "learning rate must be a number ≥ 0") }
    for v in try targets(names) { v.trainer.optimizer.settings.learningRate = lr }
    events.append(Event(step: step, kind: .learningRate(lr), variants: names))
  }

  /// The current learning rate (of the first variant).
  public var learningRate: Float { variants[0].trainer.optimizer.settings.learningRate }

  /// Sets the mini-batch size of the next steps.
  public func setBatchSize(_ b: Int) throws {
    guard b >= 1 else { throw ExperimentError(message: "batch size must be at least 1") }
    batchSize = b
    events.append(Event(step: step, kind: .batchSize(b), variants: nil))
  }

  /// Switches optimizer (state starts afresh, as a new PyTorch optimizer would); the learning
  /// rate is kept unless `settings` differs from the current one in it.
  public func setOptimizer(_ settings: OptimizerSettings, variants names: [String]? = nil) throws {
    for v in try targets(names) { v.trainer.optimizer.replace(with: settings) }
    events.append(Event(step: step, kind: .optimizer(settings), variants: names))
  }

  /// Chooses the mode inference views show.
  public func setInferenceMode(_ mode: Mode) {
    inferenceMode = mode
    events.append(Event(step: step, kind: .inferenceMode(mode), variants: nil))
  }

  /// Freezes (or unfreezes) every BatchNorm: running statistics in training, no updates.
  public func setBatchNormFrozen(_ frozen: Bool, variants names: [String]? = nil) throws {
    for v in try targets(names) { v.network.setBatchNormFrozen(frozen) }
    events.append(Event(step: step, kind: .freezeBatchNorm(frozen), variants: names))
  }

  /// Freezes (or unfreezes) every norm's γ and β.
  public func setNormAffineFrozen(_ frozen: Bool, variants names: [String]? = nil) throws {
    for v in try targets(names) {
      for l in v.network.layers where l.category == .normalization { for p in l.parameters { p.frozen = frozen } }
      for case let r as RNN in v.network.layers {
        for p in (r.batchNorm?.parameters ?? []) + (r.layerNorm?.parameters ?? []) { p.frozen = frozen }
      }
    }
    events.append(Event(step: step, kind: .freezeNormAffine(frozen), variants: names))
  }

  /// Resets running statistics (mean 0, variance 1, count 0).
  public func resetRunningStatistics(variants names: [String]? = nil) throws {
    for v in try targets(names) { v.network.resetRunningStatistics() }
    events.append(Event(step: step, kind: .resetRunningStatistics, variants: names))
  }

  /// Resets and re-estimates running statistics from `batches` training batches (no weight
  /// changes; cumulative average).
  public func reestimateRunningStatistics(batches: Int, variants names: [String]? = nil) throws {
    for v in try targets(names) {
      try v.trainer.reestimateRunningStatistics(
        data: trainData, batches: batches, batchSize: max(batchSize, 2), seed: config.seed &+ UInt64(step))
    }
    events.append(Event(step: step, kind: .reestimateRunningStatistics(batches: batches), variants: names))
  }

  /// Replaces the data (e.g. with a domain-shifted copy): same sample shape and classes
  /// required. The split, the batch order and the probe batch follow the new data; histogram
  /// ranges stay fixed so the shift is visible.
  public func setData(_ data: Dataset, description: String) throws {
    guard data.sampleShape == config.data.sampleShape, data.classCount == config.data.classCount else {
      throw ExperimentError(
        message:
          "new data has samples \(data.sampleShape) and \(data.classCount) classes; the experiment needs \(config.data.sampleShape) and \(config.data.classCount)"
      )
    }
    if config.validationFraction > 0 {
      (trainData, validationData) = data.split(validationFraction: config.validationFraction, seed: config.seed)
    } else {
      trainData = data
      validationData = data.subset([])
    }
    sampler = BatchSampler(count: trainData.count, seed: config.seed &+ UInt64(step))
    probeData = Self.probe(from: validationData.count > 0 ? validationData : trainData, size: instruments.probeSize)
    events.append(Event(step: step, kind: .dataset(description), variants: nil))
  }

  /// Marks the current step: `driftSinceMark` is measured from the next snapshot on.
  public func mark(_ label: String = "") {
    for v in variants {
      v.probeState.markSorted = [:]
      v.probeState.markUnitSorted = [:]
    }
    events.append(Event(step: step, kind: .mark(label), variants: nil))
  }

  /// Takes one lockstep step: every live variant trains on the same mini-batch; then the
  /// instruments due at this step measure. Returns the indices of the mini-batch used.
  /// Largest batch × per-sample activation size allowed in one forward (2²⁷ values, 512 MiB).
  public static let maxBatchValues = 1 << 27

  @discardableResult
  public func advance() throws -> ArraySlice<Int> {
    let widest =
      variants.map { v in (0...v.network.layers.count).map { v.network.shape(ofActivation: $0).reduce(1, *) }.max() ?? 0
      }.max() ?? 0
    if min(batchSize, trainData.count) * widest > Self.maxBatchValues {
      throw ExperimentError(
        message:
          "batch \(batchSize) × \(widest) values per sample is more than \(Self.maxBatchValues) in one forward; lower the batch size"
      )
    }
    let indices = sampler.next(batchSize)
    step += 1
    let clock = ContinuousClock()
    let ins = instruments
    let sampleNow = ins.enabled && ins.every > 0 && step % ins.every == 0
    let icsNow = ins.enabled && ins.icsEvery > 0 && step % ins.icsEvery == 0
    let smoothNow = ins.enabled && ins.smoothnessEvery > 0 && step % ins.smoothnessEvery == 0
    for (i, v) in variants.enumerated() where v.divergedAt == nil {
      let before = icsNow ? v.network.parameters.map(\.value) : []
      let t0 = clock.now
      let r: StepResult
      do { r = try v.trainer.step(data: trainData, indices: indices) } catch {
        throw ExperimentError(variant: v.name, message: "step \(step): \(error)", cause: error)
      }
      let dt = clock.now - t0
      v.trainingSeconds += Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18
      v.trainedSteps += 1
      v.last = r
      Probes.recordStep(&v.record, v.probeState, step: step, result: r, lr: v.trainer.optimizer.settings.learningRate)
      v.record.secondsPerStep = v.trainingSeconds / Double(v.trainedSteps)
      if firstLoss[i] == nil, r.finite { firstLoss[i] = r.loss }
      let blewUp = r.finite && r.loss > max(50, blowUpFactor * (firstLoss[i] ?? r.loss))
      if !r.finite || blewUp {
        v.divergedAt = step
        v.record.divergedAt = step
        continue
      }
      do {
        if sampleNow { Probes.recordNorms(&v.record, network: v.network, step: step) }
        if icsNow {
          try Probes.internalCovariateShift(
            &v.record, trainer: v.trainer, data: trainData, indices: indices, before: before, step: step)
        }
        if smoothNow {
          try Probes.smoothness(
            &v.record, trainer: v.trainer, data: trainData, indices: indices,
            lr: v.trainer.optimizer.settings.learningRate,
            steps: ins.smoothnessSteps, step: step)
        }
      } catch { throw ExperimentError(variant: v.name, message: "step \(step) (instruments): \(error)", cause: error) }
    }
    if sampleNow { try sampleInstruments() }
    if ins.validationEvery > 0 && step % ins.validationEvery == 0 { try recordValidation() }
    return indices
  }

  /// Measures activations and train-vs-eval divergence of every live variant now.
  public func sampleInstruments() throws {
    for v in variants where v.divergedAt == nil {
      do {
        try Probes.sample(
          &v.record, v.probeState, trainer: v.trainer, probe: probeData, step: step, settings: instruments)
      } catch { throw ExperimentError(variant: v.name, message: "step \(step) (probe): \(error)", cause: error) }
    }
  }

  /// Runs validation now and appends it to every live variant's record.
  public func recordValidation() throws {
    guard let val = try validate() else { return }
    for (v, e) in zip(variants, val) where v.divergedAt == nil {
      v.record.validationLoss.append(step: step, e.loss)
      v.record.validationAccuracy.append(step: step, e.accuracy)
    }
  }

  /// Validation loss and accuracy of each variant (eval mode, no state changes); nil for an
  /// experiment without validation data.
  public func validate(mode: Mode = .eval) throws -> [Evaluation]? {
    guard validationData.count > 0 else { return nil }
    return try variants.map { v in
      do { return try v.trainer.evaluate(data: validationData, mode: mode) } catch {
        throw ExperimentError(variant: v.name, message: "validation: \(error)", cause: error)
      }
    }
  }
}
