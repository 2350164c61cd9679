import NormCore
import NormLab
import NormSupport
import Synchronization

/// Built-in data sets are pure functions of (name, parameters, seed); parsing and playing scenes
/// reuse the last few instead of regenerating them (the parser checks every model against its
/// data). Thread-safe.
final class DataCache: Sendable {
  static let shared = DataCache()
  private let entries = Mutex<[(key: String, data: Dataset)]>([])

  func dataset(name: String, parameters: [String: String], seed: UInt64) throws -> Dataset {
    let key = "\(name)|\(parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: ","))|\(seed)"
    if let hit = entries.withLock({ e in e.first { $0.key == key }?.data }) { return hit }
    let d = try BuiltinData.make(name: name, parameters: parameters, seed: seed)
    entries.withLock { e in
      e.append((key, d))
      if e.count > 8 { e.removeFirst() }
    }
    return d
  }
}

/// A parsed scene: the experiment it sets up and its timeline.
public struct Scene: Sendable {
  public var file: String
  public var title = "untitled scene"
  public var description = ""
  public var seed: UInt64 = 1
  /// How many seeds headless play runs (`seeds N`): `seed`, `seed + 1`, …; each expectation is
  /// judged on every one of them.
  public var seedCount = 1
  public var dataName = "digits"
  public var dataParameters: [String: String] = [:]
  public var variants: [VariantSpec] = []
  /// Networks only sweeps train (`model NAME: SPEC`): a `sweep … for NAME` runs them and the
  /// sweep functions read them, but they never train live, so a scene can sweep networks
  /// beside the ones it plays (e.g. without the per-layer `scale=` its variants set).
  public var sweepModels: [VariantSpec] = []
  public var optimizer = OptimizerSettings(kind: .sgd, learningRate: 0.1)
  public var batchSize = 60
  public var initialization = InitSettings()
  public var loss: LossKind = .crossEntropy
  public var validationFraction = 0.2
  public var instruments = InstrumentSettings()
  /// Headless screen size (`size 140x45`).
  public var size: (width: Int, height: Int) = (140, 45)
  /// The view at the start.
  public var view = SceneView()
  public var statements: [Statement] = []

  /// The seeds headless play runs: `seed` and the `seedCount − 1` after it.
  public var seeds: [UInt64] { (0..<UInt64(max(seedCount, 1))).map { seed &+ $0 } }

  /// The same scene with another seed (its data, weights and batches all follow the seed).
  public func withSeed(_ s: UInt64) -> Scene {
    var copy = self
    copy.seed = s
    return copy
  }

  /// The experiment configuration (the data set is built here, deterministically).
  public func experimentConfig() throws -> ExperimentConfig {
    let data = try DataCache.shared.dataset(name: dataName, parameters: dataParameters, seed: seed)
    return ExperimentConfig(
      variants: variants, data: data, optimizer: optimizer, batchSize: batchSize, seed: seed,
      initialization: initialization,
      loss: loss, validationFraction: validationFraction, instruments: instruments)
  }

  /// Chapter names in order, with the index of their statement.
  public var chapters: [(name: String, statement: Int)] {
    statements.enumerated().compactMap { i, s in
      if case .chapter(let n) = s.kind { return (n, i) }
      return nil
    }
  }
}

/// What the screen shows, as the scene sets it.
public struct SceneView: Sendable, Equatable {
  /// Hidden layer to show (nil: the last).
  public var layer: Int? = nil
  /// Focused panel (nil: loss).
  public var panel: PanelKind? = nil
  public var zoomed = false
  public var caption: String? = nil
  /// The timeline index of the caption shown, so live play can show the same caption with its
  /// values over every seed once those are measured.
  public var captionStatement: Int? = nil
  /// The caption quotes measured values (`{…}`), so its numbers are one seed's until the
  /// scene's seeds have run.
  public var captionHasValues = false
  /// Seconds the caption stays in interactive play (nil: until the next caption or a key).
  public var captionSeconds: Double? = nil
  public var chapter: String? = nil
  public init() {}
}

/// One timeline statement with where it came from.
public struct Statement: Sendable {
  public enum Kind: Sendable {
    case run(Int)
    case runUntil(Expr, within: Int, source: String)
    case setLearningRate(Float, variants: [String]?)
    case setBatch(Int)
    case setOptimizer(OptimizerSettings.Kind, learningRate: Float?, variants: [String]?)
    case setMode(Mode)
    case freezeBatchNorm(Bool, variants: [String]?)
    case freezeAffine(Bool, variants: [String]?)
    case resetStatistics(variants: [String]?)
    case reestimateStatistics(batches: Int, variants: [String]?)
    case shiftData(DomainShift, description: String)
    case restoreData
    /// A fresh experiment from the header (same seed, step 0); the view is kept.
    case restart
    case mark(String)
    /// `caption "TEXT {EXPR|FMT} …" [for Ns]`: text, and values measured when the caption is
    /// reached (shown as mean ± sd over seeds where those are known, see ``SceneView/caption``).
    case caption([FigurePart], seconds: Double?)
    /// `let NAME = EXPR`: this seed's value of EXPR now, quoted later as NAME.
    case define(String, Expr, source: String)
    case pause
    case screenshot(String)
    case chapter(String)
    case showLayer(Int)
    case showPanel(PanelKind)
    case zoom(Bool)
    /// `expect COND [in ≥ P% of seeds]`: `quorum` is the fraction of seeds that must pass
    /// (nil: every seed).
    case expect(Expr, source: String, quorum: Double?)
    /// `figure "TEXT {EXPR|FMT} …"`: a measured figure, printed by headless play (over
    /// several seeds as mean ± sd) and collected by `make figures` into the README.
    case figure([FigurePart], source: String)
    /// `sweep lr A..BxN … steps N target X`: trains the grid (every variant, rate and seed; see
    /// ``SweepStatement``) and keeps its results for the sweep functions and the sweep panel.
    case sweep(SweepDefinition, source: String)
  }
  public var kind: Kind
  public var line: Int
  public var text: String
}

/// A piece of a `figure` line or a caption: text, or a value with its format.
public enum FigurePart: Sendable {
  case text(String)
  case value(Expr, FigureFormat)
}

extension [FigurePart] {
  /// Whether any piece is a measured value.
  public var hasValues: Bool {
    contains { if case .value = $0 { true } else { false } }
  }
}

/// How a figure's value is written: `{x}` three significant digits, `{x|%}` as a percentage
/// with one decimal, `{x|N}` with N decimals.
public enum FigureFormat: Sendable, Equatable {
  case significant
  case percent
  case decimals(Int)

  /// `v` in this format, without a unit.
  func number(_ v: Double) -> String {
    switch self {
    case .significant: NumberFormat.compact(v)
    case .percent: NumberFormat.rounded(v * 100, decimals: 1)
    case .decimals(let d): NumberFormat.rounded(v, decimals: d)
    }
  }

  /// One value, or the mean ± sd of several (one per seed): `97.2 ± 2.9 %`. Values equal in
  /// every seed (an aggregate such as `mean(…)`, or a setting) are written once.
  public func render(_ values: [Double]) -> String {
    let unit = self == .percent ? " %" : ""
    guard values.count > 1, values.contains(where: { $0 != values[0] && !($0.isNaN && values[0].isNaN) }) else {
      return number(values.first ?? .nan) + unit
    }
    let mean = Aggregate.mean.combine(values)
    let sd = Aggregate.sd.combine(values)
    return "\(number(mean)) ± \(number(sd))\(unit)"
  }
}
