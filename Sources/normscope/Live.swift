import ArgumentParser
import Foundation
import NormApp
import NormCore
import NormLab
import NormScene
import NormSupport
import NormTerm
import NormView

/// `--no-mouse`, on every command that opens the live lab (`normscope`, `live`, `play`). An
/// option group, so the parent command and its subcommands each show and read it (a plain flag
/// on the parent would take `normscope live --no-mouse` for itself).
struct MouseOptions: ParsableArguments {
  @Flag(
    name: .customLong("no-mouse"),
    help: ArgumentHelp(
      "Leave the mouse to the terminal: no clicks or wheel in the live lab, and the terminal's own text selection "
        + "works as usual. With the mouse on (the default), a click focuses a panel, a double click zooms it, the "
        + "wheel over a layer panel changes the layer and scrolls help and the scene browser, and a click on the key "
        + "bar presses that key."))
  var noMouse = false

  /// Whether the live lab asks the terminal for the mouse.
  var mouse: Bool { !noMouse }
}

struct Live: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Open the live lab: train the variants and watch every instrument in the terminal.",
    discussion: "Keys: \(KeyBinding.summary)."
  )

  @OptionGroup var experimentOptions: ExperimentOptions

  @Flag(help: "Presenter mode: no key bar, large captions (toggle with p).")
  var present = false

  @Option(
    name: .customLong("screenshot-dir"), help: "Where s writes screenshots (default: the current directory).",
    completion: .directory)
  var screenshotDir = "."

  @Option(help: Choices.help("Glyphs:", Choices.glyphs, "(g cycles)."), completion: Choices.completion(Choices.glyphs))
  var glyphs = "braille"

  @Option(
    help: Choices.help(
      "Colours:", Choices.colors, "(default: what the terminal has, and never more; NO_COLOR forces mono)."),
    completion: Choices.completion(Choices.colors))
  var colors: String?

  @Option(
    help: Choices.help("Training speed in steps per frame:", Choices.speeds),
    completion: Choices.completion(Choices.speeds))
  var speed = 5

  @Flag(help: "Start paused.")
  var paused = false

  @OptionGroup var mouseOptions: MouseOptions

  @Flag(help: "Open the experiment editor (m) on start, on the experiment the flags give.")
  var edit = false

  @Flag(help: "On exit, print frames drawn and frames per second.")
  var stats = false

  @Option(
    help: ArgumentHelp(
      "Record the session as an asciicast v2 file (asciinema's format), timed as drawn.", valueName: "file.cast"),
    completion: .file(extensions: ["cast"]))
  var cast: String?

  @Option(
    help: ArgumentHelp(
      "A sweep file (JSONL, from `normscope sweep`) for the sweep panel, which opens focused and fills in while the file grows.",
      valueName: "file.jsonl"),
    completion: .file(extensions: ["jsonl"]))
  var sweep: String?

  /// Test hook: the training thread fails fatally at this step (exercises that exit path).
  @Option(name: .customLong("inject-failure-at"), help: .hidden)
  var injectFailureAt: Int?

  func validate() throws {
    guard GlyphSet(rawValue: glyphs) != nil else {
      throw ValidationError("--glyphs must be braille, blocks or ascii, got '\(glyphs)'")
    }
    if let colors, ColorMode(rawValue: colors) == nil {
      throw ValidationError("--colors must be truecolor, 256, 8 or mono, got '\(colors)'")
    }
    guard LabThread.speeds.contains(speed) else {
      throw ValidationError("--speed must be one of \(LabThread.speeds.map(String.init).joined(separator: ", "))")
    }
  }

  func run() throws {
    // Build the experiment once here to report bad flags before touching the terminal.
    let probe = try experimentOptions.makeExperiment()
    let builtin = experimentOptions.settings.builtinData
    var source = LabSource(
      scene: nil, dataName: builtin?.name, dataParameters: builtin?.parameters ?? [:], recordDir: screenshotDir)
    // The training thread builds its own experiments (the probe above is only a check), so it
    // must apply --freeze itself.
    source.freezeNormAffine = experimentOptions.freeze == "norm"
    if let sweep {
      // Read once here, so a bad file is reported before the screen opens.
      _ = try Sweep.load(sweep)
      source.sweepFile = sweep
    }
    if builtin == nil {
      source.dataFile = experimentOptions.data
      source.dataLabels = experimentOptions.labels
    }
    source.openEditor = edit
    try Self.session(
      config: probe.config, source: source, present: present, screenshotDir: screenshotDir, glyphs: glyphs,
      colors: colors,
      speed: speed, paused: paused, stats: stats, failAt: injectFailureAt, cast: cast, mouse: mouseOptions.mouse)
  }

  /// `normscope play FILE` in the terminal.
  static func runScene(
    _ scene: Scene, file: String, present: Bool, screenshotDir: String, glyphs: String, replicateJobs: Int,
    cast: String? = nil, mouse: Bool = true
  ) throws {
    let config: ExperimentConfig
    do { config = try scene.experimentConfig() } catch { throw CleanExit.failure("\(file): \(error)", code: 2) }
    var source = LabSource(
      scene: scene, dataName: scene.dataName, dataParameters: scene.dataParameters, recordDir: screenshotDir)
    source.replicateJobs = replicateJobs
    try session(
      config: config, source: source, present: present, screenshotDir: screenshotDir, glyphs: glyphs, colors: nil,
      speed: 5,
      paused: false, stats: false, failAt: nil, cast: cast, title: scene.title, mouse: mouse)
  }

  /// The UI loop on `backend` (the terminal, or a recorder around it) until the session ends.
  static func loop<B: TerminalBackend>(
    _ backend: B, link: LabLink, theme: Theme, present: Bool, screenshotDir: String, source: LabSource
  ) -> (outcome: LiveOutcome, frames: Int, seconds: Double) {
    var app = LiveApp(term: backend, link: link, theme: theme, presenter: present, screenshotDir: screenshotDir)
    app.openEditorOnStart = source.openEditor
    app.isScene = source.scene != nil
    if source.sweepFile != nil { app.focus = .sweep }
    app.sceneDirectories = SceneLoader.libraryDirectories()
    if !backend.utf8 { app.flash("non-UTF-8 locale: using ASCII glyphs (set LANG to a UTF-8 locale for braille)") }
    let outcome = app.loop()
    return (outcome, app.frames, app.seconds)
  }

  /// Opens the terminal, runs the training thread and the UI loop, and always restores the
  /// terminal before reporting how the session ended.
  static func session(
    config: ExperimentConfig, source: LabSource, present: Bool, screenshotDir: String, glyphs: String, colors: String?,
    speed: Int, paused: Bool, stats: Bool, failAt: Int?, cast: String?, title: String = "NormScope live lab",
    mouse: Bool = true
  ) throws {
    let env = ProcessInfo.processInfo.environment
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: screenshotDir, isDirectory: &isDir), isDir.boolValue else {
      throw CleanExit.failure("--screenshot-dir \(screenshotDir): no such directory", code: 2)
    }
    let headless =
      "Run headless instead: `normscope train …` prints tables, `normscope shot --output FILE …` writes a "
      + "screenshot, `normscope play FILE --headless` plays a scene."
    // Opened before the screen: an unwritable --cast fails here, with the terminal untouched.
    let castFile = try cast.map { try StreamFile(path: $0) }
    if let problem = Terminal.notATerminal {
      castFile?.discard()
      throw CleanExit.failure("\(problem), so the live dashboard cannot open. " + headless, code: 1)
    }
    let term: Terminal
    do {
      let forced = ColorMode.resolve(flag: colors, environment: env, terminalColors: nil)
      term = try Terminal(environment: env, forceColors: forced, mouse: mouse)
    } catch {
      castFile?.discard()
      throw CleanExit.failure("\(error). " + headless, code: 1)
    }
    let glyphSet = term.utf8 ? GlyphSet(rawValue: glyphs) ?? .braille : .ascii
    let theme = Theme(colors: term.colorMode, glyphs: glyphSet)  // ColorMode.resolve, capped by the terminal
    let link = LabLink()
    link.set(stepsPerFrame: speed, paused: paused)
    var source = source
    // A scene opened from the browser runs its seeds in the background too.
    if source.replicateJobs == 0 {
      source.replicateJobs = BackgroundReplicates.defaultJobs(cores: ProcessInfo.processInfo.activeProcessorCount)
    }
    LabThread.start(config: config, theme: theme, link: link, failAt: failAt, source: source)
    let run: (outcome: LiveOutcome, frames: Int, seconds: Double)
    var castReport: String? = nil
    var castFailed = false
    if let castFile {
      let recorder: RecordingTerminal<Terminal>
      do {
        // A failure is reported once the terminal is restored, never printed over the screen.
        recorder = try RecordingTerminal(term, title: title, colors: theme.colors, write: { try castFile.write($0) })
      } catch {
        link.send(.quit)
        term.restore()
        throw CleanExit.failure("\(error)", code: 1)
      }
      run = loop(recorder, link: link, theme: theme, present: present, screenshotDir: screenshotDir, source: source)
      castFailed = recorder.failure != nil
      castReport =
        recorder.failure.map { "cast stopped: \($0)" }
        ?? "cast: \(castFile.path) (\(recorder.frameCount) frames; play it with `asciinema play \(castFile.path)`)"
    } else {
      run = loop(term, link: link, theme: theme, present: present, screenshotDir: screenshotDir, source: source)
    }
    let outcome = run.outcome
    link.send(.quit)
    term.restore()
    var err = StandardError()
    if let castReport { print(printable(castReport), to: &err) }
    if stats {
      let fps = run.seconds > 0 ? Double(run.frames) / run.seconds : 0
      print(String(format: "frames %d in %.2f s = %.1f fps", run.frames, run.seconds, fps))
    }
    switch outcome {
    case .quit(let step):
      print("normscope: quit at step \(step)")
      // The recording asked for is incomplete: say so in the status too.
      if castFailed { throw ExitCode(1) }
    case .signal(let name, let code, let step):
      print("normscope: \(name) at step \(step); terminal restored", to: &err)
      throw ExitCode(code)
    case .failure(let reason):
      print("normscope: error: \(reason)", to: &err)
      throw ExitCode(1)
    }
  }
}
