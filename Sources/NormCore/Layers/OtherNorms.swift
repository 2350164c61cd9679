/// Layer normalization (PyTorch `nn.LayerNorm(normalized_shape)` over every per-sample
/// dimension): per sample over all D values, biased variance, eps 1e-5, elementwise γ, β of the
/// sample's shape. No running statistics; identical in train and eval.
public final class LayerNorm: Layer, KernelLayer {
  public let inputShape: [Int]
  public let eps: Float
  public let gamma: Parameter?
  public let beta: Parameter?
  private let mean = FloatBuffer()
  private let rstd = FloatBuffer()
  public var kind: String { "layernorm" }
  public var summary: String { "layernorm \(inputShape.map(String.init).joined(separator: "x"))" }
  public var category: LayerCategory { .normalization }
  public var outputShape: [Int] { inputShape }
  public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }

  package init(shape: [Int], eps: Float = 1e-5, affine: Bool = true) {
    inputShape = shape
    self.eps = eps
    let d = shape.reduce(1, *)
    gamma = affine ? Parameter(role: .gamma, shape: shape, value: .init(repeating: 1, count: d)) : nil
    beta = affine ? Parameter(role: .beta, shape: shape, value: .init(repeating: 0, count: d)) : nil
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    mean.resize(batch)
    rstd.resize(batch)
    normalize(x, y, n: batch, mean: mean.pointer, rstd: rstd.pointer)
  }

  /// LayerNorm over D values is GroupNorm with C = D, S = 1, one group (γ per element).
  func normalize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, mean: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>
  ) {
    withOptionalPointer(gamma?.value) { g in
      withOptionalPointer(beta?.value) { b in
        groupnormForward(
          y, mean: mean, rstd: rstd, x, gamma: g, beta: b, n: n, c: inputCount, s: 1, groups: 1, eps: eps)
      }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    backwardNormalize(x, dy, dx, n: batch, mean: mean.pointer, rstd: rstd.pointer)
  }

  func backwardNormalize(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, n: Int,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>
  ) {
    withOptionalPointer(gamma?.value) { g in
      withOptionalMutablePointer(gamma) { dg in
        withOptionalMutablePointer(beta) { db in
          groupnormBackward(
            dx, dgamma: dg, dbeta: db, dy, x, mean: mean, rstd: rstd, gamma: g, n: n, c: inputCount, s: 1, groups: 1)
        }
      }
    }
  }
}

/// Group normalization (PyTorch `nn.GroupNorm(G, C)`): per sample and group of C/G channels
/// over (C/G, spatial…), biased variance, γ/β per channel. C must be divisible by G. As in
/// PyTorch, N·(C/G)·spatial must exceed 1 in any mode.
public final class GroupNorm: Layer, KernelLayer {
  public let inputShape: [Int]
  public let groups: Int
  public let eps: Float
  public let gamma: Parameter?
  public let beta: Parameter?
  private let mean = FloatBuffer()
  private let rstd = FloatBuffer()
  var channels: Int { inputShape[0] }
  var spatial: Int { inputShape.dropFirst().reduce(1, *) }
  public var kind: String { "groupnorm" }
  public var summary: String { "groupnorm \(groups)×\(channels / groups)" }
  public var category: LayerCategory { .normalization }
  public var outputShape: [Int] { inputShape }
  public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }

  package init(groups: Int, shape: [Int], eps: Float = 1e-5, affine: Bool = true) throws {
    guard groups > 0, shape[0] % groups == 0 else {
      throw NormError("num_channels (\(shape[0])) must be divisible by num_groups (\(groups))")
    }
    self.groups = groups
    inputShape = shape
    self.eps = eps
    gamma = affine ? Parameter(role: .gamma, shape: [shape[0]], value: .init(repeating: 1, count: shape[0])) : nil
    beta = affine ? Parameter(role: .beta, shape: [shape[0]], value: .init(repeating: 0, count: shape[0])) : nil
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
    throws
  {
    let cpg = channels / groups
    if batch * cpg * spatial <= 1 {
      // PyTorch verifies the size [N·C/G, G, spatial…] with BatchNorm's check and message.
      let size = [batch * cpg, groups] + Array(inputShape.dropFirst())
      throw NormError.tooFewValues(
        "Expected more than 1 value per channel when training, got input size [\(size.map(String.init).joined(separator: ", "))]"
      )
    }
    mean.resize(batch * groups)
    rstd.resize(batch * groups)
    withOptionalPointer(gamma?.value) { g in
      withOptionalPointer(beta?.value) { b in
        groupnormForward(
          y, mean: mean.pointer, rstd: rstd.pointer, x, gamma: g, beta: b, n: batch, c: channels, s: spatial,
          groups: groups, eps: eps)
      }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    withOptionalPointer(gamma?.value) { g in
      withOptionalMutablePointer(gamma) { dg in
        withOptionalMutablePointer(beta) { db in
          groupnormBackward(
            dx, dgamma: dg, dbeta: db, dy, x, mean: mean.pointer, rstd: rstd.pointer, gamma: g, n: batch, c: channels,
            s: spatial, groups: groups)
        }
      }
    }
  }
}

/// Instance normalization (PyTorch `nn.InstanceNorm1d/2d`): per sample and channel over the
/// spatial values. Defaults: no affine, no running statistics, eps 1e-5, momentum 0.1. With
/// `trackRunningStats`, eval uses running statistics: runningMean ← (1−m)·old + m·mean_n(μ_nc),
/// runningVar ← (1−m)·old + m·mean_n(unbiased σ²_nc); `momentum == nil` freezes them (PyTorch
/// passes momentum 0 in that case), and numBatchesTracked is never incremented.
public final class InstanceNorm: Layer, KernelLayer {
  public let inputShape: [Int]
  public let eps: Float
  public let momentum: Float?
  public let trackRunningStats: Bool
  public let gamma: Parameter?
  public let beta: Parameter?
  public package(set) var runningMean: [Float]
  public package(set) var runningVar: [Float]
  private let mean = FloatBuffer()
  private let rstd = FloatBuffer()
  private var lastUsedInputStatistics = true
  var channels: Int { inputShape[0] }
  var spatial: Int { inputShape.dropFirst().reduce(1, *) }
  public var kind: String { "instancenorm" }
  public var summary: String { "instancenorm \(channels)" }
  public var category: LayerCategory { .normalization }
  public var outputShape: [Int] { inputShape }
  public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }

  package init(
    shape: [Int], eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = false, trackRunningStats: Bool = false
  ) {
    inputShape = shape
    self.eps = eps
    self.momentum = momentum
    self.trackRunningStats = trackRunningStats
    let c = shape[0]
    gamma = affine ? Parameter(role: .gamma, shape: [c], value: .init(repeating: 1, count: c)) : nil
    beta = affine ? Parameter(role: .beta, shape: [c], value: .init(repeating: 0, count: c)) : nil
    runningMean = .init(repeating: 0, count: c)
    runningVar = .init(repeating: 1, count: c)
  }

  public func resetRunningStatistics() {
    runningMean = .init(repeating: 0, count: channels)
    runningVar = .init(repeating: 1, count: channels)
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
    throws
  {
    let c = channels
    let s = spatial
    lastUsedInputStatistics = options.mode == .train || !trackRunningStats
    if lastUsedInputStatistics {
      if s <= 1 {
        throw NormError.tooFewValues(
          "Expected more than 1 spatial element when training, got input size torch.Size(\(sizeDescription(batch: batch, inputShape)))"
        )
      }
      mean.resize(batch * c)
      rstd.resize(batch * c)
      withOptionalPointer(gamma?.value) { g in
        withOptionalPointer(beta?.value) { b in
          groupnormForward(
            y, mean: mean.pointer, rstd: rstd.pointer, x, gamma: g, beta: b, n: batch, c: c, s: s, groups: c, eps: eps)
        }
      }
      if trackRunningStats && options.updatesState {
        let f = momentum ?? 0
        let unbias = Double(s) / Double(s - 1)
        for ch in 0..<c {
          var mu = 0.0
          var v = 0.0
          for i in 0..<batch {
            let xp = x + (i * c + ch) * s
            let m = Double(mean.pointer[i * c + ch])
            var sq = 0.0
            for j in 0..<s { sq += (Double(xp[j]) - m) * (Double(xp[j]) - m) }
            mu += m
            v += sq / Double(s) * unbias
          }
          runningMean[ch] = (1 - f) * runningMean[ch] + f * Float(mu / Double(batch))
          runningVar[ch] = (1 - f) * runningVar[ch] + f * Float(v / Double(batch))
        }
      }
    } else {
      mean.resize(c)
      rstd.resize(c)
      for ch in 0..<c {
        mean.pointer[ch] = runningMean[ch]
        rstd.pointer[ch] = Float(1 / (Double(runningVar[ch]) + Double(eps)).squareRoot())
      }
      withOptionalPointer(gamma?.value) { g in
        withOptionalPointer(beta?.value) { b in
          channelNormalize(y, x, mean: mean.pointer, rstd: rstd.pointer, gamma: g, beta: b, n: batch, c: c, s: s)
        }
      }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    withOptionalPointer(gamma?.value) { g in
      withOptionalMutablePointer(gamma) { dg in
        withOptionalMutablePointer(beta) { db in
          if lastUsedInputStatistics {
            groupnormBackward(
              dx, dgamma: dg, dbeta: db, dy, x, mean: mean.pointer, rstd: rstd.pointer, gamma: g, n: batch, c: channels,
              s: spatial, groups: channels)
          } else {
            fixedStatisticsBackward(
              dx, dgamma: dg, dbeta: db, dy, x, mean: mean.pointer, rstd: rstd.pointer, gamma: g, n: batch, c: channels,
              s: spatial)
          }
        }
      }
    }
  }
}

/// RMS normalization (PyTorch `nn.RMSNorm` over every per-sample dimension):
/// y = x/√(mean(x²) + eps)·γ; no mean subtraction, no β. `eps == nil` means Float32's machine
/// epsilon (1.1920929e-07), as in PyTorch.
public final class RMSNorm: Layer, KernelLayer {
  public let inputShape: [Int]
  public let eps: Float
  public let gamma: Parameter?
  private let rrms = FloatBuffer()
  public var kind: String { "rmsnorm" }
  public var summary: String { "rmsnorm \(inputShape.map(String.init).joined(separator: "x"))" }
  public var category: LayerCategory { .normalization }
  public var outputShape: [Int] { inputShape }
  public var parameters: [Parameter] { gamma.map { [$0] } ?? [] }

  package init(shape: [Int], eps: Float? = nil, affine: Bool = true) {
    inputShape = shape
    self.eps = eps ?? Float.ulpOfOne
    let d = shape.reduce(1, *)
    gamma = affine ? Parameter(role: .gamma, shape: shape, value: .init(repeating: 1, count: d)) : nil
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    rrms.resize(batch)
    withOptionalPointer(gamma?.value) { g in
      rmsnormForward(y, rrms: rrms.pointer, x, gamma: g, n: batch, d: inputCount, eps: eps)
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    withOptionalPointer(gamma?.value) { g in
      withOptionalMutablePointer(gamma) { dg in
        rmsnormBackward(dx, dgamma: dg, dy, x, rrms: rrms.pointer, gamma: g, n: batch, d: inputCount)
      }
    }
  }
}
