// Dense matrix products over flat row-major buffers. Three shapes cover every layer:
//   NT: C[M,N] (+)= A[M,K] · B[N,K]ᵀ   (Linear forward: out = x·Wᵀ)
//   NN: C[M,N] (+)= A[M,K] · B[K,N]    (Linear backward: dx = dy·W)
//   TN: C[M,N] (+)= A[K,M]ᵀ · B[K,N]   (Linear backward: dW += dyᵀ·x)
// NN and TN are written as rows of axpy (c_i += a_ik · b_k) so the compiler vectorizes the
// inner loop; NT is a dot product, written with explicit SIMD accumulators because the
// compiler may not reorder a Float sum by itself. The order of additions is fixed, so results
// are deterministic.

/// C[M,N] = (accumulate ? C : 0) + A[M,K] · B[N,K]ᵀ.
@inlinable
public func matmulNT(
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
@inlinable
public func matmulNN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  if !accumulate { c.update(repeating: 0, count: m * n) }
  for i in 0..<m {
    let ci = c + i * n
    let ai = a + i * k
    for p in 0..<k {
      let s = ai[p]
      if s == 0 { continue }
      let bp = b + p * n
      for j in 0..<n { ci[j] += s * bp[j] }
    }
  }
}

/// C[M,N] = (accumulate ? C : 0) + A[K,M]ᵀ · B[K,N].
@inlinable
public func matmulTN(
  _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
  m: Int, n: Int, k: Int, accumulate: Bool = false
) {
  if !accumulate { c.update(repeating: 0, count: m * n) }
  for p in 0..<k {
    let ap = a + p * m
    let bp = b + p * n
    for i in 0..<m {
      let s = ap[i]
      if s == 0 { continue }
      let ci = c + i * n
      for j in 0..<n { ci[j] += s * bp[j] }
    }
  }
}
