import NormCore

/// Three percentile curves of one tap.
public struct PercentileBand: Sendable, Equatable {
  public var p15 = Series()
  public var p50 = Series()
  public var p85 = Series()
  public init() {}
}

/// One tap's units measured one at a time over the probe batch, per snapshot: each unit's
/// p15/p50/p85 and its Wasserstein-1 drift since the mark. A unit is a feature of a flat layer
/// or a channel of an image (its values over the batch and the pixels). The BN paper's Fig. 1
/// follows one typical unit this way; pooling every unit (``VariantRecord/bands``) gives a
/// band about 50× wider at the start for a sigmoid MLP.
///
/// Bounded: at most ``UnitStatistics/maxSnapshots`` snapshots (beyond that every other one is
/// dropped, keeping the first and the newest) and the first ``UnitStatistics/maxUnits`` units.
public struct UnitStatistics: Sendable, Equatable {
  public static let maxSnapshots = 256
  public static let maxUnits = 256
  public var steps: [Int] = []
  /// `[snapshot][unit]`.
  public var p15: [[Float]] = []
  public var p50: [[Float]] = []
  public var p85: [[Float]] = []
  public var drift: [[Float]] = []
  /// The unit whose 15–85 spread was the median of the units' at the first snapshot: a
  /// "typical" unit, fixed once so it can be followed.
  public var medianUnit: Int? = nil
  public init() {}

  public var unitCount: Int { p50.first?.count ?? 0 }

  /// Unit `u`'s percentiles over time.
  public func band(unit u: Int) -> PercentileBand {
    var b = PercentileBand()
    guard u >= 0, u < unitCount else { return b }
    for (k, step) in steps.enumerated() {
      b.p15.append(step: step, p15[k][u])
      b.p50.append(step: step, p50[k][u])
      b.p85.append(step: step, p85[k][u])
    }
    return b
  }

  /// A one-unit snapshot (tests of the bounds).
  public mutating func appendForTesting(step: Int, value: Float) {
    append(step: step, p15: [value], p50: [value], p85: [value], drift: [0])
  }

  /// Adds a snapshot, thinning to stay within ``maxSnapshots``.
  mutating func append(step: Int, p15 a: [Float], p50 b: [Float], p85 c: [Float], drift d: [Float]) {
    if steps.count >= Self.maxSnapshots {
      // Keep snapshots 0, 2, 4, … and the newest.
      let keep = Array(stride(from: 0, to: steps.count - 1, by: 2)) + [steps.count - 1]
      steps = keep.map { steps[$0] }
      (p15, p50, p85, drift) = (
        keep.map { p15[$0] }, keep.map { p50[$0] }, keep.map { p85[$0] }, keep.map { drift[$0] }
      )
    }
    steps.append(step)
    p15.append(a)
    p50.append(b)
    p85.append(c)
    drift.append(d)
    if medianUnit == nil, !a.isEmpty {
      let spreads = zip(a, c).map { $1 - $0 }
      let order = spreads.indices.sorted { spreads[$0] < spreads[$1] || (spreads[$0] == spreads[$1] && $0 < $1) }
      medianUnit = order[(order.count - 1) / 2]
    }
  }
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
  /// Percentiles 15/50/85 of every block's `percentileTap` over time: all units pooled, or the
  /// chosen unit (`InstrumentSettings.percentileUnit`) when one is set.
  public var bands: [Int: PercentileBand] = [:]
  /// Percentiles 15/50/85 of every tap, all units pooled, over time.
  public var bandsByTap: [Tap: PercentileBand] = [:]
  /// Every tap's units one at a time: percentiles and drift per unit.
  public var units: [Tap: UnitStatistics] = [:]
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
  /// Train-mode inference in batches of `InstrumentSettings.inferenceBatch` on the probe batch:
  /// accuracy and mean |logit_train − logit_eval| (NaN where train mode fails).
  public var smallBatchTrainAccuracy = Series()
  public var smallBatchLogitGap = Series()
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
