// Normalization kernels over a (N, C, S) view of the input: N samples, C channels, S spatial
// positions per channel (S = 1 for (N, D) input, L for (N, C, L), H·W for (N, C, H, W)).
// Statistics use two passes with Double accumulators; variance is the *biased* one (÷ m).
//
// Notation: m = number of values one statistic is taken over, x̂ = (x − μ)·rstd,
// rstd = 1/√(σ² + eps), y = γ·x̂ + β.

// MARK: BatchNorm — statistics per channel over (N, S)

// μ_c = (1/m) Σ_{n,s} x[n,c,s],   σ²_c = (1/m) Σ_{n,s} (x[n,c,s] − μ_c)²,   m = N·S
package func batchnormStatistics(
  mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
  _ x: UnsafePointer<Float>, n: Int, c: Int, s: Int
) {
  let m = Double(n * s)
  if s == 1 {
    // (N, D): walk rows, so every pass reads memory contiguously.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * c) { acc in
      let sum = acc.baseAddress!
      let sq = sum + c
      sum.update(repeating: 0, count: 2 * c)
      for i in 0..<n {
        let row = x + i * c
        for ch in 0..<c { sum[ch] += Double(row[ch]) }
      }
      for ch in 0..<c { sum[ch] /= m }
      for i in 0..<n {
        let row = x + i * c
        for ch in 0..<c {
          let d = Double(row[ch]) - sum[ch]
          sq[ch] += d * d
        }
      }
      for ch in 0..<c {
        mean[ch] = Float(sum[ch])
        variance[ch] = Float(sq[ch] / m)
      }
    }
    return
  }
  // Four channels per SIMD lane: each lane sums over (i, j) in the one-channel order below, so
  // the bits are the same; the independent chains hide the Double additions' latency.
  let c4 = c & ~3
  var ch4 = 0
  while ch4 < c4 {
    var sum = SIMD4<Double>()
    for i in 0..<n {
      let p = x + (i * c + ch4) * s
      for j in 0..<s { sum += SIMD4(Double(p[j]), Double(p[s + j]), Double(p[2 * s + j]), Double(p[3 * s + j])) }
    }
    let mu = sum / m
    var sq = SIMD4<Double>()
    for i in 0..<n {
      let p = x + (i * c + ch4) * s
      for j in 0..<s {
        let d = SIMD4(Double(p[j]), Double(p[s + j]), Double(p[2 * s + j]), Double(p[3 * s + j])) - mu
        sq += d * d
      }
    }
    for lane in 0..<4 {
      mean[ch4 + lane] = Float(mu[lane])
      variance[ch4 + lane] = Float(sq[lane] / m)
    }
    ch4 += 4
  }
  for ch in c4..<c {
    var sum = 0.0
    for i in 0..<n {
      let p = x + (i * c + ch) * s
      for j in 0..<s { sum += Double(p[j]) }
    }
    let mu = sum / m
    var sq = 0.0
    for i in 0..<n {
      let p = x + (i * c + ch) * s
      for j in 0..<s {
        let d = Double(p[j]) - mu
        sq += d * d
      }
    }
    mean[ch] = Float(mu)
    variance[ch] = Float(sq / m)
  }
}

// y[n,c,s] = (x[n,c,s] − μ_c)·rstd_c·γ_c + β_c    (γ = 1, β = 0 when absent)
package func channelNormalize(
  _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
  rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
  n: Int, c: Int, s: Int
) {
  if s == 1 {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * c) { t in
      let scale = t.baseAddress!
      let shift = scale + c
      for ch in 0..<c {
        scale[ch] = rstd[ch] * (gamma?[ch] ?? 1)
        shift[ch] = (beta?[ch] ?? 0) - mean[ch] * scale[ch]
      }
      for i in 0..<n {
        let xr = x + i * c
        let yr = y + i * c
        for ch in 0..<c { yr[ch] = xr[ch] * scale[ch] + shift[ch] }
      }
    }
    return
  }
  for i in 0..<n {
    for ch in 0..<c {
      let off = (i * c + ch) * s
      let g = gamma?[ch] ?? 1
      let scale = rstd[ch] * g
      let shift = (beta?[ch] ?? 0) - mean[ch] * scale
      let xp = x + off
      let yp = y + off
      for j in 0..<s { yp[j] = xp[j] * scale + shift }
    }
  }
}

// Training-mode backward, batch statistics per channel (m = N·S values each):
//   dβ_c = Σ dy      dγ_c = Σ dy·x̂
//   dx = γ·rstd/m · (m·dy − Σ dy − x̂·Σ dy·x̂)
package func batchnormBackward(
  _ dx: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>?,
  dbeta: UnsafeMutablePointer<Float>?, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
  n: Int, c: Int, s: Int
) {
  let m = Float(n * s)
  if s == 1 {
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * c) { acc in
      let sumDy = acc.baseAddress!
      let sumDyXhat = sumDy + c
      sumDy.update(repeating: 0, count: 2 * c)
      for i in 0..<n {
        let xr = x + i * c
        let dyr = dy + i * c
        for ch in 0..<c {
          let g = Double(dyr[ch])
          sumDy[ch] += g
          sumDyXhat[ch] += g * Double((xr[ch] - mean[ch]) * rstd[ch])
        }
      }
      for ch in 0..<c {
        dgamma?[ch] += Float(sumDyXhat[ch])
        dbeta?[ch] += Float(sumDy[ch])
      }
      guard let dx else { return }
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * c) { t in
        let k = t.baseAddress!
        let a = k + c
        let b = a + c
        for ch in 0..<c {
          k[ch] = (gamma?[ch] ?? 1) * rstd[ch] / m
          a[ch] = Float(sumDy[ch])
          b[ch] = Float(sumDyXhat[ch])
        }
        for i in 0..<n {
          let xr = x + i * c
          let dyr = dy + i * c
          let dxr = dx + i * c
          for ch in 0..<c {
            let xhat = (xr[ch] - mean[ch]) * rstd[ch]
            dxr[ch] = k[ch] * (m * dyr[ch] - a[ch] - xhat * b[ch])
          }
        }
      }
    }
    return
  }
  // Four channels per SIMD lane for the sums, in the one-channel order (as in the statistics).
  let c4 = c & ~3
  var ch4 = 0
  while ch4 < c4 {
    let mu = SIMD4<Float>(mean[ch4], mean[ch4 + 1], mean[ch4 + 2], mean[ch4 + 3])
    let r = SIMD4<Float>(rstd[ch4], rstd[ch4 + 1], rstd[ch4 + 2], rstd[ch4 + 3])
    var sumDy = SIMD4<Double>()
    var sumDyXhat = SIMD4<Double>()
    for i in 0..<n {
      let off = (i * c + ch4) * s
      for j in 0..<s {
        let o = off + j
        let gF = SIMD4<Float>(dy[o], dy[o + s], dy[o + 2 * s], dy[o + 3 * s])
        let xv = SIMD4<Float>(x[o], x[o + s], x[o + 2 * s], x[o + 3 * s])
        let g = SIMD4<Double>(gF)
        sumDy += g
        sumDyXhat += g * SIMD4<Double>((xv - mu) * r)
      }
    }
    for lane in 0..<4 {
      let ch = ch4 + lane
      dgamma?[ch] += Float(sumDyXhat[lane])
      dbeta?[ch] += Float(sumDy[lane])
      guard let dx else { continue }
      let muL = mu[lane]
      let rL = r[lane]
      let k = (gamma?[ch] ?? 1) * rL / m
      let a = Float(sumDy[lane])
      let b = Float(sumDyXhat[lane])
      for i in 0..<n {
        let off = (i * c + ch) * s
        for j in 0..<s {
          let xhat = (x[off + j] - muL) * rL
          dx[off + j] = k * (m * dy[off + j] - a - xhat * b)
        }
      }
    }
    ch4 += 4
  }
  for ch in c4..<c {
    let mu = mean[ch]
    let r = rstd[ch]
    var sumDy = 0.0
    var sumDyXhat = 0.0
    for i in 0..<n {
      let off = (i * c + ch) * s
      for j in 0..<s {
        let g = Double(dy[off + j])
        sumDy += g
        sumDyXhat += g * Double((x[off + j] - mu) * r)
      }
    }
    dgamma?[ch] += Float(sumDyXhat)
    dbeta?[ch] += Float(sumDy)
    guard let dx else { continue }
    let g = gamma?[ch] ?? 1
    let k = g * r / m
    let a = Float(sumDy)
    let b = Float(sumDyXhat)
    for i in 0..<n {
      let off = (i * c + ch) * s
      for j in 0..<s {
        let xhat = (x[off + j] - mu) * r
        dx[off + j] = k * (m * dy[off + j] - a - xhat * b)
      }
    }
  }
}

// Backward with fixed statistics (eval mode, frozen BN, InstanceNorm with running stats):
//   dx = dy·γ·rstd      dγ_c = Σ dy·x̂      dβ_c = Σ dy
package func fixedStatisticsBackward(
  _ dx: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>?,
  dbeta: UnsafeMutablePointer<Float>?, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
  n: Int, c: Int, s: Int
) {
  for ch in 0..<c {
    let mu = mean[ch]
    let r = rstd[ch]
    let k = (gamma?[ch] ?? 1) * r
    var sumDy = 0.0
    var sumDyXhat = 0.0
    for i in 0..<n {
      let off = (i * c + ch) * s
      for j in 0..<s {
        let g = dy[off + j]
        sumDy += Double(g)
        sumDyXhat += Double(g * (x[off + j] - mu) * r)
        dx?[off + j] = g * k
      }
    }
    dgamma?[ch] += Float(sumDyXhat)
    dbeta?[ch] += Float(sumDy)
  }
}

// MARK: GroupNorm — statistics per sample and group over (C/G, S)
// LayerNorm over D features is the case C = D, S = 1, G = 1 (γ per element);
// InstanceNorm is the case G = C.

// For each (n, g): μ, σ² over the m = (C/G)·S values of the group; rstd = 1/√(σ² + eps);
// y = x̂·γ_c + β_c.
package func groupnormForward(
  _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
  rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
  beta: UnsafePointer<Float>?, n: Int, c: Int, s: Int, groups: Int, eps: Float
) {
  let cpg = c / groups
  let len = cpg * s
  // Four samples at a time, one per SIMD lane: each lane's sums run over j = 0, 1, … exactly
  // as the one-sample loop below, so the bits are the same; the four independent chains just
  // hide the latency of the Double additions.
  let n4 = n & ~3
  var i = 0
  while i < n4 {
    for g in 0..<groups {
      let bases = SIMD4<Int>(i, i + 1, i + 2, i + 3) &* (c * s) &+ (g * cpg * s)
      let x0 = x + bases[0]
      let x1 = x + bases[1]
      let x2 = x + bases[2]
      let x3 = x + bases[3]
      var sum = SIMD4<Double>()
      for j in 0..<len { sum += SIMD4(Double(x0[j]), Double(x1[j]), Double(x2[j]), Double(x3[j])) }
      let mu = sum / Double(len)
      var sq = SIMD4<Double>()
      for j in 0..<len {
        let d = SIMD4(Double(x0[j]), Double(x1[j]), Double(x2[j]), Double(x3[j])) - mu
        sq += d * d
      }
      for lane in 0..<4 {
        let r = 1.0 / (sq[lane] / Double(len) + Double(eps)).squareRoot()
        let muF = Float(mu[lane])
        let rF = Float(r)
        mean[(i + lane) * groups + g] = muF
        rstd[(i + lane) * groups + g] = rF
        let xp = x + bases[lane]
        let yp = y + bases[lane]
        for cc in 0..<cpg {
          let ch = g * cpg + cc
          let gm = gamma?[ch] ?? 1
          let bt = beta?[ch] ?? 0
          for j in 0..<s {
            let k = cc * s + j
            yp[k] = (xp[k] - muF) * rF * gm + bt
          }
        }
      }
    }
    i += 4
  }
  for i in n4..<n {
    for g in 0..<groups {
      let base = (i * c + g * cpg) * s
      let xp = x + base
      var sum = 0.0
      for j in 0..<len { sum += Double(xp[j]) }
      let mu = sum / Double(len)
      var sq = 0.0
      for j in 0..<len {
        let d = Double(xp[j]) - mu
        sq += d * d
      }
      let r = 1.0 / (sq / Double(len) + Double(eps)).squareRoot()
      let muF = Float(mu)
      let rF = Float(r)
      mean[i * groups + g] = muF
      rstd[i * groups + g] = rF
      let yp = y + base
      for cc in 0..<cpg {
        let ch = g * cpg + cc
        let gm = gamma?[ch] ?? 1
        let bt = beta?[ch] ?? 0
        for j in 0..<s {
          let k = cc * s + j
          yp[k] = (xp[k] - muF) * rF * gm + bt
        }
      }
    }
  }
}

// dγ_c += Σ_{n,s} dy·x̂     dβ_c += Σ_{n,s} dy
// per group, with dx̂ = dy·γ:   dx = rstd/m · (m·dx̂ − Σ dx̂ − x̂·Σ dx̂·x̂)
package func groupnormBackward(
  _ dx: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>?,
  dbeta: UnsafeMutablePointer<Float>?, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
  n: Int, c: Int, s: Int, groups: Int
) {
  let cpg = c / groups
  let len = cpg * s
  let m = Float(len)
  // Four samples per SIMD lane, as in the forward: every sum keeps its one-sample order, and
  // dγ, dβ still receive the samples' contributions in order i = 0, 1, ….
  let n4 = n & ~3
  var i = 0
  while i < n4 {
    for g in 0..<groups {
      let bases = SIMD4<Int>(i, i + 1, i + 2, i + 3) &* (c * s) &+ (g * cpg * s)
      let lanes = SIMD4<Int>(i, i + 1, i + 2, i + 3) &* groups &+ g
      let mu = SIMD4<Float>(mean[lanes[0]], mean[lanes[1]], mean[lanes[2]], mean[lanes[3]])
      let r = SIMD4<Float>(rstd[lanes[0]], rstd[lanes[1]], rstd[lanes[2]], rstd[lanes[3]])
      var sumD = SIMD4<Double>()
      var sumDX = SIMD4<Double>()
      for cc in 0..<cpg {
        let ch = g * cpg + cc
        let gm = gamma?[ch] ?? 1
        var dgs = SIMD4<Double>()
        var dbs = SIMD4<Double>()
        let off = cc * s
        for j in 0..<s {
          let k = off + j
          let xv = SIMD4<Float>(x[bases[0] + k], x[bases[1] + k], x[bases[2] + k], x[bases[3] + k])
          let d = SIMD4<Float>(dy[bases[0] + k], dy[bases[1] + k], dy[bases[2] + k], dy[bases[3] + k])
          let xhat = (xv - mu) * r
          dgs += SIMD4<Double>(d * xhat)
          dbs += SIMD4<Double>(d)
          let dxh = SIMD4<Double>(d * gm)
          sumD += dxh
          sumDX += dxh * SIMD4<Double>(xhat)
        }
        for lane in 0..<4 {
          dgamma?[ch] += Float(dgs[lane])
          dbeta?[ch] += Float(dbs[lane])
        }
      }
      guard let dx else { continue }
      for lane in 0..<4 {
        let a = Float(sumD[lane])
        let b = Float(sumDX[lane])
        let muL = mu[lane]
        let rL = r[lane]
        let base = bases[lane]
        for cc in 0..<cpg {
          let gm = gamma?[g * cpg + cc] ?? 1
          for j in 0..<s {
            let k = base + cc * s + j
            let xhat = (x[k] - muL) * rL
            dx[k] = rL / m * (m * dy[k] * gm - a - xhat * b)
          }
        }
      }
    }
    i += 4
  }
  for i in n4..<n {
    for g in 0..<groups {
      let base = (i * c + g * cpg) * s
      let mu = mean[i * groups + g]
      let r = rstd[i * groups + g]
      var sumD = 0.0
      var sumDX = 0.0
      for cc in 0..<cpg {
        let ch = g * cpg + cc
        let gm = gamma?[ch] ?? 1
        var dgs = 0.0
        var dbs = 0.0
        for j in 0..<s {
          let k = base + cc * s + j
          let xhat = (x[k] - mu) * r
          let d = dy[k]
          dgs += Double(d * xhat)
          dbs += Double(d)
          let dxh = Double(d * gm)
          sumD += dxh
          sumDX += dxh * Double(xhat)
        }
        dgamma?[ch] += Float(dgs)
        dbeta?[ch] += Float(dbs)
      }
      guard let dx else { continue }
      let a = Float(sumD)
      let b = Float(sumDX)
      for cc in 0..<cpg {
        let gm = gamma?[g * cpg + cc] ?? 1
        for j in 0..<s {
          let k = base + cc * s + j
          let xhat = (x[k] - mu) * r
          dx[k] = r / m * (m * dy[k] * gm - a - xhat * b)
        }
      }
    }
  }
}

// MARK: RMSNorm — per sample over D values, no mean subtraction, no β

// rrms = 1/√(mean(x²) + eps),   y = x·rrms·γ
package func rmsnormForward(
  _ y: UnsafeMutablePointer<Float>, rrms: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
  gamma: UnsafePointer<Float>?, n: Int, d: Int, eps: Float
) {
  for i in 0..<n {
    let xp = x + i * d
    var sq = 0.0
    for j in 0..<d { sq += Double(xp[j]) * Double(xp[j]) }
    let r = Float(1.0 / (sq / Double(d) + Double(eps)).squareRoot())
    rrms[i] = r
    let yp = y + i * d
    for j in 0..<d { yp[j] = xp[j] * r * (gamma?[j] ?? 1) }
  }
}

// With u = dy·γ:  dx = rrms·u − x·rrms³/D · Σ u·x      dγ_j += Σ_n dy·x·rrms
package func rmsnormBackward(
  _ dx: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>?,
  _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rrms: UnsafePointer<Float>,
  gamma: UnsafePointer<Float>?, n: Int, d: Int
) {
  for i in 0..<n {
    let xp = x + i * d
    let dyp = dy + i * d
    let r = rrms[i]
    var dot = 0.0
    for j in 0..<d {
      let u = dyp[j] * (gamma?[j] ?? 1)
      dot += Double(u * xp[j])
      dgamma?[j] += dyp[j] * xp[j] * r
    }
    guard let dx else { continue }
    let k = Float(dot) * r * r * r / Float(d)
    let dxp = dx + i * d
    for j in 0..<d { dxp[j] = r * dyp[j] * (gamma?[j] ?? 1) - xp[j] * k }
  }
}
