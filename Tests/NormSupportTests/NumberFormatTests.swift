import Foundation
import NormSupport
import Testing

/// NumberFormat: every style pinned on ordinary and hostile values; the fixed style checked
/// against C's printf, which `normscope train` used before.
@Suite("NumberFormat: compact, reading and fixed")
struct NumberFormatTests {
  static let hostile: [Double] = [
    .nan, -.nan, .infinity, -.infinity, 0, -0.0, 1e-300, -1e-300, 1e30, -1e30, 999_950_000, -999_950_000,
    .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
    -.greatestFiniteMagnitude, Double(Float.leastNonzeroMagnitude), Double(Float.greatestFiniteMagnitude),
    9.96e-5, 0.00005, 0.5, 1e15, 1e18, Double(Int.max), -Double(Int.max),
  ]

  @Test("compact: 3 significant digits, k/M, 1e30 style outside the plain range")
  func compact() {
    let pins: [(Double, String)] = [
      (0, "0"), (-0.0, "0"), (.nan, "NaN"), (.infinity, "inf"), (-.infinity, "-inf"),
      (1, "1"), (0.5, "0.5"), (-0.25, "-0.25"), (3.14159, "3.14"), (123.456, "123"), (1234.5, "1235"),
      (12_345, "12.3k"), (1_500_000, "1.5M"), (999_949_999, "999.9M"), (999_950_000, "1e9"),
      (1e30, "1e30"), (-2.5e24, "-2.5e24"), (0.00005, "5e-5"), (9.96e-5, "1e-4"), (1e-300, "1e-300"),
      (.leastNonzeroMagnitude, "4.9e-324"), (.greatestFiniteMagnitude, "1.8e308"),
    ]
    for (v, s) in pins { #expect(NumberFormat.compact(v) == s, "\(v)") }
    #expect(NumberFormat.compact(3.14159, digits: 5) == "3.1416")
  }

  @Test("reading: integers as integers, 4 decimals, else the nearest Float")
  func reading() {
    let pins: [(Double, String)] = [
      (49, "49"), (-0.0, "0"), (0, "0"), (-3, "-3"), (0.123456, "0.1235"), (2.5, "2.5"), (-0.5, "-0.5"),
      (0.00001, "1e-05"), (1e30, "1e+30"), (1e9, "1e+09"), (999_950_000, "999950000"), (.nan, "NaN"),
      (.infinity, "inf"), (-.infinity, "-inf"), (1e-300, "0.0"), (-1e-300, "-0.0"), (.leastNonzeroMagnitude, "0.0"),
      (.greatestFiniteMagnitude, "inf"), (12345.678, "12345.678"),
    ]
    for (v, s) in pins { #expect(NumberFormat.reading(v) == s, "\(v)") }
  }

  @Test("fixed: as %W.Df below 1e9, 1e30 style from there, aligned")
  func fixed() {
    let pins: [(Double, Int, Int, String)] = [
      (0.5, 4, 10, "    0.5000"), (-0.0, 4, 8, " -0.0000"), (-0.00001, 4, 8, " -0.0000"),
      (0.0625, 3, 5, "0.062"), (0.5625, 3, 5, "0.562"), (0.03125, 4, 0, "0.0312"), (2.5, 0, 3, "  2"),
      (123_456_789, 4, 10, "123456789.0000"), (1e30, 4, 10, "      1e30"), (-1e30, 4, 10, "     -1e30"),
      (1e9, 3, 5, "  1e9"), (.nan, 4, 8, "     NaN"), (.infinity, 4, 8, "     inf"), (-.infinity, 2, 6, "  -inf"),
      (1e-300, 4, 8, "  0.0000"), (-1e-300, 4, 8, " -0.0000"), (7, 0, 7, "      7"),
    ]
    for (v, d, w, s) in pins { #expect(NumberFormat.fixed(v, decimals: d, width: w) == s, "\(v) \(d) \(w)") }
  }

  @Test("fixed matches printf for Float values below 1e9")
  func fixedMatchesPrintf() {
    var rng = SystemRandomNumberGenerator()
    var values: [Float] = [0, -0, 0.5, 0.0625, 0.03125, 1.5, 2.5, -2.5, 0.125, 1e-8, 999_999_936, -123.456]
    for k in 0..<64 { values.append(Float(k) / 64) }
    for _ in 0..<4000 {
      let e = Float.random(in: -12...9, using: &rng)
      values.append((Bool.random(using: &rng) ? 1 : -1) * Float.random(in: 1...10, using: &rng) * pow(10, e))
    }
    for v in values where v.isFinite && abs(v) < 1e9 {
      for (d, w) in [(4, 10), (3, 5), (4, 8), (5, 9), (5, 10), (2, 6), (2, 5), (3, 0), (4, 31), (4, 7), (0, 7)] {
        let want = String(format: "%\(w).\(d)f", Double(v))
        #expect(NumberFormat.fixed(Double(v), decimals: d, width: w) == want, "\(v) %\(w).\(d)f")
      }
    }
  }

  @Test("no style traps, every one stays short")
  func hostileValues() {
    var values = Self.hostile
    for bits in stride(from: UInt64(0), to: UInt64.max - (UInt64.max / 997), by: Int(UInt64.max / 997)) {
      values.append(Double(bitPattern: bits))
    }
    for v in values {
      #expect(NumberFormat.compact(v).count <= 9, "\(v)")
      #expect(NumberFormat.reading(v).count <= 16, "\(v)")
      #expect(NumberFormat.fixed(v, decimals: 4, width: 10).count <= 15, "\(v)")
      #expect(NumberFormat.rounded(v, decimals: 2).count <= 20, "\(v)")
      #expect(NumberFormat.scientific(v).count <= 9, "\(v)")
    }
  }
}
