/// Batch normalization with PyTorch's semantics (`nn.BatchNorm1d/2d`), plus Batch
/// Renormalization, frozen statistics and a labelled Keras convention.
///
/// The input is viewed as (N, C, S): (N, D) → C = D, S = 1; (N, C, L) → S = L;
/// (N, C, H, W) → S = H·W. Statistics are per channel over the m = N·S values.
///
/// - Training (batch statistics): y = (x − μ_B)/√(σ²_B + eps)·γ + β with the *biased* σ²_B;
///   running stats updated as `new = (1 − momentum)·old + momentum·batch`, using the
///   *unbiased* variance σ²_B·m/(m − 1) for `runningVar`; `momentum == nil` is a cumulative
///   average with factor 1/numBatchesTracked; numBatchesTracked += 1 per training forward.
/// - Eval (or `frozen`): running statistics, no update. Without `trackRunningStats` there are
///   no running statistics and batch statistics are used in eval too (as in PyTorch).
/// - Renorm (Ioffe 2017): x̂ = (x − μ_B)/σ_B·r + d, r = clip(σ_B/σ, 1/rmax, rmax),
///   d = clip((μ_B − μ)/σ, −dmax, dmax) with σ = √(runningVar + eps); r, d are constants in
///   backprop. NormScope keeps σ through `runningVar` updated as in BN (a documented choice).
/// - Keras convention: momentum is stored PyTorch-style (Keras 0.99 → 0.01), eps 1e-3, the moving
///   variance takes the *biased* batch variance, and `frozen` (Keras `trainable = False`) both uses
///   the moving statistics and freezes γ/β.
public final class BatchNorm: Layer, KernelLayer {
  /// Whose conventions the layer follows.
  public enum Convention: String, Sendable { case pytorch, keras }

  /// Batch Renormalization clipping limits.
  public struct Renorm: Sendable, Equatable {
    public var rmax: Float
    public var dmax: Float
    public init(rmax: Float, dmax: Float) {
      self.rmax = rmax
      self.dmax = dmax
    }
  }

  /// Construction options; defaults are PyTorch's.
  public struct Options: Sendable, Equatable {
    public var eps: Float = 1e-5
    /// PyTorch-style momentum; nil means a cumulative moving average.
    public var momentum: Float? = 0.1
    public var affine = true
    public var trackRunningStats = true
    public var convention: Convention = .pytorch
    public var renorm: Renorm? = nil
    public init() {}
    /// Keras defaults: momentum 0.99 (Keras meaning), epsilon 1e-3, biased moving variance.
    public static var keras: Options {
      var o = Options()
      o.eps = 1e-3
      o.momentum = 0.01
      o.convention = .keras
      return o
    }
  }

  public let inputShape: [Int]
  public let channels: Int
  public let spatial: Int
  public let options: Options
  public let gamma: Parameter?
  public let beta: Parameter?
  /// Running statistics (PyTorch buffers); meaningful only with `trackRunningStats`.
  public package(set) var runningMean: [Float]
  public package(set) var runningVar: [Float]
  public package(set) var numBatchesTracked = 0
  /// Use running statistics in training too and do not update them ("frozen BN").
  /// Under the Keras convention this also freezes γ and β, as `trainable = False` does.
  public var frozen = false {
    didSet {
      if options.convention == .keras {
        gamma?.frozen = frozen
        beta?.frozen = frozen
      }
    }
  }
  /// Temporarily use a cumulative average (as `momentum = nil`) whatever `options.momentum` is;
  /// used when re-estimating running statistics.
  public var cumulativeOverride = false
  /// Statistics of the last batch seen in a batch-statistics forward (biased variance).
  public private(set) var lastBatchMean: [Float]
  public private(set) var lastBatchVariance: [Float]
  /// Whether the last forward normalized with batch statistics.
  public private(set) var lastUsedBatchStatistics = false

  private let usedMean: FloatBuffer
  private let usedRstd: FloatBuffer
  private var renormR: [Float]
  private var renormD: [Float]
  private let scratch: FloatBuffer

  public var kind: String { options.renorm != nil ? "batchrenorm" : "batchnorm" }
  public var summary: String {
    var s = "\(kind) \(channels)"
    if options.convention == .keras { s += " (keras)" }
    if frozen { s += " frozen" }
    return s
  }
  public var category: LayerCategory { .normalization }
  public var outputShape: [Int] { inputShape }
  public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }

  /// - Parameter shape: per-sample shape: [D], [C, L] or [C, H, W].
  package init(shape: [Int], options: Options = Options()) {
    inputShape = shape
    channels = shape[0]
    spatial = shape.dropFirst().reduce(1, *)
    self.options = options
    gamma =
      options.affine ? Parameter(role: .gamma, shape: [channels], value: .init(repeating: 1, count: channels)) : nil
    beta = options.affine ? Parameter(role: .beta, shape: [channels], value: .init(repeating: 0, count: channels)) : nil
    runningMean = .init(repeating: 0, count: channels)
    runningVar = .init(repeating: 1, count: channels)
    lastBatchMean = .init(repeating: 0, count: channels)
    lastBatchVariance = .init(repeating: 0, count: channels)
    usedMean = FloatBuffer(count: channels)
    usedRstd = FloatBuffer(count: channels)
    renormR = .init(repeating: 1, count: channels)
    renormD = .init(repeating: 0, count: channels)
    scratch = FloatBuffer(count: 2 * channels)
  }

  /// Sets running statistics to their initial values (mean 0, variance 1, count 0), as
  /// PyTorch's `reset_running_stats()`.
  public func resetRunningStatistics() {
    runningMean = .init(repeating: 0, count: channels)
    runningVar = .init(repeating: 1, count: channels)
    numBatchesTracked = 0
  }

  /// Whether a forward in `mode` normalizes with batch statistics.
  public func usesBatchStatistics(in mode: Mode) -> Bool {
    if !options.trackRunningStats { return true }
    return mode == .train && !frozen
  }

  package func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options fo: ForwardOptions
  ) throws {
    lastUsedBatchStatistics = try normalize(
      x, y, n: batch, s: spatial, mean: usedMean.pointer, rstd: usedRstd.pointer, options: fo,
      inputSize: { sizeDescription(batch: batch, inputShape) })
  }

  /// The forward computation over n·s values per channel, writing the mean and rstd it used.
  /// Shared with the recurrent layer, which calls it once per time step. Returns whether batch
  /// statistics were used.
  func normalize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, s: Int,
    mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, options fo: ForwardOptions,
    inputSize: () -> String
  ) throws -> Bool {
    let c = channels
    let batchStats = usesBatchStatistics(in: fo.mode)
    if batchStats {
      let m = n * s
      if m <= 1 {
        throw NormError.tooFewValues(
          "Expected more than 1 value per channel when training, got input size torch.Size(\(inputSize()))")
      }
      if options.eps <= 0 { throw NormError("batch_norm eps must be positive during training, but got \(options.eps)") }
      let variance = scratch.pointer
      batchnormStatistics(mean: mean, variance: variance, x, n: n, c: c, s: s)
      // Class-owned arrays are written through buffer pointers taken once per call: one
      // exclusivity check per array instead of one per channel.
      let eps = Double(options.eps)
      lastBatchMean.withUnsafeMutableBufferPointer { lastMean in
        lastBatchVariance.withUnsafeMutableBufferPointer { lastVariance in
          for ch in 0..<c {
            rstd[ch] = Float(1.0 / (Double(variance[ch]) + eps).squareRoot())
            lastMean[ch] = mean[ch]
            lastVariance[ch] = variance[ch]
          }
        }
      }
      if options.trackRunningStats && fo.updatesState {
        numBatchesTracked += 1
        let f = cumulativeOverride ? 1 / Float(numBatchesTracked) : options.momentum ?? 1 / Float(numBatchesTracked)
        let unbias: Float = options.convention == .keras ? 1 : Float(m) / Float(m - 1)
        // Renorm's r and d use the running statistics from *before* this batch.
        if let rn = options.renorm { computeRenorm(rn, mean: mean, rstd: rstd) }
        runningMean.withUnsafeMutableBufferPointer { rm in
          runningVar.withUnsafeMutableBufferPointer { rv in
            for ch in 0..<c {
              rm[ch] = (1 - f) * rm[ch] + f * mean[ch]
              rv[ch] = (1 - f) * rv[ch] + f * variance[ch] * unbias
            }
          }
        }
      } else if let rn = options.renorm, options.trackRunningStats {
        computeRenorm(rn, mean: mean, rstd: rstd)
      }
      if options.renorm != nil && options.trackRunningStats {
        // y = γ·(r·(x − μ_B)·rstd_B + d) + β, written as a normalization with an effective
        // rstd' = r·rstd_B and mean' = μ_B − d/rstd'.
        let effMean = scratch.pointer
        let effRstd = scratch.pointer + c
        for ch in 0..<c {
          effRstd[ch] = rstd[ch] * renormR[ch]
          effMean[ch] = mean[ch] - renormD[ch] / effRstd[ch]
        }
        withOptionalPointer(gamma?.value) { g in
          withOptionalPointer(beta?.value) { b in
            channelNormalize(y, x, mean: effMean, rstd: effRstd, gamma: g, beta: b, n: n, c: c, s: s)
          }
        }
        return true
      }
    } else {
      let eps = Double(options.eps)
      runningMean.withUnsafeBufferPointer { rm in
        runningVar.withUnsafeBufferPointer { rv in
          for ch in 0..<c {
            mean[ch] = rm[ch]
            rstd[ch] = Float(1.0 / (Double(rv[ch]) + eps).squareRoot())
          }
        }
      }
    }
    withOptionalPointer(gamma?.value) { g in
      withOptionalPointer(beta?.value) { b in
        channelNormalize(y, x, mean: mean, rstd: rstd, gamma: g, beta: b, n: n, c: c, s: s)
      }
    }
    return batchStats
  }

  private func computeRenorm(_ rn: Renorm, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>) {
    for ch in 0..<channels {
      let sigma = (runningVar[ch] + options.eps).squareRoot()
      let sigmaB = 1 / rstd[ch]
      renormR[ch] = min(max(sigmaB / sigma, 1 / rn.rmax), rn.rmax)
      renormD[ch] = min(max((mean[ch] - runningMean[ch]) / sigma, -rn.dmax), rn.dmax)
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    backwardNormalize(
      x, dy, dx, n: batch, s: spatial, mean: usedMean.pointer, rstd: usedRstd.pointer,
      batchStatistics: lastUsedBatchStatistics)
  }

  /// Backward of `normalize` for one call's statistics.
  func backwardNormalize(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, n: Int, s: Int,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, batchStatistics: Bool
  ) {
    let c = channels
    let dgamma = gamma.map { _ in scratch.pointer }
    scratch.zero()
    withOptionalMutablePointer(beta) { db in
      if batchStatistics {
        let renorm = options.renorm != nil && options.trackRunningStats
        // Renorm: with r, d constant, dx̂₀ = r·γ·dy, so the BN backward with γ' = γ·r applies.
        var gEff = gamma?.value ?? [Float](repeating: 1, count: c)
        if renorm { for ch in 0..<c { gEff[ch] *= renormR[ch] } }
        let sumDy = scratch.pointer + c
        gEff.withUnsafeBufferPointer { g in
          batchnormBackward(
            dx, dgamma: dgamma, dbeta: sumDy, dy, x, mean: mean, rstd: rstd, gamma: g.baseAddress!, n: n, c: c, s: s)
        }
        for ch in 0..<c {
          db?[ch] += sumDy[ch]
          // dγ = Σ dy·x̂ with x̂ = r·x̂₀ + d
          if let dgamma, renorm { dgamma[ch] = renormR[ch] * dgamma[ch] + renormD[ch] * sumDy[ch] }
        }
      } else {
        withOptionalPointer(gamma?.value) { g in
          fixedStatisticsBackward(
            dx, dgamma: dgamma, dbeta: db, dy, x, mean: mean, rstd: rstd, gamma: g, n: n, c: c, s: s)
        }
      }
    }
    if let gamma, let dgamma {
      gamma.grad.withUnsafeMutableBufferPointer { g in for ch in 0..<c { g[ch] += dgamma[ch] } }
    }
  }
}
