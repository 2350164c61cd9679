/// A dense, row-major Float32 tensor: a shape and a flat array of values.
///
/// Tensors are the values that cross NormCore's API: a ``Network`` takes a batch as a tensor
/// whose first dimension is the batch and returns one; parameters, gradients and buffers are
/// read and written as tensors. Inside a training step the kernels work on flat buffers owned
/// by the network, so a step allocates nothing per element.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
  /// The extent of each dimension, outermost first (e.g. `[N, C, H, W]`); `[]` for a scalar.
  public private(set) var shape: [Int]
  /// The values, row-major; `data.count == shape.reduce(1, *)`.
  public private(set) var data: [Float]

  /// A tensor of zeros. Throws on a negative extent.
  public init(zeros shape: [Int]) throws(NormError) {
    try self.init(repeating: 0, shape: shape)
  }

  /// A tensor with every value `value`. Throws on a negative extent or more than 2³¹ values.
  public init(repeating value: Float, shape: [Int]) throws(NormError) {
    let count = try Tensor.count(of: shape)
    self.shape = shape
    self.data = [Float](repeating: value, count: count)
  }

  /// A tensor over `data` laid out row-major in `shape`. Throws
  /// ``NormError/shapeMismatch(_:)`` (PyTorch's `view` wording) unless the counts agree.
  public init(_ data: [Float], shape: [Int]) throws(NormError) {
    let count = try Tensor.count(of: shape)
    guard count == data.count else {
      throw .shapeMismatch("shape '\(Tensor.describe(shape))' is invalid for input of size \(data.count)")
    }
    self.shape = shape
    self.data = data
  }

  /// A rank-2 tensor from rows of equal length (a batch of feature vectors).
  public init(rows: [[Float]]) throws(NormError) {
    let width = rows.first?.count ?? 0
    if let bad = rows.firstIndex(where: { $0.count != width }) {
      throw .shapeMismatch("expected sequence of length \(width) at dim 1 (got \(rows[bad].count))")
    }
    try self.init(rows.flatMap { $0 }, shape: [rows.count, width])
  }

  /// Package-internal: the caller guarantees `data.count == shape.reduce(1, *)`.
  package init(uncheckedShape shape: [Int], data: [Float]) {
    precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values do not fill shape \(shape)")
    self.shape = shape
    self.data = data
  }

  /// The number of values.
  public var count: Int { data.count }

  /// The first dimension (the batch of a network's input or output); 1 for a scalar.
  public var batch: Int { shape.first ?? 1 }

  /// Values with standard normal entries from `rng`.
  public static func randn(_ shape: [Int], rng: inout SeededRNG) throws(NormError) -> Tensor {
    var t = try Tensor(zeros: shape)
    for i in 0..<t.count { t.data[i] = rng.normal() }
    return t
  }

  /// The same values in another shape with the same count (PyTorch's `reshape`).
  public func reshaped(_ shape: [Int]) throws(NormError) -> Tensor { try Tensor(data, shape: shape) }

  /// Sample `i` along the first dimension, as a tensor of the remaining shape.
  public func sample(_ i: Int) throws(NormError) -> Tensor {
    guard !shape.isEmpty, (0..<shape[0]).contains(i) else {
      throw .invalidArgument("index \(i) is out of bounds for dimension 0 with size \(shape.first ?? 0)")
    }
    let per = count / max(shape[0], 1)
    return Tensor(uncheckedShape: Array(shape.dropFirst()), data: Array(data[(i * per)..<((i + 1) * per)]))
  }

  /// The shape written as PyTorch prints it, e.g. `[1, 3]`.
  public var shapeDescription: String { Tensor.describe(shape) }

  public var description: String {
    let shown = data.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor(shape: \(shapeDescription), data: [\(shown)\(count > 8 ? ", …" : "")])"
  }

  /// `[2, 3]` for a shape.
  public static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

  /// The number of values of `shape`, checked.
  static func count(of shape: [Int]) throws(NormError) -> Int {
    var n = 1
    for d in shape {
      guard d >= 0 else { throw .invalidArgument("negative dimension \(d) in shape \(describe(shape))") }
      let (p, overflow) = n.multipliedReportingOverflow(by: d)
      guard !overflow, p <= 1 << 31 else { throw .invalidArgument("shape \(describe(shape)) holds too many values") }
      n = p
    }
    return n
  }
}

/// The mode a network runs in, as `model.train()` / `model.eval()` in PyTorch.
public enum Mode: String, Sendable, CaseIterable {
  case train
  case eval
}
