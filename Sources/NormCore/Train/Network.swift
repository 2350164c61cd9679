/// A sequential network (PyTorch's `nn.Sequential`) with an activation arena: activation i is
/// the input of layer i (activation 0 is the network input, activation `layers.count` its
/// output). Buffers grow with the largest batch seen and are reused, so a step allocates
/// nothing in steady state.
///
/// The public API takes and returns ``Tensor`` values whose first dimension is the batch:
///
/// ```swift
/// let logits = try network(x)                       // forward, in network.mode
/// let (loss, dLogits) = try crossEntropy(logits, labels: y)
/// network.zeroGradients()
/// try network.backward(dLogits)                     // accumulates parameter gradients
/// try optimizer.step(network.parameters)
/// ```
public final class Network {
  /// The layers, in order.
  public let layers: [any Layer]
  /// The same layers with their kernels (package-internal).
  let kernels: [any KernelLayer]
  /// Per-sample input shape.
  public let inputShape: [Int]
  /// `.train` or `.eval`, as PyTorch's `model.train()` / `model.eval()`.
  public var mode: Mode {
    get { currentMode }
    set { currentMode = newValue }
  }
  /// Whether `backward` also computes ∂L/∂input (`gradient(0)`); off by default.
  public var computesInputGradient: Bool {
    get { wantsInputGradient }
    set { wantsInputGradient = newValue }
  }
  /// The batch of the last forward.
  public var batch: Int { lastBatch }
  // Private storage behind public accessors, read on every step: with all direct accesses in
  // this module, the optimizer drops their run-time exclusivity checks.
  private var currentMode = Mode.train
  private var wantsInputGradient = false
  private var lastBatch = 0
  /// Whether a forward ran since the last tensor `backward` (PyTorch frees a graph after one
  /// backward; the layers' caches here belong to the last forward).
  var pendingBackward = false
  let acts: [FloatBuffer]
  let grads: [FloatBuffer]
  private let probs = FloatBuffer()

  /// A network of NormCore's layers. Throws ``NormError/shapeMismatch(_:)`` unless each layer's
  /// input shape is the previous layer's output shape (the first's: `inputShape`; a ``Linear``
  /// also takes any shape with as many values, which it flattens), and
  /// ``NormError/invalidArgument(_:)`` for a layer type NormCore does not provide.
  public convenience init(inputShape: [Int], layers: [any Layer]) throws(NormError) {
    var kernels: [any KernelLayer] = []
    var shape = inputShape
    guard shape.allSatisfy({ $0 >= 1 }) else {
      throw .invalidArgument("input shape \(Tensor.describe(inputShape)) has an extent below 1")
    }
    for (i, layer) in layers.enumerated() {
      guard let k = layer as? any KernelLayer else {
        throw .invalidArgument("layer \(i) (\(type(of: layer))) is not one of NormCore's layers")
      }
      // A Linear flattens its input, as in the spec language (`linear` after an image).
      let flattens = layer is Linear && layer.inputShape.reduce(1, *) == shape.reduce(1, *)
      guard layer.inputShape == shape || flattens else {
        throw .shapeMismatch(
          "layer \(i) (\(layer.summary)) expects samples of shape \(Tensor.describe(layer.inputShape)), but "
            + (i == 0 ? "the input has" : "layer \(i - 1) gives") + " \(Tensor.describe(shape))")
      }
      kernels.append(k)
      shape = layer.outputShape
    }
    self.init(inputShape: inputShape, kernels: kernels)
  }

  /// Package-internal: layers whose shapes the caller (the spec builder) has checked.
  package init(inputShape: [Int], kernels: [any KernelLayer]) {
    self.inputShape = inputShape
    self.kernels = kernels
    self.layers = kernels
    activationCounts = [inputShape.reduce(1, *)] + layers.map { $0.outputShape.reduce(1, *) }
    parameters = layers.flatMap(\.parameters)
    batchNorms = layers.compactMap { ($0 as? BatchNorm) ?? ($0 as? RNN)?.batchNorm }
    acts = (0...layers.count).map { _ in FloatBuffer() }
    grads = (0...layers.count).map { _ in FloatBuffer() }
  }

  public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
  public var outputCount: Int { activationCounts[layers.count] }
  public var inputCount: Int { activationCounts[0] }
  /// Values per sample of each activation (computed once: shapes are arrays, and building them
  /// on every step allocated).
  private let activationCounts: [Int]
  /// Every parameter, in layer order (collected once: layers never change their parameters).
  public let parameters: [Parameter]
  /// The BatchNorm layers, including those inside recurrent cells.
  public let batchNorms: [BatchNorm]

  /// Per-sample shape of `activation(i)`.
  public func shape(ofActivation i: Int) -> [Int] { i == 0 ? inputShape : layers[i - 1].outputShape }

  /// The values of activation i for the last forward: `batch × shape(ofActivation: i)`.
  /// Internal: the buffer is reallocated by a later forward with a larger batch, so outside
  /// NormCore the values are reached only through ``withActivation(_:_:)`` or copied.
  package func activation(_ i: Int) -> UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: acts[i].pointer, count: acts[i].count)
  }

  /// The network output of the last forward (logits for classifiers). Internal, as
  /// ``activation(_:)``.
  package var output: UnsafeBufferPointer<Float> { activation(layers.count) }

  /// Calls `body` with activation i of the last forward (`batch × shape(ofActivation: i)`
  /// values). The buffer is valid only during the call: a later forward may reallocate it.
  public func withActivation<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(activation(i))
  }

  /// Calls `body` with the output of the last forward (logits for classifiers); valid only
  /// during the call.
  public func withOutput<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(output)
  }

  /// A copy of activation i of the last forward.
  public func activationValues(_ i: Int) -> [Float] { Array(activation(i)) }

  /// A copy of the output of the last forward.
  public var outputValues: [Float] { Array(output) }

  /// Runs the network on `batch` samples laid out row-major in `input`.
  /// Throws (never produces NaN) on invalid configurations such as BatchNorm training on one
  /// value per channel.
  package func forward(_ input: UnsafeBufferPointer<Float>, batch: Int, updatesState: Bool = true) throws {
    precondition(input.count >= batch * inputCount, "input holds fewer than batch × sample values")
    lastBatch = batch
    pendingBackward = false
    acts[0].resize(batch * inputCount)
    acts[0].pointer.update(from: input.baseAddress!, count: batch * inputCount)
    let options = ForwardOptions(mode: mode, updatesState: updatesState)
    for (i, layer) in kernels.enumerated() {
      acts[i + 1].resize(batch * activationCounts[i + 1])
      try layer.forward(acts[i].pointer, acts[i + 1].pointer, batch: batch, options: options)
    }
    pendingBackward = true
  }

  /// Convenience: forward over a Swift array.
  package func forward(_ input: [Float], batch: Int, updatesState: Bool = true) throws {
    try input.withUnsafeBufferPointer { try forward($0, batch: batch, updatesState: updatesState) }
  }

  /// Sets every parameter gradient to zero.
  public func zeroGradients() {
    for p in parameters { p.grad.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
  }

  /// Backpropagates `dOutput` (∂L/∂output, batch × outputCount) through every layer,
  /// accumulating parameter gradients. `gradient(i)` then holds ∂L/∂activation(i).
  package func backward(_ dOutput: UnsafeBufferPointer<Float>) {
    let last = layers.count
    grads[last].resize(batch * outputCount)
    grads[last].pointer.update(from: dOutput.baseAddress!, count: batch * outputCount)
    for i in stride(from: last - 1, through: 0, by: -1) {
      // ∂L/∂input is computed only when asked for; nothing in training needs it.
      let wantsDx = i > 0 || computesInputGradient
      grads[i].resize(wantsDx ? batch * activationCounts[i] : 0)
      kernels[i].backward(
        acts[i].pointer, acts[i + 1].pointer, grads[i + 1].pointer, wantsDx ? grads[i].pointer : nil, batch: batch)
    }
  }

  /// ∂L/∂activation(i) from the last backward. Internal, as ``activation(_:)``.
  package func gradient(_ i: Int) -> UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: grads[i].pointer, count: grads[i].count)
  }

  /// Calls `body` with ∂L/∂activation(i) from the last backward; valid only during the call.
  public func withGradient<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(gradient(i))
  }

  /// A copy of ∂L/∂activation(i) from the last backward.
  public func gradientValues(_ i: Int) -> [Float] { Array(gradient(i)) }

  /// Softmax cross-entropy of the current output against `labels` (mean over the batch);
  /// also counts correct predictions. With `backward`, runs backpropagation from the loss.
  package func crossEntropy(labels: UnsafeBufferPointer<Int32>, backward: Bool) -> (loss: Float, correct: Int) {
    let k = outputCount
    probs.resize(batch * k)
    let dl = grads[layers.count]
    dl.resize(batch * k)
    let out = acts[layers.count].pointer
    let loss = softmaxCrossEntropy(
      dlogits: backward ? dl.pointer : nil, probs: probs.pointer, out, labels: labels.baseAddress!, batch: batch,
      classes: k)
    var correct = 0
    for b in 0..<batch where argmax(out + b * k, k) == Int(labels[b]) { correct += 1 }
    if backward { self.backward(UnsafeBufferPointer(start: dl.pointer, count: batch * k)) }
    return (loss, correct)
  }

  /// Mean squared error of the output against one-hot targets of `labels`.
  package func meanSquaredErrorLoss(labels: UnsafeBufferPointer<Int32>, backward: Bool) -> (loss: Float, correct: Int) {
    let k = outputCount
    probs.resize(batch * k)
    probs.zero()
    for b in 0..<batch { probs.pointer[b * k + Int(labels[b])] = 1 }
    let dl = grads[layers.count]
    dl.resize(batch * k)
    let out = acts[layers.count].pointer
    let loss = meanSquaredError(dout: backward ? dl.pointer : nil, out, targets: probs.pointer, count: batch * k)
    var correct = 0
    for b in 0..<batch where argmax(out + b * k, k) == Int(labels[b]) { correct += 1 }
    if backward { self.backward(UnsafeBufferPointer(start: dl.pointer, count: batch * k)) }
    return (loss, correct)
  }

  /// Softmax probabilities computed by the last loss call.
  package var probabilities: UnsafeBufferPointer<Float> {
    UnsafeBufferPointer(start: probs.pointer, count: probs.count)
  }

  /// Sets every BatchNorm's `frozen` flag (running statistics used in training, not updated).
  public func setBatchNormFrozen(_ frozen: Bool) { for bn in batchNorms { bn.frozen = frozen } }

  /// Resets running statistics of every BatchNorm and InstanceNorm layer.
  public func resetRunningStatistics() {
    for bn in batchNorms { bn.resetRunningStatistics() }
    for case let inn as InstanceNorm in layers { inn.resetRunningStatistics() }
  }
}

@inline(__always) func argmax(_ p: UnsafePointer<Float>, _ k: Int) -> Int {
  var best = 0
  for j in 1..<max(k, 1) where p[j] > p[best] { best = j }
  return best
}
