import Foundation
import NormCore
import NormLab
import NormView
import Synchronization

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

  static func start(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil) {
    let thread = Thread {
      run(config: config, theme: theme, link: link, failAt: failAt)
    }
    thread.name = "normscope-training"
    thread.stackSize = 8 << 20
    thread.start()
  }

  static func run(config: ExperimentConfig, theme: Theme, link: LabLink, failAt: Int? = nil) {
    var experiment: Experiment
    do { experiment = try Experiment(config) } catch {
      link.shared.withLock { $0.fatal = "\(error)" }
      return
    }
    func publish() {
      let snap = DashboardState(experiment: experiment, theme: theme)
      link.shared.withLock {
        $0.snapshot = snap
        $0.version += 1
      }
    }
    func say(_ m: String) {
      link.shared.withLock {
        $0.message = m
        $0.messageVersion += 1
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
          case .togglePause: paused.toggle()
          case .singleStep:
            paused = true
            single = true
          case .faster: speed = speeds.first { $0 > speed } ?? speed
          case .slower: speed = speeds.last { $0 < speed } ?? speed
          case .scaleLearningRate(let f): try experiment.setLearningRate(experiment.learningRate * f)
          case .scaleBatch(let f):
            try experiment.setBatchSize(
              max(1, min(experiment.trainData.count, Int((Float(experiment.batchSize) * f).rounded()))))
          case .toggleInferenceMode: experiment.setInferenceMode(experiment.inferenceMode == .eval ? .train : .eval)
          case .reset: experiment = try Experiment(config)
          }
        } catch { say("\(error)") }
        changed = true
      }
      if paused != paused0 { experiment.record(paused ? .pause : .resume) }
      if single { experiment.record(.singleStep) }
      link.shared.withLock {
        $0.paused = paused
        $0.stepsPerFrame = speed
      }
      if !paused || single {
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
            link.shared.withLock { $0.paused = true }
            say("paused: \(error)")
            break
          }
          if clock.now > deadline { break }
        }
        changed = true
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
