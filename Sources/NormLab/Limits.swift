import NormCore

/// The ranges every way of configuring an experiment accepts, in one place: the command line
/// (`train`, `shot`, `live`) and the scene language check the same settings with these
/// functions, so a value one accepts the other accepts too, and a recording of a live session
/// always plays back.
///
/// Each `check…` function returns nil for an acceptable value and otherwise what the value must
/// be ("a number in [0, 1)"), for the caller to put after the setting's name:
/// `--momentum must be a number in [0, 1), got nan`. NaN fails every check.
///
/// | setting | accepted |
/// |---|---|
/// | learning rate | 0 … 1e6 (``maxLearningRate``) |
/// | momentum, Adam β₁ and β₂ | [0, 1) |
/// | weight decay | finite, ≥ 0 |
/// | batch size | 1 … 2²⁷ (``maxBatchSize``) |
/// | init scale | finite, > 0 |
/// | validation fraction | [0, 1) |
public enum Limits {
  /// Largest learning rate: far beyond where any model here diverges, and small enough that a
  /// learning rate times a gradient stays a finite number.
  public static let maxLearningRate: Float = 1e6

  /// Largest batch size: 2²⁷, ``Experiment/maxBatchValues``. One forward holds at most that
  /// many values and every sample has at least one, so a larger batch could never run. (The
  /// batch actually drawn is also clamped to the training set.)
  public static let maxBatchSize = Experiment.maxBatchValues

  /// What a learning rate must be.
  public static let learningRateRule = "a number from 0 to 1e6"
  /// A learning rate: 0 … ``maxLearningRate``.
  public static func checkLearningRate(_ v: Float) -> String? {
    v >= 0 && v <= maxLearningRate ? nil : learningRateRule
  }

  /// SGD momentum: [0, 1). (At 1 or above the velocity never decays.)
  public static func checkMomentum(_ v: Float) -> String? {
    v >= 0 && v < 1 ? nil : "a number in [0, 1)"
  }

  /// Adam's β₁ or β₂: [0, 1) (Adam divides by 1 − βᵗ).
  public static func checkBeta(_ v: Float) -> String? {
    v >= 0 && v < 1 ? nil : "a number in [0, 1)"
  }

  /// L2 weight decay: finite and ≥ 0.
  public static func checkWeightDecay(_ v: Float) -> String? {
    v.isFinite && v >= 0 ? nil : "a finite number ≥ 0"
  }

  /// What a batch size must be.
  public static let batchSizeRule = "at least 1 and at most \(maxBatchSize) (2^27)"
  /// Mini-batch size: 1 … ``maxBatchSize``.
  public static func checkBatchSize(_ v: Int) -> String? {
    v >= 1 && v <= maxBatchSize ? nil : batchSizeRule
  }

  /// The factor initial weights are multiplied by: finite and > 0.
  public static func checkInitScale(_ v: Float) -> String? {
    v.isFinite && v > 0 ? nil : "a finite number > 0"
  }

  /// Most values one sweep axis (`--lr 0.01..100x13`, `--batch 8,16,32`) may take.
  public static let maxSweepAxisValues = 100
  /// Most seeds a sweep runs per cell.
  public static let maxSweepSeeds = 1000
  /// Most variants a sweep compares.
  public static let maxSweepVariants = 8
  /// Most runs (cells × variants × seeds) in one sweep definition. At a few hundred bytes per
  /// JSONL line the output stays under 100 MB.
  public static let maxSweepRuns = 200_000
  /// Most training steps of one sweep run.
  public static let maxSweepSteps = 1_000_000

  /// What a validation fraction must be.
  public static let validationFractionRule = "a fraction in [0, 1)"
  /// The fraction of the data held out for validation: [0, 1).
  public static func checkValidationFraction(_ v: Double) -> String? {
    v >= 0 && v < 1 ? nil : validationFractionRule
  }
}

extension OptimizerSettings.Kind {
  /// The kinds as a sentence names them: "sgd, momentum, adam or adamw".
  public static var choices: String {
    let names = allCases.map(\.rawValue)
    return names.dropLast().joined(separator: ", ") + " or " + names.last!
  }

  /// The learning rate used when none is given, by the command line and by scenes alike:
  /// 0.1 for SGD, 0.01 for momentum (with momentum 0.9 the steady-state step is ten times the
  /// rate, so this matches SGD's 0.1) and 0.001 for Adam and AdamW (PyTorch's default).
  /// PyTorch's SGD has no default rate; these are NormScope's choices.
  public var defaultLearningRate: Float {
    switch self {
    case .sgd: 0.1
    case .momentum: 0.01
    case .adam, .adamw: 0.001
    }
  }
}
