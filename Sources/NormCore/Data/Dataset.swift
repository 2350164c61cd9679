import NormSupport

/// A labelled classification data set held in memory: `count` samples of `sampleShape`,
/// stored row-major in `features`, with integer labels in 0..<classCount.
public struct Dataset: Sendable, Equatable {
  public var name: String
  /// Per-sample shape: [D] for feature vectors, [C, H, W] for images, [T, K] for sequences.
  public var sampleShape: [Int]
  public var features: [Float]
  public var labels: [Int32]
  public var classCount: Int
  /// Optional class names (CSV files with text labels).
  public var classNames: [String]?

  public init(
    name: String, sampleShape: [Int], features: [Float], labels: [Int32], classCount: Int, classNames: [String]? = nil
  ) {
    precondition(
      features.count == labels.count * sampleShape.reduce(1, *), "Dataset: features do not match labels × shape")
    self.name = name
    self.sampleShape = sampleShape
    self.features = features
    self.labels = labels
    self.classCount = classCount
    self.classNames = classNames
  }

  public var count: Int { labels.count }
  public var sampleSize: Int { sampleShape.reduce(1, *) }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: some Collection<Int>) -> Dataset {
    var f = [Float]()
    f.reserveCapacity(indices.count * sampleSize)
    var l = [Int32]()
    l.reserveCapacity(indices.count)
    for i in indices {
      f.append(contentsOf: features[(i * sampleSize)..<((i + 1) * sampleSize)])
      l.append(labels[i])
    }
    return Dataset(
      name: name, sampleShape: sampleShape, features: f, labels: l, classCount: classCount, classNames: classNames)
  }

  /// A seeded shuffle split into training and validation parts (validation gets
  /// `round(count × fraction)` samples, at least 1 when fraction > 0 and count > 1).
  public func split(validationFraction: Double, seed: UInt64) -> (train: Dataset, validation: Dataset) {
    var order = Array(0..<count)
    var rng = SeededRNG(seed: seed, stream: "split")
    rng.shuffle(&order)
    var nVal = Int(clamping: Double(count) * validationFraction, rounding: .toNearestOrAwayFromZero)
    if validationFraction > 0 && count > 1 { nVal = min(max(nVal, 1), count - 1) }
    let val = subset(order[0..<nVal])
    let train = subset(order[nVal...])
    return (train, val)
  }

  /// The samples at `indices` as a batch: inputs `[N] + sampleShape` and their labels.
  /// Throws ``NormError/invalidArgument(_:)`` for an index outside `0..<count`.
  public func batch(_ indices: some Collection<Int>) throws(NormError) -> (inputs: Tensor, labels: [Int]) {
    if let bad = indices.first(where: { !(0..<count).contains($0) }) {
      throw .invalidArgument("index \(bad) is out of bounds for a data set of \(count) samples")
    }
    var x: [Float] = []
    var y: [Int32] = []
    gather(indices, features: &x, labels: &y)
    let n = indices.count
    return (
      Tensor(uncheckedShape: [n] + sampleShape, data: Array(x.prefix(n * sampleSize))), y.prefix(n).map { Int($0) }
    )
  }

  /// Copies the samples at `indices` to the front of `out` and `outLabels`, which grow when
  /// too small and are otherwise reused (they may hold more than `indices.count` samples).
  public func gather(_ indices: some Collection<Int>, features out: inout [Float], labels outLabels: inout [Int32]) {
    // Called across modules, this generic function runs unspecialized: iterating `indices`
    // through witness tables cost more than the copy for small samples. Hand the loop a
    // buffer instead.
    if let done = indices.withContiguousStorageIfAvailable({ gather($0, features: &out, labels: &outLabels) }) {
      return done
    }
    Array(indices).withUnsafeBufferPointer { gather($0, features: &out, labels: &outLabels) }
  }

  /// ``gather(_:features:labels:)`` over a buffer of indices.
  package func gather(_ indices: UnsafeBufferPointer<Int>, features out: inout [Float], labels outLabels: inout [Int32])
  {
    let d = sampleSize
    if out.count < indices.count * d { out = [Float](repeating: 0, count: indices.count * d) }
    if outLabels.count < indices.count { outLabels = [Int32](repeating: 0, count: indices.count) }
    let n = count
    features.withUnsafeBufferPointer { src in
      labels.withUnsafeBufferPointer { lab in
        out.withUnsafeMutableBufferPointer { dst in
          outLabels.withUnsafeMutableBufferPointer { dstLab in
            for (r, i) in indices.enumerated() {
              precondition(i >= 0 && i < n, "sample index \(i) out of range 0..<\(n)")
              let from = src.baseAddress! + i * d
              let to = dst.baseAddress! + r * d
              if d <= 16 {
                for j in 0..<d { to[j] = from[j] }
              } else {
                to.update(from: from, count: d)
              }
              dstLab[r] = lab[i]
            }
          }
        }
      }
    }
  }
}

/// Draws mini-batches without replacement from a seeded permutation. The batch size may
/// change between calls. When fewer samples than requested remain in the epoch, the rest is
/// dropped and a new permutation starts (PyTorch's `drop_last=True`), so every batch is full.
public struct BatchSampler: Sendable {
  public let count: Int
  private var order: [Int]
  private var cursor = 0
  private var rng: SeededRNG
  public private(set) var epoch = 0

  public init(count: Int, seed: UInt64) {
    self.count = count
    rng = SeededRNG(seed: seed, stream: "batches")
    order = Array(0..<count)
    rng.shuffle(&order)
  }

  /// The next `size` indices (clamped to the data set size).
  public mutating func next(_ size: Int) -> ArraySlice<Int> {
    let size = min(max(size, 1), count)
    if cursor + size > count {
      rng.shuffle(&order)
      cursor = 0
      epoch += 1
    }
    defer { cursor += size }
    return order[cursor..<(cursor + size)]
  }
}
