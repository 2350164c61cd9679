import ArgumentParser
import Foundation
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

struct Shot: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an experiment headless to a step and write the dashboard as a screenshot.",
    discussion: """
      The same flags and seed give byte-identical screenshots: no clock appears in them.

      EXAMPLE:
        normscope shot --steps 1000 --size 140x45 --format txt --output dashboard.txt
      """
  )

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Training steps before the screenshot.")
  var steps = 500

  @Option(help: ArgumentHelp("Screen size WIDTHxHEIGHT (at least 80x24 for the dashboard).", valueName: "WxH"))
  var size = "140x45"

  @Option(
    help: Choices.help("Format:", Choices.formats, "(default: from --output's extension, else txt)."),
    completion: Choices.completion(Choices.formats))
  var format: String?

  @Option(
    help: ArgumentHelp("Output file (written atomically); '-' or none for standard output.", valueName: "file"),
    completion: .file())
  var output: String?

  @Option(help: Choices.help("Glyphs:", Choices.glyphs), completion: Choices.completion(Choices.glyphs))
  var glyphs = "braille"

  @Option(
    help: Choices.help("Colours:", Choices.colors, "(default: 256; NO_COLOR forces mono)."),
    completion: Choices.completion(Choices.colors))
  var colors: String?

  @Option(help: "Hidden layer to show (default: the last).")
  var layer: Int?

  @Option(
    help: Choices.help("Focused panel:", Choices.panels, "(default: loss; sweep with --sweep)."),
    completion: Choices.completion(Choices.panels))
  var focus: String?

  @Option(
    help: ArgumentHelp(
      "A sweep file (JSONL, from `normscope sweep`) for the sweep panel, drawn as far as it goes.",
      valueName: "file.jsonl"),
    completion: .file(extensions: ["jsonl"]))
  var sweep: String?

  @Flag(help: "Maximize the focused panel.")
  var zoom = false

  @Flag(help: "Presenter mode: no key bar, large caption.")
  var present = false

  @Flag(name: .customLong("help-overlay"), help: "Show the key help overlay.")
  var helpOverlay = false

  @Option(help: "Caption text to show.")
  var caption: String?

  @Option(
    name: .customLong("inference-mode"), help: Choices.help("Inference mode for the views:", Choices.inferenceModes),
    completion: Choices.completion(Choices.inferenceModes))
  var inferenceMode = "eval"

  @Option(
    help: ArgumentHelp(
      "Play this scene headless to its end and screenshot the last screen (a path, or a library scene's name).",
      valueName: "file"),
    completion: .file(extensions: ["scene"]))
  var scene: String?

  func parsedSize() throws -> (Int, Int) { try parseSize(size) }

  var resolvedFormat: ScreenshotFormat {
    if let format { return ScreenshotFormat(rawValue: format)! }
    if let output, let ext = output.split(separator: ".").last, let f = ScreenshotFormat(rawValue: String(ext)) {
      return f
    }
    return .txt
  }

  func validate() throws {
    _ = try parsedSize()
    guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0") }
    if let format, ScreenshotFormat(rawValue: format) == nil {
      throw ValidationError("--format must be txt, ansi, svg or html, got '\(format)'")
    }
    guard GlyphSet(rawValue: glyphs) != nil else {
      throw ValidationError("--glyphs must be braille, blocks or ascii, got '\(glyphs)'")
    }
    if let colors, ColorMode(rawValue: colors) == nil {
      throw ValidationError("--colors must be truecolor, 256, 8 or mono, got '\(colors)'")
    }
    if let focus, PanelKind(rawValue: focus) == nil {
      throw ValidationError(
        "--focus must be one of \(PanelKind.names.joined(separator: ", ")), got '\(focus)'"
          + hint(for: focus, among: PanelKind.names))
    }
    if sweep != nil, scene != nil {
      throw ValidationError("--sweep draws a sweep file beside an experiment; a --scene draws its own sweeps")
    }
    guard Mode(rawValue: inferenceMode) != nil else { throw ValidationError("--inference-mode must be eval or train") }
  }

  func run() throws {
    let (w, h) = try parsedSize()
    if let scene {
      let parsed = try SceneLoader.load(scene)
      let player: ScenePlayer
      do { player = try ScenePlayer(scene: parsed) } catch { throw CleanExit.failure("\(scene): \(error)", code: 2) }
      try player.playToEnd(delegate: nil)
      let env = ProcessInfo.processInfo.environment
      let mode = ColorMode.resolve(flag: colors, environment: env, terminalColors: nil)
      let state = SceneLoader.state(player, theme: Theme(colors: mode, glyphs: GlyphSet(rawValue: glyphs)!))
      try write(Screenshot.export(Dashboard.render(state, width: w, height: h), as: resolvedFormat))
      return
    }
    let experiment = try experimentOptions.makeExperiment()
    if inferenceMode == "train" { experiment.setInferenceMode(.train) }
    for _ in 0..<steps {
      guard experiment.anyLive else { break }
      do { try experiment.advance() } catch { throw CleanExit.failure("\(error)", code: 1) }
    }
    let env = ProcessInfo.processInfo.environment
    let mode = ColorMode.resolve(flag: colors, environment: env, terminalColors: nil)
    var state = DashboardState(experiment: experiment, theme: Theme(colors: mode, glyphs: GlyphSet(rawValue: glyphs)!))
    if let layer {
      guard (1...max(state.layerCount, 1)).contains(layer) else {
        throw CleanExit.failure("--layer \(layer): the models have \(state.layerCount) hidden layers", code: 2)
      }
      state.selectedLayer = layer
    }
    if let sweep {
      let loaded = try Sweep.load(sweep)
      var err = StandardError()
      for n in loaded.notes { print("normscope: \(n)", to: &err) }
      state.sweep = loaded.results
    }
    state.focus = focus.flatMap(PanelKind.init(rawValue:)) ?? (sweep == nil ? .loss : .sweep)
    guard state.panels.contains(state.focus) else {
      let why = state.focus == .sweep ? "the sweep panel needs --sweep FILE" : "the decision surface needs 2-D data"
      throw CleanExit.failure("--focus \(state.focus.rawValue): \(why)", code: 2)
    }
    state.zoomed = zoom
    state.presenter = present
    state.showHelp = helpOverlay
    state.caption = caption
    try write(Screenshot.export(Dashboard.render(state, width: w, height: h), as: resolvedFormat))
  }

  func write(_ text: String) throws {
    if let output, output != "-" {
      do { try SafeFile.replace(path: output, contents: text) } catch { throw CleanExit.failure("\(error)", code: 1) }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}
