/// Optimizer settings: the vocabulary scenes and the command line use (`sgd`, `momentum`,
/// `adam`, `adamw`). Library users normally build ``SGD``, ``Adam`` or ``AdamW``, which check
/// their arguments as PyTorch does and produce these settings. Conventions are PyTorch's:
///
/// - SGD: g = ∇ + wd·p; with momentum μ > 0: buf = g on the first step, then
///   buf = μ·buf + (1 − dampening)·g; nesterov: g = g + μ·buf, else g = buf; p ← p − lr·g.
/// - Adam: g = ∇ + wd·p (L2); m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
///   p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + eps). Defaults lr 1e-3, β (0.9, 0.999), eps 1e-8.
/// - AdamW: p ← p·(1 − lr·wd) first (decoupled decay), then Adam's update without L2.
public struct OptimizerSettings: Sendable, Equatable {
  /// `momentum` is SGD whose momentum defaults to 0.9; `sgd` is SGD whose momentum defaults
  /// to 0 (PyTorch's default), and either uses an explicitly set momentum.
  public enum Kind: String, Sendable, CaseIterable { case sgd, momentum, adam, adamw }
  public var kind: Kind
  public var learningRate: Float
  /// SGD momentum; nil means the kind's default (``effectiveMomentum``).
  public var momentum: Float?
  public var dampening: Float = 0
  public var nesterov = false
  /// Weight decay; nil means the kind's default (``effectiveWeightDecay``).
  public var weightDecay: Float?
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var eps: Float = 1e-8

  public init(kind: Kind = .sgd, learningRate: Float = 0.1) {
    self.kind = kind
    self.learningRate = learningRate
  }

  /// The momentum in use: the one set, else 0.9 for `.momentum` and 0 for `.sgd`.
  public var effectiveMomentum: Float { momentum ?? (kind == .momentum ? 0.9 : 0) }

  /// The weight decay in use: the one set, else 0.01 for `.adamw` (PyTorch's default) and 0.
  public var effectiveWeightDecay: Float { weightDecay ?? (kind == .adamw ? 0.01 : 0) }
}

/// Applies parameter updates; owns per-parameter state (momentum buffers, Adam moments).
/// Frozen parameters are skipped entirely.
public final class Optimizer {
  public var settings: OptimizerSettings
  private var buffers: [ObjectIdentifier: [Float]] = [:]
  private var second: [ObjectIdentifier: [Float]] = [:]
  private var adamSteps: [ObjectIdentifier: Int] = [:]
  public private(set) var stepCount = 0

  public init(_ settings: OptimizerSettings) { self.settings = settings }

  /// Changes the kind of optimizer; its state starts afresh (as a new PyTorch optimizer would).
  public func replace(with settings: OptimizerSettings) {
    self.settings = settings
    buffers = [:]
    second = [:]
    adamSteps = [:]
    stepCount = 0
  }

  /// One update of every parameter that is not frozen, from its accumulated gradient.
  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let s = settings
    for p in parameters where !p.frozen {
      let lr = s.learningRate * p.learningRateScale
      switch s.kind {
      case .sgd, .momentum:
        if s.effectiveMomentum == 0 {
          plainStep(p, lr: lr, wd: s.effectiveWeightDecay)
        } else {
          momentumStep(p, lr: lr)
        }
      case .adam, .adamw: adamStep(p, lr: lr)
      }
    }
  }

  /// p ← p − lr·(∇ + wd·p).
  private func plainStep(_ p: Parameter, lr: Float, wd: Float) {
    // Unsafe buffers: Swift array access through a class property costs a uniqueness check
    // per element (17 % of a BN-paper MLP step before this).
    p.value.withUnsafeMutableBufferPointer { v in
      p.grad.withUnsafeBufferPointer { g in
        for i in 0..<v.count { v[i] -= lr * (g[i] + wd * v[i]) }
      }
    }
  }

  /// SGD with momentum, dampening and Nesterov, as `torch.optim.SGD`.
  private func momentumStep(_ p: Parameter, lr: Float) {
    let s = settings
    let (mu, wd, nesterov) = (s.effectiveMomentum, s.effectiveWeightDecay, s.nesterov)
    let keep = 1 - s.dampening
    let id = ObjectIdentifier(p)
    let first = buffers[id] == nil
    var buf = buffers.removeValue(forKey: id) ?? [Float](repeating: 0, count: p.count)
    buf.withUnsafeMutableBufferPointer { b in
      p.value.withUnsafeMutableBufferPointer { v in
        p.grad.withUnsafeBufferPointer { gr in
          for i in 0..<v.count {
            let g = gr[i] + wd * v[i]
            // PyTorch: the first step copies g into the buffer (no dampening).
            b[i] = first ? g : mu * b[i] + (s.dampening == 0 ? g : keep * g)
            v[i] -= lr * (nesterov ? g + mu * b[i] : b[i])
          }
        }
      }
    }
    buffers[id] = buf
  }

  /// Adam (L2 weight decay) or AdamW (decoupled weight decay), as `torch.optim`.
  private func adamStep(_ p: Parameter, lr: Float) {
    let s = settings
    let id = ObjectIdentifier(p)
    let decoupled = s.kind == .adamw
    let wd = s.effectiveWeightDecay
    var m = buffers.removeValue(forKey: id) ?? [Float](repeating: 0, count: p.count)
    var v = second.removeValue(forKey: id) ?? [Float](repeating: 0, count: p.count)
    // PyTorch counts Adam steps per parameter (state['step']).
    let steps = (adamSteps[id] ?? 0) + 1
    adamSteps[id] = steps
    let t = Float(steps)
    let bc1 = 1 - powf(s.beta1, t)
    let bc2 = 1 - powf(s.beta2, t)
    let stepSize = lr / bc1
    let bc2Sqrt = bc2.squareRoot()
    let (beta1, beta2, eps) = (s.beta1, s.beta2, s.eps)
    m.withUnsafeMutableBufferPointer { m in
      v.withUnsafeMutableBufferPointer { v in
        p.value.withUnsafeMutableBufferPointer { x in
          p.grad.withUnsafeBufferPointer { gr in
            for i in 0..<x.count {
              if decoupled { x[i] *= 1 - lr * wd }
              let g = decoupled ? gr[i] : gr[i] + wd * x[i]
              m[i] = beta1 * m[i] + (1 - beta1) * g
              v[i] = beta2 * v[i] + (1 - beta2) * g * g
              let denom = v[i].squareRoot() / bc2Sqrt + eps
              x[i] -= stepSize * m[i] / denom
            }
          }
        }
      }
    }
    buffers[id] = m
    second[id] = v
  }
}

@inline(__always) func powf(_ a: Float, _ b: Float) -> Float { Float(_exp(Double(b) * _log(Double(a)))) }

/// What ``SGD``, ``Adam`` and ``AdamW`` share: the update rule they configure, a learning rate
/// that may change between steps (as a scheduler would change it), and `step`.
public protocol ParameterOptimizer: AnyObject {
  /// The update rule; its state (momentum buffers, Adam's moments) lives here.
  var optimizer: Optimizer { get }
}

extension ParameterOptimizer {
  /// The learning rate in use.
  public var learningRate: Float {
    get { optimizer.settings.learningRate }
    set { optimizer.settings.learningRate = newValue }
  }

  /// Updates every parameter that is not frozen from its accumulated gradient.
  public func step(_ parameters: [Parameter]) { optimizer.step(parameters) }
}

/// `torch.optim.SGD`: plain SGD with optional momentum, dampening, Nesterov momentum and L2
/// weight decay. PyTorch's defaults (momentum 0, dampening 0, no Nesterov, no decay) and
/// PyTorch's errors for invalid values.
///
/// ```swift
/// let optimizer = try SGD(lr: 0.1, momentum: 0.9)
/// optimizer.step(network.parameters)
/// ```
public final class SGD: ParameterOptimizer {
  /// The update rule; its state (momentum buffers) lives here.
  public let optimizer: Optimizer

  public init(lr: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0)
    throws(NormError)
  {
    try checkLearningRate(lr)
    guard momentum >= 0, momentum.isFinite else { throw .invalidArgument("Invalid momentum value: \(momentum)") }
    try checkWeightDecay(weightDecay)
    guard dampening.isFinite else { throw .invalidArgument("Invalid dampening value: \(dampening)") }
    if nesterov && (momentum <= 0 || dampening != 0) {
      throw .invalidArgument("Nesterov momentum requires a momentum and zero dampening")
    }
    var s = OptimizerSettings(kind: .sgd, learningRate: lr)
    s.momentum = momentum
    s.dampening = dampening
    s.nesterov = nesterov
    s.weightDecay = weightDecay
    optimizer = Optimizer(s)
  }

}

/// `torch.optim.Adam` (L2 weight decay added to the gradient). PyTorch's defaults: lr 1e-3,
/// betas (0.9, 0.999), eps 1e-8, no decay.
public final class Adam: ParameterOptimizer {
  public let optimizer: Optimizer

  public init(lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8, weightDecay: Float = 0)
    throws(NormError)
  {
    optimizer = Optimizer(try adamSettings(.adam, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay))
  }

}

/// `torch.optim.AdamW` (decoupled weight decay). PyTorch's defaults: lr 1e-3, betas
/// (0.9, 0.999), eps 1e-8, weight decay 1e-2.
public final class AdamW: ParameterOptimizer {
  public let optimizer: Optimizer

  public init(lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8, weightDecay: Float = 1e-2)
    throws(NormError)
  {
    optimizer = Optimizer(try adamSettings(.adamw, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay))
  }

}

/// PyTorch's argument checks for Adam and AdamW, in its words.
private func adamSettings(
  _ kind: OptimizerSettings.Kind, lr: Float, betas: (Float, Float), eps: Float, weightDecay: Float
) throws(NormError) -> OptimizerSettings {
  try checkLearningRate(lr)
  guard eps >= 0, eps.isFinite else { throw .invalidArgument("Invalid epsilon value: \(eps)") }
  for (i, b) in [betas.0, betas.1].enumerated() where !(b >= 0 && b < 1) {
    throw .invalidArgument("Invalid beta parameter at index \(i): \(b)")
  }
  try checkWeightDecay(weightDecay)
  var s = OptimizerSettings(kind: kind, learningRate: lr)
  s.beta1 = betas.0
  s.beta2 = betas.1
  s.eps = eps
  s.weightDecay = weightDecay
  return s
}

private func checkLearningRate(_ lr: Float) throws(NormError) {
  guard lr >= 0, lr.isFinite else { throw .invalidArgument("Invalid learning rate: \(lr)") }
}

private func checkWeightDecay(_ wd: Float) throws(NormError) {
  guard wd >= 0, wd.isFinite else { throw .invalidArgument("Invalid weight_decay value: \(wd)") }
}
