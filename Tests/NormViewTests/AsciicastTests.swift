import Foundation
import NormCore
import NormLab
import NormScene
import NormView
import Testing

/// A small terminal for the tests: the subset of ECMA-48 the recordings use (cursor position,
/// erase display, SGR with 16/256/true colours and attributes, private modes ignored), writing
/// UTF-8 text into cells with wide characters taking two. Anything else is an error, so a
/// recording that sends something this terminal does not understand fails the test.
struct ANSIScreen {
  var cells: Buffer
  var x = 0
  var y = 0
  var pen = Cell()
  var errors: [String] = []

  init(width: Int, height: Int) { cells = Buffer(width: width, height: height) }

  mutating func resize(width: Int, height: Int) {
    cells = Buffer(width: width, height: height)
    (x, y) = (0, 0)
  }

  mutating func feed(_ data: String) {
    var chars = Array(data.unicodeScalars)[...]
    while let u = chars.popFirst() {
      if u == "\u{1B}" {
        guard chars.popFirst() == "[" else {
          errors.append("ESC not followed by [")
          continue
        }
        var params = ""
        var final: Unicode.Scalar? = nil
        while let c = chars.popFirst() {
          if (0x40...0x7E).contains(c.value) {
            final = c
            break
          }
          params.unicodeScalars.append(c)
        }
        guard let final else {
          errors.append("unterminated CSI \(params)")
          return
        }
        csi(params, final)
      } else if u.value < 0x20 || u.value == 0x7F {
        errors.append("control character \(u.value) in output")
      } else {
        put(Character(u))
      }
    }
  }

  mutating func csi(_ params: String, _ final: Unicode.Scalar) {
    if params.hasPrefix("?") {
      if final != "l" && final != "h" { errors.append("private mode CSI \(params)\(final)") }
      return
    }
    let numbers = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
    switch final {
    case "H":
      y = max(1, numbers.first ?? 1) - 1
      x = max(1, numbers.count > 1 ? numbers[1] : 1) - 1
    case "J":
      guard numbers == [2] else { return errors.append("erase display \(params)") }
      cells = Buffer(width: cells.width, height: cells.height, fill: Cell(background: pen.background))
    case "m": sgr(numbers.isEmpty ? [0] : numbers)
    default: errors.append("unsupported CSI \(params)\(final)")
    }
  }

  mutating func sgr(_ codes: [Int]) {
    var i = 0
    func color(_ at: inout Int) -> Color? {
      guard at + 1 < codes.count else { return nil }
      if codes[at + 1] == 5, at + 2 < codes.count {
        at += 2
        return .indexed(UInt8(codes[at]))
      }
      if codes[at + 1] == 2, at + 4 < codes.count {
        at += 4
        return .rgb(UInt8(codes[at - 2]), UInt8(codes[at - 1]), UInt8(codes[at]))
      }
      return nil
    }
    while i < codes.count {
      let c = codes[i]
      switch c {
      case 0: pen = Cell()
      case 1: pen.attributes.insert(.bold)
      case 2: pen.attributes.insert(.dim)
      case 3: pen.attributes.insert(.italic)
      case 4: pen.attributes.insert(.underline)
      case 7: pen.attributes.insert(.reverse)
      case 30...37: pen.foreground = .indexed(UInt8(c - 30))
      case 90...97: pen.foreground = .indexed(UInt8(c - 90 + 8))
      case 40...47: pen.background = .indexed(UInt8(c - 40))
      case 100...107: pen.background = .indexed(UInt8(c - 100 + 8))
      case 39: pen.foreground = .default
      case 49: pen.background = .default
      case 38:
        guard let k = color(&i) else { return errors.append("bad SGR 38 in \(codes)") }
        pen.foreground = k
      case 48:
        guard let k = color(&i) else { return errors.append("bad SGR 48 in \(codes)") }
        pen.background = k
      default: errors.append("unsupported SGR \(c)")
      }
      i += 1
    }
  }

  mutating func put(_ ch: Character) {
    let w = Text.width(of: ch)
    guard y < cells.height, x + w <= cells.width else {
      errors.append("text past the edge at \(x),\(y)")
      return
    }
    var c = pen
    c.symbol = String(ch)
    cells[x, y] = c
    if w == 2 {
      var cont = pen
      cont.symbol = ""
      cells[x + 1, y] = cont
    }
    x += w
  }
}

/// Cells equal as a terminal shows them: symbol and style, and a wide character's right half
/// only as "a continuation" (the buffer keeps whatever colours that cell had before).
func sameScreen(_ a: Buffer, _ b: Buffer) -> (x: Int, y: Int)? {
  guard a.width == b.width, a.height == b.height else { return (-1, -1) }
  for y in 0..<a.height {
    for x in 0..<a.width {
      let p = a[x, y]
      let q = b[x, y]
      if p.isContinuation || q.isContinuation {
        if p.isContinuation != q.isContinuation { return (x, y) }
      } else if p != q {
        return (x, y)
      }
    }
  }
  return nil
}

/// A parsed recording: the header object and the events.
struct ParsedCast {
  var header: [String: Any]
  var events: [(time: Double, code: String, data: String)]

  init(_ text: String) throws {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.last == "", "the file ends with a newline")
    let body = lines.dropLast()
    guard let first = body.first else { throw ParseError(message: "empty") }
    guard let header = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] else {
      throw ParseError(message: "header is not an object")
    }
    self.header = header
    events = []
    for line in body.dropFirst() {
      guard let array = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], array.count == 3,
        let t = array[0] as? Double, let code = array[1] as? String, let data = array[2] as? String
      else { throw ParseError(message: "not an event: \(line.prefix(80))") }
      events.append((t, code, data))
    }
  }

  struct ParseError: Error { var message: String }

  /// Replays every event; `each` sees the screen after each output event.
  func replay(_ each: (Int, ANSIScreen) -> Void = { _, _ in }) -> ANSIScreen {
    var screen = ANSIScreen(width: header["width"] as? Int ?? 0, height: header["height"] as? Int ?? 0)
    for (i, e) in events.enumerated() {
      if e.code == "r" {
        let parts = e.data.split(separator: "x").compactMap { Int($0) }
        screen.resize(width: parts[0], height: parts[1])
      } else {
        screen.feed(e.data)
        each(i, screen)
      }
    }
    return screen
  }
}

@Suite("Asciicast export")
struct AsciicastTests {
  /// Frames with colours of every kind, attributes, wide characters that move, and blanks.
  static func frames(colors: ColorMode) -> [Buffer] {
    var frames: [Buffer] = []
    for step in 0..<6 {
      var s = Fixture.state(theme: Theme(colors: colors, glyphs: .braille))
      s.selectedLayer = 1 + step % 3
      s.focus = PanelKind.allCases[step % 4]
      s.caption = step % 2 == 0 ? "漢字 caption, wide: 全角 at step \(step)" : nil
      s.showHelp = step == 4
      var b = Dashboard.render(s, width: 100, height: 30)
      b.write("全角\(step)", step * 3, 29, Style(foreground: .rgb(10, UInt8(step * 40), 200), attributes: .underline))
      b.put("x", 99, 28, Style(foreground: .indexed(9), background: .indexed(100), attributes: [.reverse, .italic]))
      frames.append(b)
    }
    frames.append(frames[0])  // back to the first: no change from frame 0 but many from frame 5
    return frames
  }

  static func record(_ frames: [Buffer]) -> String {
    var encoder = AsciicastEncoder(width: frames[0].width, height: frames[0].height)
    var out = AsciicastEncoder.header(
      width: frames[0].width, height: frames[0].height, title: "test \"quoted\"\u{1B}[31m", env: ["TERM": "xterm"])
    for (i, f) in frames.enumerated() { out += encoder.events(for: f, at: i * 33_333) }
    return out
  }

  @Test(
    "replaying the events reproduces every frame exactly",
    arguments: [ColorMode.truecolor, .ansi256, .ansi8, .mono])
  func replayReproducesFrames(colors: ColorMode) throws {
    let frames = Self.frames(colors: colors)
    let cast = try ParsedCast(Self.record(frames))
    #expect(cast.header["version"] as? Int == 2)
    #expect(cast.header["width"] as? Int == 100)
    #expect(cast.header["height"] as? Int == 30)
    #expect(cast.header["title"] as? String == "test \"quoted\"?[31m", "the title is sanitised, then escaped")
    #expect(cast.header["timestamp"] == nil, "no clock in the header")
    #expect(cast.events.count == frames.count - 1 + 1, "one output event per frame that changed")
    var seen = 0
    let final = cast.replay { i, screen in
      // Event i shows frame i (the frame identical to its predecessor sends nothing).
      if let d = sameScreen(screen.cells, frames[i]) { Issue.record("frame \(i) differs at \(d)") }
      seen += 1
    }
    #expect(seen == cast.events.count)
    #expect(final.errors.isEmpty, "\(final.errors.prefix(5))")
    #expect(sameScreen(final.cells, frames.last!) == nil)
    #expect(cast.events.map(\.time) == cast.events.map(\.time).sorted())
  }

  @Test("an unchanged frame sends nothing; a changed cell sends a short update")
  func diffsAreSmall() {
    let frames = Self.frames(colors: .ansi256)
    var encoder = AsciicastEncoder(width: 100, height: 30)
    let full = encoder.events(for: frames[0], at: 0)
    #expect(encoder.events(for: frames[0], at: 1) == "")
    var changed = frames[0]
    changed.put("Z", 50, 10)
    let small = encoder.events(for: changed, at: 2)
    #expect(!small.isEmpty && small.utf8.count < full.utf8.count / 20)
    #expect(small.contains("\\u001b[11;"), "a cursor move to row 11")
  }

  @Test("a change that starts on a wide character's right half redraws the whole character")
  func wideCharacterHalves() throws {
    var a = Buffer(width: 10, height: 2)
    a.write("全x", 0, 0)
    var b = a
    var half = b[1, 0]
    half.foreground = .indexed(3)  // only the right half's leftover colour changes
    b[1, 0] = half
    b.put("y", 2, 0)
    var encoder = AsciicastEncoder(width: 10, height: 2)
    let cast = try ParsedCast(
      AsciicastEncoder.header(width: 10, height: 2) + encoder.events(for: a, at: 0) + encoder.events(for: b, at: 1))
    let final = cast.replay()
    #expect(final.errors.isEmpty)
    #expect(final.cells.row(0).hasPrefix("全y"))
    #expect(sameScreen(final.cells, b) == nil)
  }

  @Test("the same frames give the same bytes")
  func deterministic() {
    #expect(Self.record(Self.frames(colors: .truecolor)) == Self.record(Self.frames(colors: .truecolor)))
  }

  @Test("a resize is an r event, then the whole new screen")
  func resize() throws {
    let s = Fixture.state()
    let a = Dashboard.render(s, width: 90, height: 26)
    let b = Dashboard.render(s, width: 120, height: 40)
    var encoder = AsciicastEncoder(width: 90, height: 26)
    let text =
      AsciicastEncoder.header(width: 90, height: 26) + encoder.events(for: a, at: 0)
      + encoder.events(for: b, at: 1_500_000)
    let cast = try ParsedCast(text)
    #expect(cast.events.map(\.code) == ["o", "r", "o"])
    #expect(cast.events[1].data == "120x40" && cast.events[1].time == 1.5)
    let final = cast.replay()
    #expect(final.errors.isEmpty)
    #expect(sameScreen(final.cells, b) == nil)
  }

  @Test("strings are escaped as JSON and times written without rounding")
  func escaping() throws {
    let nasty = "q\"b\\n\n\r\t\u{0}\u{1B}\u{7F}é全⠿"
    let line = AsciicastEncoder.event(time: 12_000_040, code: "o", data: nasty)
    #expect(line.hasPrefix("[12.000040, \"o\", "))
    let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any]
    #expect(parsed?[2] as? String == nasty)
    #expect(AsciicastEncoder.seconds(0) == "0.000000")
    #expect(AsciicastEncoder.seconds(999_999) == "0.999999")
    #expect(AsciicastEncoder.seconds(3_600_000_001) == "3600.000001")
  }
}

/// A clock a test moves by hand.
final class ManualClock: @unchecked Sendable {
  var now = ContinuousClock.now
}

struct WriteFailed: Error, CustomStringConvertible {
  var description: String { "disk full" }
}

@Suite("Live recordings")
struct RecordingTerminalTests {
  @Test("draws pass through; the recording replays to the last frame, timed by the clock, with resizes")
  func recordsWhatIsDrawn() throws {
    let base = TestTerminal(width: 100, height: 30, colorMode: .truecolor)
    let clock = ManualClock()
    var text = ""
    let term = try RecordingTerminal(
      base, title: "live", colors: .truecolor, write: { text += $0 }, now: { clock.now })
    var frames = AsciicastTests.frames(colors: .truecolor)
    for (i, f) in frames.enumerated() {
      term.draw(f)
      clock.now += .milliseconds(40 + i)
    }
    var s = Fixture.state(theme: Theme(colors: .truecolor))
    s.caption = "after the resize"
    let resized = Dashboard.render(s, width: 120, height: 40)
    term.draw(resized)
    frames.append(resized)
    #expect(base.frames == frames, "every frame reaches the terminal")
    #expect(term.frameCount == frames.count && term.failure == nil)
    let cast = try ParsedCast(text)
    #expect(cast.header["title"] as? String == "live")
    #expect(cast.header["width"] as? Int == 100 && cast.header["height"] as? Int == 30)
    #expect(cast.events.first?.time == 0)
    #expect(cast.events.filter { $0.code == "r" }.map(\.data) == ["120x40"])
    // Frame i is drawn at 40·i + i(i−1)/2 ms.
    let last = frames.count - 1
    #expect(cast.events.last?.time == Double(40 * last + last * (last - 1) / 2) / 1000)
    let final = cast.replay()
    #expect(final.errors.isEmpty)
    #expect(sameScreen(final.cells, resized) == nil)
  }

  @Test("a failed write stops the recording and says why; drawing goes on")
  func writeFailure() throws {
    let base = TestTerminal(width: 100, height: 30)
    var writes = 0
    let term = try RecordingTerminal(
      base, title: "t", colors: .ansi256,
      write: { _ in
        writes += 1
        if writes == 3 { throw WriteFailed() }
      })
    let frames = AsciicastTests.frames(colors: .ansi256)
    for f in frames { term.draw(f) }
    #expect(term.failure == "disk full")
    #expect(term.frameCount == 1, "the header and one frame were written")
    #expect(writes == 3, "nothing is written after the failure")
    #expect(base.frames.count == frames.count)
  }

  @Test("a header that cannot be written is thrown")
  func headerFailure() {
    #expect(throws: WriteFailed.self) {
      _ = try RecordingTerminal(TestTerminal(), title: "t", colors: .mono, write: { _ in throw WriteFailed() })
    }
  }
}

/// Records a scene as the headless `--cast` does: a frame per pacing step.
final class CastRecorder: ScenePlayerFrameDelegate {
  let pacing: ScenePacing
  var encoder: AsciicastEncoder
  var text: String
  var times: [Int] = []
  var lastFrame: Buffer? = nil
  let width = 100
  let height = 30

  init(pacing: ScenePacing) {
    self.pacing = pacing
    encoder = AsciicastEncoder(width: width, height: height)
    text = AsciicastEncoder.header(width: width, height: height)
  }

  func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {}
  func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws {}
  func scenePlayer(_ player: ScenePlayer, frameAt time: Int) throws {
    var s = DashboardState(experiment: player.experiment, title: player.scene.title, theme: Theme())
    s.caption = player.view.caption
    let b = Dashboard.render(s, width: width, height: height)
    times.append(time)
    lastFrame = b
    text += encoder.events(for: b, at: time)
  }
}

@Suite("Scene casts")
struct SceneCastTests {
  static let scene = """
    title "cast"
    data moons
    variant plain: linear 8, relu, linear 2
    variant bn: linear 8, batchnorm, relu, linear 2
    caption "start" for 2s
    run 23
    pause
    caption "more"
    run 10
    expect step() == 33
    """

  @Test("frames follow the pacing: steps per frame, caption holds, pauses")
  func pacing() throws {
    let scene = try SceneParser.parse(Self.scene, file: "cast.scene")
    let recorder = CastRecorder(pacing: ScenePacing(fps: 10, stepsPerFrame: 5, pauseSeconds: 3))
    let player = try ScenePlayer(scene: scene)
    try player.playToEnd(delegate: recorder)
    #expect(player.passedCount == 1 && player.failedCount == 0)
    // Frame 0 at 0; the caption's frame at 0.1 s, held 2 s; run 23 takes 5 frames (5,5,5,5,3,
    // the last also reaching the pause): 2.2 … 2.6 s; the pause holds 3 s; "more" shows at
    // 5.7 s and holds its reading time (3 s); run 10 takes 2 frames: 8.8, 8.9 s.
    #expect(
      recorder.times == [
        0, 100_000, 2_200_000, 2_300_000, 2_400_000, 2_500_000, 2_600_000, 5_700_000, 8_800_000, 8_900_000,
      ])
    let cast = try ParsedCast(recorder.text)
    let final = cast.replay()
    #expect(final.errors.isEmpty)
    #expect(sameScreen(final.cells, recorder.lastFrame!) == nil)
  }

  @Test("a paced playback reaches the same results as playing at full speed, byte for byte the same cast")
  func sameResults() throws {
    let scene = try SceneParser.parse(Self.scene, file: "cast.scene")
    let fast = try ScenePlayer(scene: scene)
    try fast.playToEnd(delegate: nil)
    var casts: [String] = []
    for _ in 0..<2 {
      let paced = try ScenePlayer(scene: scene)
      let recorder = CastRecorder(pacing: ScenePacing(fps: 30, stepsPerFrame: 2))
      try paced.playToEnd(delegate: recorder)
      #expect(paced.experiment.step == fast.experiment.step)
      #expect(
        paced.experiment.variants.map { $0.record.loss.values.last }
          == fast.experiment.variants.map {
            $0.record.loss.values.last
          })
      casts.append(recorder.text)
    }
    #expect(casts[0] == casts[1])
  }
}
