// The tensor API of `Network`: values in, values out, PyTorch's names and errors. The pointer
// kernels underneath stay package-internal.

extension Network {
  // MARK: Forward and backward on tensors

  /// Runs the network on a batch in ``mode`` (as calling a PyTorch module) and returns the
  /// output, `[N] + outputShape`. In `.train` mode BatchNorm uses batch statistics and updates
  /// its running statistics (unless `updatesState` is false, which leaves every state alone).
  ///
  /// Throws ``NormError/shapeMismatch(_:)`` unless `input.shape == [N] + inputShape` with
  /// N ≥ 1, and the layers' errors (``NormError/tooFewValues(_:)`` for BatchNorm training on one
  /// value per channel).
  public func forward(_ input: Tensor, updatesState: Bool = true) throws(NormError) -> Tensor {
    guard input.shape.count == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape, input.batch >= 1
    else {
      throw .shapeMismatch(
        "the network expects input of shape [N\(inputShape.map { ", \($0)" }.joined())], got \(input.shapeDescription)"
      )
    }
    do {
      try forward(input.data, batch: input.batch, updatesState: updatesState)
    } catch let error as NormError {
      throw error
    } catch {
      throw .invalidState("\(error)")
    }
    return Tensor(uncheckedShape: [batch] + outputShape, data: outputValues)
  }

  /// Same as ``forward(_:updatesState:)``: `let y = try network(x)`.
  public func callAsFunction(_ input: Tensor) throws(NormError) -> Tensor { try forward(input) }

  /// Backpropagates ∂L/∂output of the last ``forward(_:updatesState:)`` through every layer,
  /// *accumulating* parameter gradients (call ``zeroGradients()`` between steps, as PyTorch's
  /// `optimizer.zero_grad()`), and returns ∂L/∂input.
  ///
  /// Each forward may be backpropagated once, as a PyTorch graph: a second `backward`, or one
  /// with no forward before it, throws ``NormError/invalidState(_:)``; an `outputGradient` of
  /// another shape than the last output throws ``NormError/shapeMismatch(_:)``.
  @discardableResult
  public func backward(_ outputGradient: Tensor) throws(NormError) -> Tensor {
    guard pendingBackward else {
      throw .invalidState(
        "Trying to backward through the graph a second time (or with no forward before it): run forward again first"
      )
    }
    let expected = [batch] + outputShape
    guard outputGradient.shape == expected else {
      throw .shapeMismatch(
        "Mismatch in shape: grad_output has a shape of \(outputGradient.shapeDescription) and output has a shape of \(Tensor.describe(expected))"
      )
    }
    pendingBackward = false
    let saved = computesInputGradient
    computesInputGradient = true
    defer { computesInputGradient = saved }
    outputGradient.data.withUnsafeBufferPointer { backward($0) }
    return Tensor(uncheckedShape: [batch] + inputShape, data: gradientValues(0))
  }

  // MARK: Names, as PyTorch's nn.Sequential gives them

  /// Every parameter under its `state_dict` name: `"0.weight"`, `"1.bias"`, in layer order.
  public var namedParameters: [(name: String, parameter: Parameter)] {
    layers.enumerated().flatMap { i, layer in layer.namedParameters.map { ("\(i).\($0.name)", $0.parameter) } }
  }

  /// Every buffer under its `state_dict` name: `"1.running_mean"`, `"1.num_batches_tracked"`.
  public var namedBuffers: [(name: String, value: Tensor)] {
    layers.enumerated().flatMap { i, layer in
      layer.bufferNames.compactMap { n in layer.buffer(named: n).map { ("\(i).\(n)", $0) } }
    }
  }

  /// Parameters and buffers in PyTorch's `state_dict()` order: per layer, parameters then
  /// buffers.
  public func stateDict() -> [(key: String, value: Tensor)] {
    layers.enumerated().flatMap { i, layer -> [(key: String, value: Tensor)] in
      let params = layer.namedParameters.map { (key: "\(i).\($0.name)", value: $0.parameter.tensor) }
      let buffers = layer.bufferNames.compactMap { n in layer.buffer(named: n).map { (key: "\(i).\(n)", value: $0) } }
      return params + buffers
    }
  }

  /// Loads parameters and buffers by name (PyTorch's `load_state_dict(strict=True)`). Every
  /// key is checked before anything changes: on missing or unexpected keys or a size mismatch
  /// nothing is loaded and ``NormError/stateDict(_:)`` carries PyTorch's message.
  public func load(stateDict entries: [(key: String, value: Tensor)]) throws(NormError) {
    let current = stateDict()
    let given = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    let known = Set(current.map(\.key))
    var problems: [String] = []
    let missing = current.map(\.key).filter { given[$0] == nil }
    let unexpected = entries.map(\.key).filter { !known.contains($0) }
    if !missing.isEmpty { problems.append("Missing key(s) in state_dict: \(quotedKeys(missing)). ") }
    if !unexpected.isEmpty { problems.append("Unexpected key(s) in state_dict: \(quotedKeys(unexpected)). ") }
    for (key, value) in current {
      guard let g = given[key], g.shape != value.shape else { continue }
      problems.append(
        "size mismatch for \(key): copying a param with shape torch.Size(\(g.shapeDescription)) from checkpoint, the shape in current model is torch.Size(\(value.shapeDescription))."
      )
    }
    guard problems.isEmpty else {
      throw .stateDict("Error(s) in loading state_dict for Sequential:\n\t" + problems.joined(separator: "\n\t"))
    }
    for (i, layer) in layers.enumerated() {
      for (name, p) in layer.namedParameters { try p.assign(given["\(i).\(name)"]!) }
      for name in layer.bufferNames { try layer.setBuffer(named: name, to: given["\(i).\(name)"]!) }
    }
  }

  // MARK: Initialization

  /// Draws every weight layer's parameters afresh with `settings`, the k-th weight layer from
  /// the stream `weights/k` of `seed`: a network built by hand and one built from a
  /// ``ModelSpec`` with the same seed and settings start from the same weights.
  public func initialize(_ settings: InitSettings = InitSettings(), seed: UInt64) {
    var ordinal = 0
    for layer in layers {
      guard let w = layer as? any WeightInitializable else { continue }
      var rng = SeededRNG(seed: seed, stream: "weights/\(ordinal)")
      w.resetParameters(settings, rng: &rng)
      ordinal += 1
    }
  }
}

/// `"0.weight", "0.bias"`, as PyTorch lists keys.
private func quotedKeys(_ keys: [String]) -> String { keys.map { "\"\($0)\"" }.joined(separator: ", ") }
