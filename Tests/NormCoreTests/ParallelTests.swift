import Dispatch
import NormCore
import Testing

/// Large products run on two threads; they must give exactly the one-thread bits, also when
/// several threads multiply at once (the helper then serves one of them, the others compute
/// alone).
@Suite("Kernels: two-thread products")
struct ParallelTests {
  static func random(_ n: Int, seed: UInt64) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<n).map { _ in rng.normal() }
  }

  /// (m, n, k) above the split threshold, with odd sizes for the band edges and tails.
  static let shapes = [(60, 100, 784), (61, 99, 97), (100, 784, 60), (9, 257, 301)]

  /// The three products of `shape`, computed with `matmulNT/NN/TN` (which may split) and
  /// compared bit for bit with a plain in-order loop.
  static func check(_ s: (Int, Int, Int), seed: UInt64) -> Bool {
    let (m, n, k) = s
    let a = random(m * k, seed: seed)
    let bNT = random(n * k, seed: seed + 1)
    let bNN = random(k * n, seed: seed + 2)
    let c0 = random(m * n, seed: seed + 3)
    var ok = true
    // NT, accumulating into c0.
    var c = c0
    matmulNT(&c, a, bNT, m: m, n: n, k: k, accumulate: true)
    var want = c0
    a.withUnsafeBufferPointer { ap in
      bNT.withUnsafeBufferPointer { bp in
        want.withUnsafeMutableBufferPointer {
          serialMatmulNT($0.baseAddress!, ap.baseAddress!, bp.baseAddress!, m: m, n: n, k: k, accumulate: true)
        }
      }
    }
    ok = ok && c == want
    // NN and TN against the definition's order p = 0, 1, …
    var nn = [Float](repeating: 0, count: m * n)
    matmulNN(&nn, a, bNN, m: m, n: n, k: k)
    var tn = [Float](repeating: 0, count: m * n)
    let aT = (0..<(k * m)).map { idx in a[(idx % m) * k + idx / m] }  // A stored as [K, M]
    matmulTN(&tn, aT, bNN, m: m, n: n, k: k)
    for i in 0..<m {
      for j in 0..<n {
        var t: Float = 0
        for p in 0..<k { t += a[i * k + p] * bNN[p * n + j] }
        ok = ok && nn[i * n + j] == t && tn[i * n + j] == t
      }
    }
    return ok
  }

  @Test("split products equal one-thread products bit for bit")
  func identical() {
    for (i, s) in Self.shapes.enumerated() { #expect(Self.check(s, seed: UInt64(i)), "\(s)") }
  }

  @Test("eight threads multiplying at once all get exact results")
  func concurrentCallers() {
    let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
    defer { results.deallocate() }
    nonisolated(unsafe) let out = results
    DispatchQueue.concurrentPerform(iterations: 8) { t in
      var ok = true
      for r in 0..<3 { ok = ok && Self.check(Self.shapes[(t + r) % Self.shapes.count], seed: UInt64(10 * t + r)) }
      out[t] = ok
    }
    #expect(results.allSatisfy { $0 })
  }
}

@Suite("Layers: convolution over a batch on two threads")
struct ParallelConvTests {
  @Test("a batch large enough to split equals the same samples one at a time, bit for bit")
  func convBatchEqualsSamples() {
    let g = ConvGeometry(channels: 3, height: 16, width: 16, kernel: 3, stride: 1, padding: 1)
    func layer() -> Conv2d {
      let l = Conv2d(geometry: g, outChannels: 8)
      var rng = SeededRNG(seed: 5)
      for i in 0..<l.weight.count { l.weight.value[i] = rng.normal() * 0.2 }
      for i in 0..<l.bias!.count { l.bias!.value[i] = rng.normal() }
      return l
    }
    let batch = 32
    let inN = 3 * 16 * 16
    let outN = 8 * 16 * 16
    var rng = SeededRNG(seed: 6)
    let x = (0..<(batch * inN)).map { _ in rng.normal() }
    let dy = (0..<(batch * outN)).map { _ in rng.normal() }
    let options = ForwardOptions(mode: .train, updatesState: true)

    let whole = layer()
    var y = [Float](repeating: 0, count: batch * outN)
    var dx = [Float](repeating: 0, count: batch * inN)
    whole.forward(x, &y, batch: batch, options: options)
    whole.backward(x, y, dy, &dx, batch: batch)

    let single = layer()
    for i in 0..<batch {
      let xi = Array(x[(i * inN)..<((i + 1) * inN)])
      let dyi = Array(dy[(i * outN)..<((i + 1) * outN)])
      var yi = [Float](repeating: 0, count: outN)
      var dxi = [Float](repeating: 0, count: inN)
      single.forward(xi, &yi, batch: 1, options: options)
      single.backward(xi, yi, dyi, &dxi, batch: 1)
      #expect(yi == Array(y[(i * outN)..<((i + 1) * outN)]), "y, sample \(i)")
      #expect(dxi == Array(dx[(i * inN)..<((i + 1) * inN)]), "dx, sample \(i)")
    }
    #expect(single.weight.grad == whole.weight.grad)
    #expect(single.bias!.grad == whole.bias!.grad)
  }
}

@Suite("Kernels: NT product, two rows at a time")
struct PairedRowsTests {
  @Test(
    "the two-row path equals one row at a time, bit for bit",
    arguments: [(5, 7, 64), (2, 4, 72), (3, 9, 131), (60, 10, 784), (1, 5, 100)])
  func pairedEqualsSingle(m: Int, n: Int, k: Int) {
    let a = ParallelTests.random(m * k, seed: 1)
    let b = ParallelTests.random(n * k, seed: 2)
    let c0 = ParallelTests.random(m * n, seed: 3)
    for accumulate in [false, true] {
      var whole = c0
      serialMatmulNT(&whole, a, b, m: m, n: n, k: k, accumulate: accumulate)
      var rows = c0
      a.withUnsafeBufferPointer { ap in
        rows.withUnsafeMutableBufferPointer { cp in
          for i in 0..<m {
            serialMatmulNT(
              cp.baseAddress! + i * n, ap.baseAddress! + i * k, b, m: 1, n: n, k: k, accumulate: accumulate)
          }
        }
      }
      #expect(whole == rows, "accumulate \(accumulate)")
    }
  }
}
