// Dense matrix products over flat row-major buffers. Three shapes cover every layer:
//   NT: C[M,N] (+)= A[M,K] · B[N,K]ᵀ   (Linear forward: out = x·Wᵀ)
//   NN: C[M,N] (+)= A[M,K] · B[K,N]    (Linear backward: dx = dy·W)
//   TN: C[M,N] (+)= A[K,M]ᵀ · B[K,N]   (Linear backward: dW += dyᵀ·x)
// NN and TN keep 4×16 tiles of C in SIMD registers over the whole K loop; NT is a dot
// product with explicit SIMD accumulators (the compiler may not reorder a Float sum itself). The order of additions is fixed, so results
// are deterministic.

/// Whether a product of this size is split into two row bands on two threads
/// (see Parallel.swift; each element's sum is unchanged).
@inlinable
func splitsProduct(m: Int, n: Int, k: Int) -> Bool {
  m >= 8 && m &* n &* k >= parallelProductThreshold && productHelper != nil
}

/// Products are shared out in up to eight row bands of a multiple of 4 rows (the NN/TN tile
/// height), so a helper that starts late still takes the bands left.
@inlinable
func bandRows(_ m: Int) -> Int { max(4, ((m + 7) / 8 + 3) & ~3) }

/// The number of bands of `rows` rows in m rows.
@inlinable
func bandCount(_ m: Int) -> Int { (m + bandRows(m) - 1) / bandRows(m) }

/// Band `part`: its first row and its number of rows.
@inlinable
func band(_ part: Int, of m: Int) -> (lo: Int, count: Int) {
  let r = bandRows(m)
  let lo = part * r
  return (lo, min(r, m - lo))
}

/// C[M,N] = (accumulate ? C : 0) + A[M,K] · B[N,K]ᵀ.
@inlinable
public func matmulNT(
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
@inlinable
public func serialMatmulNT(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  let k8 = k & ~7
  var i = 0
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
@inlinable
public func matmulNN(
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
@inlinable @inline(__always)
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
@inlinable
public func serialMatmulTN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  tiledProduct(c, m: m, n: n, k: k, accumulate: accumulate, aAt: { i, p in a[p * m + i] }, b: b)
}

/// C[M,N] = (accumulate ? C : 0) + A[K,M]ᵀ · B[K,N] (register-tiled like ``matmulNN``).
@inlinable
public func matmulTN(
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
