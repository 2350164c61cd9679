import NormCore
import NormLab

/// The outcome of one `expect` (or a `run until` that timed out, or a runtime error).
public struct ExpectationResult: Sendable {
  public var line: Int
  public var source: String
  public var passed: Bool
  /// Metric values read, e.g. "final_loss(bn) = 0.0123".
  public var readings: [String]
  public var step: Int
  /// Index of the statement in the timeline (nil for a runtime error).
  public var statement: Int? = nil
  /// The fraction of seeds that must pass (nil: all).
  public var quorum: Double? = nil
  /// With ``ScenePlayer/recordsValues``: the value of every metric call of the condition
  /// (``Expr/calls`` order), for judging it over seeds.
  public var values: [Double] = []

  /// `PASS line 42 (step 2000): final_loss(bn) < 0.5 * final_loss(plain)   [final_loss(bn) = …]`
  public var rendered: String {
    (passed ? "PASS" : "FAIL") + "  line \(line) (step \(step)): \(source)"
      + (readings.isEmpty ? "" : "\n        " + readings.joined(separator: ", "))
  }
}

/// A `figure` line as one run measured it.
public struct FigureResult: Sendable {
  public var line: Int
  /// Index of the statement in the timeline.
  public var statement: Int
  public var parts: [FigurePart]
  /// The recorded value of every metric call of the figure's expressions, in order.
  public var values: [Double]

  /// The figure's text with each value over the given runs: `values` is one array per run.
  public static func render(_ parts: [FigurePart], runs: [[Double]]) -> String {
    var offset = 0
    var out = ""
    for part in parts {
      switch part {
      case .text(let t): out += t
      case .value(let e, let format):
        let n = e.calls.count
        let slices = runs.map { Array($0[offset..<(offset + n)]) }
        let evaluator = RecordedEvaluator(seeds: slices)
        out += format.render(slices.indices.map { evaluator.value(e, seed: $0) })
        offset += n
      }
    }
    return out
  }

  /// `FIGURE line 30: BN reaches 97.2 %`.
  public var rendered: String { "FIGURE line \(line): " + FigureResult.render(parts, runs: [values]) }
}

/// Receives what a playing scene produces.
public protocol ScenePlayerDelegate: AnyObject {
  /// Called after every timeline statement (the flip-book takes a frame here).
  func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws
  /// Called for `screenshot NAME`.
  func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws
}

/// The pace of a recorded playback (an asciicast): `stepsPerFrame` training steps per frame at
/// `fps` frames a second (the live app's default pace: 5 steps, about 30 frames a second), a
/// caption holding its frame for its seconds (`for Ns`, else its reading time, as in live
/// play) and a `pause` statement holding it for `pauseSeconds`.
public struct ScenePacing: Sendable, Equatable {
  public var fps: Int
  public var stepsPerFrame: Int
  public var pauseSeconds: Double

  public init(fps: Int = 30, stepsPerFrame: Int = 5, pauseSeconds: Double = 3) {
    self.fps = max(1, fps)
    self.stepsPerFrame = max(1, stepsPerFrame)
    self.pauseSeconds = pauseSeconds
  }

  /// Microseconds at frame `n`, from the frame count (no drift from summing a rounded interval).
  public func time(ofFrame n: Int) -> Int { n / fps * 1_000_000 + n % fps * 1_000_000 / fps }

  /// A hold of `seconds` in microseconds (at most a day, as in live play).
  static func micros(_ seconds: Double) -> Int { Int(clamping: (min(max(seconds, 0), 86_400) * 1e6).rounded()) }
}

/// A delegate that records the timeline frame by frame: ``ScenePlayer/playToEnd(delegate:)``
/// then advances `pacing.stepsPerFrame` steps per frame and hands over every frame with its
/// time. The results are the same as at full speed (the same steps in the same order).
public protocol ScenePlayerFrameDelegate: ScenePlayerDelegate {
  var pacing: ScenePacing { get }
  /// The screen at `time` microseconds from the start: step 0 first, then after every frame's
  /// steps; a caption's hold or a pause adds its seconds before the next frame.
  func scenePlayer(_ player: ScenePlayer, frameAt time: Int) throws
}

/// Plays a scene against a fresh experiment. Headless playback calls ``playToEnd(delegate:)``;
/// the live app calls ``tick(maxSteps:delegate:)`` once per frame.
public final class ScenePlayer {
  public let scene: Scene
  public private(set) var experiment: Experiment
  public private(set) var view: SceneView
  public private(set) var results: [ExpectationResult] = []
  /// The `figure` lines reached, with their values.
  public private(set) var figures: [FigureResult] = []
  /// The captions reached that quote values, with this seed's values.
  public private(set) var captions: [FigureResult] = []
  /// `let` names defined so far, with this seed's values.
  public private(set) var names: [String: Double] = [:]
  /// Index of the next statement.
  public private(set) var position = 0
  /// Steps left in the current `run` / `run until` statement.
  private var remaining: Int? = nil
  /// A `pause` statement was reached (interactive playback stops there until resumed).
  public private(set) var pauseRequested = false
  /// Seconds the last caption asked to stay (interactive playback holds the timeline).
  public private(set) var holdSeconds: Double? = nil
  /// A runtime error that stopped the scene.
  public private(set) var failure: String? = nil
  private let originalData: Dataset
  /// Record every metric value an expectation reads (replicate runs judge them over seeds).
  public var recordsValues = false

  public init(scene: Scene) throws {
    self.scene = scene
    let config = try scene.experimentConfig()
    originalData = config.data
    experiment = try Experiment(config)
    view = scene.view
  }

  public var finished: Bool { position >= scene.statements.count || failure != nil }
  public var passedCount: Int { results.filter(\.passed).count }
  public var failedCount: Int { results.count - passedCount }

  /// Seconds to read `text` at about 200 words a minute, at least 3 (an explicit `for 0s`
  /// holds nothing).
  public static func readingSeconds(_ text: String) -> Double {
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count
    return max(3, (Double(words) / 200 * 60).rounded(.up))
  }

  /// ``playToEnd(delegate:)`` for a frame delegate: frame by frame at its pacing, holding
  /// captions and pauses for their seconds instead of waiting.
  private func playPaced(_ d: ScenePlayerFrameDelegate) throws {
    let pacing = d.pacing
    var frames = 0
    var held = 0
    try d.scenePlayer(self, frameAt: 0)
    while !finished {
      try tick(maxSteps: pacing.stepsPerFrame, delegate: d)
      frames += 1
      try d.scenePlayer(self, frameAt: held + pacing.time(ofFrame: frames))
      if let hold = holdSeconds {
        held += ScenePacing.micros(hold)
      } else if pauseRequested {
        held += ScenePacing.micros(pacing.pauseSeconds)
      }
      pauseRequested = false
      holdSeconds = nil
    }
  }

  /// Clears a reached `pause` (interactive resume).
  public func resume() {
    pauseRequested = false
    holdSeconds = nil
  }

  /// Runs the whole timeline at full speed. Never throws for a failing expectation or a
  /// runtime error inside training (those are results); throws only what the delegate throws.
  /// `isCancelled` is asked every 1,000 steps; when it says yes, play stops where it is.
  public func playToEnd(delegate: ScenePlayerDelegate?, isCancelled: (() -> Bool)? = nil) throws {
    if let paced = delegate as? ScenePlayerFrameDelegate { return try playPaced(paced) }
    while !finished {
      if isCancelled?() == true { return }
      _ = try tick(maxSteps: isCancelled == nil ? Int.max : 1000, delegate: delegate)
      pauseRequested = false
      holdSeconds = nil
    }
  }

  /// Advances by at most `maxSteps` training steps, completing statements as they end, and
  /// stopping before statement `stopBefore` when given (chapter jumps). Returns the steps taken.
  @discardableResult
  public func tick(maxSteps: Int, delegate: ScenePlayerDelegate?, stopBefore: Int? = nil) throws -> Int {
    var taken = 0
    while !finished && !pauseRequested && holdSeconds == nil && position < (stopBefore ?? Int.max) {
      let s = scene.statements[position]
      switch s.kind {
      case .run(let n):
        if remaining == nil { remaining = n }
        let k = min(remaining!, maxSteps - taken)
        guard advance(k, statement: s) else { return taken }
        taken += k
        remaining! -= k
        if remaining! > 0 { return taken }
      case .runUntil(let cond, let within, let source):
        if remaining == nil { remaining = within }
        while remaining! > 0 {
          if let hold = try? holds(cond), hold { break }
          if taken >= maxSteps { return taken }
          guard advance(1, statement: s) else { return taken }
          taken += 1
          remaining! -= 1
        }
        if remaining! == 0, (try? holds(cond)) != true {
          var ev = Evaluator(experiment: experiment, names: names)
          _ = try? ev.evaluate(cond)
          results.append(
            ExpectationResult(
              line: s.line, source: "run until \(source) within \(within): not reached", passed: false,
              readings: ev.readings, step: experiment.step))
        }
      case .screenshot(let name):
        // What the delegate throws escapes (it is not the scene's failure).
        try delegate?.scenePlayer(self, screenshot: name)
      default:
        // Any error from the experiment (a restart, a statistics pass, …) stops the scene as a
        // failed result, as a failure inside training does.
        do { try execute(s) } catch {
          fail(s, "\(error)")
          return taken
        }
      }
      remaining = nil
      position += 1
      try delegate?.scenePlayer(self, finished: s)
    }
    return taken
  }

  private func fail(_ s: Statement, _ message: String) {
    failure = "line \(s.line): \(message)"
    results.append(
      ExpectationResult(line: s.line, source: "error: \(message)", passed: false, readings: [], step: experiment.step))
  }

  private func advance(_ n: Int, statement s: Statement) -> Bool {
    for _ in 0..<n {
      do { try experiment.advance() } catch {
        fail(s, "\(error)")
        return false
      }
    }
    return true
  }

  private func holds(_ e: Expr) throws -> Bool {
    var ev = Evaluator(experiment: experiment, names: names)
    return ev.truth(try ev.evaluate(e))
  }

  /// Carries out a statement other than a run or a screenshot; what it throws is the scene's failure.
  private func execute(_ s: Statement) throws {
    let e = experiment
    switch s.kind {
    case .run, .runUntil, .screenshot: break
    case .setLearningRate(let lr, let vs): try e.setLearningRate(lr, variants: vs)
    case .setBatch(let b): try e.setBatchSize(b)
    case .setOptimizer(let kind, let lr, let vs):
      var o = e.config.optimizer
      o.kind = kind
      o.learningRate = lr ?? e.learningRate
      try e.setOptimizer(o, variants: vs)
    case .setMode(let m): e.setInferenceMode(m)
    case .freezeBatchNorm(let f, let vs): try e.setBatchNormFrozen(f, variants: vs)
    case .freezeAffine(let f, let vs): try e.setNormAffineFrozen(f, variants: vs)
    case .resetStatistics(let vs): try e.resetRunningStatistics(variants: vs)
    case .reestimateStatistics(let n, let vs): try e.reestimateRunningStatistics(batches: n, variants: vs)
    case .shiftData(let shift, let d):
      do { try e.setData(try shift.apply(to: originalData, seed: scene.seed), description: "shifted: \(d)") } catch let
        x as NormError
      {
        throw ExperimentError(variant: nil, message: x.message)
      }
    case .restoreData: try e.setData(originalData, description: "original data")
    case .restart: experiment = try Experiment(try scene.experimentConfig())
    case .mark(let m): e.mark(m)
    case .caption(let parts, let secs):
      // Values are this seed's; replicate play renders them again over every seed.
      var values: [Double] = []
      if parts.hasValues {
        let ev = Evaluator(experiment: experiment, names: names)
        for case .value(let x, _) in parts { values += ev.record(x).values }
        captions.append(FigureResult(line: s.line, statement: position, parts: parts, values: values))
      }
      let t = FigureResult.render(parts, runs: [values])
      // Without `for Ns`, live play holds a caption for its reading time (Enter goes on).
      let hold = secs ?? Self.readingSeconds(t)
      view.caption = t
      view.captionStatement = position
      view.captionHasValues = parts.hasValues
      view.captionSeconds = hold
      holdSeconds = hold > 0 ? hold : nil
    case .pause: pauseRequested = true
    case .chapter(let c): view.chapter = c
    case .showLayer(let k): view.layer = k
    case .showPanel(let p): view.panel = p
    case .zoom(let z): view.zoomed = z
    case .define(let name, let x, _):
      var ev = Evaluator(experiment: experiment, names: names)
      names[name] = (try? ev.evaluate(x)) ?? .nan
    case .figure(let parts, _):
      let ev = Evaluator(experiment: experiment, names: names)
      var values: [Double] = []
      for case .value(let x, _) in parts { values += ev.record(x).values }
      figures.append(FigureResult(line: s.line, statement: position, parts: parts, values: values))
    case .expect(let cond, let source, let quorum):
      var ev = Evaluator(experiment: experiment, names: names)
      var r = ExpectationResult(line: s.line, source: source, passed: false, readings: [], step: e.step)
      (r.statement, r.quorum) = (position, quorum)
      if recordsValues {
        let (values, errors) = ev.record(cond)
        r.values = values
        let recorded = RecordedEvaluator(seeds: [values])
        r.passed = recorded.truth(recorded.value(cond, seed: 0))
        r.readings = errors.map { "error: \($0)" }
      } else {
        do {
          let v = try ev.evaluate(cond)
          (r.passed, r.readings) = (ev.truth(v), ev.readings)
        } catch {
          r.readings = ev.readings + ["error: \(error)"]
        }
      }
      results.append(r)
    }
  }
}
