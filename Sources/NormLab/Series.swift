/// An append-only time series of (step, value) pairs, bounded in memory: when it reaches
/// `capacity` points (default 20,000: 240 KB) it thins itself by min–max decimation. Each run
/// of four consecutive points keeps its smallest and its largest finite value and its first
/// non-finite value (so a divergence is never thinned away), in step order: at most three of
/// four. Long runs therefore keep their peaks and dips, deterministically.
public struct Series: Sendable, Equatable {
  public private(set) var steps: [Int] = []
  public private(set) var values: [Float] = []
  public let capacity: Int

  public init(capacity: Int = 20_000) { self.capacity = max(capacity, 4) }

  public mutating func append(step: Int, _ value: Float) {
    if steps.count >= capacity { thin() }
    steps.append(step)
    values.append(value)
  }

  /// Min–max decimation (see the type's documentation).
  mutating func thin() {
    var keep = [Int]()
    keep.reserveCapacity(steps.count * 3 / 4 + 3)
    var start = 0
    while start < values.count {
      let end = min(start + 4, values.count)
      var lo: Int? = nil
      var hi: Int? = nil
      var nonFinite: Int? = nil
      for i in start..<end {
        let v = values[i]
        guard v.isFinite else {
          if nonFinite == nil { nonFinite = i }
          continue
        }
        if lo == nil || v < values[lo!] { lo = i }
        if hi == nil || v > values[hi!] { hi = i }
      }
      for i in start..<end where i == lo || i == hi || i == nonFinite { keep.append(i) }  // step order
      start = end
    }
    steps = keep.map { steps[$0] }
    values = keep.map { values[$0] }
  }

  public var count: Int { values.count }
  public var isEmpty: Bool { values.isEmpty }
  public var last: Float? { values.last }
  public var lastStep: Int? { steps.last }
  public var first: Float? { values.first }

  /// The value recorded at exactly `step`, or nil (none, or thinned away).
  public func value(at step: Int) -> Float? { Self.index(of: step, in: steps).map { values[$0] } }

  /// Where `step` is in the ascending `steps` (checked at the end first: usually the last), or nil.
  public static func index(of step: Int, in steps: [Int]) -> Int? {
    if steps.last == step { return steps.count - 1 }
    var lo = 0
    var hi = steps.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if steps[mid] < step { lo = mid + 1 } else { hi = mid }
    }
    return lo < steps.count && steps[lo] == step ? lo : nil
  }

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
