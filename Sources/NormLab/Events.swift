import NormCore

/// A change made to a running experiment, by a user or a scene.
public struct Event: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    case learningRate(Float)
    case batchSize(Int)
    case optimizer(OptimizerSettings)
    /// Which mode the inference views use (the "forgot model.eval()" contrast).
    case inferenceMode(Mode)
    /// BatchNorm layers use running statistics in training (frozen) or not.
    case freezeBatchNorm(Bool)
    /// Norm γ/β excluded from (or returned to) the updates.
    case freezeNormAffine(Bool)
    case resetRunningStatistics
    case reestimateRunningStatistics(batches: Int)
    /// The training data was replaced (e.g. by a domain-shifted copy).
    case dataset(String)
    case pause
    case resume
    case singleStep
    /// A marked step: drift since mark is measured from here.
    case mark(String)
  }
  /// The step after which the change took effect (0 = before the first step).
  public var step: Int
  public var kind: Kind
  /// Variants the change applied to (nil: all).
  public var variants: [String]?

  public var description: String {
    let who = variants.map { " (" + $0.joined(separator: ", ") + ")" } ?? ""
    let what: String
    switch kind {
    case .learningRate(let lr): what = "learning rate \(lr)"
    case .batchSize(let b): what = "batch size \(b)"
    case .optimizer(let o): what = "optimizer \(o.kind.rawValue), lr \(o.learningRate)"
    case .inferenceMode(let m): what = "inference in \(m.rawValue) mode"
    case .freezeBatchNorm(let f): what = f ? "BatchNorm frozen (running statistics)" : "BatchNorm unfrozen"
    case .freezeNormAffine(let f): what = f ? "norm γ/β frozen" : "norm γ/β trainable"
    case .resetRunningStatistics: what = "running statistics reset"
    case .reestimateRunningStatistics(let n): what = "running statistics re-estimated over \(n) batches"
    case .dataset(let d): what = "data: \(d)"
    case .pause: what = "paused"
    case .resume: what = "resumed"
    case .singleStep: what = "single step"
    case .mark(let m): what = "mark" + (m.isEmpty ? "" : " '\(m)'")
    }
    return "step \(step): \(what)\(who)"
  }
}
