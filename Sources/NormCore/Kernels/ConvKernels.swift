// 2-D convolution via im2col, and max pooling. One sample at a time, NCHW layout.
//   x: (C, H, W), W: (OC, C, KH, KW), y: (OC, OH, OW)
//   OH = (H + 2·pad − KH)/stride + 1   (likewise OW)

/// Geometry of a convolution or pooling window over one sample.
public struct ConvGeometry: Sendable, Equatable {
  public var channels, height, width, kernel, stride, padding: Int
  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  /// Rows of the im2col matrix: C·K·K.
  public var patchSize: Int { channels * kernel * kernel }
  public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
    self.channels = channels
    self.height = height
    self.width = width
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
  }
}

/// The output columns j of a convolution row whose input column j·stride − pad + kj lies
/// inside 0..<width: the half-open range `lo..<hi` (empty when none do).
func validColumns(_ g: ConvGeometry, kj: Int, outWidth ow: Int) -> (lo: Int, hi: Int) {
  // j·s − p + kj ≥ 0  ⇔  j ≥ ⌈(p − kj)/s⌉;   j·s − p + kj ≤ W − 1  ⇔  j ≤ ⌊(W − 1 + p − kj)/s⌋
  let a = g.padding - kj
  let lo = a <= 0 ? 0 : (a + g.stride - 1) / g.stride
  let b = g.width - 1 + g.padding - kj
  let hi = b < 0 ? 0 : min(ow, b / g.stride + 1)
  return (min(lo, hi), hi)
}

// col[(c,ki,kj), (oh,ow)] = x[c, oh·stride − pad + ki, ow·stride − pad + kj]  (0 outside)
// Each output row is split into its padded edges (zeros) and the columns inside the image, so
// the inner loop is a plain (strided) copy with no bounds test.
package func im2col(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: ConvGeometry) {
  let oh = g.outHeight
  let ow = g.outWidth
  let s = g.stride
  var row = 0
  for c in 0..<g.channels {
    let xc = x + c * g.height * g.width
    for ki in 0..<g.kernel {
      for kj in 0..<g.kernel {
        let dst = col + row * oh * ow
        let (lo, hi) = validColumns(g, kj: kj, outWidth: ow)
        for i in 0..<oh {
          let d = dst + i * ow
          let h = i * s - g.padding + ki
          if h < 0 || h >= g.height {
            for j in 0..<ow { d[j] = 0 }
            continue
          }
          for j in 0..<lo { d[j] = 0 }
          let src = xc + h * g.width - g.padding + kj
          if s == 1 {
            copyFloats(d + lo, src + lo, count: hi - lo)
          } else {
            for j in lo..<hi { d[j] = src[j * s] }
          }
          for j in hi..<ow { d[j] = 0 }
        }
        row += 1
      }
    }
  }
}

/// Copies `n` floats eight at a time: rows here are short (often 4 to 32 values), where a call
/// to `memmove` costs more than the copy.
func copyFloats(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, count n: Int) {
  var j = 0
  let src = UnsafeRawPointer(s)
  let dst = UnsafeMutableRawPointer(d)
  while j + 8 <= n {
    dst.storeBytes(
      of: src.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self), toByteOffset: j * 4, as: SIMD8<Float>.self)
    j += 8
  }
  while j < n {
    d[j] = s[j]
    j += 1
  }
}

// The adjoint of im2col: dx[c, h, w] += Σ over the patches that read it of dcol.
// Same visiting order as a bounds-tested loop over every (c, ki, kj, i, j), so the sums are
// formed in the same order.
package func col2im(_ dx: UnsafeMutablePointer<Float>, _ dcol: UnsafePointer<Float>, _ g: ConvGeometry) {
  let oh = g.outHeight
  let ow = g.outWidth
  let s = g.stride
  dx.update(repeating: 0, count: g.channels * g.height * g.width)
  var row = 0
  for c in 0..<g.channels {
    let dxc = dx + c * g.height * g.width
    for ki in 0..<g.kernel {
      for kj in 0..<g.kernel {
        let src = dcol + row * oh * ow
        let (lo, hi) = validColumns(g, kj: kj, outWidth: ow)
        for i in 0..<oh {
          let h = i * s - g.padding + ki
          if h < 0 || h >= g.height { continue }
          let d = dxc + h * g.width - g.padding + kj
          let r = src + i * ow
          if s == 1 {
            for j in lo..<hi { d[j] += r[j] }
          } else {
            for j in lo..<hi { d[j * s] += r[j] }
          }
        }
        row += 1
      }
    }
  }
}

// y[o, p] = Σ_k W[o, k] · col[k, p] + b[o]       (one sample; col from im2col)
package func conv2dForward(
  _ y: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
  _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, outChannels: Int, _ g: ConvGeometry
) {
  let p = g.outHeight * g.outWidth
  im2col(col, x, g)
  matmulNN(y, w, col, m: outChannels, n: p, k: g.patchSize)
  if let bias {
    for o in 0..<outChannels {
      let yo = y + o * p
      let b = bias[o]
      for j in 0..<p { yo[j] += b }
    }
  }
}

// dW += dy · colᵀ     db += Σ_p dy     dcol = Wᵀ · dy  →  dx = col2im(dcol)   (one sample)
// With `colFilled`, `col` already holds im2col(x) from the forward pass.
package func conv2dBackward(
  _ dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
  col: UnsafeMutablePointer<Float>, colFilled: Bool = false, dcol: UnsafeMutablePointer<Float>,
  _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, outChannels: Int,
  _ g: ConvGeometry
) {
  let p = g.outHeight * g.outWidth
  if !colFilled { im2col(col, x, g) }
  matmulNT(dw, dy, col, m: outChannels, n: g.patchSize, k: p, accumulate: true)
  if let dbias {
    for o in 0..<outChannels {
      var s: Float = 0
      let dyo = dy + o * p
      for j in 0..<p { s += dyo[j] }
      dbias[o] += s
    }
  }
  if let dx {
    matmulTN(dcol, w, dy, m: g.patchSize, n: p, k: outChannels)
    col2im(dx, dcol, g)
  }
}

// y[c, i, j] = max over the window of x; argmax remembers which input won: the first on ties,
// and as in PyTorch's CPU kernel (`val > maxval || isnan(val)`) the last NaN when there is one.
package func maxpoolForward(
  _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, _ x: UnsafePointer<Float>,
  _ g: ConvGeometry
) {
  let oh = g.outHeight
  let ow = g.outWidth
  if g.padding == 0 && g.kernel == 2 && g.stride == 2 {
    maxpool2x2(y, argmax: argmax, x, g)
    return
  }
  if g.padding == 0 {
    // Every window lies inside the image: no bounds tests. Same visiting order, ties and NaN
    // rule as the general loop below.
    let k = g.kernel
    let plane = g.height * g.width
    for c in 0..<g.channels {
      let xc = x + c * plane
      for i in 0..<oh {
        for j in 0..<ow {
          let corner = i * g.stride * g.width + j * g.stride
          var at = corner
          var best = -Float.infinity
          for ki in 0..<k {
            let r = corner + ki * g.width
            for kj in 0..<k {
              // Selects, not branches: which element wins is data-dependent and unpredictable.
              // `v > best` and `v.isNaN` exclude each other, so `!=` is their `or`.
              let v = xc[r + kj]
              let take = (v > best) != v.isNaN
              best = take ? v : best
              at = take ? r + kj : at
            }
          }
          let o = (c * oh + i) * ow + j
          y[o] = best
          argmax[o] = Int32(c * plane + at)
        }
      }
    }
    return
  }
  for c in 0..<g.channels {
    let xc = x + c * g.height * g.width
    for i in 0..<oh {
      for j in 0..<ow {
        var best = -Float.infinity
        var at: Int32 = -1
        for ki in 0..<g.kernel {
          let h = i * g.stride - g.padding + ki
          if h < 0 || h >= g.height { continue }
          for kj in 0..<g.kernel {
            let w = j * g.stride - g.padding + kj
            if w < 0 || w >= g.width { continue }
            let v = xc[h * g.width + w]
            if v > best || at < 0 || v.isNaN {
              best = v
              at = Int32(c * g.height * g.width + h * g.width + w)
            }
          }
        }
        let o = (c * oh + i) * ow + j
        y[o] = best
        argmax[o] = at
      }
    }
  }
}

// The common 2×2, stride-2 window, eight outputs at a time: the two input rows are loaded as
// SIMD16 and split into even and odd columns, and the four candidates are compared in the
// order of the scalar loop (top-left, top-right, bottom-left, bottom-right) with the same rule.
func maxpool2x2(
  _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, _ x: UnsafePointer<Float>, _ g: ConvGeometry
) {
  let oh = g.outHeight
  let ow = g.outWidth
  let w = g.width
  let plane = g.height * w
  let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
  for c in 0..<g.channels {
    let xc = UnsafeRawPointer(x + c * plane)
    for i in 0..<oh {
      let top = 2 * i * w
      let o = (c * oh + i) * ow
      var j = 0
      while j + 8 <= ow {
        let a = xc.loadUnaligned(fromByteOffset: (top + 2 * j) * 4, as: SIMD16<Float>.self)
        let b = xc.loadUnaligned(fromByteOffset: (top + w + 2 * j) * 4, as: SIMD16<Float>.self)
        let base = lane &+ Int32(c * plane + top + 2 * j)
        var best = a.evenHalf
        var at = base
        // The first candidate always wins against −∞ unless it is −∞ itself; either way its
        // index is kept, as in the scalar loop.
        @inline(__always) func consider(_ v: SIMD8<Float>, _ offset: Int) {
          let take = (v .> best) .^ (v .!= v)
          best.replace(with: v, where: take)
          at.replace(with: base &+ Int32(offset), where: take)
        }
        consider(a.oddHalf, 1)
        consider(b.evenHalf, w)
        consider(b.oddHalf, w + 1)
        UnsafeMutableRawPointer(y + o + j).storeBytes(of: best, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(argmax + o + j).storeBytes(of: at, as: SIMD8<Int32>.self)
        j += 8
      }
      while j < ow {
        let corner = top + 2 * j
        var best = -Float.infinity
        var at = corner
        for r in 0..<4 {
          let at1 = corner + (r >> 1) * w + (r & 1)
          let v = x[c * plane + at1]
          let take = (v > best) != v.isNaN
          best = take ? v : best
          at = take ? at1 : at
        }
        y[o + j] = best
        argmax[o + j] = Int32(c * plane + at)
        j += 1
      }
    }
  }
}

// dx[argmax[o]] += dy[o]
package func maxpoolBackward(
  _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
  inputCount: Int, outputCount: Int
) {
  dx.update(repeating: 0, count: inputCount)
  for o in 0..<outputCount where argmax[o] >= 0 { dx[Int(argmax[o])] += dy[o] }
}
