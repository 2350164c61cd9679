import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

/// How the live loop ended.
public enum LiveOutcome: Equatable, Sendable {
  case quit(step: Int)
  case signal(name: String, code: Int32, step: Int)
  case failure(String)
}

/// The UI side of the live app: keys, view state, frames. Runs on the main thread only.
public struct LiveApp<Backend: TerminalBackend> {
  public let term: Backend
  let link: LabLink
  public var theme: Theme
  public var presenter: Bool
  let screenshotDir: String
  /// The focused panel (`--sweep` starts on the sweep).
  public var focus: PanelKind = .loss
  var zoomed = false
  var showHelp = false
  /// How far the help overlay is scrolled (arrow keys while it is open).
  var helpScroll = 0
  var layer: Int? = nil
  /// The variant panels too small for every variant show (`v`/`V`).
  var variant = 0
  var message: String? = nil
  var messageUntil = ContinuousClock.now
  public private(set) var frames = 0
  public private(set) var seconds = 0.0
  public private(set) var lastBuffer: Buffer? = nil
  /// The screen recording `c` started, if one runs.
  var cast: LiveCast? = nil
  var seenMessageVersion = 0
  var drawnVersion = -1
  var seenSceneViewVersion = 0
  public var isScene = false
  /// Where the scene browser looks for `.scene` files (see ``SceneLibrary``).
  public var sceneDirectories = ["scenes"]
  /// The open scene browser: the library, the chosen entry, a path being typed, an error.
  var browser: (library: SceneLibrary, selected: Int, path: String?, message: String?)? = nil
  /// The open experiment editor (`m`): its draft lives here, so a resize or a redraw keeps it.
  var editor: ExperimentEditor? = nil
  /// Opens the experiment editor as soon as the first experiment is on screen (`--edit`).
  public var openEditorOnStart = false
  /// The loop ends (as a quit) after this many frames; nil: never.
  public var frameLimit: Int? = nil
  /// The screen is redrawn at least this often (flash messages, timing); a new snapshot or a key
  /// redraws it at once.
  public var frameInterval: Duration = .milliseconds(33)
  /// The time flash messages expire on (tests pass a clock they can move).
  let now: () -> ContinuousClock.Instant
  /// Where the last frame put each panel and key-bar item (mouse hit testing); nil before the
  /// first frame and after a resize until the next.
  var layout: DashboardLayout? = nil
  /// Tells double clicks from single ones (on ``now``).
  var clicks = ClickTracker()

  public init(
    term: Backend, link: LabLink, theme: Theme, presenter: Bool, screenshotDir: String,
    now: @escaping () -> ContinuousClock.Instant = { ContinuousClock.now }
  ) {
    self.now = now
    self.term = term
    self.link = link
    self.theme = theme
    self.presenter = presenter
    self.screenshotDir = screenshotDir
  }

  public mutating func flash(_ m: String, seconds: Double = 4) {
    message = Text.sanitized(m)
    messageUntil = now() + .milliseconds(Int(clamping: min(seconds, 86_400) * 1000))
  }

  public mutating func loop() -> LiveOutcome {
    let clock = ContinuousClock()
    let start = clock.now
    let frame = frameInterval
    var nextFrame = clock.now
    var step = 0
    defer {
      seconds =
        Double((clock.now - start).components.attoseconds) * 1e-18 + Double((clock.now - start).components.seconds)
    }
    while true {
      let sig = term.pendingSignal
      if sig != 0 {
        let names: [Int32: (String, Int32)] = [
          2: ("interrupted (SIGINT)", 130), 15: ("terminated (SIGTERM)", 143), 1: ("hung up (SIGHUP)", 129),
          3: ("quit (SIGQUIT)", 131),
        ]
        let (name, code) = names[sig] ?? (term.signalName(sig), 128 + sig)
        return .signal(name: name, code: code, step: step)
      }
      // Read before the shared state: whatever the training thread publishes after this wakes
      // the wait for a key below.
      let seen = link.published.generation
      let (snapshot, fatal, trainerMessage, version, snapshotVersion, sceneView, sceneViewVersion) = link.shared
        .withLock { s in
          var st = s.snapshot
          st?.paused = s.paused
          st?.stepsPerFrame = s.stepsPerFrame
          let m = s.messages.take()
          return (st, s.fatal, m.text, m.version, s.version, s.sceneView, s.sceneViewVersion)
        }
      if sceneViewVersion != seenSceneViewVersion, let v = sceneView {
        // The script changed the view: follow it (the user may change it again).
        seenSceneViewVersion = sceneViewVersion
        if let l = v.layer { layer = l }
        if let k = v.panel { focus = k }
        zoomed = v.zoomed
      }
      if let fatal { return .failure(fatal) }
      if version != seenMessageVersion, let trainerMessage {
        seenMessageVersion = version
        flash(trainerMessage, seconds: 8)
      }
      if let snapshot { step = snapshot.step }
      if openEditorOnStart, snapshot != nil {
        openEditorOnStart = false
        openEditor(snapshot)
      }
      let now = clock.now
      // Draw at least every frame, and at once when the training thread published a change.
      if now >= nextFrame || snapshotVersion != drawnVersion {
        draw(snapshot)
        if let frameLimit, frames >= frameLimit { return .quit(step: step) }
        drawnVersion = snapshotVersion
        nextFrame = now + frame
      }
      guard let key = nextKey(until: nextFrame, seen: seen) else { continue }
      if handle(key, snapshot) { return .quit(step: step) }
      // Show the effect of a key at once; what the training thread does with a command it sent
      // is drawn when its publish wakes the wait for the next key.
      draw(
        link.shared.withLock { s in
          var st = s.snapshot
          st?.paused = s.paused
          st?.stepsPerFrame = s.stepsPerFrame
          return st
        })
      nextFrame = clock.now + frame
    }
  }

  /// Waits for a key, never longer than until `nextFrame`, and less when the training thread
  /// publishes (`seen` is the publish count read before the shared state): the terminal's wait
  /// wakes on the publish, so a command's effect is drawn as soon as it is published.
  func nextKey(until nextFrame: ContinuousClock.Instant, seen: UInt64) -> Key? {
    let untilFrame = min(max(nextFrame - ContinuousClock.now, .milliseconds(1)), .seconds(3600))
    let timeoutMs = Int((untilFrame / .milliseconds(1)).rounded(.up))
    return term.readKey(timeoutMs: timeoutMs, orWakeup: link.published, after: seen)
  }

  mutating func draw(_ snapshot: DashboardState?) {
    guard var s = snapshot else { return }
    if now() > messageUntil { message = nil }
    s.theme = theme
    s.focus = s.panels.contains(focus) ? focus : .loss
    s.zoomed = zoomed
    s.showHelp = showHelp
    s.helpScroll = helpScroll
    s.presenter = presenter
    s.message = message
    s.showTiming = true
    if let b = browser {
      let verdicts = link.shared.withLock { $0.verdicts }
      s.browser = SceneBrowser(
        items: b.library.entries.map { Self.item($0, verdicts: verdicts) }, selected: b.selected, pathInput: b.path,
        message: b.message, theme: theme)
    }
    if let e = editor { s.editor = e.form(theme: theme) }
    let layers = max(s.layerCount, 1)
    s.selectedLayer = min(layer ?? layers, layers)
    s.shownVariant = variant
    let (b, drawnLayout) = Dashboard.renderWithLayout(s, width: term.width, height: term.height)
    layout = drawnLayout
    term.draw(b)
    recordCast(b)
    lastBuffer = b
    frames += 1
  }

  /// Applies a key; returns true to quit. The key table (``KeyBinding/all``) maps the key to
  /// its action; keys not in it do nothing.
  mutating func handle(_ key: Key, _ s: DashboardState?) -> Bool {
    if key == .resize {
      layout = nil
      flash("\(term.width)x\(term.height)", seconds: 1.5)
      return false
    }
    if case .mouse(let event) = key { return handleMouse(event, s) }
    if browser != nil {
      handleBrowser(key)
      return false
    }
    if editor != nil {
      handleEditor(key)
      return false
    }
    guard let name = Self.keyName(key), let action = KeyBinding.action(for: name) else { return false }
    return perform(action, key: name, s)
  }

  /// The key table's name of a key (see ``KeyTrigger``).
  static func keyName(_ key: Key) -> String? {
    switch key {
    case .character(" "): return "space"
    case .character(let c): return String(c)
    case .up: return "up"
    case .down: return "down"
    case .left: return "left"
    case .right: return "right"
    case .tab: return "tab"
    case .backTab: return "shift-tab"
    case .enter: return "enter"
    case .escape: return "esc"
    case .backspace, .function, .resize, .mouse, .other: return nil
    }
  }

  /// Does what the key table says `action` does (one case per action, no default); returns
  /// true to quit. `key` is the key's name (the digit for `layerNumber`).
  mutating func perform(_ action: KeyAction, key: String, _ s: DashboardState?) -> Bool {
    switch action {
    case .quit: return true
    case .pause:
      link.send(.togglePause)
      flash(s?.paused == true ? "running" : "paused (space resumes, n steps once)")
    case .step:
      link.send(.singleStep)
      flash("single step")
    case .faster, .slower: changeSpeed(faster: action == .faster, s)
    case .inferenceMode:
      link.send(.toggleInferenceMode)
      flash(
        s?.inferenceMode == .eval
          ? "inference in TRAIN mode: batch statistics, as if model.eval() was forgotten"
          : "inference in eval mode: running statistics")
    case .inferenceBatchUp, .inferenceBatchDown:
      link.send(.scaleInferenceBatch(action == .inferenceBatchUp ? 2 : 0.5))
    case .lrUp, .lrDown: scaleLearningRate(up: action == .lrUp, s)
    case .batchUp, .batchDown: scaleBatch(up: action == .batchUp, s)
    case .nextPanel, .previousPanel: cyclePanel(forward: action == .nextPanel, s)
    case .zoom:
      zoomed.toggle()
      flash(zoomed ? "zoomed: \(focus.rawValue) (z again to return)" : "all panels")
    case .layerDown, .layerUp:
      // While help is open the arrows scroll it (down/left: further, up/right: back).
      if showHelp {
        helpScroll = max(0, min(helpScroll + (action == .layerDown ? 1 : -1), 200))
      } else {
        chooseLayer(action, key: key, s)
      }
    case .layerNumber: chooseLayer(action, key: key, s)
    case .nextVariant, .previousVariant:
      let names = s?.records.map(\.name) ?? []
      guard !names.isEmpty else { break }
      variant = (variant % names.count + (action == .nextVariant ? 1 : names.count - 1)) % names.count
      flash("variant \(names[variant]) (\(variant + 1)/\(names.count)) where a panel shows one")
    case .glyphs:
      theme.glyphs = term.utf8 ? theme.glyphs.next : .ascii
      flash("glyphs: \(theme.glyphs.rawValue)")
    case .presenter:
      presenter.toggle()
      flash(presenter ? "presenter mode (p to leave)" : "presenter mode off")
    case .help:
      showHelp.toggle()
      helpScroll = 0
    case .closeHelp:
      showHelp = false
      zoomed = false
    case .screenshot: flash(screenshot(step: s?.step ?? 0), seconds: 6)
    case .record: link.send(.toggleRecord)
    case .writeScene: link.send(.writeScene)
    case .exportMetrics: link.send(.exportMetrics)
    case .cast: toggleCast()
    case .nextChapter: link.send(.nextChapter)
    case .previousChapter: link.send(.previousChapter)
    case .continueScene:
      if isScene {
        link.send(.continueScene)
        flash("continue")
      }
    case .reset:
      link.send(.reset)
      flash("reset to step 0 (same seed)")
    case .sceneBrowser:
      showHelp = false
      browser = (SceneLibrary(directories: sceneDirectories), 0, nil, nil)
    case .experimentEditor: openEditor(s)
    }
    return false
  }

  /// A library entry as the browser shows it: title, length, claims, last verdict.
  static func item(_ e: SceneLibrary.Entry, verdicts: [String: String]) -> SceneBrowser.Item {
    guard let scene = e.scene else {
      return SceneBrowser.Item(
        name: e.name, title: e.path ?? e.name, summary: "", description: "", error: e.error ?? "cannot be read")
    }
    let chapters = scene.chapters.count
    let minutes = scene.liveSeconds() / 60
    let length = minutes < 1 ? "under a minute" : "about \(Int(minutes.rounded())) min"
    let summary =
      "\(chapters) chapter\(chapters == 1 ? "" : "s") · \(NumberFormat.grouped(scene.totalSteps)) steps · \(length) live · "
      + "\(scene.seedCount) seed\(scene.seedCount == 1 ? "" : "s") · \(scene.expectationCount) claim\(scene.expectationCount == 1 ? "" : "s")"
    return SceneBrowser.Item(
      name: e.name, title: scene.title, summary: summary, description: scene.description,
      verdict: verdicts[scene.title])
  }

  /// Keys while the scene browser is open: ↑↓ choose, Enter plays, `/` types a path, Esc
  /// closes (or leaves the path); nothing else reaches the dashboard.
  mutating func handleBrowser(_ key: Key) {
    guard var b = browser else { return }
    if var path = b.path {
      switch key {
      case .escape: b.path = nil
      case .backspace:
        if !path.isEmpty { path.removeLast() }
        b.path = path
      case .enter:
        let entry = SceneLibrary.load(path)
        if let scene = entry.scene {
          browser = nil
          playScene(scene)
          return
        }
        b.message = entry.error
      case .character(let c) where path.count < 4096 && Text.typable(c): b.path = path + String(c)
      default: break
      }
      browser = b
      return
    }
    let n = b.library.entries.count
    switch key {
    case .escape, .character("o"), .character("q"):
      browser = nil
      return
    case .up, .left: b.selected = max(0, b.selected - 1)
    case .down, .right: b.selected = min(max(0, n - 1), b.selected + 1)
    case .character("/"):
      b.path = ""
      b.message = nil
    case .enter:
      guard b.library.entries.indices.contains(b.selected) else { break }
      let e = b.library.entries[b.selected]
      if let scene = e.scene {
        browser = nil
        playScene(scene)
        return
      }
      b.message = e.error
    default: break
    }
    browser = b
  }

  /// Asks the lab to play `scene` from its start.
  mutating func playScene(_ scene: Scene) {
    link.send(.playScene(scene))
    isScene = true
    flash("playing \(scene.title)")
  }

  mutating func changeSpeed(faster: Bool, _ s: DashboardState?) {
    let speed = s?.stepsPerFrame ?? 5
    if faster {
      link.send(.faster)
      flash("faster: \(LabThread.speeds.first { $0 > speed } ?? speed) steps/frame")
    } else {
      link.send(.slower)
      flash("slower: \(LabThread.speeds.last { $0 < speed } ?? speed) steps/frame")
    }
  }

  mutating func scaleLearningRate(up: Bool, _ s: DashboardState?) {
    if up {
      link.send(.scaleLearningRate(2))
      // The lab caps the rate at the scene language's limit; say so rather than promise more.
      let wanted = (s?.learningRate ?? 0) * 2
      let applied = min(wanted, Limits.maxLearningRate)
      flash(
        "learning rate ×2 → \(formatNumber(Double(applied)))"
          + (applied < wanted ? " (the limit, \(formatNumber(Double(Limits.maxLearningRate))))" : ""))
    } else {
      link.send(.scaleLearningRate(0.5))
      flash("learning rate ÷2 → \(formatNumber(Double((s?.learningRate ?? 0) / 2)))")
    }
  }

  mutating func scaleBatch(up: Bool, _ s: DashboardState?) {
    if up {
      link.send(.scaleBatch(2))
      flash("batch size ×2 → \((s?.batchSize ?? 1) * 2)")
    } else {
      link.send(.scaleBatch(0.5))
      flash("batch size ÷2 → \(max(1, ((s?.batchSize ?? 2) + 1) / 2))")
    }
  }

  mutating func cyclePanel(forward: Bool, _ s: DashboardState?) {
    let panels = s?.panels ?? PanelKind.allCases
    let i = panels.firstIndex(of: focus) ?? 0
    focus = panels[(i + (forward ? 1 : panels.count - 1)) % panels.count]
    flash("panel: \(focus.rawValue)")
  }

  /// `left`/`down` and `right`/`up` step through the hidden layers; a digit picks one.
  mutating func chooseLayer(_ action: KeyAction, key: String, _ s: DashboardState?) {
    let layers = max(s?.layerCount ?? 1, 1)
    if action == .layerDown {
      layer = max(1, min(layer ?? layers, layers) - 1)
      flash("layer \(layer!)")
    } else if action == .layerUp {
      layer = min(layers, (layer ?? layers) + 1)
      flash("layer \(layer!)")
    } else if let k = Int(key) {
      if k <= layers {
        layer = k
        flash("layer \(k)")
      } else {
        flash("there are \(layers) hidden layers")
      }
    }
  }

  /// Writes the current screen in every screenshot format (.txt, .ansi, .svg, .html) into the
  /// screenshot directory: complete files under one new name, never replacing an earlier
  /// screenshot (another instance's included).
  func screenshot(step: Int) -> String {
    guard let b = lastBuffer else { return "nothing drawn yet" }
    do {
      let base = try SafeFile.createUnique(
        directory: screenshotDir, base: "normscope-step\(step)",
        files: ScreenshotFormat.allCases.map { ($0.rawValue, Array(Screenshot.export(b, as: $0).utf8)) })
      return "screenshot: \(base).txt .ansi .svg .html"
    } catch { return "screenshot failed: \(error)" }
  }
}
