import NormSupport
import Testing

@Suite("Checked conversions and the one sanitiser")
struct SupportTests {
  static let hostile: [Double] = [
    0, -0.0, 1, -1, 0.5, -0.5, 1e18, 9.2e18, 9.3e18, -9.3e18, 1e19, 1e30, 1e308, -1e308,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
    .leastNormalMagnitude, .infinity, -.infinity, .nan, -.nan,
  ]

  @Test("Int(clamping:) never traps and clamps to Int's range")
  func clamping() {
    for v in Self.hostile {
      let i = Int(clamping: v)
      if v.isNaN {
        #expect(i == 0)
      } else if v >= 9.3e18 {
        #expect(i == .max)
      } else if v <= -9.3e18 {
        #expect(i == .min)
      } else {
        #expect(i == Int(v))
      }
      _ = Int(clamping: Float(v))
      _ = Int(clamping: v, rounding: .toNearestOrAwayFromZero)
      _ = Int(clamping: v, rounding: .up, nan: -1)
      let b = Int.bucket(v as Double, count: 7)
      #expect((0..<7).contains(b))
    }
    #expect(Int(clamping: Double.nan, nan: 42) == 42)
    #expect(Int(clamping: 2.5, rounding: .toNearestOrAwayFromZero) == 3)
    #expect(Int.bucket(1.0 as Double, count: 4) == 3)
    #expect(Int.bucket(0.5 as Float, count: 4) == 2)
  }

  @Test("printable replaces every control and invisible format character with ?")
  func sanitiser() {
    #expect(printable("a\u{1B}]52;c;owned\u{07}b") == "a?]52;c;owned?b")
    #expect(printable("x\u{9B}2J\u{7F}") == "x?2J?")
    #expect(printable("ab\u{202E}cd\u{200B}\u{FEFF}") == "ab?cd??")
    #expect(printable("tab\there") == "tab?here")
    #expect(printable("l1\r\nl2\n\tx", keepingLineBreaks: true) == "l1\nl2\n x")
    #expect(printable("βσ‖G−G′‖ ⠿") == "βσ‖G−G′‖ ⠿")
  }

  @Test("excerpt quotes at most the limit, printable, and says how much was left out")
  func excerpts() {
    let long = String(repeating: "x", count: 10_000) + "\u{1B}"
    let e = excerpt(long, limit: 20)
    #expect(e == String(repeating: "x", count: 20) + "… (9981 more bytes)")
    #expect(excerpt("a\u{1B}b") == "a?b")
  }

  @Test("text lines split at LF and CRLF")
  func lines() {
    #expect("a\r\nb\nc".textLines().map(String.init) == ["a", "b", "c"])
  }
}
