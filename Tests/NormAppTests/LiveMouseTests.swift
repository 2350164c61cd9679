import Foundation
import NormApp
import NormLab
import NormView
import Testing

/// The mouse in the live app, in-process on the scripted terminal (its clock frozen, so a
/// double click is two presses with no time between them unless the script moves the clock).
/// At 120x40 the status bar is row 0, the key bar row 39, and the panels share rows 1-38:
/// loss (columns 0-59) and layer histograms (60-119) above row 20, percentiles and train vs
/// eval below.
@Suite(.serialized) struct LiveMouseTests {
  static let twoLayers = [VariantSpec(name: "relu", model: "linear 16, relu, linear 16, relu, linear 2")]

  /// The middle of the key bar's item (or a/b half) for `key` at 120x40, from the layout the dashboard draws in.
  static func keyBar(_ key: String) throws -> (x: Int, y: Int) {
    let s = DashboardState(
      records: [], models: [], dataName: "moons", step: 0, learningRate: 0.1, batchSize: 32, optimizer: "sgd",
      theme: Theme(colors: .ansi256, glyphs: .braille))
    let item = try #require(Dashboard.layout(s, width: 120, height: 40).keys.last { $0.key == key })
    return (item.rect.x + item.rect.width / 2, item.rect.y)
  }

  static func ready(_ t: TestTerminal) {
    t.frozenClock = true
    LiveLoopTests.waitForStatus(t, "the status") { !$0.isEmpty }
  }

  static func press(_ t: TestTerminal, _ x: Int, _ y: Int, button: Int = 1) {
    t.send(.key(.mouse(MouseEvent(x: x, y: y, kind: .press, button: button))))
  }

  static func anyFrame(_ t: TestTerminal, contains text: String) -> Bool {
    t.frames.contains { Screenshot.text($0).contains(text) }
  }

  @Test("a click on a panel focuses it, as tab does")
  func clickFocuses() throws {
    let (_, term) = try LiveLoopTests.run(paused: true) { t in
      Self.ready(t)
      t.click(x: 90, y: 5)
      t.wait(for: "panel: histograms")
      t.click(x: 10, y: 30)
      t.wait(for: "panel: percentiles")
      t.type("q")
    }
    let last = try #require(term.lastFrame)
    #expect(last[0, 20].symbol == "┏", "the percentile panel has the focused border")
    #expect(last[60, 1].symbol == "┌")
  }

  @Test("a double click zooms the panel, another returns; two clicks 500 ms apart do not zoom")
  func doubleClickZooms() throws {
    var zoomed = ""
    let (_, term) = try LiveLoopTests.run(paused: true) { t in
      Self.ready(t)
      t.click(x: 90, y: 5)
      t.send(.advanceClock(.milliseconds(500)))
      t.click(x: 90, y: 5)
      t.type("?")
      t.wait(for: "press ? or Esc to close")
      t.type("?")
      t.send(.advanceClock(.seconds(1)))
      t.click(x: 90, y: 5)
      t.click(x: 90, y: 5)
      t.send(
        .waitUntil("zoomed") {
          zoomed = $0.text
          return zoomed.contains("zoomed: histograms")
        })
      t.click(x: 30, y: 30)
      t.click(x: 30, y: 30)
      t.wait(for: "all panels")
      t.type("q")
    }
    #expect(zoomed.contains("Layer 1 now") && !zoomed.contains("Loss (training"), "the histograms fill the screen")
    let helpOpened = try #require(term.frames.firstIndex { Screenshot.text($0).contains("press ? or Esc to close") })
    #expect(!term.frames[..<helpOpened].contains { Screenshot.text($0).contains("zoomed") }, "slow clicks: no zoom")
    #expect(term.text.contains("Loss (training"))
  }

  @Test("the wheel over the histograms or percentiles changes the layer; over the loss panel it does nothing")
  func wheelLayer() throws {
    var afterLoss = ""
    let (_, term) = try LiveLoopTests.run(paused: true, variants: Self.twoLayers) { t in
      Self.ready(t)
      t.wait(for: "layer 2/2")
      t.wheel(x: 10, y: 5, up: false)
      t.click(x: 90, y: 5)
      t.send(
        .waitUntil("focused") {
          afterLoss = $0.text
          return afterLoss.contains("panel: histograms")
        })
      t.wheel(x: 90, y: 10, up: false)
      t.wait(for: "layer 1/2")
      t.wheel(x: 10, y: 30, up: true, notches: 3)
      t.wait(for: "layer 2/2")
      t.type("q")
    }
    #expect(afterLoss.contains("layer 2/2"), "the wheel over the loss panel left the layer alone")
    #expect(term.text.contains("Layer 2:"), "up stops at the last layer")
    #expect(Self.anyFrame(term, contains: "Layer 1:"), "the histograms showed layer 1")
  }

  @Test("the wheel scrolls the help overlay")
  func wheelHelp() throws {
    let (_, _) = try LiveLoopTests.run(paused: true) { t in
      Self.ready(t)
      t.type("?")
      t.wait(for: "lines 1-")
      t.wheel(x: 60, y: 20, up: false, notches: 2)
      t.wait(for: "lines 3-")
      t.wheel(x: 5, y: 5, up: true)
      t.wait(for: "lines 2-")
      t.type("q")
    }
  }

  @Test("the wheel moves the scene browser's choice")
  func wheelBrowser() throws {
    let scenes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scenes").path
    let (_, term) = try LiveLoopTests.run(paused: true, sceneDirectories: [scenes]) { t in
      Self.ready(t)
      t.type("o")
      t.wait(for: "small-batch")
      // tour, alternatives, batch-size-mismatch: the third entry.
      t.wheel(x: 60, y: 20, up: false, notches: 2)
      t.wait(for: "Batch size at inference")
      t.wheel(x: 60, y: 20, up: true, notches: 5)
      t.wait(for: "> tour")
      t.send(.key(.escape))
      t.type("q")
    }
    #expect(!term.text.contains("Enter plays"), "the browser closed")
  }

  @Test("a click on a key-bar item presses its key: space pauses, - slows, q quits")
  func keyBarClicks() throws {
    let space = try Self.keyBar("space")
    let minus = try Self.keyBar("-")
    let quit = try Self.keyBar("q")
    let (outcome, term) = try LiveLoopTests.run(paused: false) { t in
      t.frozenClock = true
      LiveLoopTests.waitForStatus(t, "running") { $0.contains("speed") }
      t.click(x: space.x, y: space.y)
      LiveLoopTests.waitForStatus(t, "paused") { $0.contains("paused") }
      t.click(x: minus.x, y: minus.y)
      t.wait(for: "slower:")
      t.click(x: quit.x, y: quit.y)
    }
    guard case .quit = outcome else {
      Issue.record("the loop did not quit: \(outcome)")
      return
    }
    #expect(Self.anyFrame(term, contains: "paused (space resumes"))
    #expect(term.events.count <= 1, "q quit on the press (its release may be left)")
  }

  @Test("the key bar's ←→ item: a click on → chooses the next layer, on ← the previous")
  func keyBarArrows() throws {
    let s = DashboardState(
      records: [], models: [], dataName: "moons", step: 0, learningRate: 0.1, batchSize: 32, optimizer: "sgd",
      theme: Theme(colors: .ansi256, glyphs: .braille))
    let keys = Dashboard.layout(s, width: 140, height: 45).keys
    let left = try #require(keys.first { $0.key == "left" })
    let right = try #require(keys.first { $0.key == "right" })
    #expect(left.rect.width == 1 && right.rect.width == 1 && right.rect.x == left.rect.x + 1)
    // ASCII: `<- ->`, each arrow two cells.
    var a = s
    a.theme = Theme(colors: .mono, glyphs: .ascii)
    let asciiKeys = Dashboard.layout(a, width: 140, height: 45).keys
    let aLeft = try #require(asciiKeys.first { $0.key == "left" })
    let aRight = try #require(asciiKeys.first { $0.key == "right" })
    #expect(aLeft.rect.width == 2 && aRight.rect.width == 2 && aRight.rect.x == aLeft.rect.x + 3)
    let (_, term) = try LiveLoopTests.run(paused: true, width: 140, height: 45, variants: Self.twoLayers) { t in
      Self.ready(t)
      t.click(x: left.rect.x, y: left.rect.y)
      t.wait(for: "layer 1/2")
      t.click(x: right.rect.x, y: right.rect.y)
      t.wait(for: "layer 2/2")
      t.type("q")
    }
    #expect(term.timedOut == [])
  }

  @Test("clicks outside any panel, other buttons, releases and cells off the screen do nothing")
  func nothingHarmful() throws {
    let (_, term) = try LiveLoopTests.run(paused: true) { t in
      Self.ready(t)
      t.click(x: 5, y: 0)
      Self.press(t, 90, 5, button: 3)
      Self.press(t, 90, 5, button: 2)
      t.send(.key(.mouse(MouseEvent(x: 90, y: 5, kind: .release))))
      for (x, y) in [(500, 500), (120, 5), (5, 40), (-3, -7), (Int.max, 3), (3, Int.min)] {
        t.click(x: x, y: y)
        t.wheel(x: x, y: y, up: true)
        t.send(.key(.mouse(MouseEvent(x: x, y: y, kind: .doubleClick))))
      }
      t.type("?")
      t.wait(for: "press ? or Esc to close")
      t.type("q")
    }
    #expect(!Self.anyFrame(term, contains: "panel:"))
    #expect(!Self.anyFrame(term, contains: "zoomed"))
    let last = try #require(term.lastFrame)
    #expect(last[60, 1].symbol == "┌", "the histograms did not take the focus")
  }

  @Test("while the experiment editor is open the mouse does nothing: no focus, no layer, no key-bar key")
  func editorOpen() throws {
    let space = try Self.keyBar("space")
    let (outcome, term) = try LiveLoopTests.run(paused: true, variants: Self.twoLayers) { t in
      Self.ready(t)
      t.wait(for: "layer 2/2")
      t.type("m")
      t.wait(for: "Esc cancels")
      t.click(x: 90, y: 5)
      t.click(x: 90, y: 5)
      t.wheel(x: 90, y: 10, up: false)
      t.click(x: space.x, y: space.y)
      t.click(x: 10, y: 30)
      t.send(.key(.escape))
      t.send(.waitUntil("editor closed") { !$0.text.contains("Esc cancels") })
      t.type("q")
    }
    #expect(outcome == .quit(step: LiveLoopTests.step(term) ?? -1))
    for text in ["panel:", "zoomed", "layer 1/2", "running"] {
      #expect(!Self.anyFrame(term, contains: text), "\(text)")
    }
  }

  @Test("a resize while the browser's path form is open: clicks before and after it do nothing, the form stays")
  func resizeWithFormOpen() throws {
    let (_, term) = try LiveLoopTests.run(paused: true) { t in
      Self.ready(t)
      t.type("o/abc")
      t.wait(for: "path: abc_")
      t.resize(width: 60, height: 20)
      t.click(x: 90, y: 5)
      t.wait(for: "terminal too small")
      t.click(x: 10, y: 10)
      t.wheel(x: 10, y: 10, up: false)
      t.resize(width: 120, height: 40)
      t.click(x: 90, y: 5)
      t.wheel(x: 90, y: 5, up: false)
      t.wait(for: "path: abc_")
      t.type("d")
      t.wait(for: "path: abcd_")
      t.send(.key(.escape), .key(.escape))
      t.send(.waitUntil("browser closed") { !$0.text.contains("Enter plays") })
      t.type("q")
    }
    #expect(!Self.anyFrame(term, contains: "panel:"))
    #expect(term.text.contains("Loss (training"))
  }
}
