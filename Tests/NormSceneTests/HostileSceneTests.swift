import NormLab
import NormScene
import NormView
import Testing

@Suite("Scene language: hostile input is bounded")
struct HostileSceneTests {
  static let deep = 100_000
  static let deepExpressions = [
    String(repeating: "(", count: deep) + "1" + String(repeating: ")", count: deep),
    String(repeating: "not ", count: deep) + "true",
    String(repeating: "- ", count: deep) + "1 > 0",
    "1" + String(repeating: " + 1", count: deep) + " > 0",
    "true" + String(repeating: " and true", count: deep),
    "step() * 1" + String(repeating: " * 1", count: deep) + " > 0",
  ]

  @Test("deep nesting is an error at line:column, never a stack overflow", arguments: 0..<6)
  func deepExpressions(index: Int) throws {
    let d = errors(header + "run 1\nexpect " + Self.deepExpressions[index])
    let first = try #require(d.first)
    #expect(first.line == 6)
    #expect(first.message.contains("nested more than 64") || first.message.contains("more than 256 operators"))
    #expect(first.rendered.count < 1_000)  // the 200 KB line is shown as a window
  }

  @Test("nesting up to the limit still parses and evaluates")
  func atTheLimit() throws {
    let e = String(repeating: "(", count: 63) + "step() >= 1" + String(repeating: ")", count: 63)
    let chain = "1" + String(repeating: " + 1", count: 255) + " == 256"
    let scene = try SceneParser.parse(header + "run 1\nexpect \(e)\nexpect \(chain)\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    #expect(p.passedCount == 2)
  }

  @Test("a diagnostic quotes a short excerpt of a huge line, with the caret inside it")
  func longLine() throws {
    let d = errors(header + "run 1 " + String(repeating: "x", count: 1_000_000) + "\u{1B}]52;c;x\u{7}")
    let first = try #require(d.first)
    #expect(first.description.count < 450)
    #expect(first.rendered.count < 1_000)
    #expect(!first.rendered.contains("\u{1B}"))
    let lines = first.rendered.split(separator: "\n")
    #expect(lines.count == 3 && lines[2].hasSuffix("^"))
  }

  @Test("a flip-book stays within its byte budget and says how many frames it left out")
  func flipBookBudget() {
    var b = Buffer(width: 100, height: 30)
    for y in 0..<30 { b.write(String(repeating: "x", count: 100), 0, y) }
    var book = FlipBook(budget: 10_000)
    for i in 0..<50 { book.append(label: "frame \(i)", buffer: b) }
    #expect(book.text.utf8.count <= 10_000)
    #expect(book.keptCount == 3 && book.droppedCount == 47)
    #expect(book.contents.hasSuffix("──── 47 more frames not kept: the flip-book is limited to 0 MiB ────\n"))
    var unlimited = FlipBook(budget: .max)
    for i in 0..<3 { unlimited.append(label: "\(i)", buffer: b) }
    #expect(unlimited.contents == Screenshot.flipBook([("0", b), ("1", b), ("2", b)]))
  }

  @Test("series stay bounded and keep their extremes and non-finite points")
  func boundedSeries() {
    var s = NormLab.Series(capacity: 1_000)
    for i in 0..<100_000 {
      let v: Float = i == 77_777 ? 50 : i == 33_333 ? -50 : i == 55_555 ? .nan : Float(i % 7)
      s.append(step: i, v)
    }
    #expect(s.count <= 1_000)
    #expect(s.values.contains(50) && s.values.contains(-50))
    #expect(s.values.contains { $0.isNaN })
    #expect(s.steps == s.steps.sorted())
    #expect(s.lastStep == 99_999)
  }
}
