/// An error NormCore reports instead of producing NaN or crashing. Each case says what kind of
/// mistake it is, so a caller can react to it (`catch NormError.shapeMismatch`), and carries
/// the message, in PyTorch's wording where PyTorch has one.
public enum NormError: Error, CustomStringConvertible, Sendable, Equatable {
  /// An argument outside its domain: `Invalid learning rate: -1.0`,
  /// `num_channels (6) must be divisible by num_groups (4)`.
  case invalidArgument(String)
  /// A tensor whose shape does not fit the operation: `Network expects input of shape [N, 64],
  /// got [4, 3]`.
  case shapeMismatch(String)
  /// A statistic over too few values: `Expected more than 1 value per channel when training,
  /// got input size torch.Size([1, 3])`.
  case tooFewValues(String)
  /// A call out of order: `backward` without a `forward`, a stale forward pass.
  case invalidState(String)
  /// A state dictionary that does not fit the network (missing or unexpected keys, size
  /// mismatches), in the words of PyTorch's `load_state_dict`.
  case stateDict(String)
  /// Malformed data: a CSV or IDX file, an unknown built-in data set or parameter.
  case invalidData(String)
  /// An error with the context it happened in (`step 12`, `layer 3 (batchnorm)`); the cause is
  /// kept, so `rootCause` recovers it.
  indirect case context(String, NormError)

  /// An invalid-argument error; the form most call sites use.
  public init(_ message: String) { self = .invalidArgument(message) }

  /// The message, with any context in front: `layer 3 (batchnorm): Expected more than …`.
  public var description: String {
    switch self {
    case .invalidArgument(let m), .shapeMismatch(let m), .tooFewValues(let m), .invalidState(let m),
      .stateDict(let m), .invalidData(let m):
      m
    case .context(let c, let cause): "\(c): \(cause.description)"
    }
  }

  /// Same as ``description``.
  public var message: String { description }

  /// The error without any context around it.
  public var rootCause: NormError {
    if case .context(_, let cause) = self { return cause.rootCause }
    return self
  }

  /// This error inside `context`.
  public func within(_ context: String) -> NormError { .context(context, self) }
}

/// A growable Float buffer owned by one layer or network; reused across steps so a training
/// step allocates only when the batch grows beyond anything seen before. Package-internal: its
/// pointer is invalidated by `resize`, so it never crosses the public API.
package final class FloatBuffer {
  // Stored properties are private and read through computed accessors: with every access in
  // this file, the optimizer proves no overlapping access and drops Swift's run-time
  // exclusivity checks (a `package` stored property would keep them on every read).
  private var storage: UnsafeMutablePointer<Float>
  private var allocated: Int
  private var used: Int

  package var pointer: UnsafeMutablePointer<Float> { storage }
  package var capacity: Int { allocated }
  /// The number of values in use.
  package var count: Int { used }

  package init(count: Int = 0) {
    allocated = max(count, 1)
    storage = .allocate(capacity: allocated)
    storage.initialize(repeating: 0, count: allocated)
    used = count
  }

  deinit { storage.deallocate() }

  /// Makes room for `n` values (contents are kept only if no reallocation happens).
  package func resize(_ n: Int) {
    if n > allocated {
      storage.deallocate()
      allocated = max(n, allocated * 2)
      storage = .allocate(capacity: allocated)
      storage.initialize(repeating: 0, count: allocated)
    }
    used = n
  }

  package func zero() { storage.update(repeating: 0, count: used) }

  /// A copy of the values in use.
  package var array: [Float] { Array(UnsafeBufferPointer(start: storage, count: used)) }
}

/// A trainable tensor with its gradient. `frozen` parameters receive no update (PyTorch's
/// `requires_grad = False`): no gradient step and no weight decay.
///
/// Outside this package the values change only through ``assign(_:)``, which checks the shape,
/// or through an optimizer; `value` and `grad` are readable flat arrays.
public final class Parameter {
  /// What the parameter is, for display and for freezing by kind.
  public enum Role: String, Sendable { case weight, bias, gamma, beta }
  public let role: Role
  public let shape: [Int]
  /// The values, row-major (`count == shape.reduce(1, *)`).
  public package(set) var value: [Float]
  /// ∂L/∂value accumulated by `backward` since the last `zeroGradients()`.
  public package(set) var grad: [Float]
  /// Whether the optimizer skips this parameter.
  public var frozen: Bool {
    get { isFrozen }
    set { isFrozen = newValue }
  }
  /// Multiplies the optimizer's learning rate for this parameter (a per-layer learning rate;
  /// 0 behaves like `frozen` for the weights but still counts as trainable).
  public var learningRateScale: Float {
    get { rateScale }
    set { rateScale = newValue }
  }
  // Private storage behind public accessors: every access is in this file, so the optimizer
  // drops the run-time exclusivity checks a public stored property would need on each read
  // (the training step reads these for every parameter).
  private var isFrozen = false
  private var rateScale: Float = 1

  package init(role: Role, shape: [Int], value: [Float]) {
    precondition(shape.reduce(1, *) == value.count)
    self.role = role
    self.shape = shape
    self.value = value
    self.grad = [Float](repeating: 0, count: value.count)
  }

  /// A parameter of `shape` filled with `fill`.
  package convenience init(role: Role, shape: [Int], fill: Float) {
    self.init(role: role, shape: shape, value: .init(repeating: fill, count: shape.reduce(1, *)))
  }

  public var count: Int { value.count }

  /// The values as a tensor of ``shape``.
  public var tensor: Tensor { Tensor(uncheckedShape: shape, data: value) }

  /// The accumulated gradient as a tensor of ``shape``.
  public var gradient: Tensor { Tensor(uncheckedShape: shape, data: grad) }

  /// Replaces the values (as `param.copy_(t)` under `no_grad` in PyTorch). Throws
  /// ``NormError/shapeMismatch(_:)`` unless `t` has exactly this parameter's shape.
  public func assign(_ t: Tensor) throws(NormError) {
    guard t.shape == shape else {
      throw .shapeMismatch(
        "cannot assign a tensor of shape \(Tensor.describe(t.shape)) to a parameter of shape \(Tensor.describe(shape))")
    }
    value = t.data
  }

  /// The name PyTorch gives this role inside its layer: γ and β are `weight` and `bias`.
  var defaultName: String {
    switch role {
    case .weight, .gamma: "weight"
    case .bias, .beta: "bias"
    }
  }
}

/// How a forward pass runs.
public struct ForwardOptions: Sendable {
  /// `.train` uses batch statistics and dropout; `.eval` running statistics and no dropout.
  public var mode: Mode
  /// Whether the pass may change state: running statistics, `num_batches_tracked`, dropout's
  /// random stream. Instrument probes pass `false`, so observing never changes the network.
  public var updatesState: Bool
  public init(mode: Mode, updatesState: Bool = true) {
    self.mode = mode
    self.updatesState = updatesState
  }
}

/// What a layer does, for instruments and views.
public enum LayerCategory: String, Sendable {
  case weight, normalization, activation, pooling, reshape, regularization, recurrent
}

/// A layer of a ``Network``: its shapes, its named parameters and buffers.
///
/// Shapes are per sample; the batch is the first dimension of the tensors a ``Network`` takes.
/// The layers NormCore provides are the only conforming types a network can run: their
/// kernels (``KernelLayer``) are package-internal, so no caller handles raw buffers.
public protocol Layer: AnyObject {
  /// Spec keyword, e.g. `"linear"`, `"batchnorm"`.
  var kind: String { get }
  /// Short description, e.g. `"linear 64→100"`.
  var summary: String { get }
  var category: LayerCategory { get }
  var inputShape: [Int] { get }
  var outputShape: [Int] { get }
  var parameters: [Parameter] { get }
  /// Parameters under PyTorch's names within the layer: `weight`, `bias`, `weight_ih_l0`.
  var namedParameters: [(name: String, parameter: Parameter)] { get }
  /// Names of the non-trainable state PyTorch saves in `state_dict`: `running_mean`,
  /// `running_var`, `num_batches_tracked`.
  var bufferNames: [String] { get }
  /// The buffer called `name`, or nil.
  func buffer(named name: String) -> Tensor?
  /// Replaces the buffer called `name`; throws ``NormError/stateDict(_:)`` on a wrong shape or
  /// an unknown name.
  func setBuffer(named name: String, to value: Tensor) throws(NormError)
}

extension Layer {
  public var parameters: [Parameter] { [] }
  public var namedParameters: [(name: String, parameter: Parameter)] { parameters.map { ($0.defaultName, $0) } }
  public var bufferNames: [String] { [] }
  public func buffer(named name: String) -> Tensor? { nil }
  public func setBuffer(named name: String, to value: Tensor) throws(NormError) {
    throw .stateDict("\(kind) has no buffer '\(name)'")
  }
  var inputCount: Int { inputShape.reduce(1, *) }
  var outputCount: Int { outputShape.reduce(1, *) }
}

/// The kernels under a ``Layer``: an explicit forward and backward over flat row-major
/// buffers of `batch` samples. Package-internal: the pointers are valid only while the owning
/// ``Network`` keeps them, and `backward` reads caches the last `forward` left.
/// `backward` *accumulates* into parameter gradients and *writes* `dx`.
package protocol KernelLayer: Layer {
  func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions
  ) throws
  func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int)
}

/// Running statistics as `state_dict` buffers, shared by BatchNorm and InstanceNorm.
func runningStatisticsBuffer(_ name: String, mean: [Float], variance: [Float], batches: Int?) -> Tensor? {
  switch name {
  case "running_mean": Tensor(uncheckedShape: [mean.count], data: mean)
  case "running_var": Tensor(uncheckedShape: [variance.count], data: variance)
  case "num_batches_tracked": batches.map { Tensor(uncheckedShape: [], data: [Float($0)]) }
  default: nil
  }
}

/// Checks a buffer tensor against the expected shape, in `load_state_dict`'s words.
func checkedBuffer(_ name: String, _ value: Tensor, shape: [Int]) throws(NormError) -> [Float] {
  guard value.shape == shape else {
    throw .stateDict(
      "size mismatch for \(name): copying a param with shape \(Tensor.describe(value.shape)) from checkpoint, the shape in current model is \(Tensor.describe(shape))."
    )
  }
  return value.data
}

/// Formats a per-sample shape with a batch size as PyTorch prints sizes: `[1, 3]`.
func sizeDescription(batch: Int, _ shape: [Int]) -> String {
  "[" + ([batch] + shape).map(String.init).joined(separator: ", ") + "]"
}
