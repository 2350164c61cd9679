/// Fully connected layer `y = x·Wᵀ + b` (PyTorch `nn.Linear`). W is (out, in).
public final class Linear: Layer, KernelLayer {
  public let inFeatures: Int
  public let outFeatures: Int
  public let weight: Parameter
  public let bias: Parameter?
  public var kind: String { "linear" }
  public var summary: String { "linear \(inFeatures)→\(outFeatures)" }
  public var category: LayerCategory { .weight }
  public var inputShape: [Int] { [inFeatures] }
  public var outputShape: [Int] { [outFeatures] }
  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  package init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    weight = Parameter(
      role: .weight, shape: [outFeatures, inFeatures], value: .init(repeating: 0, count: outFeatures * inFeatures))
    self.bias =
      bias ? Parameter(role: .bias, shape: [outFeatures], value: .init(repeating: 0, count: outFeatures)) : nil
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    weight.value.withUnsafeBufferPointer { w in
      if let bias {
        bias.value.withUnsafeBufferPointer { b in
          linearForward(
            y, x, w.baseAddress!, b.baseAddress!, batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        }
      } else {
        linearForward(y, x, w.baseAddress!, nil, batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
      }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    weight.value.withUnsafeBufferPointer { w in
      weight.grad.withUnsafeMutableBufferPointer { dw in
        if let bias {
          bias.grad.withUnsafeMutableBufferPointer { db in
            linearBackward(
              dx, dw.baseAddress!, db.baseAddress!, dy, x, w.baseAddress!, batch: batch, inFeatures: inFeatures,
              outFeatures: outFeatures)
          }
        } else {
          linearBackward(
            dx, dw.baseAddress!, nil, dy, x, w.baseAddress!, batch: batch, inFeatures: inFeatures,
            outFeatures: outFeatures)
        }
      }
    }
  }
}

/// An elementwise activation: ReLU, Sigmoid or Tanh.
public final class Activation: Layer, KernelLayer {
  public enum Function: String, Sendable, CaseIterable { case relu, sigmoid, tanh }
  public let function: Function
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var kind: String { function.rawValue }
  public var summary: String { function.rawValue }
  public var category: LayerCategory { .activation }

  public init(_ function: Function, shape: [Int]) {
    self.function = function
    self.inputShape = shape
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    let n = batch * inputCount
    switch function {
    case .relu: reluForward(y, x, count: n)
    case .sigmoid: sigmoidForward(y, x, count: n)
    case .tanh: tanhForward(y, x, count: n)
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    guard let dx else { return }
    let n = batch * inputCount
    switch function {
    case .relu: reluBackward(dx, y, dy, count: n)
    case .sigmoid: sigmoidBackward(dx, y, dy, count: n)
    case .tanh: tanhBackward(dx, y, dy, count: n)
    }
  }
}

/// Reshapes (C, H, W) or (T, K) samples to flat vectors; values are copied unchanged.
public final class Flatten: Layer, KernelLayer {
  public let inputShape: [Int]
  public var outputShape: [Int] { [inputShape.reduce(1, *)] }
  public var kind: String { "flatten" }
  public var summary: String { "flatten" }
  public var category: LayerCategory { .reshape }
  public init(shape: [Int]) { inputShape = shape }
  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    y.update(from: x, count: batch * inputCount)
  }
  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    dx?.update(from: dy, count: batch * inputCount)
  }
}

/// Inverted dropout (PyTorch `nn.Dropout`): in training each value is zeroed with probability
/// p and the rest scaled by 1/(1−p); identity in eval. The mask stream is seeded per layer.
public final class Dropout: Layer, KernelLayer {
  public let p: Float
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var kind: String { "dropout" }
  public var summary: String { "dropout \(p)" }
  public var category: LayerCategory { .regularization }
  public var rng: SeededRNG
  private let mask = FloatBuffer()
  private var lastWasTrain = false

  package init(p: Float, shape: [Int], rng: SeededRNG) {
    self.p = p
    self.inputShape = shape
    self.rng = rng
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    let n = batch * inputCount
    lastWasTrain = options.mode == .train && p > 0
    guard lastWasTrain else {
      y.update(from: x, count: n)
      return
    }
    mask.resize(n)
    var r = rng
    let keep = 1 - p
    let scale: Float = keep > 0 ? 1 / keep : 0
    for i in 0..<n { mask.pointer[i] = r.uniform() < p ? 0 : scale }
    if options.updatesState { rng = r }
    dropoutApply(y, x, mask.pointer, count: n)
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    guard let dx else { return }
    let n = batch * inputCount
    if lastWasTrain { dropoutApply(dx, dy, mask.pointer, count: n) } else { dx.update(from: dy, count: n) }
  }
}

/// "Noisy BN" (Santurkar et al. 2018, §2): time-varying noise with non-zero mean and
/// non-unit scale added after a norm. In training, every step draws per unit
/// m ~ U(−shift, shift) and s ~ U(1, scale), the same for every sample of the batch:
/// y = x·s + m, dx = dy·s. Identity in eval mode. Probe passes reuse the current draw's
/// random stream without advancing it.
public final class Noise: Layer, KernelLayer {
  public let shift: Float
  public let scale: Float
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var kind: String { "noise" }
  public var summary: String { "noise ±\(shift) ×\(scale)" }
  public var category: LayerCategory { .regularization }
  public var rng: SeededRNG
  private var s: [Float]
  private var m: [Float]
  private var lastWasTrain = false

  package init(shift: Float, scale: Float, shape: [Int], rng: SeededRNG) {
    self.shift = shift
    self.scale = scale
    inputShape = shape
    self.rng = rng
    let n = shape.reduce(1, *)
    s = [Float](repeating: 1, count: n)
    m = [Float](repeating: 0, count: n)
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    let d = inputCount
    lastWasTrain = options.mode == .train
    guard lastWasTrain else {
      y.update(from: x, count: batch * d)
      return
    }
    var r = rng
    for j in 0..<d {
      s[j] = r.uniform(1, max(scale, 1))
      m[j] = r.uniform(-shift, shift)
    }
    if options.updatesState { rng = r }
    for i in 0..<batch {
      for j in 0..<d { y[i * d + j] = x[i * d + j] * s[j] + m[j] }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    guard let dx else { return }
    let d = inputCount
    if !lastWasTrain {
      dx.update(from: dy, count: batch * d)
      return
    }
    for i in 0..<batch { for j in 0..<d { dx[i * d + j] = dy[i * d + j] * s[j] } }
  }
}
