import NormCore
import NormLab
import NormView

/// Hand-made dashboard input: the records of three variants over 300 steps, as the instruments
/// would have written them, built from closed-form curves with + − × ÷ only (no training, no
/// random numbers, no libm). A golden screen made from them changes only when the drawing
/// changes, never because a kernel's last bit did.
///
/// - `plain`: sigmoid MLP without a norm. Its layer inputs drift (mean and spread grow with the
///   layer number), train and eval mode agree exactly.
/// - `bn`: the same with BatchNorm. The pre-norm input drifts as `plain`'s, the normalized input
///   holds still; train and eval mode differ a little, and train-mode single-sample inference is
///   an error (PyTorch's "Expected more than 1 value per channel").
/// - `hot`: no norm, a learning rate too high: its inputs blow up, the snapshot at step 140 holds
///   NaN and ±Inf values, and the loss is NaN at step 150, where it diverged (its series end).
///
/// Instruments every 20 steps (15 snapshots), validation every 50, gradient ICS every 100,
/// loss smoothness at 150 and 300; 40-bin histograms of 1,280 values on fixed ranges.
enum Fixture {
  static let lastStep = 300
  static let every = 20
  static let bins = 40
  static let values = 1_280

  struct Variant {
    var name: String
    var norm: Bool
    /// How far the layer inputs travel (in their initial spread per layer number) over the run.
    var drift: Float
    var divergedAt: Int?
    var learningRate: Float
  }

  static let variants = [
    Variant(name: "plain", norm: false, drift: 1, divergedAt: nil, learningRate: 0.5),
    Variant(name: "bn", norm: true, drift: 1, divergedAt: nil, learningRate: 0.5),
    Variant(name: "hot", norm: false, drift: 6, divergedAt: 150, learningRate: 4),
  ]

  /// A fourth variant for layouts of four (`state(four: true)`): GroupNorm-like, between
  /// `plain` and `bn`.
  static let gn = Variant(name: "gn", norm: true, drift: 1, divergedAt: nil, learningRate: 0.5)

  static let models = [
    "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10",
    "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10",
    "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10",
  ]

  /// The dashboard at step 300 (digits: no decision surface), or with hand-made decision
  /// surfaces for 2-D data (`surfaces: true`).
  static func state(
    theme: Theme = Theme(colors: .ansi256, glyphs: .braille), surfaces: Bool = false, four: Bool = false
  ) -> DashboardState {
    let vs = four ? variants + [gn] : variants
    return DashboardState(
      records: vs.map(record), models: four ? models + [models[1]] : models, dataName: surfaces ? "spirals" : "digits",
      step: lastStep, learningRate: 0.5, batchSize: 60, optimizer: "sgd",
      surfaces: surfaces ? vs.indices.map { Optional(surface($0)) } : [], theme: theme)
  }

  // MARK: curves

  /// Training progress 0…1.
  static func progress(_ step: Int) -> Float { Float(step) / Float(lastStep) }

  /// A deterministic jitter in −0.5…0.5.
  static func jitter(_ step: Int) -> Float { Float((step &* 37) % 17) / 16 - 0.5 }

  static func loss(_ v: Variant, _ step: Int) -> Float {
    if let d = v.divergedAt, step >= d { return .nan }
    switch v.name {
    case "plain": return 2.3 * 60 / (60 + Float(step)) + 0.04 * jitter(step)
    case "bn": return 2.3 * 20 / (20 + Float(step)) + 0.03 * jitter(step)
    case "gn": return 2.3 * 35 / (35 + Float(step)) + 0.03 * jitter(step)
    default: return 2.3 + 0.02 * Float(step) * (1 + jitter(step))
    }
  }

  /// Validation accuracy (eval mode): 62.5 % and 90 % at step 300; `hot` 10 % until it diverged.
  static func validationAccuracy(_ v: Variant, _ step: Int) -> Float {
    switch v.name {
    case "plain": 0.25 + 0.375 * progress(step)
    case "bn": 0.6 + 0.3 * progress(step)
    case "gn": 0.5 + 0.35 * progress(step)
    default: 0.1
    }
  }

  /// Mean and spread of a tap's values. Before the norm (and, without a norm, at the activation
  /// input) they drift; after BatchNorm they hold still but for γ and β; after the sigmoid they
  /// lie in (0, 1).
  static func moments(_ v: Variant, _ kind: Tap.Kind, block b: Int, step: Int) -> (mean: Float, std: Float) {
    let t = progress(step)
    let pre = (mean: v.drift * Float(b) * 0.25 * t, std: 1 + v.drift * Float(b) * 0.25 * t)
    let input = v.norm ? (mean: 0.05 * Float(b) * t, std: 1 - 0.1 * t) : pre
    switch kind {
    case .normInput: return pre
    case .normOutput, .activationInput: return input
    case .activationOutput:
      // Rational stand-ins for the sigmoid's mean and spread.
      let m = input.mean
      return (0.5 + 0.5 * m / (1 + abs(m) + input.std), 0.25 * input.std / (1 + input.std))
    }
  }

  /// The taps a block has: all four with a norm; without one, the weight layer's output is both
  /// the "before norm" and the activation input (one buffer), and there is no "after norm".
  static func kinds(norm: Bool) -> [Tap.Kind] {
    norm ? Tap.Kind.allCases : [.normInput, .activationInput, .activationOutput]
  }

  /// A bell curve 1/(1 + z²)² of `values` values at bin centres, with tails beyond the range
  /// (20 bins either side, counted as under- and overflow) unless the values are bounded.
  static func histogram(
    mean: Float, std: Float, range: (Float, Float), bounded: Bool, nan: Int = 0, infinities: Int = 0
  ) -> Histogram {
    var h = Histogram(lower: range.0, upper: range.1, bins: bins)
    let cells = bounded ? 0..<bins : -20..<(bins + 20)
    let centres = cells.map { range.0 + (Float($0) + 0.5) * h.binWidth }
    let weights = centres.map { c -> Float in
      let z = (c - mean) / std
      return 1 / ((1 + z * z) * (1 + z * z))
    }
    let total = weights.reduce(0, +)
    for (c, w) in zip(centres, weights) {
      for _ in 0..<Int(Float(values) * w / total) { h.add(c) }
    }
    for _ in 0..<nan { h.add(.nan) }
    for i in 0..<infinities { h.add(i % 2 == 0 ? Float.infinity : -Float.infinity) }
    return h
  }

  // MARK: records

  static func blocks(norm: Bool) -> [Block] {
    (1...3).map { b in
      let per = norm ? 3 : 2
      let w = (b - 1) * per
      return Block(
        number: b, weightLayer: w, normLayer: norm ? w + 1 : nil, activationLayer: w + per - 1,
        title: "linear \(b == 1 ? 64 : 100)→100" + (norm ? " · batchnorm" : "") + " · sigmoid")
    }
  }

  static func record(_ v: Variant) -> VariantRecord {
    var r = VariantRecord(name: v.name, blocks: blocks(norm: v.norm))
    r.divergedAt = v.divergedAt
    let end = v.divergedAt ?? lastStep
    var smoothed: Float? = nil
    for s in 1...end {
      let l = loss(v, s)
      r.loss.append(step: s, l)
      r.learningRate.append(step: s, v.learningRate)
      if l.isFinite {
        smoothed = smoothed.map { 0.9 * $0 + 0.1 * l } ?? l
        r.lossSmoothed.append(step: s, smoothed!)
      }
      guard s < end || v.divergedAt == nil else { continue }  // the diverging step records the loss only
      if s % 50 == 0 {
        r.validationLoss.append(step: s, 2.5 * (1 - validationAccuracy(v, s)))
        r.validationAccuracy.append(step: s, validationAccuracy(v, s))
      }
      if s % every == 0 { snapshot(&r, v, step: s) }
      if s % 100 == 0 { internalCovariateShift(&r, v, step: s) }
      if s % 150 == 0 {
        r.lossVariation.append(step: s, v.norm ? 0.2 : 0.8)
        r.betaSmoothness.append(step: s, v.norm ? 3 : 12)
      }
    }
    return r
  }

  /// One instruments snapshot: every tap's histogram, moments, shift and drift; percentile
  /// bands; train vs eval mode.
  static func snapshot(_ r: inout VariantRecord, _ v: Variant, step s: Int) {
    if r.histogramSteps.capacity != 120 { r.histogramSteps = RingBuffer(capacity: 120) }
    r.histogramSteps.append(s)
    let blowUp = v.divergedAt.map { s + every >= $0 } ?? false
    for b in r.blocks {
      for kind in kinds(norm: v.norm) {
        let tap = Tap(block: b.number, kind: kind)
        let (m, sd) = moments(v, kind, block: b.number, step: s)
        let (m0, sd0) = moments(v, kind, block: b.number, step: every)
        let bounded = kind == .activationOutput
        let range = bounded ? (0, 1) : Statistics.niceRange(mean: m0, std: sd0)
        let h = histogram(
          mean: m, std: sd, range: range, bounded: bounded, nan: blowUp ? 12 : 0,
          infinities: blowUp && !bounded ? 6 : 0)
        r.histograms[tap] = h
        r.histogramHistory[tap, default: RingBuffer(capacity: 120)].append(h)
        if let pm = r.mean[tap]?.last, let ps = r.std[tap]?.last {
          r.shiftMean[tap, default: NormLab.Series()].append(step: s, abs(m - pm) / ps)
          r.shiftW1[tap, default: NormLab.Series()].append(step: s, abs(m - pm) + 0.8 * abs(sd - ps))
        }
        r.mean[tap, default: NormLab.Series()].append(step: s, m)
        r.std[tap, default: NormLab.Series()].append(step: s, sd)
        r.driftSinceMark[tap, default: NormLab.Series()].append(step: s, abs(m - m0) + 0.8 * abs(sd - sd0))
        guard kind == .activationInput else { continue }
        var band = r.bands[b.number] ?? PercentileBand()
        band.p15.append(step: s, m - 1.04 * sd)
        band.p50.append(step: s, m)
        band.p85.append(step: s, m + 1.04 * sd)
        r.bands[b.number] = band
        if b.number == r.blocks.count {
          r.p15 = band.p15
          r.p50 = band.p50
          r.p85 = band.p85
        }
      }
    }
    trainVersusEval(&r, v, step: s)
  }

  /// Train vs eval mode: identical without a norm; with BatchNorm a gap that shrinks, 92 % vs
  /// 90 % at step 300, and train-mode single-sample inference an error.
  static func trainVersusEval(_ r: inout VariantRecord, _ v: Variant, step s: Int) {
    let eval = v.norm ? 0.6 + 0.3 * progress(s) : validationAccuracy(v, s)
    let train = v.norm ? eval + 0.02 : eval
    r.trainEvalLogitGap.append(step: s, v.norm ? 0.6 * 40 / (40 + Float(s)) + 0.05 : 0)
    r.trainEvalKL.append(step: s, v.norm ? 0.1 * 40 / (40 + Float(s)) : 0)
    r.trainModeAccuracy.append(step: s, train)
    r.evalModeAccuracy.append(step: s, eval)
    // In batches of 4, BatchNorm's train-mode inference falls 20 points below eval mode.
    r.smallBatchTrainAccuracy.append(step: s, v.norm ? eval - 0.2 : eval)
    r.smallBatchLogitGap.append(step: s, v.norm ? 1.2 * 40 / (40 + Float(s)) + 0.4 : 0)
    if v.norm {
      r.singleSampleError = "Expected more than 1 value per channel when training, got input size [1, 100]"
      r.singleSampleTrainAccuracy.append(step: s, .nan)
    } else {
      r.singleSampleTrainAccuracy.append(step: s, eval)
    }
    r.singleSampleEvalAccuracy.append(step: s, eval)
  }

  /// Gradient ICS: small and growing without a norm, smaller with BatchNorm, large before `hot`
  /// diverged.
  static func internalCovariateShift(_ r: inout VariantRecord, _ v: Variant, step s: Int) {
    let t = progress(s)
    for b in r.blocks {
      let l2: Float = v.norm ? 0.004 * Float(b.number) * (1 + t) : 0.01 * v.drift * Float(b.number) * (1 + t)
      let cosine: Float = v.norm ? 0.99 : 1 - 0.05 * v.drift * Float(b.number) * t
      r.icsL2[b.number, default: NormLab.Series()].append(step: s, l2)
      r.icsCosine[b.number, default: NormLab.Series()].append(step: s, cosine)
    }
  }

  // MARK: decision surfaces

  /// Three classes on three curved arms; the regions are the nearest arm direction, bent by
  /// `twist` (0 for plain, 0.6 for bn); `hot` predicts one class everywhere.
  static func surface(_ index: Int) -> DecisionSurface {
    let (columns, rows) = (64, 40)
    let twist: Float = index == 1 ? 0.6 : 0
    let directions: [(Float, Float)] = [(1, 0), (-0.5, 0.866), (-0.5, -0.866)]
    var classes = [Int]()
    var confidence = [Float]()
    for r in 0..<rows {
      for c in 0..<columns {
        let x = -1.5 + 3 * (Float(c) + 0.5) / Float(columns)
        let y = 1.5 - 3 * (Float(r) + 0.5) / Float(rows)
        let rr = x * x + y * y
        let scores = directions.map { d in d.0 * x + d.1 * y + twist * rr * (d.0 * y - d.1 * x) }
        var best = 0
        for k in 1..<3 where scores[k] > scores[best] { best = k }
        let second = scores.enumerated().filter { $0.offset != best }.map(\.element).max() ?? 0
        classes.append(index == 2 ? 0 : best)
        confidence.append(index == 2 ? 0.34 : min(1, 0.4 + 0.6 * (scores[best] - second)))
      }
    }
    return DecisionSurface(
      columns: columns, rows: rows, xRange: -1.5...1.5, yRange: -1.5...1.5, classes: classes,
      confidence: confidence, points: surfacePoints)
  }

  /// The data: 8 points per class on three arms that bend as they leave the centre, far enough
  /// apart that no two share a cell of the 100x30 golden.
  static let surfacePoints: [DecisionSurface.Point] = [(Float(1), Float(0)), (-0.5, 0.866), (-0.5, -0.866)]
    .enumerated().flatMap { k, d in
      (0..<8).map { j -> DecisionSurface.Point in
        let r = 0.3 + 0.14 * Float(j)
        let bend = 0.3 * r * r
        return .init(x: r * d.0 - bend * d.1, y: r * d.1 + bend * d.0, label: k)
      }
    }
}
