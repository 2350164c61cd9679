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

// col[(c,ki,kj), (oh,ow)] = x[c, oh·stride − pad + ki, ow·stride − pad + kj]  (0 outside)
@inlinable
public func im2col(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: ConvGeometry) {
  let oh = g.outHeight
  let ow = g.outWidth
  var row = 0
  for c in 0..<g.channels {
    for ki in 0..<g.kernel {
      for kj in 0..<g.kernel {
        let dst = col + row * oh * ow
        for i in 0..<oh {
          let h = i * g.stride - g.padding + ki
          for j in 0..<ow {
            let w = j * g.stride - g.padding + kj
            dst[i * ow + j] =
              (h >= 0 && h < g.height && w >= 0 && w < g.width) ? x[(c * g.height + h) * g.width + w] : 0
          }
        }
        row += 1
      }
    }
  }
}

// The adjoint of im2col: dx[c, h, w] += Σ over the patches that read it of dcol.
@inlinable
public func col2im(_ dx: UnsafeMutablePointer<Float>, _ dcol: UnsafePointer<Float>, _ g: ConvGeometry) {
  let oh = g.outHeight
  let ow = g.outWidth
  dx.update(repeating: 0, count: g.channels * g.height * g.width)
  var row = 0
  for c in 0..<g.channels {
    for ki in 0..<g.kernel {
      for kj in 0..<g.kernel {
        let src = dcol + row * oh * ow
        for i in 0..<oh {
          let h = i * g.stride - g.padding + ki
          if h < 0 || h >= g.height { continue }
          for j in 0..<ow {
            let w = j * g.stride - g.padding + kj
            if w < 0 || w >= g.width { continue }
            dx[(c * g.height + h) * g.width + w] += src[i * ow + j]
          }
        }
        row += 1
      }
    }
  }
}

// y[o, p] = Σ_k W[o, k] · col[k, p] + b[o]       (one sample; col from im2col)
@inlinable
public func conv2dForward(
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
@inlinable
public func conv2dBackward(
  _ dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
  col: UnsafeMutablePointer<Float>, dcol: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
  _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, outChannels: Int, _ g: ConvGeometry
) {
  let p = g.outHeight * g.outWidth
  im2col(col, x, g)
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

// y[c, i, j] = max over the window of x; argmax remembers which input won (first on ties).
@inlinable
public func maxpoolForward(
  _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, _ x: UnsafePointer<Float>,
  _ g: ConvGeometry
) {
  let oh = g.outHeight
  let ow = g.outWidth
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
              if v.isNaN { break }
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

// dx[argmax[o]] += dy[o]
@inlinable
public func maxpoolBackward(
  _ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
  inputCount: Int, outputCount: Int
) {
  dx.update(repeating: 0, count: inputCount)
  for o in 0..<outputCount where argmax[o] >= 0 { dx[Int(argmax[o])] += dy[o] }
}
