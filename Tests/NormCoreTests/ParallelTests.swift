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
