// Dense matrix products over flat row-major buffers. Three shapes cover every layer:
//   NT: C[M,N] (+)= A[M,K] · B[N,K]ᵀ   (Linear forward: out = x·Wᵀ)
//   NN: C[M,N] (+)= A[M,K] · B[K,N]    (Linear backward: dx = dy·W)
//   TN: C[M,N] (+)= A[K,M]ᵀ · B[K,N]   (Linear backward: dW += dyᵀ·x)
// NN and TN keep 4×16 tiles of C in SIMD registers over the whole K loop; NT is a dot
// product with explicit SIMD accumulators (the compiler may not reorder a Float sum itself). The order of additions is fixed, so results
// are deterministic.

/// Whether a product of this size is split into two row bands on two threads
/// (see Parallel.swift; each element's sum is unchanged).
func splitsProduct(m: Int, n: Int, k: Int) -> Bool {
  m >= 8 && m &* n &* k >= parallelProductThreshold && productForkJoin != nil
}

/// Products are shared out in up to eight row bands of a multiple of 4 rows (the NN/TN tile
/// height), so a worker (ForkJoin) that starts late still takes the bands left.
func bandRows(_ m: Int) -> Int { max(4, ((m + 7) / 8 + 3) & ~3) }

/// The number of bands of `rows` rows in m rows.
func bandCount(_ m: Int) -> Int { (m + bandRows(m) - 1) / bandRows(m) }

/// Band `part`: its first row and its number of rows.
func band(_ part: Int, of m: Int) -> (lo: Int, count: Int) {
  let r = bandRows(m)
  let lo = part * r
  return (lo, min(r, m - lo))
}

/// C[M,N] = (accumulate ? C : 0) + A[M,K] · B[N,K]ᵀ.
package func matmulNT(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  if splitsProduct(m: m, n: n, k: k) {
    runOnTwoThreads(chunks: bandCount(m)) { part in
      let (lo, rows) = band(part, of: m)
      serialMatmulNT(c + lo * n, a + lo * k, b, m: rows, n: n, k: k, accumulate: accumulate)
    }
  } else {
    serialMatmulNT(c, a, b, m: m, n: n, k: k, accumulate: accumulate)
  }
}

/// ``matmulNT`` on the calling thread.
package func serialMatmulNT(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  let k8 = k & ~7
  var i = 0
  // Long rows: two rows × four columns at once, so six loads feed eight multiply-adds (one row
  // needs five loads for four; the loop is load-bound). Each element is still summed lane-wise
  // over p, then across lanes, then over the tail: the same order as the one-row loop below.
  if k8 >= 64 {
    while i + 2 <= m {
      let a0 = a + i * k
      let a1 = a0 + k
      let c0 = c + i * n
      let c1 = c0 + n
      var j = 0
      while j + 4 <= n {
        let b0 = b + j * k
        let b1 = b0 + k
        let b2 = b1 + k
        let b3 = b2 + k
        var s00 = SIMD8<Float>()
        var s01 = SIMD8<Float>()
        var s02 = SIMD8<Float>()
        var s03 = SIMD8<Float>()
        var s10 = SIMD8<Float>()
        var s11 = SIMD8<Float>()
        var s12 = SIMD8<Float>()
        var s13 = SIMD8<Float>()
        var p = 0
        while p < k8 {
          let x0 = UnsafeRawPointer(a0 + p).loadUnaligned(as: SIMD8<Float>.self)
          let x1 = UnsafeRawPointer(a1 + p).loadUnaligned(as: SIMD8<Float>.self)
          let w0 = UnsafeRawPointer(b0 + p).loadUnaligned(as: SIMD8<Float>.self)
          let w1 = UnsafeRawPointer(b1 + p).loadUnaligned(as: SIMD8<Float>.self)
          let w2 = UnsafeRawPointer(b2 + p).loadUnaligned(as: SIMD8<Float>.self)
          let w3 = UnsafeRawPointer(b3 + p).loadUnaligned(as: SIMD8<Float>.self)
          s00 += x0 * w0
          s01 += x0 * w1
          s02 += x0 * w2
          s03 += x0 * w3
          s10 += x1 * w0
          s11 += x1 * w1
          s12 += x1 * w2
          s13 += x1 * w3
          p += 8
        }
        var r = SIMD8<Float>(
          s00.sum(), s01.sum(), s02.sum(), s03.sum(), s10.sum(), s11.sum(), s12.sum(), s13.sum())
        while p < k {
          for q in 0..<4 {
            let w = b[(j + q) * k + p]
            r[q] += a0[p] * w
            r[4 + q] += a1[p] * w
          }
          p += 1
        }
        for q in 0..<4 {
          c0[j + q] = accumulate ? c0[j + q] + r[q] : r[q]
          c1[j + q] = accumulate ? c1[j + q] + r[4 + q] : r[4 + q]
        }
        j += 4
      }
      if j < n {
        serialMatmulNT(c0 + j, a0, b + j * k, m: 1, n: n - j, k: k, accumulate: accumulate)
        serialMatmulNT(c1 + j, a1, b + j * k, m: 1, n: n - j, k: k, accumulate: accumulate)
      }
      i += 2
    }
  }
  while i < m {
    let ai = a + i * k
    let ci = c + i * n
    var j = 0
    // Four columns of C at once share each load of A's row.
    while j + 4 <= n {
      let b0 = b + j * k
      let b1 = b0 + k
      let b2 = b1 + k
      let b3 = b2 + k
      var s0 = SIMD8<Float>()
      var s1 = SIMD8<Float>()
      var s2 = SIMD8<Float>()
      var s3 = SIMD8<Float>()
      var p = 0
      while p < k8 {
        let av = UnsafeRawPointer(ai + p).loadUnaligned(as: SIMD8<Float>.self)
        s0 += av * UnsafeRawPointer(b0 + p).loadUnaligned(as: SIMD8<Float>.self)
        s1 += av * UnsafeRawPointer(b1 + p).loadUnaligned(as: SIMD8<Float>.self)
        s2 += av * UnsafeRawPointer(b2 + p).loadUnaligned(as: SIMD8<Float>.self)
        s3 += av * UnsafeRawPointer(b3 + p).loadUnaligned(as: SIMD8<Float>.self)
        p += 8
      }
      var r0 = s0.sum()
      var r1 = s1.sum()
      var r2 = s2.sum()
      var r3 = s3.sum()
      while p < k {
        let av = ai[p]
        r0 += av * b0[p]
        r1 += av * b1[p]
        r2 += av * b2[p]
        r3 += av * b3[p]
        p += 1
      }
      if accumulate {
        ci[j] += r0
        ci[j + 1] += r1
        ci[j + 2] += r2
        ci[j + 3] += r3
      } else {
        ci[j] = r0
        ci[j + 1] = r1
        ci[j + 2] = r2
        ci[j + 3] = r3
      }
      j += 4
    }
    while j < n {
      let bj = b + j * k
      var s = SIMD8<Float>()
      var p = 0
      while p < k8 {
        s +=
          UnsafeRawPointer(ai + p).loadUnaligned(as: SIMD8<Float>.self)
          * UnsafeRawPointer(bj + p).loadUnaligned(as: SIMD8<Float>.self)
        p += 8
      }
      var r = s.sum()
      while p < k {
        r += ai[p] * bj[p]
        p += 1
      }
      ci[j] = accumulate ? ci[j] + r : r
      j += 1
    }
    i += 1
  }
}

/// C[M,N] = (accumulate ? C : 0) + A[M,K] · B[K,N].
/// Tiles of 4 rows × 16 columns of C live in registers across the whole K loop; each element
/// is still summed in order p = 0, 1, …, so results equal the plain loop's.
package func matmulNN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  if splitsProduct(m: m, n: n, k: k) {
    runOnTwoThreads(chunks: bandCount(m)) { part in
      let (lo, rows) = band(part, of: m)
      tiledProduct(c + lo * n, m: rows, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[(lo + i) * k + p] }, b: b)
    }
  } else {
    tiledProduct(c, m: m, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[i * k + p] }, b: b)
  }
}

/// C[M,N] (+)= Σ_p A(i, p)·B[p, :], with A read through `aAt` (row- or column-major).
@inline(__always)
func tiledProduct(
  _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, accumulate: Bool, aAt: (Int, Int) -> Float,
  b: UnsafePointer<Float>
) {
  let n16 = n & ~15
  var i = 0
  while i < m {
    let rows = min(4, m - i)
    var j = 0
    while j < n16 {
      var c00 = SIMD8<Float>()
      var c01 = SIMD8<Float>()
      var c10 = SIMD8<Float>()
      var c11 = SIMD8<Float>()
      var c20 = SIMD8<Float>()
      var c21 = SIMD8<Float>()
      var c30 = SIMD8<Float>()
      var c31 = SIMD8<Float>()
      for p in 0..<k {
        let bp = b + p * n + j
        let b0 = UnsafeRawPointer(bp).loadUnaligned(as: SIMD8<Float>.self)
        let b1 = UnsafeRawPointer(bp + 8).loadUnaligned(as: SIMD8<Float>.self)
        let a0 = aAt(i, p)
        c00 += a0 * b0
        c01 += a0 * b1
        if rows > 1 {
          let a1 = aAt(i + 1, p)
          c10 += a1 * b0
          c11 += a1 * b1
        }
        if rows > 2 {
          let a2 = aAt(i + 2, p)
          c20 += a2 * b0
          c21 += a2 * b1
        }
        if rows > 3 {
          let a3 = aAt(i + 3, p)
          c30 += a3 * b0
          c31 += a3 * b1
        }
      }
      @inline(__always) func put(_ r: Int, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>) {
        let dst = c + (i + r) * n + j
        if accumulate {
          UnsafeMutableRawPointer(dst).storeBytes(
            of: UnsafeRawPointer(dst).loadUnaligned(as: SIMD8<Float>.self) + lo, as: SIMD8<Float>.self)
          UnsafeMutableRawPointer(dst + 8).storeBytes(
            of: UnsafeRawPointer(dst + 8).loadUnaligned(as: SIMD8<Float>.self) + hi, as: SIMD8<Float>.self)
        } else {
          UnsafeMutableRawPointer(dst).storeBytes(of: lo, as: SIMD8<Float>.self)
          UnsafeMutableRawPointer(dst + 8).storeBytes(of: hi, as: SIMD8<Float>.self)
        }
      }
      put(0, c00, c01)
      if rows > 1 { put(1, c10, c11) }
      if rows > 2 { put(2, c20, c21) }
      if rows > 3 { put(3, c30, c31) }
      j += 16
    }
    // Remaining columns: plain sums in the same order.
    if j < n {
      for r in 0..<rows {
        let ci = c + (i + r) * n
        for jj in j..<n {
          var t: Float = 0
          for p in 0..<k { t += aAt(i + r, p) * b[p * n + jj] }
          ci[jj] = accumulate ? ci[jj] + t : t
        }
      }
    }
    i += 4
  }
}

/// ``matmulTN`` on the calling thread.
package func serialMatmulTN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  tiledProduct(c, m: m, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[p * m + i] }, b: b)
}

/// C[M,N] = (accumulate ? C : 0) + A[K,M]ᵀ · B[K,N] (register-tiled like ``matmulNN``).
package func matmulTN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  if splitsProduct(m: m, n: n, k: k) {
    runOnTwoThreads(chunks: bandCount(m)) { part in
      let (lo, rows) = band(part, of: m)
      tiledProduct(c + lo * n, m: rows, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[p * m + lo + i] }, b: b)
    }
  } else {
    tiledProduct(c, m: m, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[p * m + i] }, b: b)
  }
}
