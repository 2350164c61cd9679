// Constructors for library users, with PyTorch's argument names and defaults. Each checks its
// arguments and throws `NormError.invalidArgument` (in PyTorch's words where PyTorch checks),
// so a layer that exists is a layer a `Network` can run. Weight layers draw their initial
// values at construction, as PyTorch's modules do, from the `rng` they are given.
//
// The package-internal initializers (`init(inFeatures:…)`, `init(shape:…)`) are the spec
// builder's; it has checked the arguments before calling them.

/// A layer whose parameters are drawn from an ``InitScheme``.
public protocol WeightInitializable: Layer {
  /// Draws the parameters afresh (PyTorch's `reset_parameters()`), weights scaled by
  /// `settings.scale`.
  func resetParameters(_ settings: InitSettings, rng: inout SeededRNG)
}

/// Throws unless every value is at least 1.
private func requirePositive(_ values: [(String, Int)]) throws(NormError) {
  for (name, v) in values where v < 1 { throw .invalidArgument("\(name) must be positive, got \(v)") }
}

/// Throws unless the shape is non-empty with extents ≥ 1.
private func requireShape(_ name: String, _ shape: [Int]) throws(NormError) {
  guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
    throw .invalidArgument("\(name) must have extents ≥ 1, got \(Tensor.describe(shape))")
  }
}

private func requireEps(_ eps: Float) throws(NormError) {
  guard eps > 0, eps.isFinite else { throw .invalidArgument("eps must be a finite number > 0, got \(eps)") }
}

extension Linear: WeightInitializable {
  /// `nn.Linear(in_features, out_features, bias=True)`: y = x·Wᵀ + b, W of shape
  /// `[out, in]`, drawn with `initialization` (PyTorch's U(±1/√in) by default).
  public convenience init(
    _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, initialization: InitSettings = InitSettings(),
    rng: inout SeededRNG
  ) throws(NormError) {
    try requirePositive([("in_features", inFeatures), ("out_features", outFeatures)])
    self.init(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias)
    resetParameters(initialization, rng: &rng)
  }

  public func resetParameters(_ settings: InitSettings, rng: inout SeededRNG) {
    initialize(weight: weight, bias: bias, fanIn: inFeatures, fanOut: outFeatures, settings: settings, rng: &rng)
  }
}

extension Conv2d: WeightInitializable {
  /// `nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True)` on
  /// samples of `inputSize` (height, width); weights drawn with `initialization`.
  public convenience init(
    inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    inputSize: (height: Int, width: Int), bias: Bool = true, initialization: InitSettings = InitSettings(),
    rng: inout SeededRNG
  ) throws(NormError) {
    try requirePositive([
      ("in_channels", inChannels), ("out_channels", outChannels), ("kernel_size", kernelSize), ("stride", stride),
      ("height", inputSize.height), ("width", inputSize.width),
    ])
    guard padding >= 0 else { throw .invalidArgument("negative padding is not supported") }
    guard inputSize.height + 2 * padding >= kernelSize, inputSize.width + 2 * padding >= kernelSize else {
      throw .invalidArgument(
        "Calculated padded input size per channel: (\(inputSize.height + 2 * padding) x \(inputSize.width + 2 * padding)). Kernel size: (\(kernelSize) x \(kernelSize)). Kernel size can't be greater than actual input size"
      )
    }
    let g = ConvGeometry(
      channels: inChannels, height: inputSize.height, width: inputSize.width, kernel: kernelSize, stride: stride,
      padding: padding)
    self.init(geometry: g, outChannels: outChannels, bias: bias)
    resetParameters(initialization, rng: &rng)
  }

  public func resetParameters(_ settings: InitSettings, rng: inout SeededRNG) {
    initialize(
      weight: weight, bias: bias, fanIn: geometry.patchSize, fanOut: outChannels * geometry.kernel * geometry.kernel,
      settings: settings, rng: &rng)
  }
}

extension RNN: WeightInitializable {
  /// An Elman RNN (`nn.RNN(input_size, hidden_size, nonlinearity='tanh', batch_first=True)`)
  /// over `steps` time steps, returning the last hidden state; `norm` normalizes the
  /// pre-activation at every step.
  public convenience init(
    inputSize: Int, hiddenSize: Int, steps: Int, norm: Norm = .none, initialization: InitSettings = InitSettings(),
    rng: inout SeededRNG
  ) throws(NormError) {
    try requirePositive([("input_size", inputSize), ("hidden_size", hiddenSize), ("steps", steps)])
    self.init(steps: steps, inputSize: inputSize, hiddenSize: hiddenSize, norm: norm)
    resetParameters(initialization, rng: &rng)
  }

  /// PyTorch's `nn.RNN` draws every tensor from U(±1/√hidden); other schemes as for Linear.
  public func resetParameters(_ settings: InitSettings, rng: inout SeededRNG) {
    if settings.scheme == .pytorch {
      let bound = 1 / Float(hiddenSize).squareRoot()
      for p in [weightIH, weightHH, biasIH, biasHH] {
        for i in 0..<p.count { p.value[i] = rng.uniform(-bound, bound) * (p.role == .weight ? settings.scale : 1) }
      }
    } else {
      initialize(weight: weightIH, bias: biasIH, fanIn: inputSize, fanOut: hiddenSize, settings: settings, rng: &rng)
      initialize(weight: weightHH, bias: biasHH, fanIn: hiddenSize, fanOut: hiddenSize, settings: settings, rng: &rng)
    }
  }

  public var namedParameters: [(name: String, parameter: Parameter)] {
    let norm: (any Layer)? = batchNorm ?? layerNorm
    let inner = norm?.namedParameters.map { (name: "norm.\($0.name)", parameter: $0.parameter) } ?? []
    return [("weight_ih_l0", weightIH), ("weight_hh_l0", weightHH), ("bias_ih_l0", biasIH), ("bias_hh_l0", biasHH)]
      + inner
  }

  public var bufferNames: [String] { batchNorm?.bufferNames.map { "norm.\($0)" } ?? [] }

  public func buffer(named name: String) -> Tensor? {
    guard name.hasPrefix("norm.") else { return nil }
    return batchNorm?.buffer(named: String(name.dropFirst(5)))
  }

  public func setBuffer(named name: String, to value: Tensor) throws(NormError) {
    guard name.hasPrefix("norm."), let bn = batchNorm else { throw .stateDict("rnn has no buffer '\(name)'") }
    try bn.setBuffer(named: String(name.dropFirst(5)), to: value)
  }
}

extension BatchNorm {
  /// `nn.BatchNorm1d(num_features)` on samples of `[C]` or `[C, L]`, `nn.BatchNorm2d` on
  /// `[C, H, W]`: `spatialShape` is `[]`, `[L]` or `[H, W]`. PyTorch's defaults (eps 1e-5,
  /// momentum 0.1, `nil` for a cumulative average, affine, tracking running statistics).
  public convenience init(
    numFeatures: Int, spatialShape: [Int] = [], eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
    trackRunningStats: Bool = true
  ) throws(NormError) {
    try requirePositive([("num_features", numFeatures)] + spatialShape.map { ("spatial extent", $0) })
    try requireEps(eps)
    if let momentum, !(0...1).contains(momentum) {
      throw .invalidArgument("momentum must be in [0, 1] or nil, got \(momentum)")
    }
    var o = Options()
    o.eps = eps
    o.momentum = momentum
    o.affine = affine
    o.trackRunningStats = trackRunningStats
    self.init(shape: [numFeatures] + spatialShape, options: o)
  }

  public var bufferNames: [String] {
    options.trackRunningStats ? ["running_mean", "running_var", "num_batches_tracked"] : []
  }

  public func buffer(named name: String) -> Tensor? {
    guard options.trackRunningStats else { return nil }
    return runningStatisticsBuffer(name, mean: runningMean, variance: runningVar, batches: numBatchesTracked)
  }

  public func setBuffer(named name: String, to value: Tensor) throws(NormError) {
    guard options.trackRunningStats else { throw .stateDict("\(kind) does not track running statistics") }
    switch name {
    case "running_mean": runningMean = try checkedBuffer(name, value, shape: [channels])
    case "running_var": runningVar = try checkedBuffer(name, value, shape: [channels])
    case "num_batches_tracked":
      let v = try checkedBuffer(name, value, shape: [])[0]
      guard v >= 0, v < 1e15, v == v.rounded() else {
        throw .stateDict("num_batches_tracked must be a whole number ≥ 0, got \(v)")
      }
      numBatchesTracked = Int(v)
    default: throw .stateDict("\(kind) has no buffer '\(name)'")
    }
  }
}

extension InstanceNorm {
  /// `nn.InstanceNorm1d/2d(num_features)` on samples of `[C] + spatialShape` (`spatialShape`
  /// non-empty). PyTorch's defaults: eps 1e-5, momentum 0.1, no affine, no running statistics.
  public convenience init(
    numFeatures: Int, spatialShape: [Int], eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = false,
    trackRunningStats: Bool = false
  ) throws(NormError) {
    try requirePositive([("num_features", numFeatures)])
    try requireShape("spatialShape", spatialShape)
    try requireEps(eps)
    self.init(
      shape: [numFeatures] + spatialShape, eps: eps, momentum: momentum, affine: affine,
      trackRunningStats: trackRunningStats)
  }

  /// Running statistics when tracked. (PyTorch also saves `num_batches_tracked`, which this
  /// layer does not count.)
  public var bufferNames: [String] { trackRunningStats ? ["running_mean", "running_var"] : [] }

  public func buffer(named name: String) -> Tensor? {
    guard trackRunningStats else { return nil }
    return runningStatisticsBuffer(name, mean: runningMean, variance: runningVar, batches: nil)
  }

  public func setBuffer(named name: String, to value: Tensor) throws(NormError) {
    switch (trackRunningStats, name) {
    case (true, "running_mean"): runningMean = try checkedBuffer(name, value, shape: [channels])
    case (true, "running_var"): runningVar = try checkedBuffer(name, value, shape: [channels])
    default: throw .stateDict("instancenorm has no buffer '\(name)'")
    }
  }
}

extension LayerNorm {
  /// `nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True)` over whole samples of
  /// `normalizedShape`.
  public convenience init(normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true)
    throws(NormError)
  {
    try requireShape("normalized_shape", normalizedShape)
    try requireEps(eps)
    self.init(shape: normalizedShape, eps: eps, affine: elementwiseAffine)
  }
}

extension RMSNorm {
  /// `nn.RMSNorm(normalized_shape, eps=None, elementwise_affine=True)`; `nil` eps is Float32's
  /// machine epsilon, as PyTorch.
  public convenience init(normalizedShape: [Int], eps: Float? = nil, elementwiseAffine: Bool = true)
    throws(NormError)
  {
    try requireShape("normalized_shape", normalizedShape)
    if let eps { try requireEps(eps) }
    self.init(shape: normalizedShape, eps: eps, affine: elementwiseAffine)
  }
}

extension GroupNorm {
  /// `nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True)` on samples of
  /// `[num_channels] + spatialShape`.
  public convenience init(
    numGroups: Int, numChannels: Int, spatialShape: [Int] = [], eps: Float = 1e-5, affine: Bool = true
  ) throws(NormError) {
    try requirePositive([("num_groups", numGroups), ("num_channels", numChannels)])
    if !spatialShape.isEmpty { try requireShape("spatialShape", spatialShape) }
    try requireEps(eps)
    do {
      try self.init(groups: numGroups, shape: [numChannels] + spatialShape, eps: eps, affine: affine)
    } catch let e as NormError {
      throw e
    } catch {
      throw .invalidArgument("\(error)")
    }
  }
}

extension Dropout {
  /// `nn.Dropout(p)` on samples of `shape`; masks drawn from `rng` (each call advances a copy
  /// the layer owns).
  public convenience init(probability p: Float, shape: [Int], rng: SeededRNG) throws(NormError) {
    guard p >= 0, p <= 1 else {
      throw .invalidArgument("dropout probability has to be between 0 and 1, but got \(p)")
    }
    try requireShape("shape", shape)
    self.init(p: p, shape: shape, rng: rng)
  }
}

extension MaxPool2d {
  /// `nn.MaxPool2d(kernel_size, stride=kernel_size)` on samples of `[channels, height, width]`.
  public convenience init(kernelSize: Int, stride: Int? = nil, channels: Int, inputSize: (height: Int, width: Int))
    throws(NormError)
  {
    let s = stride ?? kernelSize
    try requirePositive([
      ("kernel_size", kernelSize), ("stride", s), ("channels", channels), ("height", inputSize.height),
      ("width", inputSize.width),
    ])
    guard inputSize.height >= kernelSize, inputSize.width >= kernelSize else {
      throw .invalidArgument(
        "max_pool2d: kernel \(kernelSize) is larger than the input \(inputSize.height)×\(inputSize.width)")
    }
    self.init(
      geometry: ConvGeometry(
        channels: channels, height: inputSize.height, width: inputSize.width, kernel: kernelSize, stride: s, padding: 0)
    )
  }
}
