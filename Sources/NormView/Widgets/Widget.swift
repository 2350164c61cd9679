import NormSupport

/// Something that draws itself into a rectangle of a buffer.
public protocol Widget {
  func render(_ area: Rect, into buffer: inout Buffer)
}

/// Compact number formatting for axes and tables: 3 significant digits, k/M suffixes,
/// scientific notation for very small magnitudes; "NaN", "inf". See ``NumberFormat/compact(_:digits:)``.
public func formatNumber(_ v: Double, digits: Int = 3) -> String {
  NumberFormat.compact(v, digits: digits)
}

/// v with exactly `decimals` digits after the point (round half away from zero); see
/// ``NumberFormat/rounded(_:decimals:)``.
func fixed(_ v: Double, _ decimals: Int) -> String {
  NumberFormat.rounded(v, decimals: decimals)
}
