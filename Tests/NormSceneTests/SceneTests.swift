import Foundation
import NormCore
import NormLab
import NormScene
import NormView
import Testing

let scenesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("scenes")

let header = """
  title "t"
  data digits
  variant plain: linear 16, relu, linear 10
  variant bn: linear 16, batchnorm, relu, linear 10

  """

func errors(_ text: String) -> [SceneDiagnostic] {
  do {
    _ = try SceneParser.parse(text, file: "x.scene")
    return []
  } catch { return error.diagnostics }
}

/// ``errors(_:)`` as `line:column: message`, one a diagnostic.
func located(_ text: String) -> [String] { errors(text).map { "\($0.line):\($0.column): \($0.message)" } }

@Suite("Scene language: errors")
struct SceneErrorTests {
  @Test(
    "each kind of error: line, column, message",
    arguments: [
      ("runn 5", 1, "unknown statement 'runn' (did you mean run?)"),
      ("run 5\nlr 0.1", 1, "'lr' sets up the experiment, so it must come before the timeline (which starts on line 5)"),
      ("run five", 5, "run needs a number of steps"),
      ("expect final_loss(bnn) < 1", 19, "no variant named 'bnn' (variants: bn, plain) (did you mean bn?)"),
      ("expect final_los(bn) < 1", 8, "unknown function 'final_los' (did you mean final_loss?)"),
      ("expect drift(bn, layr=2) > 0", 18, "drift takes layer, place, unit; 'layr' is not one (did you mean layer?)"),
      ("expect final_loss(bn) <", 24, "expected a number, a function or '(' but found end of line"),
      ("caption \"unclosed", 9, "unterminated string: add a closing \""),
      ("run until final_loss(bn) < 1", 29, "run until needs `within N` at the end"),
      ("screenshot ../../etc/passwd", 12, "a screenshot name is letters, digits"),
      ("screenshot /tmp/x", 12, "no paths"),
      ("show panel heatmp", 12, "unknown panel 'heatmp' (did you mean heatmap?)"),
      ("set lr 0.5 for bm", 16, "no variant named 'bm' (did you mean bn?)"),
      ("set speed 3", 5, "cannot set 'speed'"),
      ("shift data scale=2 tilt=3", 20, "shift data has no option 'tilt'"),
      ("freeze gamma", 8, "freeze bn (running statistics) or freeze affine"),
    ])
  func kinds(line: String, column: Int, message: String) throws {
    let d = errors(header + line)
    let e = try #require(d.first, "no error for \(line)")
    #expect(e.line == (line.hasPrefix("run 5\n") ? 6 : 5))  // the header is 4 lines
    #expect(e.column == column, "\(line): \(e)")
    #expect(e.message.contains(message), "\(line): \(e.message)")
  }

  @Test("model spec errors point into the variant line")
  func specColumns() throws {
    let d = errors("title \"t\"\nvariant bn: linear 16, batchnrom, linear 10\n")
    let e = try #require(d.first)
    #expect(e.line == 2 && e.column == 24)
    #expect(e.message == "unknown layer 'batchnrom' (did you mean batchnorm?)")
    let shape = errors("title \"t\"\ndata digits\nvariant r: rnn 8, linear 10\n")
    #expect(shape.first?.message.contains("rnn expects sequences (N, T, K) but gets (N, 1, 8, 8)") == true)
    #expect(shape.first?.column == 12)
  }

  @Test("every error in the file is reported, in order, with a caret")
  func allErrors() throws {
    let d = errors("title \"t\"\ndat digits\nvariant a: linear 10\nrun x\nexpect nope(a) > 1\nscreenshot ../x\n")
    #expect(d.map(\.line) == [2, 4, 5, 6])
    #expect(d[0].message.contains("did you mean data?"))
    #expect(
      d[2].rendered == """
        x.scene:5:8: error: unknown function 'nope'
            expect nope(a) > 1
                   ^
        """)
  }

  @Test func missingTitleAndVariants() {
    let d = errors("run 5\n")
    #expect(d.contains { $0.message.contains("no variants") })
    #expect(d.contains { $0.message.contains("no title") })
  }

  @Test("control characters in a file never reach the rendered diagnostic")
  func sanitizedDiagnostic() throws {
    let d = errors(header + "runn \u{1B}[2J 5")
    #expect(!(try #require(d.first)).rendered.contains("\u{1B}"))
  }
}

final class Frames: ScenePlayerDelegate {
  var finished = 0
  var shots: [String] = []
  var frames: [Buffer] = []
  var render = false
  func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {
    finished += 1
    if render {
      var s = DashboardState(experiment: player.experiment, theme: Theme())
      s.caption = player.view.caption
      frames.append(Dashboard.render(s, width: 100, height: 30))
    }
  }
  func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws { shots.append(name) }
}

@Suite("Scene playback")
struct ScenePlayerTests {
  func play(_ body: String) throws -> (ScenePlayer, Frames) {
    let scene = try SceneParser.parse(header + body, file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    let f = Frames()
    try p.playToEnd(delegate: f)
    return (p, f)
  }

  @Test func expressionsAndResults() throws {
    let (p, f) = try play(
      """
      run 20
      expect 1 + 2 * 3 == 7 and not (2 < 1) or false
      expect final_loss(plain) > 0 and step() == 20
      expect 0 / 0 == 0 / 0
      screenshot a
      """)
    #expect(p.results.map(\.passed) == [true, true, false])
    #expect(p.results[1].readings.contains("step() = 20"))
    #expect(f.finished == 5 && f.shots == ["a"])
  }

  @Test func runUntilReachedAndNotReached() throws {
    let (p, _) = try play(
      """
      run until step() >= 7 within 100
      expect step() == 7
      run until step() > 1000 within 5
      expect step() == 12
      """)
    #expect(p.results.map(\.passed) == [true, false, true])
    #expect(p.results[1].source.contains("not reached"))
  }

  @Test func controlsRestartAndShift() throws {
    let (p, _) = try play(
      """
      run 10
      set lr 0.3 for bn
      set batch 7
      set mode train
      freeze bn for bn
      mark "m"
      expect lr(bn) > 0.29 and lr(plain) < 0.11 and batch() == 7
      shift data scale=2
      restart
      expect step() == 0 and batch() == 60
      """)
    #expect(p.results.allSatisfy { $0.passed }, "\(p.results.map(\.rendered))")
  }

  @Test("a failure inside training stops the scene as a failed result")
  func runtimeFailure() throws {
    let (p, _) = try play("set batch 1\nrun 3\nexpect step() == 3\n")
    #expect(p.failure?.contains("Expected more than 1 value per channel") == true)
    #expect(p.failedCount == 1)
  }

  @Test("a scene saved with Windows line endings parses exactly like the original")
  func windowsLineEndings() throws {
    // Found by fuzzing: Swift reads "\r\n" as one Character, so splitting at "\n" once saw a
    // CRLF file as a single line, and the model-spec tokenizer looped forever on it.
    let lf = BuiltinScenes.tour
    let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
    #expect(crlf.split(separator: "\n").count == 1)  // the trap itself
    let a = try SceneParser.parse(lf, file: "t.scene")
    let b = try SceneParser.parse(crlf, file: "t.scene")
    #expect(a.title == b.title && a.description == b.description)
    #expect(a.variants.map(\.name) == b.variants.map(\.name))
    #expect(a.statements.map(\.text) == b.statements.map(\.text))
    #expect(a.statements.map(\.line) == b.statements.map(\.line))
    #expect(!b.statements.contains { $0.text.contains("\r") })
    let e = errors(header.replacingOccurrences(of: "\n", with: "\r\n") + "run 10\r\nset lr x\r\n")
    #expect(e.map { "\($0.line):\($0.column)" } == ["6:8"], "\(e.map(\.rendered))")
  }

  @Test("the built-in tour is scenes/tour.scene")
  func tourIsTheFile() throws {
    let file = try String(contentsOf: scenesURL.appendingPathComponent("tour.scene"), encoding: .utf8)
    #expect(BuiltinScenes.tour == file)
    _ = try BuiltinScenes.defaultScene()
  }

  @Test("record, then play the recording: identical screens")
  func recordRoundTrip() throws {
    let scene = try SceneParser.parse(header + "run 1\n", file: "x.scene")
    let e = try Experiment(try scene.experimentConfig())
    for _ in 0..<40 { try e.advance() }
    try e.setLearningRate(0.4)
    try e.setBatchSize(16)
    for _ in 0..<25 { try e.advance() }
    e.setInferenceMode(.train)
    try e.setBatchNormFrozen(true, variants: ["bn"])
    for _ in 0..<10 { try e.advance() }
    var view = SceneView()
    view.layer = 1
    let text = SceneRecorder.text(experiment: e, dataName: "digits", dataParameters: [:], startStep: 30, view: view)
    let replay = try ScenePlayer(scene: try SceneParser.parse(text, file: "rec.scene"))
    try replay.playToEnd(delegate: nil)
    #expect(replay.experiment.step == 75)
    let a = Dashboard.render(DashboardState(experiment: e, theme: Theme()), width: 140, height: 45)
    let b = Dashboard.render(DashboardState(experiment: replay.experiment, theme: Theme()), width: 140, height: 45)
    #expect(Screenshot.text(a) == Screenshot.text(b))
    #expect(Screenshot.ansi(a) == Screenshot.ansi(b))
    #expect(text.contains("chapter \"recording started\""))
  }

  @Test("flip-book: one frame per timeline statement")
  func flipbookFrames() throws {
    let scene = try SceneParser.parse(header + "caption \"hi\"\nrun 5\nrun 5\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    let f = Frames()
    f.render = true
    try p.playToEnd(delegate: f)
    #expect(f.frames.count == 3)
    #expect(Screenshot.text(f.frames[0]).contains("hi"))
  }
}

@Suite("The scene library")
struct SceneLibraryTests {
  static let files = ((try? FileManager.default.contentsOfDirectory(atPath: scenesURL.path)) ?? [])
    .filter { $0.hasSuffix(".scene") }.sorted()

  @Test func everyClaimHasAScene() {
    let required = [
      "covariate-shift", "train-vs-eval", "learning-rate", "init-sensitivity", "small-batch", "placement",
      "alternatives",
      "fine-tune-shift", "rnn", "regularization", "batch-size-mismatch", "ics-debate", "tour",
    ]
    for r in required { #expect(Self.files.contains(r + ".scene"), "missing scenes/\(r).scene") }
  }

  @Test(
    "every scene passes at its declared seeds (at least 10), and README's figures are what it measures",
    arguments: SceneLibraryTests.files)
  func plays(file: String) throws {
    let text = try String(contentsOf: scenesURL.appendingPathComponent(file), encoding: .utf8)
    let scene = try SceneParser.parse(text, file: "scenes/" + file)
    #expect(scene.seedCount >= 10, "\(file) judges its claims over at least 10 seeds")
    let out = try Replicates.play(scene, seeds: scene.seeds, jobs: 2, delegate: nil)
    #expect(out.failures.isEmpty, "\(out.failures)")
    #expect(out.verdicts.count >= 3, "a scene tests at least three things")
    for v in out.verdicts { #expect(v.passed, "\(file): \(v.rendered)") }
    let captions = scene.statements.filter {
      if case .caption = $0.kind { return true }
      return false
    }
    #expect(captions.count >= 2, "\(file) explains itself with captions")
    // The README's scene table quotes the figure lines as this build measures them.
    let name = String(file.dropLast(".scene".count))
    guard name != "tour" else { return }
    #expect(!out.figureTexts.isEmpty, "\(file) has a figure line for the README's table")
    let readme = try String(
      contentsOf: scenesURL.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
    let row = readme.split(separator: "\n").first { $0.hasPrefix("| `\(name)` |") }.map(String.init) ?? ""
    #expect(
      row.hasSuffix("| \(out.figureSummary) |"),
      "README row for \(name) is stale: run `make figures`\n\(row)\nmeasured: \(out.figureSummary)")
  }
}
