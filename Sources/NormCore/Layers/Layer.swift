/// An error NormCore reports instead of producing NaN or crashing: bad shapes, one value per
/// channel in BatchNorm training, malformed specs or data. Messages follow PyTorch's wording
/// where PyTorch has one.
public struct NormError: Error, CustomStringConvertible, Sendable, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A growable Float buffer owned by one layer or network; reused across steps so a training
/// step allocates only when the batch grows beyond anything seen before.
public final class FloatBuffer {
  public private(set) var pointer: UnsafeMutablePointer<Float>
  public private(set) var capacity: Int
  /// The number of values in use.
  public private(set) var count: Int

  public init(count: Int = 0) {
    capacity = max(count, 1)
    pointer = .allocate(capacity: capacity)
    pointer.initialize(repeating: 0, count: capacity)
    self.count = count
  }

  deinit { pointer.deallocate() }

  /// Makes room for `n` values (contents are kept only if no reallocation happens).
  public func resize(_ n: Int) {
    if n > capacity {
      pointer.deallocate()
      capacity = max(n, capacity * 2)
      pointer = .allocate(capacity: capacity)
      pointer.initialize(repeating: 0, count: capacity)
    }
    count = n
  }

  public func zero() { pointer.update(repeating: 0, count: count) }

  /// A copy of the values in use.
  public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// A trainable tensor with its gradient. `frozen` parameters receive no update (PyTorch's
/// `requires_grad = False`): no gradient step and no weight decay.
public final class Parameter {
  /// What the parameter is, for display and for freezing by kind.
  public enum Role: String, Sendable { case weight, bias, gamma, beta }
  public let role: Role
  public let shape: [Int]
  public var value: [Float]
  public var grad: [Float]
  public var frozen = false
  /// Multiplies the optimizer's learning rate for this parameter (a per-layer learning rate;
  /// 0 behaves like `frozen` for the weights but still counts as trainable).
  public var learningRateScale: Float = 1

  public init(role: Role, shape: [Int], value: [Float]) {
    precondition(shape.reduce(1, *) == value.count)
    self.role = role
    self.shape = shape
    self.value = value
    self.grad = [Float](repeating: 0, count: value.count)
  }

  public var count: Int { value.count }
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

/// A layer with an explicit forward and backward over flat row-major buffers.
///
/// Shapes are per sample (the batch dimension is passed separately and may change between
/// calls). `backward` *accumulates* into parameter gradients and *writes* `dx`.
public protocol Layer: AnyObject {
  /// Spec keyword, e.g. `"linear"`, `"batchnorm"`.
  var kind: String { get }
  /// Short description, e.g. `"linear 64→100"`.
  var summary: String { get }
  var category: LayerCategory { get }
  var inputShape: [Int] { get }
  var outputShape: [Int] { get }
  var parameters: [Parameter] { get }
  func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, options: ForwardOptions
  ) throws
  func backward(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>?, batch: Int)
}

extension Layer {
  public var parameters: [Parameter] { [] }
  var inputCount: Int { inputShape.reduce(1, *) }
  var outputCount: Int { outputShape.reduce(1, *) }
}

/// Formats a per-sample shape with a batch size as PyTorch prints sizes: `[1, 3]`.
func sizeDescription(batch: Int, _ shape: [Int]) -> String {
  "[" + ([batch] + shape).map(String.init).joined(separator: ", ") + "]"
}
