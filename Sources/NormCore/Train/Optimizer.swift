/// Optimizer settings. Conventions are PyTorch's:
///
/// - SGD: g = ∇ + wd·p; with momentum μ: buf = g on the first step, then buf = μ·buf + g;
///   nesterov: g = g + μ·buf, else g = buf; p ← p − lr·g.
/// - Adam: g = ∇ + wd·p (L2, not AdamW); m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
///   p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + eps). Defaults lr 1e-3, β (0.9, 0.999), eps 1e-8.
public struct OptimizerSettings: Sendable, Equatable {
  public enum Kind: String, Sendable, CaseIterable { case sgd, momentum, adam }
  public var kind: Kind
  public var learningRate: Float
  public var momentum: Float = 0.9
  public var nesterov = false
  public var weightDecay: Float = 0
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var eps: Float = 1e-8

  public init(kind: Kind = .sgd, learningRate: Float = 0.1) {
    self.kind = kind
    self.learningRate = learningRate
  }
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

  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let s = settings
    let wd = s.weightDecay
    for p in parameters where !p.frozen {
      let lr = s.learningRate * p.learningRateScale
      let id = ObjectIdentifier(p)
      switch s.kind {
      case .sgd:
        // Unsafe buffers: Swift array access through a class property costs a uniqueness check
        // per element (17 % of a BN-paper MLP step before this).
        p.value.withUnsafeMutableBufferPointer { v in
          p.grad.withUnsafeBufferPointer { g in
            for i in 0..<v.count { v[i] -= lr * (g[i] + wd * v[i]) }
          }
        }
      case .momentum:
        let mu = s.momentum
        if var buf = buffers[id] {
          buffers[id] = nil
          for i in 0..<p.count {
            let g = p.grad[i] + wd * p.value[i]
            buf[i] = mu * buf[i] + g
            p.value[i] -= lr * (s.nesterov ? g + mu * buf[i] : buf[i])
          }
          buffers[id] = buf
        } else {
          var buf = [Float](repeating: 0, count: p.count)
          for i in 0..<p.count {
            let g = p.grad[i] + wd * p.value[i]
            buf[i] = g
            p.value[i] -= lr * (s.nesterov ? g + mu * g : g)
          }
          buffers[id] = buf
        }
      case .adam:
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
        for i in 0..<p.count {
          let g = p.grad[i] + wd * p.value[i]
          m[i] = s.beta1 * m[i] + (1 - s.beta1) * g
          v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g
          let denom = v[i].squareRoot() / bc2Sqrt + s.eps
          p.value[i] -= stepSize * m[i] / denom
        }
        buffers[id] = m
        second[id] = v
      }
    }
  }
}

@inline(__always) func powf(_ a: Float, _ b: Float) -> Float { Float(_exp(Double(b) * _log(Double(a)))) }
