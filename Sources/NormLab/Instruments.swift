import NormCore
import NormSupport

/// How often and how much the instruments measure. The defaults keep the cost of all
/// instruments on the BN-paper MLP under 1.3× plain training (see README, Benchmarks).
public struct InstrumentSettings: Sendable, Equatable {
  /// Master switch; off records only loss, accuracy and learning rate.
  public var enabled = true
  /// Histograms, percentiles, drift, norms and train/eval divergence every `every` steps.
  public var every = 40
  /// Size of the fixed probe batch (taken from the validation split, else the training data).
  public var probeSize = 128
  public var bins = 40
  /// Snapshots kept per tap for the heatmap over time.
  public var historyLength = 120
  /// Validation (eval mode, whole split) every N steps; 0 disables.
  public var validationEvery = 100
  /// Gradient ICS every N steps (costs blocks + 1 extra forward/backward passes); 0 disables.
  public var icsEvery = 100
  /// Loss-landscape smoothness every N steps (costs one pass per step size); 0 disables.
  public var smoothnessEvery = 500
  /// Step sizes as multiples of the learning rate (Santurkar et al. use [½, 4]·lr).
  public var smoothnessSteps: [Float] = [0.5, 1, 2, 3, 4]
  /// Samples probed one at a time for single-sample train vs eval inference.
  public var singleSamples = 16
  /// Batch size of the train-mode inference the train-vs-eval panel shows (the probe batch cut
  /// into batches of this many): small batches make the forgotten `model.eval()` visible.
  public var inferenceBatch = 4
  /// Block whose percentiles are tracked (nil: the last hidden block), the tap, and the unit
  /// (nil: every unit of the layer pooled).
  public var percentileBlock: Int? = nil
  public var percentileTap: Tap.Kind = .activationInput
  public var percentileUnit: PercentileUnit? = nil

  /// Which unit the percentile panel follows.
  public enum PercentileUnit: Sendable, Equatable {
    /// Unit (feature, or channel) number `n`, counted from 0.
    case number(Int)
    /// The unit with the median 15–85 spread at the first snapshot (a typical unit).
    case median
  }

  public init() {}

  /// Only loss, accuracy, learning rate and validation.
  public static var minimal: InstrumentSettings {
    var s = InstrumentSettings()
    s.enabled = false
    return s
  }
}

/// Per-variant probe state that is not part of the record (previous snapshots, ranges).
final class ProbeState {
  var previousSorted: [Tap: [Float]] = [:]
  var markSorted: [Tap: [Float]] = [:]
  /// Per tap, each unit's sorted values at the mark.
  var markUnitSorted: [Tap: [[Float]]] = [:]
  /// Per activation buffer, the unit statistics of the latest snapshot (and its step).
  var unitCache: [Int: (step: Int, stats: (p15: [Float], p50: [Float], p85: [Float], drift: [Float]))] = [:]
  var ranges: [Tap: (Float, Float)] = [:]
  var smoothedLoss: Float? = nil
  var smoothedAccuracy: Float? = nil
  var sorter = RadixSorter()
}

/// The measurements. All probe passes run with `updatesState: false`: they change no running
/// statistic, no counter and no random stream, and weights are restored bit for bit.
enum Probes {
  static let smoothing: Float = 0.9

  /// Loss/accuracy/lr after every training step.
  static func recordStep(_ rec: inout VariantRecord, _ st: ProbeState, step: Int, result: StepResult, lr: Float) {
    rec.loss.append(step: step, result.loss)
    rec.accuracy.append(step: step, result.accuracy)
    rec.learningRate.append(step: step, lr)
    if result.loss.isFinite {
      let s = st.smoothedLoss.map { smoothing * $0 + (1 - smoothing) * result.loss } ?? result.loss
      st.smoothedLoss = s
      rec.lossSmoothed.append(step: step, s)
    }
    let a = st.smoothedAccuracy.map { smoothing * $0 + (1 - smoothing) * result.accuracy } ?? result.accuracy
    st.smoothedAccuracy = a
    rec.accuracySmoothed.append(step: step, a)
  }

  /// Per-block gradient and weight norms and γ/β means, read right after the real step.
  static func recordNorms(_ rec: inout VariantRecord, network: Network, step: Int) {
    for b in rec.blocks {
      var g = 0.0
      var w = 0.0
      for p in network.layers[b.weightLayer].parameters where p.role == .weight {
        for i in 0..<p.count {
          g += Double(p.grad[i]) * Double(p.grad[i])
          w += Double(p.value[i]) * Double(p.value[i])
        }
      }
      rec.gradientNorm[b.number, default: Series()].append(step: step, Float(g.squareRoot()))
      rec.weightNorm[b.number, default: Series()].append(step: step, Float(w.squareRoot()))
      if let n = b.normLayer {
        for p in network.layers[n].parameters {
          let m = Statistics.meanStd(p.value).mean
          if p.role == .gamma { rec.gammaMean[b.number, default: Series()].append(step: step, m) }
          if p.role == .beta { rec.betaMean[b.number, default: Series()].append(step: step, m) }
        }
      }
    }
  }

  /// Activation snapshots and train-vs-eval divergence on the probe batch.
  static func sample(
    _ rec: inout VariantRecord, _ st: ProbeState, trainer: Trainer, probe: Dataset, step: Int,
    settings: InstrumentSettings
  ) throws {
    let net = trainer.network
    let n = probe.count
    guard n > 0 else { return }
    let idx = 0..<n
    let k = net.outputCount
    // Training-mode probe: batch statistics of the probe batch itself, no state change.
    let (_, correctTrain) = try trainer.forwardLoss(
      data: probe, indices: idx, mode: .train, updatesState: false, backward: false)
    let logitsTrain = net.outputValues
    recordActivations(&rec, st, network: net, probeCount: n, step: step, settings: settings)
    // Eval-mode probe on the same batch.
    let (_, correctEval) = try trainer.forwardLoss(
      data: probe, indices: idx, mode: .eval, updatesState: false, backward: false)
    let logitsEval = net.outputValues
    recordTrainEvalDivergence(
      &rec, logitsTrain: logitsTrain, logitsEval: logitsEval, classes: k, probeCount: n, step: step)
    rec.trainModeAccuracy.append(step: step, Float(correctTrain) / Float(n))
    rec.evalModeAccuracy.append(step: step, Float(correctEval) / Float(n))
    try recordSingleSamples(&rec, trainer: trainer, probe: probe, step: step, settings: settings)
    recordSmallBatches(&rec, trainer: trainer, probe: probe, logitsEval: logitsEval, step: step, settings: settings)
  }

  /// Train-mode inference in small batches (`inferenceBatch`) over the probe batch: accuracy and
  /// mean |logit_train − logit_eval|. What "forgetting model.eval()" costs at serving time,
  /// where batches are small. A failure (BatchNorm on a batch of 1) is recorded as NaN.
  static func recordSmallBatches(
    _ rec: inout VariantRecord, trainer: Trainer, probe: Dataset, logitsEval: [Float], step: Int,
    settings: InstrumentSettings
  ) {
    let n = probe.count
    let b = max(1, settings.inferenceBatch)
    let k = trainer.network.outputCount
    var correct = 0
    var gap = 0.0
    var start = 0
    while start < n {
      let end = min(start + b, n)
      guard
        let r = try? trainer.forwardLoss(
          data: probe, indices: start..<end, mode: .train, updatesState: false, backward: false)
      else {
        rec.smallBatchTrainAccuracy.append(step: step, .nan)
        rec.smallBatchLogitGap.append(step: step, .nan)
        return
      }
      correct += r.correct
      trainer.network.withOutput { out in
        for j in 0..<((end - start) * k) { gap += abs(Double(out[j]) - Double(logitsEval[start * k + j])) }
      }
      start = end
    }
    rec.smallBatchTrainAccuracy.append(step: step, Float(correct) / Float(n))
    rec.smallBatchLogitGap.append(step: step, Float(gap / Double(n * k)))
  }

  /// One activation buffer's moments and sorted values, shared by the taps that read it.
  typealias ActivationSummary = (mean: Float, std: Float, sorted: [Float])

  /// Every tap's snapshot after the training-mode probe (histograms, moments, shift, drift,
  /// percentiles), and each tracking BatchNorm's probe statistics against its running ones.
  static func recordActivations(
    _ rec: inout VariantRecord, _ st: ProbeState, network net: Network, probeCount n: Int, step: Int,
    settings: InstrumentSettings
  ) {
    if rec.histogramSteps.capacity != settings.historyLength {
      rec.histogramSteps = RingBuffer(capacity: settings.historyLength)
    }
    rec.histogramSteps.append(step)
    let pBlock = settings.percentileBlock ?? rec.blocks.last?.number
    // Taps that read the same activation buffer share one mean/std and one sort.
    var computed: [Int: ActivationSummary] = [:]
    for b in rec.blocks {
      for kind in Tap.Kind.allCases {
        guard let ai = b.activationIndex(kind) else { continue }
        let tap = Tap(block: b.number, kind: kind)
        net.withActivation(ai) { values in
          if computed[ai] == nil {
            let (m, s) = Statistics.meanStd(values)
            var sorted = [Float]()
            st.sorter.sort(values, into: &sorted)
            computed[ai] = (m, s, sorted)
          }
          let summary = computed[ai]!
          recordTap(
            &rec, st, tap, block: b, network: net, values: values, summary: summary, step: step, settings: settings)
          if b.number == pBlock, kind == settings.percentileTap {
            recordTrackedPercentiles(
              &rec, st, values: values, sorted: summary.sorted, probeCount: n, step: step, settings: settings)
          }
        }
      }
      recordBatchNormGap(&rec, block: b, network: net, step: step)
    }
  }

  /// One tap's histogram (fixed range chosen at its first snapshot), mean and std, shift since
  /// the previous snapshot, drift since the mark, and its block's percentile band.
  static func recordTap(
    _ rec: inout VariantRecord, _ st: ProbeState, _ tap: Tap, block b: Block, network net: Network,
    values: UnsafeBufferPointer<Float>, summary: ActivationSummary, step: Int, settings: InstrumentSettings
  ) {
    let (m, s, sorted) = summary
    if st.ranges[tap] == nil { st.ranges[tap] = range(for: tap, block: b, network: net, mean: m, std: s) }
    let (lo, hi) = st.ranges[tap]!
    var h = Histogram(lower: lo, upper: hi, bins: settings.bins)
    h.add(values)
    rec.histograms[tap] = h
    rec.histogramHistory[tap, default: RingBuffer(capacity: settings.historyLength)].append(h)
    rec.mean[tap, default: Series()].append(step: step, m)
    rec.std[tap, default: Series()].append(step: step, s)
    if let prev = st.previousSorted[tap] {
      rec.shiftW1[tap, default: Series()].append(
        step: step, Statistics.wasserstein1(sortedA: prev, sortedB: sorted))
      let pm = rec.mean[tap]!.values.dropLast().last ?? m
      let ps = rec.std[tap]!.values.dropLast().last ?? s
      rec.shiftMean[tap, default: Series()].append(step: step, abs(m - pm) / max(ps, 1e-12))
    }
    if st.markSorted[tap] == nil { st.markSorted[tap] = sorted }
    rec.driftSinceMark[tap, default: Series()].append(
      step: step, Statistics.wasserstein1(sortedA: st.markSorted[tap]!, sortedB: sorted))
    st.previousSorted[tap] = sorted
    var pooled = rec.bandsByTap[tap] ?? PercentileBand()
    pooled.p15.append(step: step, Statistics.percentile(sorted: sorted, 15))
    pooled.p50.append(step: step, Statistics.percentile(sorted: sorted, 50))
    pooled.p85.append(step: step, Statistics.percentile(sorted: sorted, 85))
    rec.bandsByTap[tap] = pooled
    recordUnits(&rec, st, tap, network: net, values: values, step: step)
    if tap.kind == settings.percentileTap {
      var band = rec.bands[b.number] ?? PercentileBand()
      if let which = settings.percentileUnit, let units = rec.units[tap] {
        let u: Int? =
          switch which {
          case .number(let n): n < units.unitCount ? n : nil
          case .median: units.medianUnit
          }
        if let u, let k = units.steps.indices.last {
          band.p15.append(step: step, units.p15[k][u])
          band.p50.append(step: step, units.p50[k][u])
          band.p85.append(step: step, units.p85[k][u])
        }
      } else {
        band.p15.append(step: step, pooled.p15.last!)
        band.p50.append(step: step, pooled.p50.last!)
        band.p85.append(step: step, pooled.p85.last!)
      }
      rec.bands[b.number] = band
    }
  }

  /// The tap's units one at a time: each unit's values over the probe batch (and pixels),
  /// sorted, give its p15/p50/p85 and its Wasserstein-1 distance to the unit at the mark.
  static func recordUnits(
    _ rec: inout VariantRecord, _ st: ProbeState, _ tap: Tap, network net: Network,
    values: UnsafeBufferPointer<Float>, step: Int
  ) {
    guard let ai = rec.blocks.first(where: { $0.number == tap.block })?.activationIndex(tap.kind) else { return }
    // Taps that read the same buffer (a norm's output is its activation's input) share one pass.
    if let (cachedStep, cached) = st.unitCache[ai], cachedStep == step {
      rec.units[tap, default: UnitStatistics()].append(
        step: step, p15: cached.p15, p50: cached.p50, p85: cached.p85, drift: cached.drift)
      return
    }
    let shape = net.shape(ofActivation: ai)
    let perSample = shape.reduce(1, *)
    guard perSample > 0, values.count >= perSample else { return }
    let n = values.count / perSample
    let channels = shape.count >= 2 ? shape[0] : perSample
    let spatial = perSample / max(channels, 1)
    let unitCount = min(channels, UnitStatistics.maxUnits)
    var p15 = [Float](repeating: 0, count: unitCount)
    var p50 = p15
    var p85 = p15
    var drift = p15
    var sortedUnits: [[Float]] = []
    sortedUnits.reserveCapacity(unitCount)
    var unitValues = [Float](repeating: 0, count: n * spatial)
    for u in 0..<unitCount {
      for i in 0..<n {
        for k in 0..<spatial { unitValues[i * spatial + k] = values[i * perSample + u * spatial + k] }
      }
      let sorted = st.sorter.sorted(unitValues)
      p15[u] = Statistics.percentile(sorted: sorted, 15)
      p50[u] = Statistics.percentile(sorted: sorted, 50)
      p85[u] = Statistics.percentile(sorted: sorted, 85)
      sortedUnits.append(sorted)
    }
    if st.markUnitSorted[tap] == nil { st.markUnitSorted[tap] = sortedUnits }
    let mark = st.markUnitSorted[tap]!
    for u in 0..<min(unitCount, mark.count) where mark[u].count == sortedUnits[u].count {
      drift[u] = Statistics.wasserstein1(sortedA: mark[u], sortedB: sortedUnits[u])
    }
    rec.units[tap, default: UnitStatistics()].append(step: step, p15: p15, p50: p50, p85: p85, drift: drift)
    st.unitCache[ai] = (step, (p15, p50, p85, drift))
  }

  /// The tracked percentiles (p15/p50/p85) of the percentile block's tap: one unit's values
  /// across the probe batch when `percentileUnit` names one, else every unit pooled.
  static func recordTrackedPercentiles(
    _ rec: inout VariantRecord, _ st: ProbeState, values: UnsafeBufferPointer<Float>, sorted: [Float],
    probeCount n: Int, step: Int, settings: InstrumentSettings
  ) {
    let features = values.count / n
    var pv: [Float]
    if case .number(let u) = settings.percentileUnit, u < features {
      pv = (0..<n).map { values[$0 * features + u] }
    } else {
      pv = sorted
    }
    if case .number = settings.percentileUnit { pv = st.sorter.sorted(pv) }  // pooled values come sorted
    rec.p15.append(step: step, Statistics.percentile(sorted: pv, 15))
    rec.p50.append(step: step, Statistics.percentile(sorted: pv, 50))
    rec.p85.append(step: step, Statistics.percentile(sorted: pv, 85))
  }

  /// BatchNorm: the probe batch's statistics against the running statistics (mean gap in
  /// running standard deviations, variance ratio), averaged over channels.
  static func recordBatchNormGap(_ rec: inout VariantRecord, block b: Block, network net: Network, step: Int) {
    guard let ni = b.normLayer, let bn = net.layers[ni] as? BatchNorm, bn.options.trackRunningStats else { return }
    var gap = 0.0
    var ratio = 0.0
    for c in 0..<bn.channels {
      let sd = (Double(bn.runningVar[c]) + Double(bn.options.eps)).squareRoot()
      gap += abs(Double(bn.lastBatchMean[c]) - Double(bn.runningMean[c])) / sd
      ratio += Double(bn.lastBatchVariance[c]) / max(Double(bn.runningVar[c]), 1e-12)
    }
    rec.bnMeanGap[b.number, default: Series()].append(step: step, Float(gap / Double(bn.channels)))
    rec.bnVarianceRatio[b.number, default: Series()].append(step: step, Float(ratio / Double(bn.channels)))
  }

  /// Train-mode vs eval-mode logits on the probe batch: mean absolute gap and mean KL(train‖eval).
  static func recordTrainEvalDivergence(
    _ rec: inout VariantRecord, logitsTrain: [Float], logitsEval: [Float], classes k: Int, probeCount n: Int,
    step: Int
  ) {
    var gap = 0.0
    var kl = 0.0
    for r in 0..<n {
      let pt = softmax(logitsTrain[(r * k)..<((r + 1) * k)])
      let pe = softmax(logitsEval[(r * k)..<((r + 1) * k)])
      for j in 0..<k {
        gap += abs(Double(logitsTrain[r * k + j]) - Double(logitsEval[r * k + j]))
        if pt[j] > 0 { kl += pt[j] * (naturalLog(pt[j]) - naturalLog(max(pe[j], 1e-300))) }
      }
    }
    rec.trainEvalLogitGap.append(step: step, Float(gap / Double(n * k)))
    rec.trainEvalKL.append(step: step, Float(kl / Double(n)))
  }

  /// Single-sample inference: train mode (the "forgot model.eval()" case) vs eval mode on the
  /// first `singleSamples` probe samples. A train-mode failure (e.g. BatchNorm on one sample) is
  /// recorded as the error and a NaN accuracy.
  static func recordSingleSamples(
    _ rec: inout VariantRecord, trainer: Trainer, probe: Dataset, step: Int, settings: InstrumentSettings
  ) throws {
    let m = min(settings.singleSamples, probe.count)
    guard m > 0 else { return }
    var okTrain = 0
    var okEval = 0
    var failed: String? = nil
    for i in 0..<m {
      if failed == nil {
        do {
          okTrain += try trainer.forwardLoss(
            data: probe, indices: i..<(i + 1), mode: .train, updatesState: false, backward: false
          ).correct
        } catch { failed = "\(error)" }
      }
      okEval += try trainer.forwardLoss(
        data: probe, indices: i..<(i + 1), mode: .eval, updatesState: false, backward: false
      ).correct
    }
    rec.singleSampleError = failed
    rec.singleSampleTrainAccuracy.append(step: step, failed == nil ? Float(okTrain) / Float(m) : .nan)
    rec.singleSampleEvalAccuracy.append(step: step, Float(okEval) / Float(m))
  }

  static func softmax(_ z: ArraySlice<Float>) -> [Double] {
    let mx = Double(z.max() ?? 0)
    let e = z.map { naturalExp(Double($0) - (mx.isFinite ? mx : 0)) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// The fixed histogram range of a tap, chosen once from its first snapshot: bounded
  /// activations use their range, everything else mean ± 4 std rounded outward.
  static func range(for tap: Tap, block: Block, network: Network, mean: Float, std: Float) -> (Float, Float) {
    if tap.kind == .activationOutput, let ai = block.activationLayer, let act = network.layers[ai] as? Activation {
      switch act.function {
      case .sigmoid: return (0, 1)
      case .tanh: return (-1, 1)
      case .relu: return (0, Statistics.niceRange(mean: mean, std: std).1)
      }
    }
    return Statistics.niceRange(mean: mean, std: std)
  }

  /// Gradient internal covariate shift (Santurkar et al. 2018): for each block i, G = ∇_{W_i}L
  /// at the weights before the step, G′ = the same gradient after the layers below i took their
  /// update (i and above at their old values), both on the step's batch. Both are probe passes
  /// with identical dropout masks, so ICS is exactly 0 when the layers below did not move.
  static func internalCovariateShift(
    _ rec: inout VariantRecord, trainer: Trainer, data: Dataset, indices: ArraySlice<Int>, before: [[Float]], step: Int
  ) throws {
    let net = trainer.network
    let params = net.parameters
    var owner = [Int]()
    for (li, l) in net.layers.enumerated() { for _ in l.parameters { owner.append(li) } }
    let after = params.map(\.value)
    defer { for (p, v) in zip(params, after) { p.value = v } }
    func blockGradient(_ b: Block) -> [Float] {
      net.layers[b.weightLayer].parameters.filter { $0.role == .weight }.flatMap(\.grad)
    }
    for (p, v) in zip(params, before) { p.value = v }
    _ = try trainer.forwardLoss(data: data, indices: indices, mode: .train, updatesState: false, backward: true)
    let g = rec.blocks.map(blockGradient)
    for (bi, b) in rec.blocks.enumerated() {
      for (k, p) in params.enumerated() { p.value = owner[k] < b.weightLayer ? after[k] : before[k] }
      _ = try trainer.forwardLoss(data: data, indices: indices, mode: .train, updatesState: false, backward: true)
      let g2 = blockGradient(b)
      var d = 0.0
      var dot = 0.0
      var n1 = 0.0
      var n2 = 0.0
      for i in 0..<g2.count {
        let a = Double(g[bi][i])
        let c = Double(g2[i])
        d += (a - c) * (a - c)
        dot += a * c
        n1 += a * a
        n2 += c * c
      }
      rec.icsL2[b.number, default: Series()].append(step: step, Float(d.squareRoot()))
      rec.icsCosine[b.number, default: Series()].append(
        step: step, n1 > 0 && n2 > 0 ? Float(dot / (n1 * n2).squareRoot()) : 1)
    }
  }

  /// Loss-landscape smoothness along the gradient g at the current weights (Santurkar et al.
  /// §3.2): for η in `steps`·lr, L(w − ηg) and ∇L(w − ηg); records the range of the loss, the
  /// largest gradient change and the largest change per unit of movement (effective β).
  static func smoothness(
    _ rec: inout VariantRecord, trainer: Trainer, data: Dataset, indices: ArraySlice<Int>, lr: Float, steps: [Float],
    step: Int
  ) throws {
    let params = trainer.network.parameters.filter { !$0.frozen }
    let base = params.map(\.value)
    defer { for (p, v) in zip(params, base) { p.value = v } }
    _ = try trainer.forwardLoss(data: data, indices: indices, mode: .train, updatesState: false, backward: true)
    let g = params.map(\.grad)
    var gNorm = 0.0
    for a in g { for x in a { gNorm += Double(x) * Double(x) } }
    gNorm = gNorm.squareRoot()
    var losses = [Float]()
    var predictiveness = 0.0
    var beta = 0.0
    for m in steps {
      let eta = m * lr
      for (k, p) in params.enumerated() { for i in 0..<p.count { p.value[i] = base[k][i] - eta * g[k][i] } }
      let (l, _) = try trainer.forwardLoss(
        data: data, indices: indices, mode: .train, updatesState: false, backward: true)
      losses.append(l)
      var d = 0.0
      for (k, p) in params.enumerated() {
        for i in 0..<p.count {
          let x = Double(p.grad[i]) - Double(g[k][i])
          d += x * x
        }
      }
      d = d.squareRoot()
      predictiveness = max(predictiveness, d)
      if gNorm > 0 && eta > 0 { beta = max(beta, d / (Double(eta) * gNorm)) }
    }
    let finite = losses.allSatisfy(\.isFinite)
    rec.lossVariation.append(step: step, finite ? (losses.max()! - losses.min()!) : .infinity)
    rec.gradientPredictiveness.append(step: step, Float(predictiveness))
    rec.betaSmoothness.append(step: step, Float(beta))
  }
}
