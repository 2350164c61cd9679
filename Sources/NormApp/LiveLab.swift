import Foundation
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView
import Synchronization

/// What the UI asks the training thread to do.
public enum LabCommand: Sendable {
  case togglePause
  case singleStep
  case faster
  case slower
  case scaleLearningRate(Float)
  case scaleBatch(Float)
  case toggleInferenceMode
  /// The train-vs-eval panel's train-mode inference batch, scaled (1 to the probe size).
  case scaleInferenceBatch(Float)
  case reset
  case quit
  /// Scenes: skip a caption's hold or a `pause`; jump to the next / previous chapter.
  case continueScene
  case nextChapter
  case previousChapter
  /// Start or stop recording the session into a `.scene` file.
  case toggleRecord
  /// Write the whole session (from step 0) as a `.scene` file.
  case writeScene
  /// Write the metrics so far as CSV and JSON Lines.
  case exportMetrics
  /// Play another scene from its start (the scene browser).
  case playScene(Scene)
  /// Train a new free experiment from step 0 in place of what was playing (the experiment
  /// editor's Apply): its configuration, and its data as a recording names it.
  case startExperiment(ExperimentConfig, data: LabData)
}

/// Where an experiment's data came from: a built-in set with its parameters (recordings name
/// it), or a file (recordings are refused).
public struct LabData: Sendable, Equatable {
  /// The built-in set's name and parameters (nil name: not built in).
  public var name: String?
  public var parameters: [String: String]
  /// The file the data came from, if it did, and its IDX label file.
  public var file: String?
  public var labels: String?
  public init(name: String?, parameters: [String: String] = [:], file: String? = nil, labels: String? = nil) {
    self.name = name
    self.parameters = parameters
    self.file = file
    self.labels = labels
  }
}

/// The experiment on screen, as the experiment editor starts from it.
public struct LabCurrent: Sendable {
  /// Its configuration as built (learning rate and batch as at step 0).
  public var config: ExperimentConfig
  /// Where its data came from.
  public var data: LabData
}

/// One message at a time from the training thread to the UI, which reads it once per loop. A
/// message said before the UI read the one before it is joined to it, newest first, as the
/// status bar may cut the end ("scene finished: … · claims: 3 of 3 hold …"), so two messages in
/// one frame both reach the screen; a transient one (progress) is replaced by the next instead.
public struct MessageSlot: Sendable {
  /// The message to show, or nil before the first.
  public private(set) var text: String? = nil
  /// Counts messages; the UI shows ``text`` again when it changes.
  public private(set) var version = 0
  /// Messages said since the UI last read, newest first, and the latest transient one.
  private var unread: [String] = []
  private var progress: String? = nil

  public init() {}

  /// Publishes `m`. A transient message replaces the transient one before it; no other
  /// message is dropped before the UI has read it.
  public mutating func say(_ m: String, transient: Bool = false) {
    if transient {
      progress = m
    } else {
      progress = nil
      unread.insert(m, at: 0)
    }
    text = ((progress.map { [$0] } ?? []) + unread).joined(separator: "  ·  ")
    version += 1
  }

  /// What the UI shows now; marks it read.
  public mutating func take() -> (text: String?, version: Int) {
    unread = []
    progress = nil
    return (text, version)
  }
}

/// State shared between the UI thread and the training thread, behind a mutex. The training
/// thread alone owns the `Experiment`; the UI only sees `DashboardState` snapshots (values).
struct LabShared: Sendable {
  var commands: [LabCommand] = []
  var snapshot: DashboardState? = nil
  var version = 0
  var paused = false
  var stepsPerFrame = 5
  /// Messages from the training thread (e.g. an error that paused training) to the UI.
  var messages = MessageSlot()
  /// A failure that ends the app.
  var fatal: String? = nil
  var stopped = false
  /// The playing scene's view (layer, panel, zoom) and a version that changes when the scene
  /// changes it, so user choices hold until the script says otherwise.
  var sceneView: SceneView? = nil
  var sceneViewVersion = 0
  var recording = false
  /// Verdicts over their seeds of the scenes played this session, by scene title (the scene
  /// browser shows them).
  var verdicts: [String: String] = [:]
  /// The experiment on screen and its data's source (the experiment editor opens on it).
  var current: LabCurrent? = nil
}

/// Where the live session came from, for recordings.
public struct LabSource: Sendable {
  public var scene: Scene?
  /// Built-in data name and parameters (nil for data from a file: recording is then refused).
  public var dataName: String?
  public var dataParameters: [String: String] = [:]
  /// The data file, when the data came from one (the experiment editor shows its path).
  public var dataFile: String? = nil
  /// The IDX label file that goes with `dataFile`, if any.
  public var dataLabels: String? = nil
  public var recordDir: String
  /// `--freeze norm`: every experiment the session builds (at start and on reset) starts with
  /// the norms' γ and β frozen.
  public var freezeNormAffine = false
  /// Seeds a multi-seed scene (`seeds N`) plays at once in the background while live play shows
  /// one (0: no background run; see ``BackgroundReplicates``).
  public var replicateJobs = 0
  /// `--sweep FILE`: a sweep file the `sweep` panel draws, read again whenever it grows, so a
  /// sweep running elsewhere (another terminal, shards being merged) fills in as it runs. A
  /// scene's own `sweep` statement takes its place once it runs.
  public var sweepFile: String? = nil
  /// Open the experiment editor as soon as the experiment is on screen (`live --edit`).
  public var openEditor = false

  public init(scene: Scene?, dataName: String?, dataParameters: [String: String] = [:], recordDir: String) {
    self.scene = scene
    self.dataName = dataName
    self.dataParameters = dataParameters
    self.recordDir = recordDir
  }

  /// A new experiment for a session without a scene, with the command line's freeze applied.
  func experiment(_ config: ExperimentConfig) throws -> Experiment {
    let e = try Experiment(config)
    if freezeNormAffine { try e.setNormAffineFrozen(true) }
    return e
  }
}

/// The two threads' meeting point: the shared state behind a mutex, and one ``Wakeup`` for
/// each direction, so neither thread polls. The UI's `send` rings `commandsArrived` (the
/// training thread, waiting out the rest of its frame, starts the next at once); the training
/// thread rings `published` after a snapshot, a message or a failure (the UI, waiting for a key
/// until its next frame, draws at once).
public final class LabLink: Sendable {
  let shared = Mutex(LabShared())
  let commandsArrived = Wakeup()
  let published = Wakeup()

  public init() {}

  public func send(_ c: LabCommand) {
    shared.withLock { $0.commands.append(c) }
    commandsArrived.ring()
  }

  /// Changes the shared state on the training thread, then wakes the UI.
  func publish(_ change: (inout LabShared) -> Void) {
    shared.withLock { change(&$0) }
    published.ring()
  }

  /// Sets the speed and pause state before the training thread starts.
  public func set(stepsPerFrame: Int, paused: Bool) {
    shared.withLock {
      $0.stepsPerFrame = stepsPerFrame
      $0.paused = paused
    }
  }
}

/// The training side of the live app: runs on its own thread, takes `stepsPerFrame` lockstep
/// steps per frame (about 30 per second), applies commands between steps and publishes a
/// snapshot after each frame.
public enum LabThread {
  public static let speeds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

  public static func start(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil, source: LabSource)
  {
    let thread = Thread {
      run(config: config, theme: theme, link: link, failAt: failAt, source: source)
    }
    thread.name = "normscope-training"
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Hands the UI the session's pause, speed and recording state.
  static func share(_ session: LabSession, _ link: LabLink) {
    link.shared.withLock {
      $0.paused = session.paused
      $0.stepsPerFrame = session.speed
      $0.recording = session.recordStart != nil
    }
  }

  /// The training thread's body: builds the session, then frame after frame applies the UI's
  /// commands, steps, shares pause and speed, publishes, and sleeps until the next frame.
  static func run(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil, source: LabSource) {
    let session: LabSession
    do {
      session = try LabSession(config: config, theme: theme, link: link, failAt: failAt, source: source)
    } catch {
      link.publish { $0.fatal = "\(error)" }
      return
    }
    session.publish()
    let clock = session.clock
    let frame = Duration.milliseconds(33)
    var next = clock.now
    while true {
      // Read before the commands are taken: a command sent after this wakes the wait below.
      let seen = link.commandsArrived.generation
      let (commands, paused0, speed0) = link.shared.withLock { s in
        let c = s.commands
        s.commands = []
        return (c, s.paused, s.stepsPerFrame)
      }
      session.beginFrame(paused: paused0, speed: speed0)
      guard session.apply(commands) else {
        session.background?.cancel()
        return
      }
      if session.paused != paused0 { session.experiment.record(session.paused ? .pause : .resume) }
      if session.single { session.experiment.record(.singleStep) }
      if !commands.isEmpty {
        // The UI is waiting to show what a key did: publish it now, not after this frame's steps.
        share(session, link)
        session.publish()
      }
      guard session.step() else { return }
      share(session, link)
      if session.changed { session.publish() }
      next = next + frame
      if next < clock.now { next = clock.now }
      // Wait until the next frame, or less when a command arrives.
      let rest = next - clock.now
      if rest > .zero { link.commandsArrived.wait(after: seen, timeout: rest) }
    }
  }
}

/// The training thread's session: the experiment (and the scene player driving it), what was
/// last published, caption holds and recording, and the current frame's pause, speed and flags.
/// Lives on the training thread only.
final class LabSession {
  /// The free experiment's configuration (``reset()`` rebuilds it; the editor replaces it).
  var config: ExperimentConfig
  let theme: Theme
  let link: LabLink
  let failAt: Int?
  var source: LabSource
  let clock = ContinuousClock()
  /// The experiment on screen: the scene player's (which `restart` replaces), or the command
  /// line's.
  var experiment: Experiment {
    get { player?.experiment ?? freeExperiment! }
    set { freeExperiment = newValue }
  }
  /// The command line's experiment (sessions without a scene).
  private var freeExperiment: Experiment? = nil
  var player: ScenePlayer? = nil
  /// The scene over all its seeds, playing in the background (multi-seed scenes only).
  var background: BackgroundReplicates? = nil
  /// The background run's progress last published (a change is published).
  var backgroundSeen = (done: -1, finished: false)
  var lastView: SceneView? = nil
  var holdUntil: ContinuousClock.Instant? = nil
  /// A chapter jump happened since the last publish (the view is then sent whole).
  var jumped = false
  var reportedEnd = false
  var recordStart: Int? = nil
  /// The `--sweep` file's runs, the size it had when read, and when its size was last looked at.
  var fileSweep: SweepResults? = nil
  var fileSweepSize: UInt64? = nil
  var fileSweepChecked: ContinuousClock.Instant? = nil
  /// This frame: paused, steps per frame, a single step asked for, something to publish.
  var paused = false
  var speed = 5
  var single = false
  var changed = false

  /// Starts the scene's player (its experiment) or, without a scene, the command line's experiment.
  init(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int?, source: LabSource) throws {
    self.config = config
    self.theme = theme
    self.link = link
    self.failAt = failAt
    self.source = source
    if let scene = source.scene {
      let p = try livePlayer(scene)
      player = p
      if scene.seedCount > 1, source.replicateJobs > 0 {
        background = BackgroundReplicates(scene: scene, jobs: source.replicateJobs)
      }
    } else {
      experiment = try source.experiment(config)
    }
  }

  /// Reads the `--sweep` file again when its size has changed (looked at once a second). A
  /// file that cannot be read is said once per size; the last good results stay on screen.
  func followSweepFile() {
    guard let path = source.sweepFile else { return }
    let now = clock.now
    let first = fileSweepChecked == nil
    if let t = fileSweepChecked, now - t < .seconds(1) { return }
    fileSweepChecked = now
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value
    guard first || size != fileSweepSize else { return }
    fileSweepSize = size
    do {
      fileSweep = try SweepFile.load(path).results
      changed = true
    } catch { say("--sweep: \(error.message)") }
  }

  /// Starts a frame from the shared pause and speed, with nothing asked or changed yet.
  func beginFrame(paused: Bool, speed: Int) {
    self.paused = paused
    self.speed = speed
    single = false
    changed = false
  }

  /// The status-bar title of a scene: live play shows one seed, and says which when the scene
  /// is judged over several (`seeds N`), so its figures are not mistaken for the multi-seed ones.
  static func title(_ scene: Scene) -> String {
    Text.truncatedAtWord(scene.title, to: 50)
      + (scene.seedCount > 1 ? " (seed \(scene.seed) of \(BackgroundReplicates.seedRange(scene)))" : "")
  }

  /// One checked claim in a line: `PASS line 24: drift(plain) > 3 * drift(bn) (1.03, 0.0266)`.
  static func verdict(_ r: ExpectationResult) -> String {
    let values = r.readings.compactMap { $0.split(separator: "=", maxSplits: 1).last }
      .map { $0.trimmingCharacters(in: .whitespaces) }
    return (r.passed ? "PASS" : "FAIL") + " line \(r.line): \(r.source)"
      + (values.isEmpty ? "" : " (\(values.joined(separator: ", ")))")
  }

  /// Hands the UI a new dashboard snapshot, and the scene's view when it changed.
  func publish() {
    var snap = DashboardState(
      experiment: experiment, title: source.scene.map(Self.title) ?? "NormScope",
      theme: theme)
    snap.recording = recordStart != nil
    if let p = player, reportedEnd {
      snap.sceneEnd =
        "\(p.failure == nil ? "scene finished" : "scene stopped"): \(p.passedCount) passed, \(p.failedCount) failed"
    }
    snap.sweep = player?.sweep ?? fileSweep
    if let p = player {
      snap.caption = p.view.caption
      snap.captionHeading = p.view.chapter
      if let bg = background {
        let progress = bg.progress
        // Once every seed has run, the caption's values are those over the seeds.
        if let o = progress.outcome, let k = p.view.captionStatement, let text = o.captions[k] { snap.caption = text }
        snap.captionNote = BackgroundReplicates.note(
          progress, seed: p.scene.seed, captionHasValues: p.view.captionHasValues)
      }
      if p.holdSeconds != nil, let until = holdUntil {
        let left = until - clock.now
        snap.holdingSeconds = max(0, Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18)
      }
    }
    var view = player?.view
    let lastView = lastView
    let force = jumped && view != nil
    if jumped, view != nil {
      // After a chapter jump the screen shows the chapter's view as the script sets it up,
      // whatever the user or an earlier chapter had focused (the loss panel by default).
      view!.panel = view!.panel ?? .loss
      jumped = false
    }
    let current = LabCurrent(
      config: experiment.config,
      data: LabData(
        name: source.dataName, parameters: source.dataParameters, file: source.dataFile, labels: source.dataLabels))
    link.publish {
      $0.snapshot = snap
      $0.current = current
      $0.version += 1
      if let view, view != lastView || force {
        $0.sceneView = view
        $0.sceneViewVersion += 1
      }
    }
    self.lastView = view
  }

  /// Shows a one-line message in the UI.
  func say(_ m: String) {
    link.publish { $0.messages.say(m) }
  }

  /// Plays the scene at full speed until its position reaches `target` (a statement index).
  func fastForward(_ p: ScenePlayer, to target: Int) {
    while !p.finished && p.position < target {
      _ = try? p.tick(maxSteps: 1_000_000, delegate: nil, stopBefore: target)
      if p.position < target { p.resume() }
    }
  }

  /// Applies the UI's commands in order; an error is shown and the next command still runs.
  /// False on `.quit` (the session is marked stopped and the thread ends).
  func apply(_ commands: [LabCommand]) -> Bool {
    for c in commands {
      do {
        guard try apply(c) else {
          link.publish { $0.stopped = true }
          return false
        }
      } catch { say("\(error)") }
      changed = true
    }
    return true
  }

  /// Applies one command; false for `.quit`.
  func apply(_ c: LabCommand) throws -> Bool {
    switch c {
    case .quit: return false
    case .togglePause:
      paused.toggle()
      if !paused, let p = player, p.pauseRequested { p.resume() }
    case .singleStep:
      paused = true
      single = true
    case .faster: speed = LabThread.speeds.first { $0 > speed } ?? speed
    case .slower: speed = LabThread.speeds.last { $0 < speed } ?? speed
    case .scaleLearningRate(let f):
      try experiment.setLearningRate(min(experiment.learningRate * f, Limits.maxLearningRate))
    case .scaleBatch(let f):
      let scaled = Int(clamping: Float(experiment.batchSize) * f, rounding: .toNearestOrAwayFromZero)
      try experiment.setBatchSize(max(1, min(experiment.trainData.count, scaled)))
    case .toggleInferenceMode: experiment.setInferenceMode(experiment.inferenceMode == .eval ? .train : .eval)
    case .scaleInferenceBatch(let f):
      let b = Int(clamping: Float(experiment.instruments.inferenceBatch) * f, rounding: .toNearestOrAwayFromZero)
      experiment.instruments.inferenceBatch = max(1, min(experiment.instruments.probeSize, b))
      say("train-mode inference in batches of \(experiment.instruments.inferenceBatch) (next probe)")
    case .reset: try reset()
    case .continueScene:
      player?.resume()
      holdUntil = nil
      paused = false
    case .nextChapter: try jumpChapter(forward: true)
    case .previousChapter: try jumpChapter(forward: false)
    case .toggleRecord: toggleRecord()
    case .writeScene: saveRecording(from: 0)
    case .exportMetrics: exportMetrics()
    case .playScene(let scene): try play(scene)
    case .startExperiment(let config, let data): try start(config, data: data)
    }
    return true
  }

  /// A player for live play: its sweeps run on the cores the background seeds leave, and
  /// publish the diagram as it fills in (the training thread waits for the sweep; q still quits).
  func livePlayer(_ scene: Scene) throws -> ScenePlayer {
    let p = try ScenePlayer(scene: scene)
    p.sweepJobs = max(1, source.replicateJobs)
    p.sweepProgress = { [link] partial in
      link.publish {
        $0.snapshot?.sweep = partial
        $0.version += 1
        $0.messages.say(
          "sweeping: \(partial.count) of \(partial.definition.cellCount) runs (the scene goes on when all have run)",
          transient: true)
      }
    }
    return p
  }

  /// Plays `scene` from its start in place of what was playing (its seeds in the background,
  /// as at start-up); a recording in progress ends.
  func play(_ scene: Scene) throws {
    let p = try livePlayer(scene)
    background?.cancel()
    background = nil
    backgroundSeen = (-1, false)
    source.scene = scene
    source.dataName = scene.dataName
    source.dataParameters = scene.dataParameters
    player = p
    if scene.seedCount > 1, source.replicateJobs > 0 {
      background = BackgroundReplicates(scene: scene, jobs: source.replicateJobs)
    }
    holdUntil = nil
    reportedEnd = false
    recordStart = nil
    paused = false
    // The scene's own view (panel, layer) replaces what the user had chosen.
    jumped = true
    say("playing \(Text.truncated(scene.title, to: 60))")
  }

  /// Trains `config` from step 0 in place of the scene or experiment playing (the experiment
  /// editor's Apply): no scene, no background seeds, a recording in progress ends, and training
  /// runs. `reset` (r) then restarts this experiment.
  func start(_ config: ExperimentConfig, data: LabData) throws {
    let e = try source.experiment(config)
    background?.cancel()
    background = nil
    backgroundSeen = (-1, false)
    player = nil
    source.scene = nil
    source.dataName = data.name
    source.dataParameters = data.parameters
    source.dataFile = data.file
    source.dataLabels = data.labels
    self.config = config
    experiment = e
    holdUntil = nil
    reportedEnd = false
    recordStart = nil
    paused = false
    say("experiment applied: training from step 0 (seed \(config.seed))")
  }

  /// Starts the scene (or the command line's experiment) afresh; a recording in progress ends.
  func reset() throws {
    if let scene = source.scene {
      player = try livePlayer(scene)
      reportedEnd = false
    } else {
      experiment = try source.experiment(config)
    }
    recordStart = nil
  }

  /// Jumps to the next chapter, or back to the previous one (replaying the scene from its start
  /// at full speed), and says which chapter it reached.
  func jumpChapter(forward: Bool) throws {
    guard let p = player else {
      say("chapters belong to scenes: normscope play FILE")
      return
    }
    let starts = p.scene.chapters.map(\.statement)
    // The chapter being played: the last one whose statement has been carried out.
    if forward {
      guard let target = starts.first(where: { $0 >= p.position }) else {
        say("no later chapter")
        return
      }
      fastForward(p, to: target)
    } else {
      let current = starts.last { $0 < p.position } ?? 0
      let target = starts.last { $0 < current } ?? 0
      let fresh = try livePlayer(p.scene)
      fastForward(fresh, to: target)
      player = fresh
    }
    holdUntil = nil
    reportedEnd = false
    // Carry out the chapter's opening statements (its name, caption, view) up to its first
    // training step, so the caption box shows the chapter reached, paused or not, and the next
    // `]` goes on to the chapter after it.
    jumped = true
    let reached = player!
    let name = reached.scene.chapters.first { $0.statement == reached.position }?.name ?? "start"
    // A caption that ends the chapter before (the tour's first) leaves a hold pending: it
    // belongs to the chapter left behind, so it must not stop the new one's opening statements.
    reached.resume()
    _ = try? reached.tick(maxSteps: 0, delegate: nil)
    say("chapter: \(name) (step \(experiment.step))")
  }

  /// Starts recording at the current step, or saves the recording as a new `.scene` file.
  func toggleRecord() {
    guard let start = recordStart else {
      recordStart = experiment.step
      say("recording from step \(experiment.step): R again to save a .scene file")
      return
    }
    recordStart = nil
    saveRecording(from: start)
  }

  /// Writes the experiment from `start` to now as a new `recording-N.scene` (`R` ends a
  /// recording; `w` writes the whole session, from step 0) and says where.
  func saveRecording(from start: Int) {
    guard let name = source.dataName else {
      say("recording needs a built-in data set; this session's data came from a file")
      return
    }
    let text = SceneRecorder.text(
      experiment: experiment, dataName: name, dataParameters: source.dataParameters, startStep: start,
      view: lastView ?? SceneView())
    do {
      // recording-1.scene, recording-2.scene, …: never another session's recording.
      let path = try SafeFile.createUnique(
        directory: source.recordDir, base: "recording", extension: "scene", contents: Array(text.utf8),
        alwaysNumbered: true)
      say("recorded \(path): play it with `normscope play \(path)`")
    } catch { say("recording not saved: \(error)") }
  }

  /// Writes the metrics so far (every row the records hold, as `train --metrics` writes them)
  /// as `metrics-N.csv` and `metrics-N.jsonl` in the screenshot directory, never replacing a file.
  func exportMetrics() {
    var export = MetricsExport(for: experiment)
    export.captureHistory(experiment)
    let files: [(extension: String, contents: [UInt8])] = [
      ("csv", Array(export.render(.csv).utf8)), ("jsonl", Array(export.render(.jsonl).utf8)),
    ]
    do {
      let base = try SafeFile.createUnique(
        directory: source.recordDir, base: "metrics", files: files, alwaysNumbered: true)
      say(
        "metrics so far: \(base).csv and .jsonl (\(export.rows.count) rows, \(experiment.variants.count) variants, steps 1–\(experiment.step))"
      )
    } catch { say("metrics not saved: \(error)") }
  }

  /// Publishes the background run's progress when it moved, and says when it has ended.
  func checkBackground() {
    guard let bg = background else { return }
    let p = bg.progress
    let now = (done: p.done, finished: p.outcome != nil || p.failure != nil)
    guard now != backgroundSeen else { return }
    backgroundSeen = now
    changed = true
    if now.finished {
      let verdict = BackgroundReplicates.note(p, seed: bg.scene.seed, captionHasValues: false)
      link.publish { $0.verdicts[bg.scene.title] = verdict }
      say(verdict + "; captions now give mean ± sd")
    }
  }

  /// This frame's training unless paused (a single step runs even then). False when the test
  /// hook's injected failure ends the app.
  func step() -> Bool {
    checkBackground()
    followSweepFile()
    guard !paused || single else { return true }
    // A scene's last statements (a final `pause`, the end report) still go through the scene.
    if let p = player, !p.finished || p.pauseRequested || !reportedEnd {
      stepScene(p)
      return true
    }
    return stepFree()
  }

  /// The scene's next tick: wait out a caption's hold (Enter skips), stop at a `pause`, or play
  /// up to `speed` steps, saying how the scene ended when it does.
  func stepScene(_ p: ScenePlayer) {
    if let secs = p.holdSeconds, !single {
      // A caption asked the timeline to wait; Enter skips.
      if holdUntil == nil { holdUntil = clock.now + .milliseconds(Int(clamping: min(secs, 86_400) * 1000)) }
      if clock.now >= holdUntil! {
        p.resume()
        holdUntil = nil
      }
      changed = true  // the status bar counts the hold down
    } else if p.holdSeconds != nil {
      // `n` during a hold: the hold ends and one step is taken, as `n` promises.
      p.resume()
      holdUntil = nil
      stepScene(p)
    } else if p.pauseRequested {
      paused = true
      say("the scene pauses here: press space (or Enter) to go on")
    } else {
      let before = p.results.count
      if !p.finished {
        do {
          try p.tick(maxSteps: single ? 1 : speed, delegate: nil)
        } catch { say("\(error)") }
      }
      changed = true
      // Each claim as it is checked: PASS or FAIL with what it measured.
      let new = p.results.dropFirst(before)
      if !new.isEmpty { say(new.map(Self.verdict).joined(separator: "  ·  ")) }
      if p.finished && !reportedEnd && !p.pauseRequested {
        reportedEnd = true
        paused = true
        let end = p.failure.map { "stopped: \($0)" } ?? "scene finished"
        say("\(end): \(p.passedCount) passed, \(p.failedCount) failed; space trains on freely")
        changed = true
      }
    }
  }

  /// Free training: up to `speed` steps (one for a single step) within 200 ms. A failure inside
  /// the simulation pauses and says why; false when the test hook's injected failure fires.
  func stepFree() -> Bool {
    let n = single ? 1 : speed
    let deadline = clock.now + .milliseconds(200)
    for _ in 0..<n {
      guard experiment.anyLive else { break }
      if let failAt, experiment.step >= failAt {
        link.publish { $0.fatal = "injected failure at step \(experiment.step) (test hook)" }
        return false
      }
      do { try experiment.advance() } catch {
        // A failure inside the simulation (e.g. BatchNorm on a batch of 1) pauses
        // training and says why; the user can change the setting and resume.
        paused = true
        say("paused: \(error)")
        break
      }
      if clock.now > deadline { break }
    }
    changed = true
    return true
  }
}
