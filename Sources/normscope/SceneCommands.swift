import ArgumentParser
import Foundation
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

/// Reads and parses a scene file; on errors prints every one and exits 2.
enum SceneLoader {
  static func load(_ path: String) throws -> Scene {
    let text = try readText(path)
    do { return try SceneParser.parse(text, file: path) } catch {
      var err = StandardError()
      print(error.description, to: &err)
      let n = error.diagnostics.count
      throw CleanExit.failure("\(path): \(n) error\(n == 1 ? "" : "s")", code: 2)
    }
  }

  /// Largest scene file read (1 MB): `check`, `play` and the live app share this limit.
  static let maxBytes = 1_000_000

  /// A scene file's text, read within ``maxBytes`` (never reading more), as UTF-8.
  static func readText(_ path: String) throws -> String {
    let bytes: [UInt8]
    do { bytes = try InputFile.read(path, limit: maxBytes, what: "a scene file") } catch {
      throw CleanExit.failure("\(error)", code: 2)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw CleanExit.failure("\(path): not UTF-8 text", code: 2)
    }
    return text
  }

  /// The dashboard for the player's current state with the scene's view applied.
  static func state(_ p: ScenePlayer, theme: Theme) -> DashboardState {
    var s = DashboardState(experiment: p.experiment, title: Text.truncatedAtWord(p.scene.title, to: 60), theme: theme)
    apply(p.view, to: &s)
    return s
  }

  static func apply(_ v: SceneView, to s: inout DashboardState) {
    if let l = v.layer { s.selectedLayer = min(l, max(s.layerCount, 1)) }
    if let k = v.panel, s.panels.contains(k) { s.focus = k }
    s.zoomed = v.zoomed
    s.caption = v.caption
    s.captionHeading = v.chapter
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate scene files: every error with file:line:column; exit 2 if any.")

  @Argument(help: "Scene files.") var files: [String]

  func run() throws {
    var bad = 0
    var err = StandardError()
    for f in files {
      let text: String
      do { text = try SceneLoader.readText(f) } catch {
        bad += 1
        continue  // readText printed the reason
      }
      do {
        let scene = try SceneParser.parse(text, file: f)
        let expects = scene.statements.filter {
          if case .expect = $0.kind { return true }
          return false
        }.count
        print(
          "ok: \(f) — \(scene.variants.count) variants, \(scene.statements.count) statements, \(expects) expectations")
      } catch {
        print(error.description, to: &err)
        let n = error.diagnostics.count
        print("\(f): \(n) error\(n == 1 ? "" : "s")", to: &err)
        bad += 1
      }
    }
    if bad > 0 {
      throw CleanExit.failure("\(bad) of \(files.count) file\(files.count == 1 ? "" : "s") with errors", code: 2)
    }
  }
}

/// Headless playback: renders a flip-book frame after every statement and writes screenshots.
final class HeadlessSink: ScenePlayerDelegate {
  let size: (Int, Int)
  let theme: Theme
  let screenshotDir: String?
  /// The flip-book being built (nil without --flipbook); bounded by `FlipBook.defaultBudget`.
  var book: FlipBook?
  var written: [String] = []
  var skipped: [String] = []
  /// One line per screenshot that could not be written.
  var failedWrites: [String] = []

  init(size: (Int, Int), theme: Theme, screenshotDir: String?, keepFrames: Bool) {
    self.size = size
    self.theme = theme
    self.screenshotDir = screenshotDir
    book = keepFrames ? FlipBook() : nil
  }

  func render(_ p: ScenePlayer) -> Buffer {
    Dashboard.render(SceneLoader.state(p, theme: theme), width: size.0, height: size.1)
  }

  func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {
    guard let full = book?.isFull else { return }
    guard !full else {
      book?.skip()  // over budget: counted, not rendered
      return
    }
    book?.append(
      label: "line \(statement.line), step \(player.experiment.step): \(statement.text)", buffer: render(player))
  }

  func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws {
    guard let dir = screenshotDir else {
      skipped.append(name)
      return
    }
    let b = render(player)
    // The scene names the file and --screenshots the directory: replace (atomically) what an
    // earlier run wrote there.
    let base = (dir as NSString).appendingPathComponent(name)
    do {
      try SafeFile.replace(path: base + ".txt", contents: Screenshot.text(b))
      try SafeFile.replace(path: base + ".ansi", contents: Screenshot.ansi(b))
      written.append(base + ".txt")
    } catch {
      // The scene plays on: its expectations still count, and the summary names the failure.
      failedWrites.append("\(error)")
    }
  }
}

struct Play: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play a scene: live in the terminal, or headless with every expectation checked.",
    discussion: """
      Headless playback prints each expectation as PASS or FAIL with the values it measured and \
      exits 0 only if all pass (1 if one fails, 2 on invalid input). Screenshots are written only \
      into --screenshots DIR (scene files name screenshots, never paths).
      """
  )

  @Argument(help: "The .scene file.") var file: String
  @Flag(help: "No terminal: play at full speed and check the expectations.") var headless = false
  @Option(
    help: ArgumentHelp("Screen size for frames and screenshots (default: the scene's, else 140x45).", valueName: "WxH"))
  var size: String?
  @Option(help: ArgumentHelp("Directory for the scene's screenshots (created if missing).", valueName: "dir"))
  var screenshots: String?
  @Option(help: ArgumentHelp("Write a flip-book: the screen after every timeline statement.", valueName: "file"))
  var flipbook: String?
  @Option(help: "Glyphs: braille, blocks or ascii.") var glyphs = "braille"
  @Option(help: "Colours for screenshots: truecolor, 256, 8 or mono.") var colors = "256"
  @Flag(help: "Presenter mode (interactive).") var present = false
  @Option(name: .customLong("screenshot-dir"), help: "Where s and R write files in interactive play (default: .).")
  var screenshotDir = "."
  @Option(
    help: ArgumentHelp(
      "Headless: run the scene with this many seeds (the scene's `seed`, then the next ones), overriding its `seeds` line.",
      valueName: "N"))
  var seeds: Int?
  @Option(help: ArgumentHelp("Headless: seeds run at once (default: the number of cores).", valueName: "N"))
  var jobs: Int?
  @Flag(help: "Headless: also print the README's summary of the scene's figure lines (used by `make figures`).")
  var summary = false

  func validate() throws {
    if let seeds, !(1...SceneParser.maxSeeds).contains(seeds) {
      throw ValidationError("--seeds must be 1 to \(SceneParser.maxSeeds), got \(seeds)")
    }
    if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256, got \(jobs)") }
    if let size { _ = try parseSize(size) }
    guard GlyphSet(rawValue: glyphs) != nil else { throw ValidationError("--glyphs must be braille, blocks or ascii") }
    guard ColorMode(rawValue: colors) != nil else {
      throw ValidationError("--colors must be truecolor, 256, 8 or mono")
    }
  }

  func run() throws {
    let loaded = try SceneLoader.load(file)
    if !headless {
      try Live.runScene(loaded, file: file, present: present, screenshotDir: screenshotDir, glyphs: glyphs)
      return
    }
    let sz = try size.map(parseSize) ?? (loaded.size.width, loaded.size.height)
    if let screenshots {
      do { try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true) } catch {
        throw CleanExit.failure("cannot create --screenshots \(screenshots): \(error.localizedDescription)", code: 2)
      }
    }
    let mode = ColorMode.resolve(flag: colors, environment: ProcessInfo.processInfo.environment, terminalColors: nil)
    let sink = HeadlessSink(
      size: sz, theme: Theme(colors: mode, glyphs: GlyphSet(rawValue: glyphs)!), screenshotDir: screenshots,
      keepFrames: flipbook != nil)
    var scene = loaded
    if let seeds { scene.seedCount = seeds }
    let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
    if scene.seedCount > 1 || summary {
      try playReplicates(scene, name: name, sink: sink)
      return
    }
    let player: ScenePlayer
    do { player = try ScenePlayer(scene: scene) } catch { throw CleanExit.failure("\(file): \(error)", code: 2) }
    print("scene: \(scene.title)")
    try player.playToEnd(delegate: sink)
    for r in player.results { print(r.rendered) }
    for f in player.figures { print(f.rendered) }
    let writeFailures = sink.failedWrites + writeFlipbook(sink)
    if !sink.written.isEmpty { print("screenshots: " + sink.written.joined(separator: ", ")) }
    if !sink.skipped.isEmpty {
      print("screenshots not written (no --screenshots DIR): " + sink.skipped.joined(separator: ", "))
    }
    print("\(name): \(player.passedCount) passed, \(player.failedCount) failed")
    if let f = player.failure { throw CleanExit.failure(f, code: 1) }
    if !writeFailures.isEmpty { throw CleanExit.failure(writeFailures.joined(separator: "\n"), code: 1) }
    if player.failedCount > 0 { throw ExitCode(1) }
  }
}

extension Play {
  /// Writes the flip-book the sink kept (and says how many frames its budget left out);
  /// returns the write failure, if any.
  func writeFlipbook(_ sink: HeadlessSink) -> [String] {
    guard let flipbook, let book = sink.book else { return [] }
    var failures: [String] = []
    do { try SafeFile.replace(path: flipbook, contents: book.contents) } catch { failures.append("\(error)") }
    if book.droppedCount > 0 {
      var err = StandardError()
      print(
        "normscope: flip-book \(flipbook): kept \(book.keptCount) frames, left out \(book.droppedCount) (limit \(book.budget >> 20) MiB)",
        to: &err)
    }
    return failures
  }

  /// Headless play over the scene's seeds: every expectation as k/N with mean ± sd of what it
  /// read; screenshots and the flip-book come from the first seed.
  func playReplicates(_ scene: Scene, name: String, sink: HeadlessSink) throws {
    let seeds = scene.seeds
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    print("scene: \(scene.title) (seeds \(seeds.first!)–\(seeds.last!), \(seeds.count) runs)")
    let outcome = try Replicates.play(scene, seeds: seeds, jobs: jobs ?? cores, delegate: sink)
    for v in outcome.verdicts { print(v.rendered) }
    for f in outcome.figures { print(f) }
    if summary { print("SUMMARY: \(outcome.figureSummary)") }
    for f in outcome.failures { print("FAIL  \(f)") }
    let writeFailures = sink.failedWrites + writeFlipbook(sink)
    if !sink.written.isEmpty { print("screenshots (seed \(seeds[0])): " + sink.written.joined(separator: ", ")) }
    print(
      "\(name): \(outcome.passedCount) passed, \(outcome.verdicts.count - outcome.passedCount) failed over \(seeds.count) seed\(seeds.count == 1 ? "" : "s")"
        + (outcome.failures.isEmpty
          ? "" : "; \(outcome.failures.count) seed\(outcome.failures.count == 1 ? "" : "s") stopped"))
    if !writeFailures.isEmpty { throw CleanExit.failure(writeFailures.joined(separator: "\n"), code: 1) }
    if outcome.failedCount > 0 { throw ExitCode(1) }
  }
}

func parseSize(_ s: String) throws -> (Int, Int) {
  let parts = s.lowercased().split(separator: "x")
  guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w), (1...1000).contains(h)
  else {
    throw ValidationError("--size must look like 140x45 (1 to 1000 each), got '\(s)'")
  }
  return (w, h)
}
