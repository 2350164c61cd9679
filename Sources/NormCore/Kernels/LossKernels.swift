// Losses over a batch of B rows of K values; both return the mean loss over the batch.

// p = softmax(z) (max-subtracted);  L = −(1/B) Σ_b log p[b, y_b]
// dz = (p − onehot(y)) / B
package func softmaxCrossEntropy(
  dlogits: UnsafeMutablePointer<Float>?, probs: UnsafeMutablePointer<Float>,
  _ logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int
) -> Float {
  var total = 0.0
  for b in 0..<batch {
    let z = logits + b * classes
    let p = probs + b * classes
    var mx = -Float.infinity
    for k in 0..<classes where z[k] > mx { mx = z[k] }
    if !mx.isFinite { mx = 0 }
    var sum = 0.0
    for k in 0..<classes {
      let e = _exp(Double(z[k] - mx))
      p[k] = Float(e)
      sum += e
    }
    let label = Int(labels[b])
    // log p[label] = z[label] − max − log Σ e, computed without going through p (no log 0).
    total -= Double(z[label] - mx) - _log(sum)
    let inv = 1.0 / sum
    for k in 0..<classes { p[k] = Float(Double(p[k]) * inv) }
    if let dlogits {
      let d = dlogits + b * classes
      let scale = 1 / Float(batch)
      for k in 0..<classes { d[k] = (p[k] - (k == label ? 1 : 0)) * scale }
    }
  }
  return Float(total / Double(batch))
}

// L = (1/(B·K)) Σ (y − t)²;   dy = 2(y − t)/(B·K)
package func meanSquaredError(
  dout: UnsafeMutablePointer<Float>?, _ out: UnsafePointer<Float>, targets: UnsafePointer<Float>,
  count n: Int
) -> Float {
  var total = 0.0
  let scale = 2 / Float(n)
  for i in 0..<n {
    let d = out[i] - targets[i]
    total += Double(d) * Double(d)
    dout?[i] = d * scale
  }
  return Float(total / Double(n))
}
