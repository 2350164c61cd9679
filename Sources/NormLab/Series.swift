/// An append-only time series of (step, value) pairs. When it reaches `capacity` points it
/// drops every second point (deterministically), so arbitrarily long runs keep an evenly
/// thinned history for line charts.
public struct Series: Sendable, Equatable {
  public private(set) var steps: [Int] = []
  public private(set) var values: [Float] = []
  public let capacity: Int

  public init(capacity: Int = 20_000) { self.capacity = max(capacity, 4) }

  public mutating func append(step: Int, _ value: Float) {
    if steps.count >= capacity {
      steps = stride(from: 0, to: steps.count, by: 2).map { steps[$0] }
      values = stride(from: 0, to: values.count, by: 2).map { values[$0] }
    }
    steps.append(step)
    values.append(value)
  }

  public var count: Int { values.count }
  public var isEmpty: Bool { values.isEmpty }
  public var last: Float? { values.last }
  public var lastStep: Int? { steps.last }
  public var first: Float? { values.first }

  /// The value recorded at `step`, or the last one before it.
  public func value(atOrBefore step: Int) -> Float? {
    var lo = 0
    var hi = steps.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if steps[mid] <= step { lo = mid + 1 } else { hi = mid }
    }
    return lo > 0 ? values[lo - 1] : nil
  }

  /// Largest minus smallest finite value (0 when empty).
  public var range: Float {
    let finite = values.filter(\.isFinite)
    guard let mn = finite.min(), let mx = finite.max() else { return 0 }
    return mx - mn
  }
}

/// A fixed-capacity ring buffer: the newest `capacity` elements, oldest first.
public struct RingBuffer<Element: Sendable>: Sendable {
  public let capacity: Int
  private var storage: [Element] = []
  private var start = 0

  public init(capacity: Int) { self.capacity = max(capacity, 1) }

  public mutating func append(_ e: Element) {
    if storage.count < capacity {
      storage.append(e)
    } else {
      storage[start] = e
      start = (start + 1) % capacity
    }
  }

  public var count: Int { storage.count }
  public var isEmpty: Bool { storage.isEmpty }
  /// Elements from oldest to newest.
  public var elements: [Element] { Array(storage[start...] + storage[..<start]) }
  public var last: Element? { storage.isEmpty ? nil : storage[(start + storage.count - 1) % storage.count] }
}

extension RingBuffer: Equatable where Element: Equatable {
  public static func == (a: Self, b: Self) -> Bool { a.capacity == b.capacity && a.elements == b.elements }
}
