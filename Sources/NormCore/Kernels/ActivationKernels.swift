// Elementwise activations over n values. Backward functions take the forward output y
// (cheaper than recomputing) except ReLU, which needs only the sign of y as well.

// y = max(0, x)
package func reluForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
  for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
}
// dx = dy · [x > 0]   (PyTorch: the gradient at exactly 0 is 0)
package func reluBackward(
  _ dx: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count n: Int
) {
  for i in 0..<n { dx[i] = y[i] > 0 ? dy[i] : 0 }
}

// y = 1 / (1 + e^(−x))
package func sigmoidForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
  for i in 0..<n { y[i] = 1 / (1 + _exp(-x[i])) }
}
// dx = dy · y · (1 − y)
package func sigmoidBackward(
  _ dx: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count n: Int
) {
  for i in 0..<n { dx[i] = dy[i] * y[i] * (1 - y[i]) }
}

// y = tanh(x)
package func tanhForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
  for i in 0..<n { y[i] = _tanh(x[i]) }
}
// dx = dy · (1 − y²)
package func tanhBackward(
  _ dx: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count n: Int
) {
  for i in 0..<n { dx[i] = dy[i] * (1 - y[i] * y[i]) }
}

// Inverted dropout: y = x · mask, mask ∈ {0, 1/(1−p)} drawn in training; identity in eval.
// dx = dy · mask
package func dropoutApply(
  _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, count n: Int
) {
  for i in 0..<n { y[i] = x[i] * mask[i] }
}

// allFinite(x) = no x[i] is ±Inf or NaN, i.e. no exponent field is all ones. The exponent
// fields are max-reduced eight lanes at a time (a one-cycle dependency), so the test runs at
// load speed with no branch per element.
package func allFinite(_ x: UnsafePointer<Float>, count n: Int) -> Bool {
  let exponent: UInt32 = 0x7F80_0000
  var i = 0
  var acc = SIMD8<UInt32>(repeating: 0)
  let raw = UnsafeRawPointer(x)
  while i + 8 <= n {
    acc = pointwiseMax(acc, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<UInt32>.self) & exponent)
    i += 8
  }
  var top = acc.max()
  while i < n {
    top = max(top, x[i].bitPattern & exponent)
    i += 1
  }
  return top != exponent
}
