import NormCore

/// Three percentile curves of one tap.
public struct PercentileBand: Sendable, Equatable {
  public var p15 = Series()
  public var p50 = Series()
  public var p85 = Series()
  public init() {}
}

/// Everything the instruments have measured for one variant. A value type: the view and
/// scenes read a copy and never recompute. Series are indexed by training step.
public struct VariantRecord: Sendable {
  public var name: String
  public var blocks: [Block]

  // Loss and accuracy
  /// Training mini-batch loss at every step (training mode, before the update).
  public var loss = Series()
  /// Exponential moving average of `loss` (smoothing 0.9, as TensorBoard's slider at 0.9).
  public var lossSmoothed = Series()
  public var accuracy = Series()
  public var accuracySmoothed = Series()
  /// Eval-mode loss and accuracy over the validation split, every `validationEvery` steps.
  public var validationLoss = Series()
  public var validationAccuracy = Series()
  public var learningRate = Series()

  // Activations (sampled every `every` steps on the fixed probe batch, training mode)
  /// Current histogram per tap.
  public var histograms: [Tap: Histogram] = [:]
  /// Histograms over time per tap (oldest first), for the heatmap; steps in `histogramSteps`.
  public var histogramHistory: [Tap: RingBuffer<Histogram>] = [:]
  public var histogramSteps = RingBuffer<Int>(capacity: 1)
  /// Percentiles 15/50/85 of every block's `percentileTap`, all units pooled, over time.
  public var bands: [Int: PercentileBand] = [:]
  /// Percentiles 15/50/85 of the chosen tap (and unit) over time.
  public var p15 = Series()
  public var p50 = Series()
  public var p85 = Series()
  /// Mean and standard deviation of each tap's values over time.
  public var mean: [Tap: Series] = [:]
  public var std: [Tap: Series] = [:]
  /// Wasserstein-1 distance between consecutive snapshots of each tap.
  public var shiftW1: [Tap: Series] = [:]
  /// |Δmean| / previous std between consecutive snapshots.
  public var shiftMean: [Tap: Series] = [:]
  /// Wasserstein-1 distance between the current snapshot and the one at the mark.
  public var driftSinceMark: [Tap: Series] = [:]

  // Gradients and weights (per block, every `every` steps)
  public var gradientNorm: [Int: Series] = [:]
  public var weightNorm: [Int: Series] = [:]
  /// Mean γ and β of the block's norm.
  public var gammaMean: [Int: Series] = [:]
  public var betaMean: [Int: Series] = [:]

  // Santurkar et al. 2018
  /// ‖G − G′‖₂ per block (gradient ICS), every `icsEvery` steps.
  public var icsL2: [Int: Series] = [:]
  /// cos(G, G′) per block.
  public var icsCosine: [Int: Series] = [:]
  /// Range of L(w − ηg) over η ∈ `smoothnessSteps`·lr.
  public var lossVariation = Series()
  /// max_η ‖∇L(w − ηg) − g‖₂.
  public var gradientPredictiveness = Series()
  /// max_η ‖∇L(w − ηg) − g‖₂ / ‖ηg‖₂.
  public var betaSmoothness = Series()

  // Train vs eval
  /// Mean |logit_train − logit_eval| on the probe batch.
  public var trainEvalLogitGap = Series()
  /// Mean KL(softmax(train) ‖ softmax(eval)) on the probe batch.
  public var trainEvalKL = Series()
  public var trainModeAccuracy = Series()
  public var evalModeAccuracy = Series()
  /// Accuracy of train-mode inference one sample at a time (NaN where it is an error).
  public var singleSampleTrainAccuracy = Series()
  public var singleSampleEvalAccuracy = Series()
  /// The error train-mode single-sample inference raised, if any (e.g. PyTorch's
  /// "Expected more than 1 value per channel when training").
  public var singleSampleError: String? = nil
  /// Per block with a BatchNorm: mean over channels of |μ_batch − μ_running| / √(σ²_running + eps)
  /// on the probe batch.
  public var bnMeanGap: [Int: Series] = [:]
  /// Per block with a BatchNorm: mean over channels of σ²_batch / σ²_running.
  public var bnVarianceRatio: [Int: Series] = [:]

  /// The step the variant diverged at (NaN/Inf or blow-up), if it did.
  public var divergedAt: Int? = nil
  /// Seconds per training step (wall clock; not part of any screenshot or export).
  public var secondsPerStep: Double = 0

  public init(name: String, blocks: [Block]) {
    self.name = name
    self.blocks = blocks
  }

  /// Total path length of the three percentile curves divided by 3: how far the chosen
  /// input distribution travelled over the run.
  public var percentileTravel: Float {
    func path(_ s: Series) -> Float {
      var t: Float = 0
      for i in 1..<max(s.count, 1) where s.values[i].isFinite && s.values[i - 1].isFinite {
        t += abs(s.values[i] - s.values[i - 1])
      }
      return t
    }
    return (path(p15) + path(p50) + path(p85)) / 3
  }

  /// Mean of the three percentile curves' ranges (max − min).
  public var percentileRange: Float { (p15.range + p50.range + p85.range) / 3 }
}
