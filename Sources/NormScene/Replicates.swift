import Dispatch
import NormCore
import NormLab
import NormSupport
import Synchronization

/// One expectation judged over the scene's seeds.
public struct ReplicateVerdict: Sendable {
  /// A metric the expectation read, over the seeds.
  public struct Reading: Sendable {
    public var name: String
    /// One value per seed, in seed order.
    public var values: [Double]
    public var mean: Double { Aggregate.mean.combine(values) }
    public var sd: Double { Aggregate.sd.combine(values) }
  }
  public var line: Int
  public var source: String
  /// The fraction of seeds that must pass (nil: all).
  public var quorum: Double?
  /// Whether the expectation held, per seed (false where the seed stopped before it).
  public var perSeed: [Bool]
  public var readings: [Reading]
  /// Runtime errors met while reading the metrics, with their seed.
  public var errors: [String]

  public var passedSeeds: Int { perSeed.filter { $0 }.count }
  /// The seeds that must pass: all, or ⌈quorum · N⌉.
  public var requiredSeeds: Int {
    guard let quorum else { return perSeed.count }
    return min(perSeed.count, Int((quorum * Double(perSeed.count) - 1e-9).rounded(.up)))
  }
  public var passed: Bool { passedSeeds >= requiredSeeds }

  /// `PASS  line 42: final_loss(bn) < final_loss(plain)   9/10 seeds (needs ≥ 90%)` and the
  /// readings as mean ± sd (min–max).
  public var rendered: String {
    let need = quorum.map { "needs ≥ \(NumberFormat.reading($0 * 100))%" } ?? "needs all"
    var out = (passed ? "PASS" : "FAIL") + "  line \(line): \(source)   \(passedSeeds)/\(perSeed.count) seeds (\(need))"
    let shown = readings.map { r -> String in
      let finite = r.values.filter(\.isFinite)
      let range =
        finite.isEmpty ? "" : " (\(NumberFormat.compact(finite.min()!))–\(NumberFormat.compact(finite.max()!)))"
      return "\(r.name) = \(NumberFormat.compact(r.mean)) ± \(NumberFormat.compact(r.sd))\(range)"
    }
    if !shown.isEmpty { out += "\n        " + shown.joined(separator: ", ") }
    for e in errors.prefix(3) { out += "\n        \(e)" }
    return out
  }
}

/// What playing a scene over its seeds gives.
public struct ReplicateOutcome: Sendable {
  public var seeds: [UInt64]
  public var verdicts: [ReplicateVerdict]
  /// Each `figure` line with its values as mean ± sd over the seeds that reached it:
  /// `FIGURE line 30: BN reaches 97.2 ± 2.9 %`.
  public var figures: [String]
  /// The figures' texts alone, in order (no line numbers, no seed counts).
  public var figureTexts: [String] = []

  /// What the README's scene table shows for this scene: its figures joined by "; ", then
  /// the seed count. Written by `make figures`; a test compares it with what the build
  /// measures.
  public var figureSummary: String {
    guard !figureTexts.isEmpty else { return "" }
    return figureTexts.joined(separator: "; ") + " (\(seeds.count) seed\(seeds.count == 1 ? "" : "s"))"
  }
  /// Runtime failures that stopped a seed's run, with the seed.
  public var failures: [String]
  /// Every caption that quotes values, rendered over the seeds that reached it, by timeline
  /// index (live play shows these once its background run ends).
  public var captions: [Int: String] = [:]
  /// The same as headless play prints them: `CAPTION line 40: … (10 seeds)`.
  public var captionLines: [String] = []
  public var passedCount: Int { verdicts.filter(\.passed).count }
  public var failedCount: Int { verdicts.count - passedCount + failures.count }
}

/// Plays a scene once per seed, `jobs` at a time, and judges every expectation over the seeds.
///
/// Each seed's run is independent (its own experiment, data and random streams), so running
/// them in parallel gives bit-identical values to running them one at a time (tested). The
/// first seed runs on the calling thread with `delegate` (screenshots, flip-book frames); the
/// others run on worker threads without one.
public enum Replicates {
  /// The per-seed results: expectation results in timeline order, and the failure if any.
  struct SeedRun: Sendable {
    var results: [RecordedResult]
    var failure: String?
    var figures: [FigureResult] = []
    var captions: [FigureResult] = []
  }

  struct RecordedResult: Sendable {
    var statement: Int
    var values: [Double]
    var errors: [String]
  }

  /// Options for a run in the background (live play): `threadSetup` runs first on every
  /// thread that plays seeds (e.g. to lower its priority), `progress` after each seed ends, and
  /// `isCancelled` is asked every 1,000 steps (a cancelled run's outcome is incomplete).
  public struct Hooks: Sendable {
    public var threadSetup: (@Sendable () -> Void)?
    public var progress: (@Sendable () -> Void)?
    public var isCancelled: (@Sendable () -> Bool)?
    public init(
      threadSetup: (@Sendable () -> Void)? = nil, progress: (@Sendable () -> Void)? = nil,
      isCancelled: (@Sendable () -> Bool)? = nil
    ) {
      self.threadSetup = threadSetup
      self.progress = progress
      self.isCancelled = isCancelled
    }
  }

  public static func play(
    _ scene: Scene, seeds: [UInt64], jobs: Int, delegate: ScenePlayerDelegate?, hooks: Hooks = Hooks()
  ) throws -> ReplicateOutcome {
    precondition(!seeds.isEmpty)
    let runs = Mutex<[SeedRun?]>(Array(repeating: nil, count: seeds.count))
    let nextSeed = Atomic<Int>(1)
    let group = DispatchGroup()
    // Takes seeds 1, 2, … until none is left (every thread runs this).
    @Sendable func drain() {
      while true {
        let i = nextSeed.wrappingAdd(1, ordering: .relaxed).oldValue
        guard i < seeds.count else { return }
        let run = runSeed(scene.withSeed(seeds[i]), delegate: nil, isCancelled: hooks.isCancelled)
        runs.withLock { $0[i] = run }
        hooks.progress?()
      }
    }
    for _ in 0..<max(0, min(jobs, seeds.count) - 1) {
      DispatchQueue.global().async(group: group) {
        hooks.threadSetup?()
        drain()
      }
    }
    // The first seed (with the delegate), then whatever is left, on this thread.
    hooks.threadSetup?()
    let first = try runSeedThrowing(scene.withSeed(seeds[0]), delegate: delegate, isCancelled: hooks.isCancelled)
    runs.withLock { $0[0] = first }
    hooks.progress?()
    drain()
    group.wait()
    return judge(scene, seeds: seeds, runs: runs.withLock { $0.map { $0! } })
  }

  /// One seed's run; a delegate's error escapes.
  static func runSeedThrowing(
    _ scene: Scene, delegate: ScenePlayerDelegate?, isCancelled: (@Sendable () -> Bool)? = nil
  ) throws -> SeedRun {
    let player: ScenePlayer
    do { player = try ScenePlayer(scene: scene) } catch {
      return SeedRun(results: [], failure: "seed \(scene.seed): \(error)")
    }
    player.recordsValues = true
    try player.playToEnd(delegate: delegate, isCancelled: isCancelled)
    return SeedRun(
      results: player.results.compactMap { r in
        r.statement.map { RecordedResult(statement: $0, values: r.values, errors: r.readings) }
      },
      failure: player.failure.map { "seed \(scene.seed): \($0)" }, figures: player.figures,
      captions: player.captions)
  }

  static func runSeed(
    _ scene: Scene, delegate: ScenePlayerDelegate?, isCancelled: (@Sendable () -> Bool)? = nil
  ) -> SeedRun {
    do { return try runSeedThrowing(scene, delegate: delegate, isCancelled: isCancelled) } catch {
      return SeedRun(results: [], failure: "seed \(scene.seed): \(error)")
    }
  }

  /// Every expectation of the timeline, judged over the seeds that reached it.
  static func judge(_ scene: Scene, seeds: [UInt64], runs: [SeedRun]) -> ReplicateOutcome {
    var verdicts: [ReplicateVerdict] = []
    for (index, statement) in scene.statements.enumerated() {
      guard case .expect(let cond, let source, let quorum) = statement.kind else { continue }
      let calls = cond.calls
      // A seed that stopped before this statement reads NaN everywhere (and fails it).
      let perSeedValues = runs.map { run in
        run.results.first { $0.statement == index }?.values ?? [Double](repeating: .nan, count: calls.count)
      }
      let evaluator = RecordedEvaluator(seeds: perSeedValues)
      let perSeed = runs.indices.map { s in
        runs[s].results.contains { $0.statement == index } && evaluator.truth(evaluator.value(cond, seed: s))
      }
      let readings = calls.enumerated().map { k, call in
        ReplicateVerdict.Reading(name: Evaluator.name(of: call), values: perSeedValues.map { $0[k] })
      }
      let errors = zip(seeds, runs).flatMap { seed, run in
        (run.results.first { $0.statement == index }?.errors ?? []).map { "seed \(seed): \($0)" }
      }
      verdicts.append(
        ReplicateVerdict(
          line: statement.line, source: source, quorum: quorum, perSeed: perSeed, readings: readings, errors: errors))
    }
    var figures: [String] = []
    var texts: [String] = []
    var captions: [Int: String] = [:]
    var captionLines: [String] = []
    for (index, statement) in scene.statements.enumerated() {
      let reached: [[Double]]
      let parts: [FigurePart]
      switch statement.kind {
      case .figure(let p, _):
        parts = p
        reached = runs.compactMap { run in run.figures.first { $0.statement == index }?.values }
      case .caption(let p, _) where p.hasValues:
        parts = p
        reached = runs.compactMap { run in run.captions.first { $0.statement == index }?.values }
      default: continue
      }
      guard !reached.isEmpty else { continue }
      let text = FigureResult.render(parts, runs: reached)
      let counted = "\(text) (\(reached.count) seed\(reached.count == 1 ? "" : "s"))"
      if case .figure = statement.kind {
        texts.append(text)
        figures.append("FIGURE line \(statement.line): \(counted)")
      } else {
        captions[index] = text
        captionLines.append("CAPTION line \(statement.line): \(counted)")
      }
    }
    return ReplicateOutcome(
      seeds: seeds, verdicts: verdicts, figures: figures, figureTexts: texts, failures: runs.compactMap(\.failure),
      captions: captions, captionLines: captionLines)
  }
}
