import Dispatch
import NormCore
import NormSupport
import Synchronization

/// The outcome of one sweep run.
public struct SweepResult: Sendable, Equatable {
  public var cell: SweepCell
  /// Validation accuracy and loss in eval mode after the last step taken (NaN when the
  /// network's outputs are no longer finite; nil after an error).
  public var valAccuracy: Double?
  public var valLoss: Double?
  /// The step at which the run diverged, if it did.
  public var divergedAt: Int?
  /// The first check (every `checkEvery` steps, and the last step) at which the validation
  /// metric met the target; nil if none did.
  public var stepsToTarget: Int?
  /// A training error (e.g. BatchNorm on a batch of 1), which ends the run.
  public var error: String?

  public init(
    cell: SweepCell, valAccuracy: Double?, valLoss: Double?, divergedAt: Int?, stepsToTarget: Int?,
    error: String? = nil
  ) {
    self.cell = cell
    self.valAccuracy = valAccuracy
    self.valLoss = valLoss
    self.divergedAt = divergedAt
    self.stepsToTarget = stepsToTarget
    self.error = error
  }

  public var diverged: Bool { divergedAt != nil }
  /// Trained: met the target within the budget, did not diverge, no error.
  public var reachedTarget: Bool { error == nil && divergedAt == nil && stepsToTarget != nil }

  /// Whether the run meets another target, judged on its final validation metric (a diverged
  /// or failed run never does).
  public func meets(_ target: SweepTarget) -> Bool {
    guard error == nil, divergedAt == nil, let a = valAccuracy, let l = valLoss else { return false }
    return target.isMet(accuracy: a, loss: l)
  }
}

/// Runs a sweep's cells, one experiment per thread, `jobs` threads taking the next cell from a
/// shared counter (work stealing). Each run is independent (its own data split, weights,
/// batches and random streams, all from its seed), so the results do not depend on `jobs` or
/// on which thread ran what: they are bit-identical to running the cells one at a time
/// (tested).
public struct SweepRunner: Sendable {
  public let definition: SweepDefinition
  let cache: DatasetCache

  /// `data` gives the data set for a seed (generated data sets follow the seed; a file or
  /// `digits` does not). It is called from worker threads; results are cached per seed.
  public init(_ definition: SweepDefinition, data: @escaping @Sendable (UInt64) throws -> Dataset) throws(SweepError) {
    if let p = definition.problem() { throw SweepError(p) }
    self.definition = definition
    cache = DatasetCache(load: data)
  }

  /// Builds every variant on the first seed's data, so a bad model spec or a data problem is
  /// reported before any run starts.
  public func check() throws {
    let d = definition
    let cell = d.cell(0)
    for v in d.variants.indices {
      var c = cell
      c.variantIndex = v
      c.variant = d.variants[v].name
      _ = try Experiment(config(for: c, data: try cache.dataset(seed: cell.seed)))
    }
  }

  /// The experiment configuration of a run: one variant, the cell's settings, no instruments.
  public func config(for cell: SweepCell, data: Dataset) -> ExperimentConfig {
    let d = definition
    var opt = OptimizerSettings(kind: d.optimizer, learningRate: Float(cell.lr))
    if d.optimizer == .sgd || d.optimizer == .momentum { opt.momentum = Float(cell.momentum) }
    opt.nesterov = d.nesterov
    opt.weightDecay = Float(cell.weightDecay)
    var instruments = InstrumentSettings.minimal
    instruments.validationEvery = 0
    return ExperimentConfig(
      variants: [d.variants[cell.variantIndex]], data: data, optimizer: opt, batchSize: cell.batch, seed: cell.seed,
      initialization: InitSettings(scheme: d.initialization, scale: Float(cell.initScale)), loss: d.loss,
      validationFraction: d.validationFraction, instruments: instruments)
  }

  /// Trains one run to its budget. Returns nil when `shouldStop` turned true before it ended
  /// (the run is then abandoned: nothing partial is reported).
  public func run(_ cell: SweepCell, shouldStop: @Sendable () -> Bool = { false }) -> SweepResult? {
    let d = definition
    func failed(_ message: String, divergedAt: Int? = nil, reached: Int? = nil) -> SweepResult {
      SweepResult(
        cell: cell, valAccuracy: nil, valLoss: nil, divergedAt: divergedAt, stepsToTarget: reached,
        error: excerpt(message, limit: 200))
    }
    let e: Experiment
    do { e = try Experiment(config(for: cell, data: try cache.dataset(seed: cell.seed))) } catch {
      return failed("\(error)")
    }
    var reached: Int? = nil
    var last: Evaluation? = nil
    let steps = d.steps(batch: cell.batch)
    let checkEvery = d.checkInterval(batch: cell.batch)
    for step in 1...steps {
      if shouldStop() { return nil }
      do { try e.advance() } catch { return failed("\(error)", reached: reached) }
      if e.variants[0].divergedAt != nil { break }
      if reached == nil && step % checkEvery == 0 || step == steps {
        do { last = try e.validate()?.first } catch { return failed("\(error)", reached: reached) }
        if reached == nil, let v = last, d.target.isMet(accuracy: Double(v.accuracy), loss: Double(v.loss)) {
          reached = step
        }
      }
    }
    let diverged = e.variants[0].divergedAt
    if diverged != nil || last == nil {
      do { last = try e.validate()?.first } catch { return failed("\(error)", divergedAt: diverged, reached: reached) }
    }
    return SweepResult(
      cell: cell, valAccuracy: last.map { Double($0.accuracy) }, valLoss: last.map { Double($0.loss) },
      divergedAt: diverged, stepsToTarget: reached)
  }

  /// Runs the cells of `shard` not in `done`, `jobs` at a time (the calling thread is one of
  /// them), and calls `onResult` once per finished run, one call at a time, in the order runs
  /// finish. When `shouldStop` turns true, runs in progress are abandoned and no new one
  /// starts. Returns how many runs finished.
  @discardableResult
  public func run(
    jobs: Int, shard: SweepShard = .whole, skipping done: Set<Int> = [],
    shouldStop: @escaping @Sendable () -> Bool = { false },
    onResult: @escaping @Sendable (SweepResult) -> Void
  ) -> Int {
    let d = definition
    let pending = d.cells(in: shard).filter { !done.contains($0) }
    guard !pending.isEmpty else { return 0 }
    let next = Atomic<Int>(0)
    let finished = Mutex<Int>(0)
    let group = DispatchGroup()
    @Sendable func drain() {
      while !shouldStop() {
        let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard k < pending.count else { return }
        guard let r = run(d.cell(pending[k]), shouldStop: shouldStop) else { return }
        finished.withLock {
          $0 += 1
          onResult(r)
        }
      }
    }
    for _ in 0..<max(0, min(jobs, pending.count) - 1) { DispatchQueue.global().async(group: group, execute: drain) }
    drain()
    group.wait()
    return finished.withLock { $0 }
  }
}

extension SweepRunner {
  /// Runs every cell (of `shard`) and returns the results, complete unless `shouldStop` ended
  /// the sweep early: what a scene's `sweep` statement needs. `onResult` sees each run as it
  /// ends (one call at a time), e.g. to redraw a diagram.
  public func results(
    jobs: Int, shard: SweepShard = .whole, shouldStop: @escaping @Sendable () -> Bool = { false },
    onResult: @escaping @Sendable (SweepResult) -> Void = { _ in }
  ) -> SweepResults {
    let collected = Mutex(SweepResults(definition: definition))
    run(jobs: jobs, shard: shard, shouldStop: shouldStop) { r in
      onResult(r)
      collected.withLock { _ = $0.add(r) }
    }
    return collected.withLock { $0 }
  }
}

/// Data sets by seed, shared by the worker threads: the last few seeds' sets are kept.
final class DatasetCache: Sendable {
  let load: @Sendable (UInt64) throws -> Dataset
  private let entries = Mutex<[(seed: UInt64, data: Dataset)]>([])
  static let capacity = 8

  init(load: @escaping @Sendable (UInt64) throws -> Dataset) { self.load = load }

  func dataset(seed: UInt64) throws -> Dataset {
    if let hit = entries.withLock({ e in e.first { $0.seed == seed }?.data }) { return hit }
    let d = try load(seed)
    entries.withLock { e in
      if !e.contains(where: { $0.seed == seed }) { e.append((seed, d)) }
      if e.count > Self.capacity { e.removeFirst() }
    }
    return d
  }
}
