import ArgumentParser
import Foundation
import NormApp
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

/// Reads and parses a scene file; on errors prints every one and exits 2.
enum SceneLoader {
  static func load(_ name: String) throws -> Scene {
    let path = resolve(name)
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

  /// The library's directories, searched in this order for a scene named without a path:
  /// `$NORMSCOPE_SCENES`, `./scenes` (a source checkout), and `../share/normscope/scenes` beside
  /// the program (where `make install` puts the library).
  static func libraryDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    SceneLibrary.defaultDirectories(environment: environment, executable: executablePath())
  }

  /// This program's file (`/proc/self/exe` on Linux).
  static func executablePath() -> String? {
    if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
    return Bundle.main.executablePath
  }

  /// `name` itself when it is a file; else, for a name without `/`, the first library
  /// directory's `NAME.scene` (or `NAME` when it already ends in `.scene`); else `name`
  /// unchanged (reading it then says what is wrong).
  static func resolve(_ name: String) -> String {
    let fm = FileManager.default
    if fm.fileExists(atPath: name) || name.contains("/") || name.isEmpty { return name }
    let file = name.hasSuffix(".scene") ? name : name + ".scene"
    for dir in libraryDirectories() {
      let candidate = (dir as NSString).appendingPathComponent(file)
      if fm.fileExists(atPath: candidate) { return candidate }
    }
    return name
  }

  /// The library scenes' names (without `.scene`) in every library directory, sorted, once each.
  static func libraryNames() -> [String] {
    var names = Set<String>()
    for dir in libraryDirectories() {
      for f in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where f.hasSuffix(".scene") {
        names.insert(String(f.dropLast(6)))
      }
    }
    return names.sorted()
  }

  /// A scene file's text, read within ``maxBytes`` (never reading more), as UTF-8. A name
  /// without `/` that is neither a file nor a library scene says where the library was looked for.
  static func readText(_ name: String) throws -> String {
    let path = resolve(name)
    if path == name, !name.contains("/"), !FileManager.default.fileExists(atPath: name) {
      // The tour is built in: `normscope play tour` works without the library.
      if name == "tour" || name == "tour.scene" { return BuiltinScenes.tour }
      let known = libraryNames()
      let base = name.hasSuffix(".scene") ? String(name.dropLast(6)) : name
      throw CleanExit.failure(
        "\(name): no such scene file or library scene"
          + (known.isEmpty
            ? " (no library found in \(libraryDirectories().joined(separator: ", ")))"
            : " (library: \(known.joined(separator: ", ")))" + hint(for: base, among: known)),
        code: 2)
    }
    return try readFile(path)
  }

  static func readFile(_ path: String) throws -> String {
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
    s.sweep = p.sweep
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

  @Argument(help: "Scene files, or names of library scenes.", completion: .file(extensions: ["scene"])) var files:
    [String]

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
        let scene = try SceneParser.parse(text, file: SceneLoader.resolve(f))
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
class HeadlessSink: ScenePlayerDelegate {
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

  @Argument(
    help: "The .scene file, or the name of a library scene (`normscope play small-batch`).",
    completion: .file(extensions: ["scene"]))
  var file: String
  @Flag(help: "No terminal: play at full speed and check the expectations.") var headless = false
  @Option(
    help: ArgumentHelp("Screen size for frames and screenshots (default: the scene's, else 140x45).", valueName: "WxH"))
  var size: String?
  @Option(
    help: ArgumentHelp("Directory for the scene's screenshots (created if missing).", valueName: "dir"),
    completion: .directory)
  var screenshots: String?
  @Option(
    help: ArgumentHelp("Write a flip-book: the screen after every timeline statement.", valueName: "file"),
    completion: .file())
  var flipbook: String?
  @Option(help: Choices.help("Glyphs:", Choices.glyphs), completion: Choices.completion(Choices.glyphs))
  var glyphs = "braille"
  @Option(
    help: Choices.help("Colours for screenshots, flip-books and casts:", Choices.colors),
    completion: Choices.completion(Choices.colors))
  var colors = "256"
  @Flag(help: "Presenter mode (interactive).") var present = false
  @OptionGroup var mouseOptions: MouseOptions
  @Option(
    name: .customLong("screenshot-dir"), help: "Where s and R write files in interactive play (default: .).",
    completion: .directory)
  var screenshotDir = "."
  @Option(
    help: ArgumentHelp(
      "Run the scene with this many seeds (the scene's `seed`, then the next ones), overriding its `seeds` line. Live play shows the first and plays them all in the background (1: no background run).",
      valueName: "N"))
  var seeds: Int?
  @Option(
    help: ArgumentHelp(
      "Seeds run at once (default: headless, the number of cores; live, one fewer, at least 1).", valueName: "N"))
  var jobs: Int?
  @Flag(help: "Headless: also print the README's summary of the scene's figure lines (used by `make figures`).")
  var summary = false
  @OptionGroup var castOptions: CastOptions

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
      var scene = loaded
      if let seeds { scene.seedCount = seeds }
      let cores = ProcessInfo.processInfo.activeProcessorCount
      try Live.runScene(
        scene, file: file, present: present, screenshotDir: screenshotDir, glyphs: glyphs,
        replicateJobs: jobs ?? BackgroundReplicates.defaultJobs(cores: cores), cast: castOptions.cast,
        mouse: mouseOptions.mouse)
      return
    }
    let sz = try size.map(parseSize) ?? (loaded.size.width, loaded.size.height)
    if let screenshots {
      do { try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true) } catch {
        throw CleanExit.failure("cannot create --screenshots \(screenshots): \(error.localizedDescription)", code: 2)
      }
    }
    let mode = ColorMode.resolve(flag: colors, environment: ProcessInfo.processInfo.environment, terminalColors: nil)
    let theme = Theme(colors: mode, glyphs: GlyphSet(rawValue: glyphs)!)
    let sink =
      try castOptions.cast.map {
        try CastingSink(
          size: sz, theme: theme, screenshotDir: screenshots, keepFrames: flipbook != nil, cast: $0,
          pacing: castOptions.pacing, title: loaded.title)
      } ?? HeadlessSink(size: sz, theme: theme, screenshotDir: screenshots, keepFrames: flipbook != nil)
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
    for c in player.captions { print("CAPTION line \(c.line): " + FigureResult.render(c.parts, runs: [c.values])) }
    let writeFailures = sink.failedWrites + writeFlipbook(sink)
    if !sink.written.isEmpty { print("screenshots: " + sink.written.joined(separator: ", ")) }
    if let cast = sink as? CastingSink { print(cast.summary) }
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
    for c in outcome.captionLines { print(c) }
    if summary { print("SUMMARY: \(outcome.figureSummary)") }
    for f in outcome.failures { print("FAIL  \(f)") }
    let writeFailures = sink.failedWrites + writeFlipbook(sink)
    if !sink.written.isEmpty { print("screenshots (seed \(seeds[0])): " + sink.written.joined(separator: ", ")) }
    if let cast = sink as? CastingSink { print(cast.summary + " (seed \(seeds[0]))") }
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
