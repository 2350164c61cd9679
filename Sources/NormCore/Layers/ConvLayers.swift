/// 2-D convolution (PyTorch `nn.Conv2d` with square kernel, stride and zero padding).
/// Input (C, H, W), weight (OC, C, K, K), output (OC, OH, OW).
public final class Conv2d: Layer, KernelLayer {
  public let geometry: ConvGeometry
  public let outChannels: Int
  public let weight: Parameter
  public let bias: Parameter?
  private let col = FloatBuffer()
  private let dcol = FloatBuffer()
  /// The forward pass's im2col matrices for the whole batch, kept for the backward pass when
  /// they fit in `maxCachedColumns` floats (otherwise backward recomputes them per sample).
  private let colCache = FloatBuffer()
  /// One dcol scratch per band of samples when ∂x runs on two threads.
  private let dcolBands = FloatBuffer()
  private var cachedBatch = 0
  /// 2²² floats (16 MiB) per layer at most for the cache.
  public static let maxCachedColumns = 1 << 22
  /// Floats in one sample's im2col matrix: (C·K·K) × (OH·OW).
  var columnsPerSample: Int { geometry.patchSize * geometry.outHeight * geometry.outWidth }
  public var kind: String { "conv" }
  public var summary: String {
    "conv \(geometry.channels)→\(outChannels) k\(geometry.kernel)"
      + (geometry.stride != 1 ? " s\(geometry.stride)" : "") + (geometry.padding != 0 ? " p\(geometry.padding)" : "")
  }
  public var category: LayerCategory { .weight }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [outChannels, geometry.outHeight, geometry.outWidth] }
  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  package init(geometry: ConvGeometry, outChannels: Int, bias: Bool = true) {
    self.geometry = geometry
    self.outChannels = outChannels
    let k = geometry.patchSize
    weight = Parameter(
      role: .weight, shape: [outChannels, geometry.channels, geometry.kernel, geometry.kernel],
      value: .init(repeating: 0, count: outChannels * k))
    self.bias =
      bias ? Parameter(role: .bias, shape: [outChannels], value: .init(repeating: 0, count: outChannels)) : nil
    col.resize(columnsPerSample)
    dcol.resize(columnsPerSample)
  }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    let inN = inputCount
    let outN = outputCount
    let colSize = columnsPerSample
    let caching = batch * colSize <= Self.maxCachedColumns
    if caching { colCache.resize(batch * colSize) }
    cachedBatch = caching ? batch : 0
    let cache = colCache.pointer
    let scratch = col.pointer
    let oc = outChannels
    let g = geometry
    weight.value.withUnsafeBufferPointer { w in
      withOptionalPointer(bias?.value) { b in
        // Samples are independent here, so with a column buffer per sample (the cache) bands
        // of samples run on two threads; each sample's arithmetic is unchanged.
        if caching && Self.splits(batch: batch, colSize: colSize, outChannels: oc) {
          runOnTwoThreads(chunks: bandCount(batch)) { part in
            let (lo, count) = band(part, of: batch)
            for i in lo..<(lo + count) {
              conv2dForward(y + i * outN, col: cache + i * colSize, x + i * inN, w.baseAddress!, b, outChannels: oc, g)
            }
          }
        } else {
          for i in 0..<batch {
            conv2dForward(
              y + i * outN, col: caching ? cache + i * colSize : scratch, x + i * inN, w.baseAddress!, b,
              outChannels: oc, g)
          }
        }
      }
    }
  }

  /// Whether a batch's convolution work (multiply-adds) is worth sharing with the helper thread.
  static func splits(batch: Int, colSize: Int, outChannels: Int) -> Bool {
    batch >= 2 && batch &* colSize &* outChannels >= parallelProductThreshold && parallelProductsEnabled
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    let inN = inputCount
    let outN = outputCount
    weight.value.withUnsafeBufferPointer { w in
      weight.grad.withUnsafeMutableBufferPointer { dw in
        withOptionalMutablePointer(bias) { db in
          let colSize = columnsPerSample
          let cached = cachedBatch == batch
          if cached, let dx, Self.splits(batch: batch, colSize: colSize, outChannels: outChannels) {
            // ∂x per sample is independent: bands of samples on two threads, each band with its
            // own dcol scratch. dW and db then accumulate serially in sample order, exactly as
            // the one-thread loop adds them.
            let g = geometry
            let oc = outChannels
            let p = g.outHeight * g.outWidth
            let bands = bandCount(batch)
            dcolBands.resize(bands * colSize)
            let scratch = dcolBands.pointer
            let cache = colCache.pointer
            runOnTwoThreads(chunks: bands) { part in
              let (lo, count) = band(part, of: batch)
              let dcolPart = scratch + part * colSize
              for i in lo..<(lo + count) {
                serialMatmulTN(dcolPart, w.baseAddress!, dy + i * outN, m: g.patchSize, n: p, k: oc)
                col2im(dx + i * inN, dcolPart, g)
              }
            }
            for i in 0..<batch {
              conv2dBackward(
                nil, dw: dw.baseAddress!, dbias: db, col: cache + i * colSize, colFilled: true, dcol: dcol.pointer,
                dy + i * outN, x + i * inN, w.baseAddress!, outChannels: oc, g)
            }
            return
          }
          for i in 0..<batch {
            conv2dBackward(
              dx.map { $0 + i * inN }, dw: dw.baseAddress!, dbias: db,
              col: cached ? colCache.pointer + i * colSize : col.pointer, colFilled: cached, dcol: dcol.pointer,
              dy + i * outN, x + i * inN, w.baseAddress!, outChannels: outChannels, geometry)
          }
        }
      }
    }
  }
}

/// Max pooling over K×K windows (PyTorch `nn.MaxPool2d(K, stride)`; no padding by default).
public final class MaxPool2d: Layer, KernelLayer {
  public let geometry: ConvGeometry
  private var argmax: [Int32] = []
  public var kind: String { "maxpool" }
  public var summary: String {
    "maxpool \(geometry.kernel)" + (geometry.stride != geometry.kernel ? " s\(geometry.stride)" : "")
  }
  public var category: LayerCategory { .pooling }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [geometry.channels, geometry.outHeight, geometry.outWidth] }

  package init(geometry: ConvGeometry) { self.geometry = geometry }

  package func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions)
  {
    let inN = inputCount
    let outN = outputCount
    if argmax.count < batch * outN { argmax = [Int32](repeating: 0, count: batch * outN) }
    argmax.withUnsafeMutableBufferPointer { am in
      for i in 0..<batch { maxpoolForward(y + i * outN, argmax: am.baseAddress! + i * outN, x + i * inN, geometry) }
    }
  }

  package func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int
  ) {
    guard let dx else { return }
    let inN = inputCount
    let outN = outputCount
    argmax.withUnsafeBufferPointer { am in
      for i in 0..<batch {
        maxpoolBackward(
          dx + i * inN, dy + i * outN, argmax: am.baseAddress! + i * outN, inputCount: inN, outputCount: outN)
      }
    }
  }
}

/// Calls `body` with a pointer to the array's storage, or nil when there is no array.
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
  guard let a else { return try body(nil) }
  return try a.withUnsafeBufferPointer { try body($0.baseAddress!) }
}

/// Calls `body` with a pointer to the parameter's gradient storage, or nil.
func withOptionalMutablePointer<R>(_ p: Parameter?, _ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
  guard let p else { return try body(nil) }
  return try p.grad.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
}
