import Foundation
import NormScene
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Plays a scene over all its seeds in the background while live play shows one of them, so
/// the caption box can give the values over every seed (mean ± sd, as headless play prints
/// them) and say how many claims hold over the seeds.
///
/// Decision: live play shows one seed (the scene's `seed`) because a learner watches one
/// training run; its captions quote that run's values, marked as one seed, until the
/// background run ends, and from then on the same values over every seed. The background
/// threads run at a lower priority (nice 10) and on one core less than the machine has, so the
/// run being watched keeps its speed.
public final class BackgroundReplicates: Sendable {
  public struct Progress: Sendable {
    public var done = 0
    public var total: Int
    public var outcome: ReplicateOutcome? = nil
    /// Why the run could not give an outcome.
    public var failure: String? = nil
    public init(total: Int) { self.total = total }
  }

  public let scene: Scene
  private let state: Mutex<Progress>
  private let cancelled = Atomic<Bool>(false)

  /// Starts playing `scene` over its seeds, `jobs` at a time, on background threads.
  public init(scene: Scene, jobs: Int) {
    self.scene = scene
    state = Mutex(Progress(total: scene.seeds.count))
    let thread = Thread { [self] in run(jobs: jobs) }
    thread.name = "normscope-replicates"
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Seeds run at once in the background on a machine with `cores` cores: one core is left to
  /// the run being watched.
  public static func defaultJobs(cores: Int) -> Int { max(1, cores - 1) }

  public var progress: Progress { state.withLock { $0 } }

  /// Stops the run within 1,000 training steps of every seed in progress.
  public func cancel() { cancelled.store(true, ordering: .relaxed) }

  private func run(jobs: Int) {
    let hooks = Replicates.Hooks(
      threadSetup: { Self.lowerPriority() },
      progress: { [self] in state.withLock { $0.done += 1 } },
      isCancelled: { [self] in cancelled.load(ordering: .relaxed) })
    do {
      let outcome = try Replicates.play(scene, seeds: scene.seeds, jobs: jobs, delegate: nil, hooks: hooks)
      guard !cancelled.load(ordering: .relaxed) else { return }
      state.withLock { $0.outcome = outcome }
    } catch {
      state.withLock { $0.failure = "\(error)" }
    }
  }

  /// Lowers the calling thread's scheduling priority: on Linux the nice value is per thread,
  /// and `who` 0 is the calling thread.
  static func lowerPriority() {
    #if os(Linux)
      _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
    #endif
  }

  /// The line under a caption: where its numbers come from, and the claims over the seeds.
  ///
  /// - `numbers: seed 2 of 2–11 · checking all 10 seeds: 3 done`
  /// - `numbers: mean ± sd over 10 seeds · claims: 7 of 7 hold over 10 seeds`
  /// - `claims: 6 of 7 hold over 10 seeds (line 24: 7/10)`
  /// The seeds of a multi-seed scene, as `2–11`.
  public static func seedRange(_ scene: Scene) -> String {
    "\(scene.seeds.first!)–\(scene.seeds.last!)"
  }

  public static func note(_ p: Progress, seed: UInt64, captionHasValues: Bool) -> String {
    let n = p.total
    if let o = p.outcome {
      let failing = o.verdicts.filter { !$0.passed }
      var claims = "claims: \(o.passedCount) of \(o.verdicts.count) hold over \(n) seeds"
      if let f = failing.first {
        claims += " (line \(f.line): \(f.passedSeeds)/\(f.perSeed.count)" + (failing.count > 1 ? ", …)" : ")")
      }
      if !o.failures.isEmpty { claims += "; \(o.failures.count) seed\(o.failures.count == 1 ? "" : "s") stopped" }
      return (captionHasValues ? "numbers: mean ± sd over \(n) seeds · " : "") + claims
    }
    if let f = p.failure { return "the \(n)-seed check failed: \(f)" }
    return (captionHasValues ? "numbers: seed \(seed) of \(seed)–\(seed &+ UInt64(max(n, 1) - 1)) · " : "")
      + "checking all \(n) seeds: \(p.done) done"
  }
}
