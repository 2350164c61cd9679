import NormCore
import NormSupport
import Testing

/// CSV input that used to load silently wrong: a byte-order mark, NUL bytes, old Mac line
/// endings, non-finite and huge numbers.
@Suite("Hostile CSV data")
struct HostileDataTests {
  func parse(_ bytes: [UInt8]) throws -> Dataset { try DataLoader.parseCSV(bytes, fileName: "d.csv") }
  func parse(_ text: String) throws -> Dataset { try parse(Array(text.utf8)) }
  func error(_ text: String) -> String? {
    do {
      _ = try parse(text)
      return nil
    } catch { return "\(error)" }
  }

  @Test("a UTF-8 byte-order mark is skipped, with or without a header")
  func byteOrderMark() throws {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    // Without a header the BOM once made the first data row a "header": one row was lost
    // (and here, with it, the second class).
    let d = try parse(bom + Array("1,2,0\n3,4,1\n5,6,1\n".utf8))
    #expect(d.count == 3 && d.features == [1, 2, 3, 4, 5, 6] && d.labels == [0, 1, 1])
    let h = try parse(bom + Array("x,y,label\n1,2,0\n3,4,1\n".utf8))
    #expect(h.count == 2 && h.features == [1, 2, 3, 4])
    // Columns on the first line count from after the mark.
    #expect(error("\u{FEFF}1,2,0\n3,x,1\n") == "d.csv:2:3: 'x' is not a number")
    // Only a leading mark is skipped; one inside is not a number.
    #expect(error("1,2,0\n\u{FEFF}3,4,1\n") == "d.csv:2:1: '?3' is not a number")
  }

  @Test(
    "control bytes are errors at their line and column",
    arguments: [
      // A NUL inside a number once ended it: "4<NUL>5" read as 4.
      ("1,2,0\n3,4\u{0}5,1\n", "d.csv:2:4: '4?5' is not a number: it contains the control character NUL"),
      ("1,2,0\n3,\u{0},1\n", "d.csv:2:3: '?' is not a number: it contains the control character NUL"),
      ("1,2\u{0},0\n3,4,1\n", "d.csv:1:4: '2?' is not a number: it contains the control character NUL"),
      ("1,2,0\n3,4,1\u{0}\n", "d.csv:2:6: the control character NUL cannot appear in a CSV file"),
      ("1,2,0\n3,\u{1B}]0;x\u{7},1\n", "d.csv:2:3: '?]0;x?' is not a number: it contains the control character 0x1B"),
      ("1,2,0\n3,4,c\u{7}at\n", "d.csv:2:6: the control character 0x07 cannot appear in a CSV file"),
      ("# note\u{0}\n1,2,0\n3,4,1\n", "d.csv:1:7: the control character NUL cannot appear in a CSV file"),
      ("x,\u{1}y,label\n1,2,0\n3,4,1\n", "d.csv:1:3: '?y' is not a number: it contains the control character 0x01"),
      ("1,2,0\r\n3,4,1\r\n\u{C}\r\n", "d.csv:3:1: the control character 0x0C cannot appear in a CSV file"),
    ])
  func controlBytes(text: String, message: String) {
    #expect(error(text) == message)
  }

  @Test("tabs, CR and LF are not control bytes to reject")
  func allowedWhitespace() throws {
    let d = try parse("1,\t2,0\r\n3,4\t,1\n")
    #expect(d.features == [1, 2, 3, 4])
  }

  @Test("old Mac line endings (a lone CR) split lines, with the right line numbers")
  func carriageReturnOnly() throws {
    let d = try parse("x,y,label\r1,2,0\r3,4,1\r5,6.5,1\r")
    #expect(d.count == 3 && d.features == [1, 2, 3, 4, 5, 6.5] && d.labels == [0, 1, 1])
    #expect(error("1,2,0\r3,4,1\r5,x,1\r") == "d.csv:3:3: 'x' is not a number")
    #expect(error("1,2,0\r3,4,1\r\r5,6\r") == "d.csv:4: expected 3 fields, found 2")
    // \n and \r\n as before, and all three mixed in one file.
    #expect(try parse("1,2,0\n3,4,1\n").count == 2)
    #expect(try parse("1,2,0\r\n3,4,1\r\n").count == 2)
    #expect(error("1,2,0\n3,4,1\r\n5,6,1\r7,x,0\n") == "d.csv:4:3: 'x' is not a number")
    // Scenes keep their own splitting: a lone CR is blank space there, not a line break.
    #expect("a\rb\nc".textLines().count == 2)
  }

  @Test(
    "non-finite and overflowing features are errors at their line and column",
    arguments: [
      ("1,2,0\n3,inf,1\n", "d.csv:2:3: 'inf' is not finite"),
      ("1,2,0\n3,-Infinity,1\n", "d.csv:2:3: '-Infinity' is not finite"),
      ("1,2,0\n3, nan,1\n", "d.csv:2:3: 'nan' is not finite"),
      ("1,2,0\n3,1e39,1\n", "d.csv:2:3: '1e39' is too large (features must lie within ±3.4e38)"),
      ("1,2,0\n-1e400,4,1\n", "d.csv:2:1: '-1e400' is too large (features must lie within ±3.4e38)"),
      ("1,2,0\n3,0x1p200,1\n", "d.csv:2:3: '0x1p200' is too large (features must lie within ±3.4e38)"),
    ])
  func nonFinite(text: String, message: String) {
    #expect(error(text) == message)
  }

  @Test("huge finite features are accepted as they are")
  func hugeFinite() throws {
    let d = try parse("1e30,-3.4e38,0\n3,1e-30,1\n")
    #expect(d.features == [1e30, -3.4e38, 3, 1e-30])
  }

  @Test("an error quotes at most an excerpt of a long field")
  func longFieldExcerpt() throws {
    let long = String(repeating: "z", count: 100_000)
    let e = try #require(error("1,2,0\n3,\(long),1\n"))
    #expect(e.hasPrefix("d.csv:2:3: 'zzz"))
    #expect(e.utf8.count < 300, "\(e.utf8.count) bytes")
  }
}
