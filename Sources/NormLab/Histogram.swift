import NormSupport

/// A histogram over a fixed range. Values outside the range are counted as underflow or
/// overflow; NaN, +Inf and −Inf are counted apart. Nothing is dropped silently and the range
/// never changes after creation, so histograms of one layer over time are comparable.
public struct Histogram: Sendable, Equatable {
  public let lower: Float
  public let upper: Float
  public private(set) var counts: [Int]
  public private(set) var underflow = 0
  public private(set) var overflow = 0
  public private(set) var nan = 0
  public private(set) var positiveInfinity = 0
  public private(set) var negativeInfinity = 0

  /// - Precondition: `lower < upper`, `bins ≥ 1`.
  public init(lower: Float, upper: Float, bins: Int) {
    precondition(lower < upper && bins >= 1)
    self.lower = lower
    self.upper = upper
    counts = [Int](repeating: 0, count: bins)
  }

  public var bins: Int { counts.count }
  public var binWidth: Float { (upper - lower) / Float(bins) }
  /// Every value added, including out-of-range and non-finite ones.
  public var total: Int { counts.reduce(0, +) + underflow + overflow + nonFinite }
  public var nonFinite: Int { nan + positiveInfinity + negativeInfinity }

  /// The lower edge of bin `i`.
  public func edge(_ i: Int) -> Float { lower + Float(i) * binWidth }

  public mutating func add(_ v: Float) {
    if v.isNaN {
      nan += 1
    } else if v == .infinity {
      positiveInfinity += 1
    } else if v == -.infinity {
      negativeInfinity += 1
    } else if v < lower {
      underflow += 1
    } else if v > upper {
      overflow += 1
    } else {
      // Clamped: a zero-width or overflowing range must not trap (NaN → bin 0).
      let i = Int(clamping: (v - lower) * (Float(bins) / (upper - lower)))
      counts[min(max(i, 0), bins - 1)] += 1
    }
  }

  public mutating func add<C: Collection>(_ values: C) where C.Element == Float {
    for v in values { add(v) }
  }

  /// Fast path: one multiply per value; identical bins to `add(_:)` for in-range values.
  public mutating func add(_ values: UnsafeBufferPointer<Float>) {
    let scale = Float(bins) / (upper - lower)
    // A zero-width or overflowing range: the checked per-value path bins it without trapping.
    guard scale.isFinite, scale > 0 else {
      for v in values { add(v) }
      return
    }
    let last = bins - 1
    let (lo, hi) = (lower, upper)
    var c = counts
    counts = []
    var outside: [Float] = []
    c.withUnsafeMutableBufferPointer { c in
      for v in values {
        if v >= lo && v <= hi {
          let i = Int((v - lo) * scale)
          c[i < last ? i : last] += 1
        } else {
          outside.append(v)
        }
      }
    }
    counts = c
    for v in outside { add(v) }
  }

  /// Fraction of all values in each bin.
  public var density: [Float] {
    let t = Float(max(total, 1))
    return counts.map { Float($0) / t }
  }
}

/// Summary statistics used by the instruments.
public enum Statistics {
  /// The q-th percentile (0…100) of sorted values by linear interpolation between closest
  /// ranks (NumPy's default "linear" method). NaN for an empty input.
  public static func percentile(sorted v: [Float], _ q: Double) -> Float {
    guard !v.isEmpty else { return .nan }
    let pos = q / 100 * Double(v.count - 1)
    let lo = min(max(Int(clamping: pos, rounding: .down), 0), v.count - 1)
    let hi = min(lo + 1, v.count - 1)
    let f = Float(pos - Double(lo))
    return v[lo] + (v[hi] - v[lo]) * f
  }

  /// Mean and (biased) standard deviation, in Double.
  public static func meanStd<C: Collection>(_ v: C) -> (mean: Float, std: Float) where C.Element == Float {
    guard !v.isEmpty else { return (.nan, .nan) }
    var s = 0.0
    for x in v { s += Double(x) }
    let m = s / Double(v.count)
    var q = 0.0
    for x in v { q += (Double(x) - m) * (Double(x) - m) }
    return (Float(m), Float((q / Double(v.count)).squareRoot()))
  }

  /// Wasserstein-1 distance between two empirical distributions given as sorted samples:
  /// ∫|F⁻¹_a(u) − F⁻¹_b(u)| du, exact for any sizes (the quantile functions are step
  /// functions; the integral is summed over the merged breakpoints).
  public static func wasserstein1(sortedA a: [Float], sortedB b: [Float]) -> Float {
    guard !a.isEmpty, !b.isEmpty else { return .nan }
    if a.count == b.count {
      var s = 0.0
      for i in 0..<a.count { s += abs(Double(a[i]) - Double(b[i])) }
      return Float(s / Double(a.count))
    }
    var i = 0
    var j = 0
    var u = 0.0
    var s = 0.0
    let na = Double(a.count)
    let nb = Double(b.count)
    while i < a.count && j < b.count {
      let nextA = Double(i + 1) / na
      let nextB = Double(j + 1) / nb
      let next = min(nextA, nextB)
      s += (next - u) * abs(Double(a[i]) - Double(b[j]))
      u = next
      if nextA <= next { i += 1 }
      if nextB <= next { j += 1 }
    }
    return Float(s)
  }

  /// A "nice" symmetric-ish range covering mean ± 4·std, rounded outward to a step of
  /// 1, 2 or 5 × 10ᵏ, used once to fix a histogram's range.
  public static func niceRange(mean: Float, std: Float, minimum: Float? = nil, maximum: Float? = nil) -> (Float, Float)
  {
    var lo = mean - 4 * max(std, 1e-3)
    var hi = mean + 4 * max(std, 1e-3)
    if let minimum { lo = max(lo, minimum) }
    if let maximum { hi = min(hi, maximum) }
    if !(lo.isFinite && hi.isFinite) || lo >= hi { return (-1, 1) }
    let raw = Double(hi - lo) / 8
    var p = 1.0
    while p * 10 <= raw { p *= 10 }
    while p > raw { p /= 10 }
    let step = [1.0, 2.0, 5.0, 10.0].map { $0 * p }.first { $0 >= raw } ?? 10 * p
    let l = (Double(lo) / step).rounded(.down) * step
    let h = (Double(hi) / step).rounded(.up) * step
    return (Float(l), Float(h))
  }
}
