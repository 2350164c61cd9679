/// Checked float-to-integer conversions.
///
/// `Int(someDouble)` traps when the value is NaN, infinite, or outside `Int`'s range (about
/// ±9.2e18), and a program that formats or plots a value computed from user input (a learning
/// rate of 1e30, a CSV feature of 1e300, a diverged loss) must never trap. Every conversion of a
/// float to an integer in NormScope goes through these initializers, which clamp instead.

extension Int {
  /// `value` rounded toward zero and clamped to `Int.min...Int.max`; NaN becomes `nan`.
  @inlinable public init(clamping value: Double, nan: Int = 0) {
    if value.isNaN {
      self = nan
    } else if value >= 9.223_372_036_854_775_807e18 {
      self = .max
    } else if value <= -9.223_372_036_854_775_808e18 {
      self = .min
    } else {
      self = Int(value)
    }
  }

  /// `value` rounded toward zero and clamped to `Int.min...Int.max`; NaN becomes `nan`.
  @inlinable public init(clamping value: Float, nan: Int = 0) {
    self.init(clamping: Double(value), nan: nan)
  }

  /// `value` rounded by `rule`, then clamped (NaN becomes `nan`).
  @inlinable public init(clamping value: Double, rounding rule: FloatingPointRoundingRule, nan: Int = 0) {
    self.init(clamping: value.rounded(rule), nan: nan)
  }

  /// `value` rounded by `rule`, then clamped (NaN becomes `nan`).
  @inlinable public init(clamping value: Float, rounding rule: FloatingPointRoundingRule, nan: Int = 0) {
    self.init(clamping: Double(value).rounded(rule), nan: nan)
  }

  /// An index into `0..<count` for the fraction `t` of the way through it: `t` is clamped to
  /// [0, 1] (NaN gives 0) and 1 maps to the last index. `count` must be positive.
  @inlinable public static func bucket(_ t: Double, count: Int) -> Int {
    guard t > 0 else { return 0 }  // also NaN
    guard t < 1 else { return count - 1 }
    return Swift.min(Int(t * Double(count)), count - 1)
  }

  /// ``bucket(_:count:)`` computed in `Float`, so callers that worked in `Float` keep the
  /// same buckets to the last bit.
  @inlinable public static func bucket(_ t: Float, count: Int) -> Int {
    guard t > 0 else { return 0 }  // also NaN
    guard t < 1 else { return count - 1 }
    return Swift.min(Int(t * Float(count)), count - 1)
  }
}
