import Foundation
import NormCore
import NormLab
import NormScene
import NormView
import Synchronization
import NormSupport

/// What the UI asks the training thread to do.
enum LabCommand: Sendable {
  case togglePause
  case singleStep
  case faster
  case slower
  case scaleLearningRate(Float)
  case scaleBatch(Float)
  case toggleInferenceMode
  case reset
  case quit
  /// Scenes: skip a caption's hold or a `pause`; jump to the next / previous chapter.
  case continueScene
  case nextChapter
  case previousChapter
  /// Start or stop recording the session into a `.scene` file.
  case toggleRecord
}

/// State shared between the UI thread and the training thread, behind a mutex. The training
/// thread alone owns the `Experiment`; the UI only sees `DashboardState` snapshots (values).
struct LabShared: Sendable {
  var commands: [LabCommand] = []
  var snapshot: DashboardState? = nil
  var version = 0
  var paused = false
  var stepsPerFrame = 5
  /// A message from the training thread (e.g. an error that paused training).
  var message: String? = nil
  var messageVersion = 0
  /// A failure that ends the app.
  var fatal: String? = nil
  var stopped = false
  /// The playing scene's view (layer, panel, zoom) and a version that changes when the scene
  /// changes it, so user choices hold until the script says otherwise.
  var sceneView: SceneView? = nil
  var sceneViewVersion = 0
  var recording = false
}

/// Where the live session came from, for recordings.
struct LabSource: Sendable {
  var scene: Scene?
  /// Built-in data name and parameters (nil for data from a file: recording is then refused).
  var dataName: String?
  var dataParameters: [String: String] = [:]
  var recordDir: String
  /// `--freeze norm`: every experiment the session builds (at start and on reset) starts with
  /// the norms' γ and β frozen.
  var freezeNormAffine = false

  /// A new experiment for a session without a scene, with the command line's freeze applied.
  func experiment(_ config: ExperimentConfig) throws -> Experiment {
    let e = try Experiment(config)
    if freezeNormAffine { try e.setNormAffineFrozen(true) }
    return e
  }
}

final class LabLink: Sendable {
  let shared = Mutex(LabShared())

  func send(_ c: LabCommand) { shared.withLock { $0.commands.append(c) } }
}

/// The training side of the live app: runs on its own thread, takes `stepsPerFrame` lockstep
/// steps per frame (about 30 per second), applies commands between steps and publishes a
/// snapshot after each frame.
enum LabThread {
  static let speeds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

  static func start(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil, source: LabSource) {
    let thread = Thread {
      run(config: config, theme: theme, link: link, failAt: failAt, source: source)
    }
    thread.name = "normscope-training"
    thread.stackSize = 8 << 20
    thread.start()
  }

  static func run(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil, source: LabSource) {
    var experiment: Experiment
    var player: ScenePlayer? = nil
    do {
      if let scene = source.scene {
        player = try ScenePlayer(scene: scene)
        experiment = player!.experiment
      } else {
        experiment = try source.experiment(config)
      }
    } catch {
      link.shared.withLock { $0.fatal = "\(error)" }
      return
    }
    var lastView: SceneView? = nil
    var holdUntil: ContinuousClock.Instant? = nil
    var reportedEnd = false
    var recordStart: Int? = nil
    func publish() {
      var snap = DashboardState(
        experiment: experiment, title: source.scene.map { Text.truncated($0.title, to: 50) } ?? "NormScope",
        theme: theme)
      snap.recording = recordStart != nil
      if let p = player {
        snap.caption = p.view.caption
        snap.captionHeading = p.view.chapter
      }
      let view = player?.view
      link.shared.withLock {
        $0.snapshot = snap
        $0.version += 1
        if let view, view != lastView {
          $0.sceneView = view
          $0.sceneViewVersion += 1
        }
      }
      lastView = view
    }
    func say(_ m: String) {
      link.shared.withLock {
        $0.message = m
        $0.messageVersion += 1
      }
    }
    /// Plays the scene at full speed until its position reaches `target` (a statement index).
    func fastForward(_ p: ScenePlayer, to target: Int) {
      while !p.finished && p.position < target {
        _ = try? p.tick(maxSteps: 1_000_000, delegate: nil, stopBefore: target)
        if p.position < target { p.resume() }
      }
    }
    publish()
    let clock = ContinuousClock()
    let frame = Duration.milliseconds(33)
    var next = clock.now
    while true {
      let (commands, paused0, speed0) = link.shared.withLock { s in
        let c = s.commands
        s.commands = []
        return (c, s.paused, s.stepsPerFrame)
      }
      var paused = paused0
      var speed = speed0
      var single = false
      var changed = false
      for c in commands {
        do {
          switch c {
          case .quit:
            link.shared.withLock { $0.stopped = true }
            return
          case .togglePause:
            paused.toggle()
            if !paused, let p = player, p.pauseRequested { p.resume() }
          case .singleStep:
            paused = true
            single = true
          case .faster: speed = speeds.first { $0 > speed } ?? speed
          case .slower: speed = speeds.last { $0 < speed } ?? speed
          case .scaleLearningRate(let f):
            try experiment.setLearningRate(min(experiment.learningRate * f, Limits.maxLearningRate))
          case .scaleBatch(let f):
            try experiment.setBatchSize(
              max(1, min(experiment.trainData.count, Int(clamping: Float(experiment.batchSize) * f, rounding: .toNearestOrAwayFromZero))))
          case .toggleInferenceMode: experiment.setInferenceMode(experiment.inferenceMode == .eval ? .train : .eval)
          case .reset:
            if let scene = source.scene {
              player = try ScenePlayer(scene: scene)
              experiment = player!.experiment
              reportedEnd = false
            } else {
              experiment = try source.experiment(config)
            }
            recordStart = nil
          case .continueScene:
            player?.resume()
            holdUntil = nil
            paused = false
          case .nextChapter, .previousChapter:
            guard let p = player else {
              say("chapters belong to scenes: normscope play FILE")
              break
            }
            let starts = p.scene.chapters.map(\.statement)
            if case .nextChapter = c {
              guard let target = starts.first(where: { $0 >= p.position }) else {
                say("no later chapter")
                break
              }
              fastForward(p, to: target)
            } else {
              let current = starts.last { $0 < p.position } ?? 0
              let target = starts.last { $0 < current } ?? 0
              let fresh = try ScenePlayer(scene: p.scene)
              fastForward(fresh, to: target)
              player = fresh
              experiment = fresh.experiment
            }
            holdUntil = nil
            reportedEnd = false
            let name = player!.scene.chapters.first { $0.statement == player!.position }?.name ?? "start"
            say("chapter: \(name) (step \(experiment.step))")
          case .toggleRecord:
            if let start = recordStart {
              guard let name = source.dataName else {
                say("recording needs a built-in data set; this session's data came from a file")
                recordStart = nil
                break
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
              recordStart = nil
            } else {
              recordStart = experiment.step
              say("recording from step \(experiment.step): R again to save a .scene file")
            }
          }
        } catch { say("\(error)") }
        changed = true
      }
      if paused != paused0 { experiment.record(paused ? .pause : .resume) }
      if single { experiment.record(.singleStep) }
      if !paused || single {
        if let p = player, !p.finished {
          if let secs = p.holdSeconds {
            // A caption asked the timeline to wait; Enter skips.
            if holdUntil == nil { holdUntil = clock.now + .milliseconds(Int(clamping: min(secs, 86_400) * 1000)) }
            if clock.now >= holdUntil! {
              p.resume()
              holdUntil = nil
            }
          } else if p.pauseRequested {
            paused = true
            say("the scene pauses here: press space (or Enter) to go on")
          } else {
            do {
              try p.tick(maxSteps: single ? 1 : speed, delegate: nil)
            } catch { say("\(error)") }
            changed = true
            if p.finished && !reportedEnd {
              reportedEnd = true
              paused = true
              let end = p.failure.map { "stopped: \($0)" } ?? "scene finished"
              say("\(end): \(p.passedCount) passed, \(p.failedCount) failed; space trains on freely")
            }
          }
        } else {
          let n = single ? 1 : speed
          let deadline = clock.now + .milliseconds(200)
          for _ in 0..<n {
            guard experiment.anyLive else { break }
            if let failAt, experiment.step >= failAt {
              link.shared.withLock { $0.fatal = "injected failure at step \(experiment.step) (test hook)" }
              return
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
        }
      }
      link.shared.withLock {
        $0.paused = paused
        $0.stepsPerFrame = speed
        $0.recording = recordStart != nil
      }
      if changed { publish() }
      next = next + frame
      if next < clock.now { next = clock.now }
      // Sleep until the next frame in short slices, waking early when a command arrives.
      while clock.now < next, link.shared.withLock({ $0.commands.isEmpty }) {
        Thread.sleep(forTimeInterval: 0.002)
      }
    }
  }
}
