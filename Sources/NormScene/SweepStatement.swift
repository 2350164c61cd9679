import Foundation
import NormCore
import NormLab
import NormSupport
import Synchronization

/// What the sweep functions of the scene language read from a sweep's results.
enum SweepMetrics {
  /// The function arguments that pick one value of a swept parameter other than the rate
  /// (`batch=2`, `init=0.1`, `momentum=0.9`, `decay=0.01`), with the parameter each picks.
  static let axisArguments: [(name: String, parameter: SweepParameter)] = [
    ("batch", .batch), ("init", .initScale), ("momentum", .momentum), ("decay", .weightDecay),
  ]

  /// Whether `a` and `b` are the same grid value (they are read back from decimal text).
  static func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

  /// Cells at the values `args` picks (`batch=2`, …); every cell for the axes not named.
  static func filter(_ args: [String: Double]) -> @Sendable (SweepCell) -> Bool {
    let picks = axisArguments.compactMap { a in args[a.name].map { (a.parameter, $0) } }
    return { c in picks.allSatisfy { same(c.value($0.0), $0.1) } }
  }

  /// The mean final validation accuracy of `variant`'s finished runs at rate `lr` and the values
  /// `args` picks (over seeds and the other axes); NaN when there is none (a diverged run counts
  /// as NaN accuracy, so the mean is NaN too: a diverged rate never looks trained).
  static func meanAccuracy(_ r: SweepResults, variant: String, lr: Double?, _ args: [String: Double] = [:]) -> Double {
    guard let lr else { return .nan }
    let include = filter(args)
    let runs = r.ordered.filter { $0.cell.variant == variant && same($0.cell.lr, lr) && include($0.cell) }
    guard !runs.isEmpty else { return .nan }
    return runs.map { $0.diverged ? .nan : ($0.valAccuracy ?? .nan) }.reduce(0, +) / Double(runs.count)
  }

  /// `variant`'s trainable range at the values `args` picks.
  static func range(_ r: SweepResults, variant: String, _ args: [String: Double]) -> TrainableRange {
    r.trainableRange(variant: variant, where: filter(args))
  }
}

/// Sweeps run by scenes, by definition: every seed of a scene played over several seeds (and
/// every replay of a chapter, and live play beside its background seeds) reaches the same
/// `sweep` statement with the same definition, so its runs train once per process. A sweep
/// being computed elsewhere is waited for, with its results so far passed to `progress`.
public final class SweepCache: Sendable {
  public static let shared = SweepCache()

  /// Finished sweeps kept (the oldest is forgotten first).
  static let capacity = 8

  private struct State {
    var done: [String: SweepResults] = [:]
    /// The keys of `done`, oldest first.
    var order: [String] = []
    /// Sweeps being computed, with their results so far.
    var running: [String: SweepResults] = [:]
  }
  private let state = Mutex(State())

  /// The finished results of `definition`, if computed.
  public func cached(_ definition: SweepDefinition) -> SweepResults? {
    state.withLock { $0.done[definition.canonicalText] }
  }

  /// The results of `definition` for a scene on its data: from the cache, from another thread
  /// computing it (waited for), or computed here with `jobs` runs at a time. `progress` sees
  /// the results so far as runs end (also those of a computation it waits for). A sweep that
  /// `shouldStop` cut short is returned incomplete and not cached.
  public func results(
    _ definition: SweepDefinition, scene: Scene, jobs: Int,
    shouldStop: @escaping @Sendable () -> Bool = { false },
    progress: (@Sendable (SweepResults) -> Void)? = nil
  ) throws -> SweepResults {
    let key = definition.canonicalText
    var seen = -1
    while true {
      let (hit, mine, partial) = state.withLock { s -> (SweepResults?, Bool, SweepResults?) in
        if let d = s.done[key] { return (d, false, nil) }
        if let r = s.running[key] { return (nil, false, r) }
        s.running[key] = SweepResults(definition: definition)
        return (nil, true, nil)
      }
      if let hit { return hit }
      if mine { return try compute(definition, key: key, scene: scene, jobs: jobs, shouldStop, progress) }
      if let partial, partial.count != seen {
        seen = partial.count
        progress?(partial)
      }
      if shouldStop() { return partial ?? SweepResults(definition: definition) }
      Thread.sleep(forTimeInterval: 0.2)
    }
  }

  private func compute(
    _ definition: SweepDefinition, key: String, scene: Scene, jobs: Int, _ shouldStop: @escaping @Sendable () -> Bool,
    _ progress: (@Sendable (SweepResults) -> Void)?
  ) throws -> SweepResults {
    do {
      let (name, parameters) = (scene.dataName, scene.dataParameters)
      let runner = try SweepRunner(definition) { seed in
        try DataCache.shared.dataset(name: name, parameters: parameters, seed: seed)
      }
      try runner.check()
      let r = runner.results(jobs: jobs, shouldStop: shouldStop) { [self] r in
        let now = state.withLock { s -> SweepResults? in
          _ = s.running[key]?.add(r)
          return s.running[key]
        }
        if let now { progress?(now) }
      }
      state.withLock { s in
        s.running[key] = nil
        guard r.isComplete else { return }
        s.done[key] = r
        s.order.append(key)
        if s.order.count > Self.capacity { s.done[s.order.removeFirst()] = nil }
      }
      return r
    } catch {
      state.withLock { $0.running[key] = nil }
      throw error
    }
  }

  /// Runs at once for a scene's sweep: every core.
  public static var defaultJobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// `sweep lr A..BxN [batch …] [init …] [momentum …] [decay …] steps N|samples N target X
/// [seeds N] [for a, b]`: the sweep definition for a scene, from its header (data, optimizer, init,
/// loss, validation, batch and seeds unless an axis or `seeds` says otherwise).
enum SweepStatement {
  struct Failure: Error {
    var column: Int
    var message: String
  }

  static let keys = ["lr", "batch", "init", "momentum", "decay", "steps", "samples", "target", "seeds", "for"]

  /// The scene's own settings, before the statement's options: its data, variants, optimizer,
  /// init, loss, validation, batch, rate and seeds.
  static func defaults(_ scene: Scene) -> SweepDefinition {
    var d = SweepDefinition(variants: scene.variants)
    d.data = ([scene.dataName] + scene.dataParameters.keys.sorted().map { "\($0)=\(scene.dataParameters[$0]!)" })
      .joined(separator: " ")
    d.optimizer = scene.optimizer.kind
    d.nesterov = scene.optimizer.nesterov
    d.initialization = scene.initialization.scheme
    d.initScales = [Double(scene.initialization.scale)]
    d.momenta = [Double(scene.optimizer.effectiveMomentum)]
    d.weightDecays = [Double(scene.optimizer.effectiveWeightDecay)]
    d.loss = scene.loss
    d.validationFraction = scene.validationFraction
    d.batchSizes = [scene.batchSize]
    d.learningRates = [Double(scene.optimizer.learningRate)]
    d.firstSeed = scene.seed
    d.seedCount = max(1, scene.seedCount)
    return d
  }

  /// A sweep must say its rates, its budget and its target.
  static func requireOptions(lr: Bool, steps: Bool, target: Bool, column: Int) throws(Failure) {
    guard lr else { throw Failure(column: column, message: "a sweep needs `lr A..BxN` (or a list)") }
    guard steps else {
      throw Failure(
        column: column, message: "a sweep needs its budget: `steps N` (or `samples N`, the same data at every batch)")
    }
    guard target else {
      throw Failure(column: column, message: "a sweep needs `target X` (an accuracy) or `target loss X`")
    }
  }

  static func definition(_ args: [Token], scene: Scene) throws(Failure) -> (SweepDefinition, [Token]) {
    var d = defaults(scene)
    var sawLR = false
    var sawSteps = false
    var sawTarget = false
    var variantTokens: [Token] = []
    var i = 0
    func value(_ k: Token) throws(Failure) -> Token {
      guard i + 1 < args.count else { throw Failure(column: k.endColumn + 1, message: "\(k.text) needs a value") }
      i += 1
      return args[i]
    }
    func axis(_ t: Token, _ p: SweepParameter) throws(Failure) -> [Double] {
      do { return try SweepAxis.values(t.text, for: p) } catch {
        throw Failure(
          column: t.column,
          message: error.message.replacingOccurrences(
            of: "--" + p.rawValue, with: p == .initScale ? "init" : p == .weightDecay ? "decay" : p.rawValue))
      }
    }
    while i < args.count {
      let k = args[i]
      switch k.text.lowercased() {
      case "lr":
        d.learningRates = try axis(try value(k), .lr)
        sawLR = true
      case "batch": d.batchSizes = try axis(try value(k), .batch).map { Int($0) }
      case "init": d.initScales = try axis(try value(k), .initScale)
      case "momentum": d.momenta = try axis(try value(k), .momentum)
      case "decay": d.weightDecays = try axis(try value(k), .weightDecay)
      case "steps":
        let t = try value(k)
        guard let n = Int(t.text), n >= 1, n <= Limits.maxSweepSteps else {
          throw Failure(column: t.column, message: "steps must be 1 to \(Limits.maxSweepSteps)")
        }
        guard !sawSteps else { throw Failure(column: k.column, message: "give steps or samples, not both") }
        d.steps = n
        sawSteps = true
      case "samples":
        let t = try value(k)
        guard !sawSteps else { throw Failure(column: k.column, message: "give steps or samples, not both") }
        guard let n = Int(t.text), n >= 1, n <= Limits.maxSweepSteps else {
          throw Failure(column: t.column, message: "samples must be 1 to \(Limits.maxSweepSteps)")
        }
        d.samples = n
        sawSteps = true
      case "target":
        var t = try value(k)
        var loss = false
        if t.text.lowercased() == "loss" || t.text.lowercased() == "accuracy" {
          loss = t.text.lowercased() == "loss"
          t = try value(k)
        }
        guard let v = Double(t.text), v.isFinite, v > 0, loss || v <= 1 else {
          throw Failure(
            column: t.column,
            message: loss ? "target loss must be a number > 0" : "target must be an accuracy in (0, 1]")
        }
        d.target = loss ? .loss(v) : .accuracy(v)
        sawTarget = true
      case "seeds":
        let t = try value(k)
        guard let n = Int(t.text), n >= 1, n <= SceneParser.maxSeeds else {
          throw Failure(column: t.column, message: "seeds must be 1 to \(SceneParser.maxSeeds)")
        }
        d.seedCount = n
      case "for":
        variantTokens = Array(args[i...])
        i = args.count
        continue
      default:
        throw Failure(
          column: k.column,
          message: "unknown sweep option '\(k.text)'" + hint(for: k.text.lowercased(), among: keys)
            + " (options: \(keys.joined(separator: ", ")))")
      }
      i += 1
    }
    try requireOptions(lr: sawLR, steps: sawSteps, target: sawTarget, column: args.first?.column ?? 1)
    // About ten checks of the target a run (at most every 50 steps without a samples budget).
    d.checkEvery = d.samples.map { max(1, $0 / 10) } ?? max(1, min(50, d.steps / 10))
    return (d, variantTokens)
  }
}
