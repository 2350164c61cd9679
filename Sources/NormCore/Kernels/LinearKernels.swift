// Fully connected layer. x: (B, C), W: (OC, C), b: (OC), y: (B, OC).

// y[b,o] = Σ_c x[b,c] · W[o,c] + bias[o]
package func linearForward(
  _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
  _ bias: UnsafePointer<Float>?, batch: Int, inFeatures: Int, outFeatures: Int
) {
  matmulNT(y, x, w, m: batch, n: outFeatures, k: inFeatures)
  if let bias {
    for r in 0..<batch {
      let yr = y + r * outFeatures
      for o in 0..<outFeatures { yr[o] += bias[o] }
    }
  }
}

// dx = dy · W        dW += dyᵀ · x        dbias += Σ_b dy[b,:]
package func linearBackward(
  _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>,
  _ dbias: UnsafeMutablePointer<Float>?, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
  _ w: UnsafePointer<Float>, batch: Int, inFeatures: Int, outFeatures: Int
) {
  if let dx { matmulNN(dx, dy, w, m: batch, n: inFeatures, k: outFeatures) }
  matmulTN(dw, dy, x, m: outFeatures, n: inFeatures, k: batch, accumulate: true)
  if let dbias {
    for r in 0..<batch {
      let dyr = dy + r * outFeatures
      for o in 0..<outFeatures { dbias[o] += dyr[o] }
    }
  }
}
