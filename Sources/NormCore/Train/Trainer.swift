/// The loss a trainer minimizes.
public enum LossKind: String, Sendable, CaseIterable {
  /// Softmax cross-entropy (PyTorch `nn.CrossEntropyLoss`, mean reduction).
  case crossEntropy = "ce"
  /// Mean squared error against one-hot targets (`nn.MSELoss`, mean reduction).
  case mse
}

/// The outcome of one training step.
public struct StepResult: Sendable, Equatable {
  public var loss: Float
  /// Fraction of the batch classified correctly (before the update).
  public var accuracy: Float
  /// False when the loss or any gradient was NaN or infinite; no update was applied.
  public var finite: Bool
}

/// Loss and accuracy over a data set.
public struct Evaluation: Sendable, Equatable {
  public var loss: Float
  public var accuracy: Float
  public init(loss: Float, accuracy: Float) {
    self.loss = loss
    self.accuracy = accuracy
  }
}

/// One network with its optimizer: the unit NormLab trains in lockstep with others.
public final class Trainer {
  public let network: Network
  public let optimizer: Optimizer
  public var loss: LossKind
  private var xBuffer: [Float] = []
  private var yBuffer: [Int32] = []

  public init(network: Network, optimizer: OptimizerSettings, loss: LossKind = .crossEntropy) {
    self.network = network
    self.optimizer = Optimizer(optimizer)
    self.loss = loss
  }

  /// Loads `indices` of `data` into the network input buffers and runs forward + loss
  /// (and backward when `backward`). Does not update weights.
  public func forwardLoss(
    data: Dataset, indices: some Collection<Int>, mode: Mode, updatesState: Bool, backward: Bool
  ) throws -> (loss: Float, correct: Int) {
    data.gather(indices, features: &xBuffer, labels: &yBuffer)
    let saved = network.mode
    network.mode = mode
    defer { network.mode = saved }
    try network.forward(xBuffer, batch: indices.count, updatesState: updatesState)
    if backward { network.zeroGradients() }
    return yBuffer.withUnsafeBufferPointer { labels in
      switch loss {
      case .crossEntropy: network.crossEntropy(labels: labels, backward: backward)
      case .mse: network.meanSquaredErrorLoss(labels: labels, backward: backward)
      }
    }
  }

  /// One optimization step on the samples at `indices`, in training mode. When the loss or a
  /// gradient is not finite, no update is applied and `finite` is false.
  @discardableResult
  public func step(data: Dataset, indices: some Collection<Int>) throws -> StepResult {
    let (l, correct) = try forwardLoss(data: data, indices: indices, mode: .train, updatesState: true, backward: true)
    let acc = Float(correct) / Float(indices.count)
    var finite = l.isFinite
    if finite {
      for p in network.parameters where !p.frozen {
        if !p.grad.withUnsafeBufferPointer({ $0.isEmpty || allFinite($0.baseAddress!, count: $0.count) }) {
          finite = false
          break
        }
      }
    }
    if finite { optimizer.step(network.parameters) }
    return StepResult(loss: l, accuracy: acc, finite: finite)
  }

  /// Loss and accuracy over all of `data` in `mode`, in chunks of `batchSize`, without
  /// changing any state (running statistics are neither used for updates nor modified).
  public func evaluate(data: Dataset, mode: Mode = .eval, batchSize: Int = 500) throws -> Evaluation {
    var total = 0.0
    var correct = 0
    var start = 0
    while start < data.count {
      let end = min(start + batchSize, data.count)
      let (l, c) = try forwardLoss(data: data, indices: start..<end, mode: mode, updatesState: false, backward: false)
      total += Double(l) * Double(end - start)
      correct += c
      start = end
    }
    return Evaluation(
      loss: Float(total / Double(max(data.count, 1))), accuracy: Float(correct) / Float(max(data.count, 1)))
  }

  /// Re-estimates BatchNorm running statistics from data (the fine-tuning remedy "reset and
  /// re-estimate"): resets them, then runs `batches` training-mode forwards with a cumulative
  /// average (as PyTorch's `momentum=None`), updating no weights. Momentum is restored after.
  public func reestimateRunningStatistics(data: Dataset, batches: Int, batchSize: Int, seed: UInt64) throws {
    network.resetRunningStatistics()
    var sampler = BatchSampler(count: data.count, seed: seed)
    let saved = network.mode
    network.mode = .train
    defer { network.mode = saved }
    let bns = network.batchNorms
    let frozen = bns.map(\.frozen)
    for bn in bns { bn.frozen = false }
    defer { for (bn, f) in zip(bns, frozen) { bn.frozen = f } }
    for _ in 0..<batches {
      let idx = sampler.next(batchSize)
      data.gather(idx, features: &xBuffer, labels: &yBuffer)
      for bn in bns { bn.cumulativeOverride = true }
      defer { for bn in bns { bn.cumulativeOverride = false } }
      try network.forward(xBuffer, batch: idx.count, updatesState: true)
    }
  }
}
