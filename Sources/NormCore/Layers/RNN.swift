/// An Elman RNN (PyTorch `nn.RNN`, tanh, one layer) unrolled over the sequence, returning the
/// last hidden state. Input per sample (T, K), output (H).
///
///     a_t = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh,   h_0 = 0
///     z_t = norm(a_t)   (optional: BatchNorm or LayerNorm over the H pre-activations)
///     h_t = tanh(z_t)
///
/// With BatchNorm inside, statistics are taken per time step over the batch while γ, β and the
/// running statistics are shared across time steps (updated once per step, T times per
/// forward) — the naive recurrent BN whose eval-mode mismatch the `rnn` scene shows.
/// LayerNorm normalizes each sample at each step and needs no running statistics.
public final class RNN: Layer, KernelLayer {
  /// Normalization applied to the pre-activation at every step.
  public enum Norm: String, Sendable, CaseIterable { case none, batchnorm, layernorm }

  public let steps: Int
  public let inputSize: Int
  public let hiddenSize: Int
  public let weightIH: Parameter
  public let weightHH: Parameter
  public let biasIH: Parameter
  public let biasHH: Parameter
  /// The norm inside the cell (its γ/β are this layer's parameters too).
  public let batchNorm: BatchNorm?
  public let layerNorm: LayerNorm?
  private let xs = FloatBuffer()  // (T, N, K) inputs gathered per step
  private let pre = FloatBuffer()  // (T, N, H) a_t
  private let hs = FloatBuffer()  // (T+1, N, H) h_0 … h_T
  private let normMean = FloatBuffer()
  private let normRstd = FloatBuffer()
  private let normed = FloatBuffer()  // (N, H) scratch for z_t
  private let dh = FloatBuffer()
  private let da = FloatBuffer()
  private let dxt = FloatBuffer()
  private var lastUsedBatchStatistics = false

  public var kind: String { "rnn" }
  public var summary: String {
    "rnn \(inputSize)→\(hiddenSize)" + (batchNorm != nil ? " +bn" : layerNorm != nil ? " +ln" : "")
  }
  public var category: LayerCategory { .recurrent }
  public var inputShape: [Int] { [steps, inputSize] }
  public var outputShape: [Int] { [hiddenSize] }
  public var parameters: [Parameter] {
    [weightIH, weightHH, biasIH, biasHH] + (batchNorm?.parameters ?? []) + (layerNorm?.parameters ?? [])
  }

  package init(
    steps: Int, inputSize: Int, hiddenSize: Int, norm: Norm = .none, batchNormOptions: BatchNorm.Options = .init()
  ) {
    self.steps = steps
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    weightIH = Parameter(
      role: .weight, shape: [hiddenSize, inputSize], value: .init(repeating: 0, count: hiddenSize * inputSize))
    weightHH = Parameter(
      role: .weight, shape: [hiddenSize, hiddenSize], value: .init(repeating: 0, count: hiddenSize * hiddenSize))
    biasIH = Parameter(role: .bias, shape: [hiddenSize], value: .init(repeating: 0, count: hiddenSize))
    biasHH = Parameter(role: .bias, shape: [hiddenSize], value: .init(repeating: 0, count: hiddenSize))
    batchNorm = norm == .batchnorm ? BatchNorm(shape: [hiddenSize], options: batchNormOptions) : nil
    layerNorm = norm == .layernorm ? LayerNorm(shape: [hiddenSize]) : nil
  }

  package func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch n: Int, options: ForwardOptions
  ) throws {
    let t = steps
    let k = inputSize
    let h = hiddenSize
    xs.resize(t * n * k)
    pre.resize(t * n * h)
    hs.resize((t + 1) * n * h)
    normed.resize(n * h)
    let statsPerStep = batchNorm != nil ? h : n
    normMean.resize(t * statsPerStep)
    normRstd.resize(t * statsPerStep)
    for i in 0..<(n * h) { hs.pointer[i] = 0 }
    try weightIH.value.withUnsafeBufferPointer { wih in
      try weightHH.value.withUnsafeBufferPointer { whh in
        try biasIH.value.withUnsafeBufferPointer { bih in
          try biasHH.value.withUnsafeBufferPointer { bhh in
            for s in 0..<t {
              let xt = xs.pointer + s * n * k
              for i in 0..<n { (xt + i * k).update(from: x + (i * t + s) * k, count: k) }
              let a = pre.pointer + s * n * h
              let hPrev = hs.pointer + s * n * h
              let hNext = hs.pointer + (s + 1) * n * h
              linearForward(a, xt, wih.baseAddress!, bih.baseAddress!, batch: n, inFeatures: k, outFeatures: h)
              matmulNT(a, hPrev, whh.baseAddress!, m: n, n: h, k: h, accumulate: true)
              for i in 0..<n { for j in 0..<h { a[i * h + j] += bhh[j] } }
              let mean = normMean.pointer + s * statsPerStep
              let rstd = normRstd.pointer + s * statsPerStep
              if let bn = batchNorm {
                lastUsedBatchStatistics = try bn.normalize(
                  a, normed.pointer, n: n, s: 1, mean: mean, rstd: rstd, options: options,
                  inputSize: { sizeDescription(batch: n, [h]) })
                tanhForward(hNext, normed.pointer, count: n * h)
              } else if let ln = layerNorm {
                ln.normalize(a, normed.pointer, n: n, mean: mean, rstd: rstd)
                tanhForward(hNext, normed.pointer, count: n * h)
              } else {
                tanhForward(hNext, a, count: n * h)
              }
            }
          }
        }
      }
    }
    y.update(from: hs.pointer + t * n * h, count: n * h)
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch n: Int
  ) {
    let t = steps
    let k = inputSize
    let h = hiddenSize
    dh.resize(n * h)
    da.resize(n * h)
    dxt.resize(n * k)
    dh.pointer.update(from: dy, count: n * h)
    let statsPerStep = batchNorm != nil ? h : n
    weightIH.value.withUnsafeBufferPointer { wih in
      weightHH.value.withUnsafeBufferPointer { whh in
        weightIH.grad.withUnsafeMutableBufferPointer { dwih in
          weightHH.grad.withUnsafeMutableBufferPointer { dwhh in
            biasIH.grad.withUnsafeMutableBufferPointer { dbih in
              biasHH.grad.withUnsafeMutableBufferPointer { dbhh in
                for s in stride(from: t - 1, through: 0, by: -1) {
                  let hNext = hs.pointer + (s + 1) * n * h
                  let hPrev = hs.pointer + s * n * h
                  let a = pre.pointer + s * n * h
                  let xt = xs.pointer + s * n * k
                  // dz = dh·(1 − h_t²)
                  tanhBackward(da.pointer, hNext, dh.pointer, count: n * h)
                  let mean = normMean.pointer + s * statsPerStep
                  let rstd = normRstd.pointer + s * statsPerStep
                  if let bn = batchNorm {
                    normed.pointer.update(from: da.pointer, count: n * h)
                    bn.backwardNormalize(
                      a, normed.pointer, da.pointer, n: n, s: 1, mean: mean, rstd: rstd,
                      batchStatistics: lastUsedBatchStatistics)
                  } else if let ln = layerNorm {
                    normed.pointer.update(from: da.pointer, count: n * h)
                    ln.backwardNormalize(a, normed.pointer, da.pointer, n: n, mean: mean, rstd: rstd)
                  }
                  // da is now ∂L/∂a_t.
                  linearBackward(
                    dx != nil ? dxt.pointer : nil, dwih.baseAddress!, dbih.baseAddress!, da.pointer, xt,
                    wih.baseAddress!, batch: n, inFeatures: k, outFeatures: h)
                  if let dx {
                    for i in 0..<n { (dx + (i * t + s) * k).update(from: dxt.pointer + i * k, count: k) }
                  }
                  // dh_{t−1} = da·W_hh;  dW_hh += daᵀ·h_{t−1};  db_hh += Σ da
                  linearBackward(
                    dh.pointer, dwhh.baseAddress!, dbhh.baseAddress!, da.pointer, hPrev, whh.baseAddress!,
                    batch: n, inFeatures: h, outFeatures: h)
                }
              }
            }
          }
        }
      }
    }
  }
}
