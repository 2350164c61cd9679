/// A dense, row-major Float32 tensor: a shape and a flat array of values.
///
/// Tensors are the values that cross NormCore's API (inputs, outputs, parameters, snapshots).
/// Inside a training step the kernels work on flat buffers owned by the network, so a step
/// allocates nothing per element.
public struct Tensor: Sendable, Equatable {
  /// The extent of each dimension, outermost first (e.g. `[N, C, H, W]`).
  public var shape: [Int]
  /// The values, row-major; `data.count == shape.reduce(1, *)`.
  public var data: [Float]

  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    self.shape = shape
    self.data = [Float](repeating: 0, count: shape.reduce(1, *))
  }

  /// A tensor over existing values; `data.count` must equal the product of `shape`.
  public init(shape: [Int], data: [Float]) {
    precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values do not fill shape \(shape)")
    self.shape = shape
    self.data = data
  }

  /// The number of values.
  public var count: Int { data.count }

  /// Values with standard normal entries from `rng`.
  public static func randn(_ shape: [Int], rng: inout SeededRNG) -> Tensor {
    var t = Tensor(zeros: shape)
    for i in 0..<t.count { t.data[i] = rng.normal() }
    return t
  }

  /// The shape written as PyTorch prints it, e.g. `[1, 3]`.
  public var shapeDescription: String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}

/// The mode a network runs in, as `model.train()` / `model.eval()` in PyTorch.
public enum Mode: String, Sendable, CaseIterable {
  case train
  case eval
}
