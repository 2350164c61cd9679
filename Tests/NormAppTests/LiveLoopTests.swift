import Foundation
import NormApp
import NormCore
import NormLab
import NormScene
import NormView
import Testing

/// The live app in-process: the real loop and training thread on a scripted ``TestTerminal``.
/// Every key waits for the screen to show the state it needs, so no test depends on timing.
@Suite(.serialized) struct LiveLoopTests {
  /// Runs the live app on moons (`linear 16, relu, linear 2`) with the scripted terminal.
  static func run(
    paused: Bool = false, width: Int = 120, height: Int = 40, frameLimit: Int? = nil,
    frameInterval: Duration = .milliseconds(33), scene: Scene? = nil, sceneDirectories: [String] = [],
    variants: [VariantSpec] = [VariantSpec(name: "relu", model: "linear 16, relu, linear 2")],
    sweepFile: String? = nil,
    _ script: (TestTerminal) -> Void
  ) throws -> (LiveOutcome, TestTerminal) {
    let data = try BuiltinData.make(name: "moons", seed: 1)
    let config = try scene?.experimentConfig() ?? ExperimentConfig(variants: variants, data: data, batchSize: 32)
    let term = TestTerminal(width: width, height: height)
    script(term)
    let theme = Theme(colors: term.colorMode, glyphs: .braille)
    let link = LabLink()
    link.set(stepsPerFrame: 1, paused: paused)
    var source = LabSource(scene: scene, dataName: scene?.dataName ?? "moons", recordDir: "/tmp")
    source.replicateJobs = 1
    source.sweepFile = sweepFile
    LabThread.start(config: config, theme: theme, link: link, source: source)
    var app = LiveApp(term: term, link: link, theme: theme, presenter: false, screenshotDir: "/tmp", now: term.now)
    app.frameLimit = frameLimit
    if sweepFile != nil { app.focus = .sweep }
    app.sceneDirectories = sceneDirectories
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

  @Test("--sweep FILE: the sweep panel opens focused on the file and fills in as the file grows")
  func sweepFileFollowed() throws {
    var d = SweepDefinition(variants: [VariantSpec(name: "tiny", model: "linear 8, relu, linear 2")])
    d.data = "moons"
    d.learningRates = [0.01, 0.3]
    d.seedCount = 2
    d.steps = 20
    d.checkEvery = 10
    let runner = try SweepRunner(d) { try BuiltinData.make(name: "moons", seed: $0) }
    let lines = (0..<d.cellCount).map { SweepLog.line(runner.run(d.cell($0))!, definition: d) }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("live-sweep-\(getpid()).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try (SweepLog.header(d) + lines[0] + lines[1]).write(toFile: path, atomically: true, encoding: .utf8)
    let (_, term) = try Self.run(sweepFile: path) { t in
      t.send(.waitUntil("half the sweep drawn") { $0.text.contains("(2 of 4 runs so far)") })
      // The sweep running elsewhere writes its last runs.
      t.send(
        .waitUntil("the file grows") { _ in
          guard let h = FileHandle(forWritingAtPath: path) else { return false }
          h.seekToEndOfFile()
          h.write(Data((lines[2] + lines[3]).utf8))
          h.closeFile()
          return true
        })
      t.send(.waitUntil("the whole sweep drawn") { $0.text.contains("(4 runs)") })
      t.type("q")
    }
    let text = term.text
    #expect(text.contains("Sweep: does each variant train?"))
    for name in ["tiny", "0.01", "0.3"] { #expect(text.contains(name), "\(name)") }
  }

  @Test("x writes the metrics so far as CSV and JSON Lines, one row per step and variant")
  func exportMetrics() throws {
    let (_, term) = try Self.run(paused: true) { t in
      t.type("n")
      Self.waitForStatus(t, "step 1") { Self.step(in: $0) == 1 }
      t.type("n")
      Self.waitForStatus(t, "step 2") { Self.step(in: $0) == 2 }
      t.type("x")
      t.send(.waitUntil("the export is said") { $0.text.contains("metrics so far: ") })
      t.type("q")
    }
    let said = try #require(term.text.firstMatch(of: /metrics so far: (\S+)\.csv and \.jsonl \((\d+) rows/))
    let base = String(said.1)
    defer {
      try? FileManager.default.removeItem(atPath: base + ".csv")
      try? FileManager.default.removeItem(atPath: base + ".jsonl")
    }
    #expect(said.2 == "2")
    let csv = try String(contentsOfFile: base + ".csv", encoding: .utf8).split(separator: "\n")
    #expect(csv.count == 3 && csv[0].hasPrefix("step,variant,loss,") && csv[2].hasPrefix("2,relu,"))
    let jsonl = try String(contentsOfFile: base + ".jsonl", encoding: .utf8).split(separator: "\n")
    #expect(jsonl.count == 2 && jsonl[0].hasPrefix("{\"step\":1,\"variant\":\"relu\",\"loss\":"))
  }

  @Test("c records the screen as an asciicast from the moment it is pressed until c again")
  func castKey() throws {
    let (_, term) = try Self.run(paused: true) { t in
      t.type("c")
      t.send(.waitUntil("recording") { $0.text.contains("recording the screen to ") })
      t.type("n")
      Self.waitForStatus(t, "step 1") { Self.step(in: $0) == 1 }
      t.type("c")
      t.send(.waitUntil("stopped") { $0.text.contains("cast: ") })
      t.type("q")
    }
    let said = try #require(term.text.firstMatch(of: /cast: (\S+\.cast) \((\d+) frames/))
    let path = String(said.1)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(header["version"] as? Int == 2 && header["width"] as? Int == 120 && header["height"] as? Int == 40)
    // At most one output event per recorded frame (a frame that changes nothing writes none).
    let events = try lines.dropFirst().map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any]) }
    #expect(!events.isEmpty && events.count <= Int(said.2)!)
    #expect(events.allSatisfy { ($0[1] as? String) == "o" })
    // The first event draws the whole screen; later ones only what changed.
    #expect((events.first?[2] as? String)?.contains("Loss (training") == true)
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

  @Test("a multi-seed scene: once every seed has run in the background, the caption gives mean ± sd and the claims")
  func backgroundSeeds() throws {
    let scene = try SceneParser.parse(
      """
      title "bg"
      seed 4
      seeds 3
      data moons
      variant bn: linear 16, batchnorm, relu, linear 2
      lr 0.1
      run 30
      caption "BN reaches {val_accuracy(bn)|%}"
      expect val_accuracy(bn) >= 0
      pause
      """, file: "bg.scene")
    let (_, term) = try Self.run(scene: scene) { t in
      t.wait(for: "numbers: mean ± sd over 3 seeds")
      t.wait(for: "claims: 1 of 1 hold over 3 seeds")
      t.type("q")
    }
    #expect(term.text.firstMatch(of: /BN reaches [0-9.]+ ± [0-9.]+ %/) != nil)
    // The status bar says which seed is shown.
    #expect(term.text.contains("(seed 4 of 4–6)"))
  }

  @Test("after `restart` the screen shows the scene's fresh experiment, not the one before it")
  func restartShowsFreshExperiment() throws {
    let scene = try SceneParser.parse(
      """
      title "restart"
      data moons
      variant bn: linear 16, batchnorm, relu, linear 2
      run 40
      restart
      set batch 7
      run 5
      pause
      """, file: "restart.scene")
    let (_, term) = try Self.run(scene: scene) { t in
      // A final `pause` still pauses; space then ends the scene.
      t.wait(for: "the scene pauses here")
      t.type(" ")
      t.wait(for: "scene finished")
      t.type("q")
    }
    #expect(Self.step(term) == 5, "\(Self.status(term))")
  }

  @Test("] while paused past a chapter that ends with a caption: the caption box shows the next chapter")
  func chapterAfterClosingCaption() throws {
    let scene = try SceneParser.parse(
      """
      title "chapters"
      data moons
      variant bn: linear 16, batchnorm, relu, linear 2
      chapter "one"
      caption "first words"
      run 20
      caption "closing words of one"
      chapter "two"
      caption "opening words of two"
      run 20
      """, file: "chapters.scene")
    let (_, term) = try Self.run(scene: scene) { t in
      t.wait(for: "first words")
      t.type(" ")
      Self.waitForStatus(t, "paused") { $0.contains("paused") }
      t.type("]")
      t.wait(for: "opening words of two")
      t.type("q")
    }
    #expect(Screenshot.text(term.frames.last!).contains("┌─ two "), "the caption box heads with chapter two")
  }

  @Test("a scene's end stays in the status bar after the message saying it has gone")
  func sceneEndStays() throws {
    let scene = try SceneParser.parse(
      """
      title "ends"
      data moons
      variant bn: linear 16, batchnorm, relu, linear 2
      run 10
      expect step() == 10
      """, file: "ends.scene")
    let (_, term) = try Self.run(scene: scene) { t in
      t.wait(for: "space trains on freely")
      t.send(.advanceClock(.seconds(60)))
      t.send(.waitUntil("the message gone") { !$0.text.contains("space trains on freely") })
      t.type("q")
    }
    #expect(Self.status(term).contains("scene finished: 1 passed, 0 failed"), "\(Self.status(term))")
  }

  @Test("o opens the scene browser; Enter plays the chosen scene in the running app")
  func sceneBrowser() throws {
    let scenes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scenes").path
    let (_, term) = try Self.run(paused: true, sceneDirectories: [scenes]) { t in
      Self.waitForStatus(t, "paused") { $0.contains("paused") }
      t.type("o")
      t.wait(for: "Enter plays")
      t.wait(for: "small-batch")
      // tour, alternatives, batch-size-mismatch: the third entry.
      t.send(.key(.down))
      t.send(.key(.down))
      t.wait(for: "Batch size at inference")
      t.send(.key(.enter))
      Self.waitForStatus(t, "the new scene's title") { $0.contains("Batch size at inference") }
      t.type("q")
    }
    #expect(!term.text.contains("Enter plays"), "the browser closed")
    #expect(term.text.contains("Train at 64") || Self.status(term).contains("Batch size at inference"))
  }

  @Test("the caption's note: one seed's numbers while the seeds run, then mean ± sd and the claims over them")
  func backgroundNote() throws {
    var p = BackgroundReplicates.Progress(total: 10)
    p.done = 3
    #expect(
      BackgroundReplicates.note(p, seed: 2, captionHasValues: true)
        == "numbers: seed 2 of 2–11 · checking all 10 seeds: 3 done")
    #expect(BackgroundReplicates.note(p, seed: 2, captionHasValues: false) == "checking all 10 seeds: 3 done")
    let scene = try SceneParser.parse(
      """
      title "bg"
      seed 1
      seeds 3
      data moons
      variant bn: linear 16, batchnorm, relu, linear 2
      run 5
      expect val_accuracy(bn) >= 0
      expect val_accuracy(bn) > 2
      """, file: "bg.scene")
    p.total = 3
    p.outcome = try Replicates.play(scene, seeds: scene.seeds, jobs: 1, delegate: nil)
    #expect(
      BackgroundReplicates.note(p, seed: 1, captionHasValues: true)
        == "numbers: mean ± sd over 3 seeds · claims: 1 of 2 hold over 3 seeds (line 8: 0/3)")
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

/// Messages from the training thread: none lost when two come in one frame.
@Suite struct MessageSlotTests {
  @Test("a message said before the UI read the last is joined to it, newest first; after a read it replaces it")
  func joins() {
    var slot = MessageSlot()
    slot.say("claims: 1 of 1 hold over 3 seeds")
    slot.say("scene finished: 1 passed, 0 failed")
    let first = slot.take()
    // Newest first: the status bar may cut the end.
    #expect(first.text == "scene finished: 1 passed, 0 failed  ·  claims: 1 of 1 hold over 3 seeds")
    #expect(first.version == 2)
    slot.say("chapter: two")
    #expect(slot.take().text == "chapter: two")
  }

  @Test("a transient message (progress) is replaced by the next, not joined")
  func transient() {
    var slot = MessageSlot()
    slot.say("sweeping: 1 of 30 runs", transient: true)
    slot.say("sweeping: 2 of 30 runs", transient: true)
    slot.say("PASS line 9")
    #expect(slot.take().text == "PASS line 9")
    // A message waiting to be read survives the progress said after it.
    slot.say("chapter: sweep")
    slot.say("sweeping: 1 of 30 runs", transient: true)
    slot.say("sweeping: 2 of 30 runs", transient: true)
    #expect(slot.take().text == "sweeping: 2 of 30 runs  ·  chapter: sweep")
  }
}
