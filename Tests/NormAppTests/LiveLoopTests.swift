import NormApp
import NormCore
import NormLab
import NormView
import Testing

/// The live app in-process: the real loop and training thread on a scripted ``TestTerminal``.
/// Every key waits for the screen to show the state it needs, so no test depends on timing.
@Suite(.serialized) struct LiveLoopTests {
  /// Runs the live app on moons (`linear 16, relu, linear 2`) with the scripted terminal.
  static func run(
    paused: Bool = false, width: Int = 120, height: Int = 40, frameLimit: Int? = nil,
    frameInterval: Duration = .milliseconds(33),
    variants: [VariantSpec] = [VariantSpec(name: "relu", model: "linear 16, relu, linear 2")],
    _ script: (TestTerminal) -> Void
  ) throws -> (LiveOutcome, TestTerminal) {
    let data = try BuiltinData.make(name: "moons", seed: 1)
    let config = ExperimentConfig(variants: variants, data: data, batchSize: 32)
    let term = TestTerminal(width: width, height: height)
    script(term)
    let theme = Theme(colors: term.colorMode, glyphs: .braille)
    let link = LabLink()
    link.set(stepsPerFrame: 1, paused: paused)
    LabThread.start(
      config: config, theme: theme, link: link,
      source: LabSource(scene: nil, dataName: "moons", recordDir: "/tmp"))
    var app = LiveApp(term: term, link: link, theme: theme, presenter: false, screenshotDir: "/tmp", now: term.now)
    app.frameLimit = frameLimit
    app.frameInterval = frameInterval
    let outcome = app.loop()
    link.send(.quit)
    #expect(term.timedOut == [], "waited in vain")
    return (outcome, term)
  }

  /// The status bar (the line with the learning rate).
  static func status(_ t: TestTerminal) -> String {
    t.text.split(separator: "\n").map(String.init).first { $0.contains(" lr ") } ?? ""
  }

  /// The step in the status bar.
  static func step(_ t: TestTerminal) -> Int? { step(in: status(t)) }

  static func step(in status: String) -> Int? {
    guard let m = status.firstMatch(of: /step (\d+)/) else { return nil }
    return Int(m.1)
  }

  static func waitForStatus(_ t: TestTerminal, _ what: String, _ condition: @escaping (String) -> Bool) {
    t.send(.waitUntil(what, { condition(status($0)) }))
  }

  @Test("space pauses: the status says paused, and space again resumes")
  func spacePauses() throws {
    let (outcome, term) = try Self.run { t in
      Self.waitForStatus(t, "running at step 3") { (Self.step(in: $0) ?? 0) >= 3 }
      t.type(" ")
      Self.waitForStatus(t, "paused") { $0.contains("paused") }
      t.type(" ")
      Self.waitForStatus(t, "running") { !$0.contains("paused") && $0.contains("speed") }
      t.type("q")
    }
    guard case .quit = outcome else {
      Issue.record("outcome \(outcome)")
      return
    }
    #expect(term.frames.contains { Screenshot.text($0).contains("paused") })
  }

  @Test("n steps once while paused")
  func stepOnce() throws {
    var before: Int? = nil
    let (_, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "paused") { $0.contains("paused") }
      t.send(
        .waitUntil("the step is read") {
          before = Self.step($0)
          return before != nil
        })
      t.type("n")
      t.wait(for: "single step")
      Self.waitForStatus(t, "one step more") { s in Self.step(in: s) == before.map { $0 + 1 } }
      t.type("q")
    }
    #expect(Self.status(term).contains("paused"))
    #expect(Self.step(term) == before.map { $0 + 1 })
  }

  @Test("l doubles the learning rate")
  func learningRate() throws {
    var lr: String? = nil
    func lrField(_ s: String) -> String? { s.firstMatch(of: /lr (\S+)/).map { String($0.1) } }
    let (_, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { s in
        lr = lrField(s)
        return lr != nil
      }
      t.type("l")
      t.wait(for: "learning rate ×2")
      Self.waitForStatus(t, "a new lr") { s in lrField(s) != nil && lrField(s) != lr }
      t.type("q")
    }
    let old = try #require(lr.flatMap(Double.init))
    let new = try #require(lrField(Self.status(term)).flatMap(Double.init))
    #expect(abs(new - 2 * old) < 1e-6 * max(1, old))
    #expect(Self.status(term).contains("lr"))
  }

  @Test("at 80x24 with four variants, v and V switch the variant the histograms show")
  func variantKey() throws {
    let variants = ["plain": "linear 16, relu, linear 2", "bn": "linear 16, batchnorm, relu, linear 2"]
      .sorted { $0.key > $1.key }.flatMap { name, model in
        [VariantSpec(name: name, model: model), VariantSpec(name: name + "2", model: model)]
      }
    let names = variants.map(\.name)
    let (_, term) = try Self.run(paused: true, width: 80, height: 24, variants: variants) { t in
      t.send(.waitUntil("variant 1 of 4") { $0.text.contains("● \(names[0]) (1/4) · v: next variant") })
      t.type("v")
      t.send(.waitUntil("variant 2 of 4") { $0.text.contains("■ \(names[1]) (2/4) · v: next variant") })
      t.type("V")
      t.type("V")
      t.send(.waitUntil("variant 4 of 4, backwards") { $0.text.contains("◆ \(names[3]) (4/4) · v: next variant") })
      t.type("q")
    }
    #expect(term.frames.contains { Screenshot.text($0).contains("variant \(names[3]) (4/4)") }, "the status says so")
  }

  @Test("? opens the help overlay and closes it")
  func help() throws {
    var opened = false
    let (_, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { !$0.isEmpty }
      t.type("?")
      t.send(
        .waitUntil("help open") {
          opened = $0.text.contains("press ? or Esc to close")
          return opened
        })
      t.type("?")
      t.send(.waitUntil("help closed") { !$0.text.contains("press ? or Esc to close") })
      t.type("q")
    }
    #expect(opened)
    #expect(!term.text.contains("press ? or Esc to close"))
  }

  @Test("a resize to 60x20 shows the too-small screen; back to 120x40 shows the dashboard")
  func resize() throws {
    var small = ""
    let (_, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { !$0.isEmpty }
      t.resize(width: 60, height: 20)
      t.send(
        .waitUntil("too small") {
          small = $0.text
          return small.contains("terminal too small")
        })
      t.resize(width: 120, height: 40)
      Self.waitForStatus(t, "the dashboard") { !$0.isEmpty }
      t.type("q")
    }
    #expect(small.contains("this one is 60x20"))
    let last = try #require(term.lastFrame)
    #expect(last.width == 120 && last.height == 40)
    #expect(term.text.contains("120x40"), "the size is flashed")
  }

  @Test("q ends the loop with the step reached")
  func quit() throws {
    let (outcome, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { !$0.isEmpty }
      t.type("q")
    }
    #expect(outcome == .quit(step: Self.step(term) ?? -1))
    #expect(term.events.isEmpty)
  }

  @Test("a flash message shows, stays within its time and is gone once the (test) clock passes it")
  func flashExpires() throws {
    var frames = 0
    var stillShown = false
    let started = ContinuousClock.now
    let (_, term) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { !$0.isEmpty }
      t.type("z")
      t.wait(for: "zoomed: loss")
      t.send(.advanceClock(.seconds(3)))
      t.send(
        .waitUntil("frames drawn") {
          frames = $0.frames.count
          return true
        })
      t.send(.waitUntil("three more frames") { $0.frames.count >= frames + 3 })
      t.send(
        .waitUntil("the flash read") {
          stillShown = $0.text.contains("zoomed: loss")
          return true
        })
      t.send(.advanceClock(.seconds(2)))
      t.send(.waitUntil("flash gone") { !$0.text.contains("zoomed: loss") })
      t.type("q")
    }
    #expect(stillShown, "3 s into a 4 s flash")
    #expect(!term.text.contains("zoomed: loss"))
    // The flash lasts 4 s: it went on the test clock, not by waiting.
    #expect(ContinuousClock.now - started < .seconds(3.5))
  }

  @Test("a terminating signal ends the loop with its name and exit code")
  func signal() throws {
    let (outcome, _) = try Self.run(paused: true) { t in
      Self.waitForStatus(t, "the status") { !$0.isEmpty }
      t.send(.signal(15))
    }
    guard case .signal(let name, let code, _) = outcome else {
      Issue.record("outcome \(outcome)")
      return
    }
    #expect(name == "terminated (SIGTERM)" && code == 143)
  }

  @Test("with a one-minute frame interval the loop still draws each step at once: it wakes on keys and publishes")
  func wakesOnPublishAndKeys() throws {
    // No timer can draw here: the next frame is a minute away. Every wait is bounded (a
    // `waitUntil` gives up after `waitLimit`), so a loop that failed to wake fails the test
    // in 20 s instead of hanging.
    var steps: [Int] = []
    let started = ContinuousClock.now
    let (outcome, term) = try Self.run(paused: true, frameInterval: .seconds(60)) { t in
      t.waitLimit = .seconds(20)
      Self.waitForStatus(t, "the first snapshot") { s in
        if let n = Self.step(in: s) { steps.append(n) }
        return !steps.isEmpty
      }
      for i in 1...5 {
        t.type("n")
        Self.waitForStatus(t, "step +\(i)") { s in
          guard let n = Self.step(in: s), n == steps[0] + i else { return false }
          steps.append(n)
          return true
        }
      }
      t.type("q")
    }
    guard case .quit = outcome else {
      Issue.record("outcome \(outcome)")
      return
    }
    #expect(steps.count == 6 && steps.last == steps.first.map { $0 + 5 })
    // The new steps reached the screen because the training thread's publish woke the
    // terminal's wait for a key: no wait ran out its timeout (a minute away), and a wait that
    // did not end would have failed `waitUntil`.
    #expect(term.timedOutWaits == 0)
    #expect(ContinuousClock.now - started < .seconds(60))
  }

  @Test("the frame limit ends the loop without keys")
  func frameLimit() throws {
    let (outcome, term) = try Self.run(paused: true, frameLimit: 3) { _ in }
    guard case .quit = outcome else {
      Issue.record("outcome \(outcome)")
      return
    }
    #expect(term.frames.count == 3)
  }
}
