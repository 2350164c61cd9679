/// Every way NormScope prints a number, in one place. No Foundation: each style is built from
/// integer arithmetic, so none traps and each stays short on hostile values (NaN, ±inf, ±0,
/// subnormals, 1e300).
///
/// - ``compact(_:digits:)``: axes, legends and tables of the dashboard (3 significant digits,
///   k/M suffixes, `1.2e-5` and `1e30` outside the plain range).
/// - ``reading(_:)``: values in scene PASS/FAIL lines (integers as integers, 4 decimals).
/// - ``fixed(_:decimals:width:)``: fixed-width columns of `normscope train`, as C's `%W.Df`.
/// - ``rounded(_:decimals:)``: exactly n decimals, rounding half away from zero.
/// - ``scientific(_:)``: `m.me` with one decimal of mantissa.
public enum NumberFormat {
  /// Compact formatting for axes and tables: `digits` significant digits, k/M suffixes,
  /// scientific notation below 1e-3 and from 999,950,000 (`1e30`); "NaN", "inf", "-inf", "0".
  public static func compact(_ v: Double, digits: Int = 3) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    let a = abs(v)
    if a == 0 { return "0" }
    if a >= 999_950_000 { return scientific(v) }
    if a >= 1e6 { return trimZeros(rounded(v / 1e6, decimals: 1)) + "M" }
    if a >= 1e4 { return trimZeros(rounded(v / 1e3, decimals: 1)) + "k" }
    if a < 1e-3 { return scientific(v) }
    var decimals = digits - 1
    var p = 1.0
    while a >= p * 10 && decimals > 0 {
      p *= 10
      decimals -= 1
    }
    if a < 1 {
      var q = 1.0
      while a < q && decimals < 6 {
        q /= 10
        decimals += 1
      }
      decimals = min(decimals, 5)
    }
    return trimZeros(rounded(v, decimals: decimals))
  }

  /// A value read by a scene expression, for PASS/FAIL lines: integral values under 1e9 as
  /// integers (`49`, `-0` as `0`); magnitudes in [0.01, 1e5) with at most 4 decimals, rounded
  /// half away from zero (`0.1235`); anything else as the nearest Float (`1e-05`, `1e+30`).
  /// An integer with thousands separated by commas: `9,600`.
  public static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (k, c) in digits.enumerated() {
      if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (n < 0 ? "-" : "") + out
  }

  public static func reading(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    let a = abs(v)
    if a >= 0.01 && a < 1e5 {
      var s = String(Double(Int(clamping: v * 10000, rounding: .toNearestOrAwayFromZero)) / 10000)
      if s.hasSuffix(".0") { s.removeLast(2) }
      return s
    }
    return "\(Float(v))"
  }

  /// A fixed-width column, as C's `printf("%W.Df", v)`: `decimals` digits after the point,
  /// right-aligned in `width` (never cut), ties to even, a minus sign whenever the sign bit is
  /// set (`-0.0000`). Exact like printf whenever v·10^decimals is exact in a Double, which holds
  /// for every Float and decimals ≤ 6. Unlike printf, magnitudes from 1e9 print as
  /// ``scientific(_:)`` (`1e30`, not 31 digits) and NaN/±inf as `NaN`/`inf`/`-inf`, right-aligned.
  public static func fixed(_ v: Double, decimals: Int, width: Int = 0) -> String {
    let s: String
    if !v.isFinite {
      s = v.isNaN ? "NaN" : v > 0 ? "inf" : "-inf"
    } else if abs(v) >= 1e9 {
      s = scientific(v)
    } else {
      s = (v.sign == .minus ? "-" : "") + digits(abs(v), decimals: decimals, rule: .toNearestOrEven)
    }
    return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
  }

  /// v with exactly `decimals` digits after the point, rounding half away from zero, no `-0`
  /// (`-0.0001` to 2 decimals is `0.00`). Magnitudes from 1e15 print as ``scientific(_:)``.
  public static func rounded(_ v: Double, decimals: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "NaN" : v > 0 ? "inf" : "-inf" }
    guard abs(v) < 1e15 else { return scientific(v) }
    let s = digits(abs(v), decimals: decimals, rule: .toNearestOrAwayFromZero)
    return (v < 0 && s.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + s
  }

  /// `m.me` with one decimal of mantissa, for magnitudes outside the fixed-point range:
  /// `1.2e-5`, `-3e30`. "0" for zero, "NaN"/"inf"/"-inf" for non-finite values.
  public static func scientific(_ v: Double) -> String {
    guard v.isFinite else { return v.isNaN ? "NaN" : v > 0 ? "inf" : "-inf" }
    guard v != 0 else { return "0" }
    var (m, e) = decimalParts(abs(v))
    if (m * 10).rounded() >= 100 {  // 9.96 rounds to 10.0: carry into the exponent
      m /= 10
      e += 1
    }
    return (v < 0 ? "-" : "") + trimZeros(rounded(m, decimals: 1)) + "e" + String(e)
  }

  /// `a` (> 0, finite) as m·10^e with 1 ≤ m < 10, by repeated division or multiplication by 10.
  public static func decimalParts(_ a: Double) -> (mantissa: Double, exponent: Int) {
    var e = 0
    var m = a
    while m >= 10 {
      m /= 10
      e += 1
    }
    while m < 1 {
      m *= 10
      e -= 1
    }
    return (m, e)
  }

  /// Drops trailing zeros after a decimal point, then the point itself: `1.50` → `1.5`, `2.0` → `2`.
  public static func trimZeros(_ s: String) -> String {
    guard s.contains(".") else { return s }
    var t = s
    while t.hasSuffix("0") { t.removeLast() }
    if t.hasSuffix(".") { t.removeLast() }
    return t
  }

  /// The digits of a non-negative finite `a` below 1e15 with `decimals` digits after the point.
  private static func digits(_ a: Double, decimals: Int, rule: FloatingPointRoundingRule) -> String {
    var p = 1.0
    for _ in 0..<decimals { p *= 10 }
    let r = (a * p).rounded(rule)
    let whole = Int(clamping: r / p)
    let frac = Int(clamping: r - Double(whole) * p)
    var s = String(whole)
    if decimals > 0 {
      let f = String(frac)
      s += "." + String(repeating: "0", count: max(0, decimals - f.count)) + f
    }
    return s
  }
}
