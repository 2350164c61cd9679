// Losses on tensors, as PyTorch's functional losses with mean reduction; each returns the loss
// and its gradient with respect to the prediction (what `loss.backward()` would feed back).

/// `F.cross_entropy(logits, labels)`: softmax cross-entropy averaged over the batch, and
/// ∂L/∂logits = (softmax(logits) − onehot(labels)) / N.
///
/// Throws ``NormError/shapeMismatch(_:)`` unless `logits` is `[N, C]` with N = `labels.count`,
/// and ``NormError/invalidArgument(_:)`` for a label outside `0..<C` (PyTorch: "Target 12 is
/// out of bounds.").
public func crossEntropy(_ logits: Tensor, labels: [Int]) throws(NormError) -> (loss: Float, gradient: Tensor) {
  let (n, c) = try checkedBatch(logits, labels: labels)
  let targets = try labels.map { label throws(NormError) -> Int32 in
    guard (0..<c).contains(label) else { throw .invalidArgument("Target \(label) is out of bounds.") }
    return Int32(label)
  }
  var probabilities = [Float](repeating: 0, count: n * c)
  var gradient = [Float](repeating: 0, count: n * c)
  let loss = logits.data.withUnsafeBufferPointer { z in
    targets.withUnsafeBufferPointer { y in
      probabilities.withUnsafeMutableBufferPointer { p in
        gradient.withUnsafeMutableBufferPointer { d in
          softmaxCrossEntropy(
            dlogits: d.baseAddress!, probs: p.baseAddress!, z.baseAddress!, labels: y.baseAddress!, batch: n,
            classes: c)
        }
      }
    }
  }
  return (loss, Tensor(uncheckedShape: logits.shape, data: gradient))
}

/// `F.mse_loss(output, target)`: the mean of (output − target)² over every value, and
/// ∂L/∂output = 2(output − target)/count. Throws ``NormError/shapeMismatch(_:)`` unless the
/// shapes are equal.
public func meanSquaredError(_ output: Tensor, _ target: Tensor) throws(NormError) -> (loss: Float, gradient: Tensor) {
  guard output.shape == target.shape, output.count > 0 else {
    throw .shapeMismatch(
      "mse_loss needs output and target of the same non-empty shape, got \(output.shapeDescription) and \(target.shapeDescription)"
    )
  }
  var gradient = [Float](repeating: 0, count: output.count)
  let loss = output.data.withUnsafeBufferPointer { o in
    target.data.withUnsafeBufferPointer { t in
      gradient.withUnsafeMutableBufferPointer { d in
        meanSquaredError(dout: d.baseAddress!, o.baseAddress!, targets: t.baseAddress!, count: o.count)
      }
    }
  }
  return (loss, Tensor(uncheckedShape: output.shape, data: gradient))
}

/// The fraction of rows of `logits` whose largest value is at the label's index.
public func accuracy(_ logits: Tensor, labels: [Int]) throws(NormError) -> Float {
  let (n, c) = try checkedBatch(logits, labels: labels)
  var correct = 0
  logits.data.withUnsafeBufferPointer { z in
    for b in 0..<n where argmax(z.baseAddress! + b * c, c) == labels[b] { correct += 1 }
  }
  return Float(correct) / Float(n)
}

/// `[N, C]` logits with N labels, N ≥ 1, C ≥ 1.
private func checkedBatch(_ logits: Tensor, labels: [Int]) throws(NormError) -> (n: Int, c: Int) {
  guard logits.shape.count == 2, logits.shape[0] >= 1, logits.shape[1] >= 1 else {
    throw .shapeMismatch("expected logits of shape [N, C], got \(logits.shapeDescription)")
  }
  guard logits.shape[0] == labels.count else {
    throw .shapeMismatch("Expected input batch_size (\(logits.shape[0])) to match target batch_size (\(labels.count)).")
  }
  return (logits.shape[0], logits.shape[1])
}
