import NormSupport

/// Something that draws itself into a rectangle of a buffer.
public protocol Widget {
  func render(_ area: Rect, into buffer: inout Buffer)
}

/// Compact number formatting for axes and tables: 3 significant digits, k/M suffixes,
/// scientific notation for very small magnitudes; "NaN", "inf".
public func formatNumber(_ v: Double, digits: Int = 3) -> String {
  if v.isNaN { return "NaN" }
  if v.isInfinite { return v > 0 ? "inf" : "-inf" }
  let a = abs(v)
  if a == 0 { return "0" }
  if a >= 999_950_000 { return scientific(v) }
  if a >= 1e6 { return trimZeros(fixed(v / 1e6, 1)) + "M" }
  if a >= 1e4 { return trimZeros(fixed(v / 1e3, 1)) + "k" }
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
  return trimZeros(fixed(v, decimals))
}

/// `m.me` with one decimal of mantissa, for magnitudes outside the fixed-point range:
/// `1.2e-5`, `-3e30`. Finite, non-zero `v` only.
func scientific(_ v: Double) -> String {
  var e = 0
  var m = abs(v)
  while m >= 10 {
    m /= 10
    e += 1
  }
  while m < 1 {
    m *= 10
    e -= 1
  }
  if (m * 10).rounded() >= 100 {  // 9.96 rounds to 10.0: carry into the exponent
    m /= 10
    e += 1
  }
  return (v < 0 ? "-" : "") + trimZeros(fixed(m, 1)) + "e" + String(e)
}

/// v with exactly `decimals` digits after the point (round half away from zero). Magnitudes
/// too large for an integer part (over 1e15) fall back to ``scientific(_:)``.
func fixed(_ v: Double, _ decimals: Int) -> String {
  guard v.isFinite else { return v.isNaN ? "NaN" : v > 0 ? "inf" : "-inf" }
  guard abs(v) < 1e15 else { return scientific(v) }
  var p = 1.0
  for _ in 0..<decimals { p *= 10 }
  let r = (abs(v) * p).rounded()
  let whole = Int(clamping: r / p)
  let frac = Int(clamping: r - Double(whole) * p)
  var s = (v < 0 && r != 0 ? "-" : "") + String(whole)
  if decimals > 0 {
    let f = String(frac)
    s += "." + String(repeating: "0", count: decimals - f.count) + f
  }
  return s
}

func trimZeros(_ s: String) -> String {
  guard s.contains(".") else { return s }
  var t = s
  while t.hasSuffix("0") { t.removeLast() }
  if t.hasSuffix(".") { t.removeLast() }
  return t
}
