import NormCore
import NormLab
import Testing

func every(_ k: Int) -> InstrumentSettings {
  var s = InstrumentSettings()
  s.every = k
  s.icsEvery = k
  s.smoothnessEvery = k
  s.validationEvery = k
  return s
}

@Suite("Instruments")
struct InstrumentTests {
  @Test("percentiles follow NumPy's linear interpolation")
  func percentiles() {
    let v: [Float] = (0...100).map(Float.init)
    #expect(Statistics.percentile(sorted: v, 15) == 15)
    #expect(Statistics.percentile(sorted: v, 50) == 50)
    #expect(Statistics.percentile(sorted: v, 85) == 85)
    // numpy.percentile([1, 2, 3, 4], [15, 50, 85]) = [1.45, 2.5, 3.55]
    let w: [Float] = [1, 2, 3, 4]
    #expect(abs(Statistics.percentile(sorted: w, 15) - 1.45) < 1e-6)
    #expect(abs(Statistics.percentile(sorted: w, 50) - 2.5) < 1e-6)
    #expect(abs(Statistics.percentile(sorted: w, 85) - 3.55) < 1e-6)
  }

  @Test("Wasserstein-1 by hand; radix sort equals sorted()")
  func wasserstein() {
    #expect(Statistics.wasserstein1(sortedA: [0, 1], sortedB: [1, 2]) == 1)
    #expect(Statistics.wasserstein1(sortedA: [0], sortedB: [0, 2]) == 1)
    #expect(Statistics.wasserstein1(sortedA: [0, 0, 3], sortedB: [0, 3]) == 0.5)
    var rng = SeededRNG(seed: 1)
    var values = (0..<5000).map { _ in rng.normal() * 100 }
    values += [
      .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
    ]
    var sorter = RadixSorter()
    #expect(sorter.sorted(values) == values.sorted())
    // Reused for smaller inputs (buffers and counts must not leak between calls).
    #expect(sorter.sorted(Array(values.prefix(10))) == Array(values.prefix(10)).sorted())
    #expect(sorter.sorted([]) == [])
    #expect(sorter.sorted([3, -1]) == [-1, 3])
  }

  @Test("histograms count out-of-range and non-finite values apart")
  func histogram() {
    var h = Histogram(lower: 0, upper: 1, bins: 4)
    let v: [Float] = [0, 0.1, 0.3, 0.5, 0.99, 1, -0.5, 2, .nan, .infinity, -.infinity]
    v.withUnsafeBufferPointer { h.add($0) }
    #expect(h.counts == [2, 1, 1, 2])
    #expect(h.underflow == 1 && h.overflow == 1 && h.nan == 1 && h.positiveInfinity == 1 && h.negativeInfinity == 1)
    #expect(h.total == v.count)
    var g = Histogram(lower: 0, upper: 1, bins: 4)
    for x in v { g.add(x) }
    #expect(g == h)
  }

  @Test("the tracked percentiles are those of the probe values, computed by hand")
  func percentilePipeline() throws {
    // A 1-D data set whose sigmoid input is x itself: weight 1, bias 0.
    let xs: [Float] = (0..<50).map { Float($0) / 10 - 2.5 }
    let data = Dataset(name: "line", sampleShape: [1], features: xs, labels: xs.map { $0 > 0 ? 1 : 0 }, classCount: 2)
    var s = InstrumentSettings()
    s.probeSize = 50
    let e = try Experiment(
      ExperimentConfig(
        variants: [VariantSpec(name: "id", model: "linear 1, sigmoid, linear 2")], data: data, validationFraction: 0,
        instruments: s))
    let lin = e.variants[0].network.layers[0] as! Linear
    lin.weight.value = [1]
    lin.bias!.value = [0]
    try e.sampleInstruments()
    let r = e.variants[0].record
    let sorted = xs.sorted()
    #expect(r.p15.last == Statistics.percentile(sorted: sorted, 15))
    #expect(r.p50.last == Statistics.percentile(sorted: sorted, 50))
    #expect(r.p85.last == Statistics.percentile(sorted: sorted, 85))
    // By hand: xs = −2.5, −2.4, …, 2.4 (50 values); rank 0.15·49 = 7.35 → −1.8 + 0.35·0.1.
    #expect(abs(r.p15.last! - (-1.765)) < 1e-5)
    #expect(abs(r.p50.last! - (-0.05)) < 1e-5)
    #expect(abs(r.p85.last! - 1.665) < 1e-5)
    let mean = r.mean[Tap(block: 1, kind: .activationInput)]!.last!
    #expect(abs(mean - (-0.05)) < 1e-6)
  }

  @Test("probes change nothing: every instrument at every step gives bit-identical training")
  func probesAreInvisible() throws {
    func losses(_ s: InstrumentSettings) throws -> [UInt32] {
      let e = try Experiment(
        ExperimentConfig(
          variants: [
            VariantSpec(name: "bn", model: "linear 32, batchnorm, relu, dropout 0.3, linear 10"),
            VariantSpec(name: "in", model: "conv 4 k=3, instancenorm track=true, relu, flatten, linear 10"),
          ], data: BuiltinData.digits(), optimizer: .init(kind: .momentum, learningRate: 0.05), batchSize: 20, seed: 3,
          instruments: s))
      for _ in 0..<40 { try e.advance() }
      return e.variants.flatMap { $0.record.loss.values.map(\.bitPattern) }
    }
    var none = InstrumentSettings.minimal
    none.validationEvery = 0
    #expect(try losses(every(1)) == (try losses(none)))
  }

  @Test("gradient ICS is exactly 0 when the layers below have learning rate 0")
  func icsZero() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [
          VariantSpec(name: "bn", model: "linear 16, batchnorm, sigmoid, linear 16, batchnorm, sigmoid, linear 10")
        ],
        data: BuiltinData.digits(), batchSize: 30, seed: 2, instruments: every(1)))
    let net = e.variants[0].network
    let blocks = e.variants[0].record.blocks
    // Freeze everything below block 2's weight layer by learning rate.
    for (i, l) in net.layers.enumerated() where i < blocks[1].weightLayer {
      for p in l.parameters { p.learningRateScale = 0 }
    }
    for _ in 0..<5 { try e.advance() }
    let r = e.variants[0].record
    #expect(r.icsL2[1]!.values.allSatisfy { $0 == 0 })
    #expect(r.icsL2[2]!.values.allSatisfy { $0 == 0 })
    #expect(r.icsCosine[2]!.values.allSatisfy { $0 == 1 })
    // Layers below block 2 are frozen, but block 2 itself moves, so block 3 … there is none;
    // with everything trainable the upper block sees a shift.
    let f = try Experiment(
      ExperimentConfig(
        variants: [
          VariantSpec(name: "bn", model: "linear 16, batchnorm, sigmoid, linear 16, batchnorm, sigmoid, linear 10")
        ],
        data: BuiltinData.digits(), batchSize: 30, seed: 2, instruments: every(1)))
    for _ in 0..<5 { try f.advance() }
    #expect(f.variants[0].record.icsL2[2]!.values.allSatisfy { $0 > 0 })
  }

  @Test("train/eval divergence is 0 without BN or dropout")
  func noDivergenceWithoutBN() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [VariantSpec(name: "ln", model: "linear 32, layernorm, relu, linear 10")], data: BuiltinData.digits(),
        seed: 4, instruments: every(5)))
    for _ in 0..<10 { try e.advance() }
    let r = e.variants[0].record
    #expect(r.trainEvalLogitGap.values == [0, 0, 0])
    #expect(r.trainEvalKL.values == [0, 0, 0])
    #expect(r.trainModeAccuracy.values == r.evalModeAccuracy.values)
    #expect(r.singleSampleError == nil)
    #expect(r.singleSampleTrainAccuracy.values == r.singleSampleEvalAccuracy.values)
  }

  @Test("train/eval divergence is near 0 once running stats equal the population stats")
  func divergenceVanishes() throws {
    func gap(momentum: String) throws -> (gap: Float, kl: Float, meanGap: Float) {
      let data = try BuiltinData.make(name: "blobs", parameters: ["n": "300"], seed: 1)
      var s = InstrumentSettings()
      s.probeSize = 300
      s.every = 3
      let e = try Experiment(
        ExperimentConfig(
          variants: [VariantSpec(name: "bn", model: "linear 8, batchnorm momentum=\(momentum), relu, linear 3")],
          data: data,
          optimizer: .init(kind: .sgd, learningRate: 0), batchSize: 300, seed: 1, validationFraction: 0, instruments: s)
      )
      for _ in 0..<3 { try e.advance() }
      let r = e.variants[0].record
      return (r.trainEvalLogitGap.last!, r.trainEvalKL.last!, r.bnMeanGap[1]!.last!)
    }
    // Full batch, frozen weights, cumulative average: running mean = population mean, running
    // variance = population variance × 300/299 (unbiased), so only that factor remains.
    let exact = try gap(momentum: "none")
    let lagging = try gap(momentum: "0.1")
    #expect(exact.meanGap < 1e-5)
    #expect(exact.gap < 0.01)
    #expect(exact.kl < 1e-4)
    #expect(lagging.gap > 20 * exact.gap)
  }

  @Test("drift is 0 for a frozen network")
  func frozenNoDrift() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [VariantSpec(name: "bn", model: "linear 16, batchnorm, sigmoid, linear 10")],
        data: BuiltinData.digits(),
        optimizer: .init(kind: .sgd, learningRate: 0.5), seed: 5, instruments: every(2)))
    for v in e.variants { for p in v.network.parameters { p.frozen = true } }
    for _ in 0..<10 { try e.advance() }
    let r = e.variants[0].record
    for tap in r.driftSinceMark.keys {
      #expect(r.driftSinceMark[tap]!.values.allSatisfy { $0 == 0 }, "\(tap)")
      #expect(r.shiftW1[tap]!.values.allSatisfy { $0 == 0 }, "\(tap)")
    }
    #expect(r.driftSinceMark.count == 4)
  }

  @Test("events are recorded with their step; controls validate their input")
  func events() throws {
    let e = try bnPaperExperiment(lr: 0.5)
    try e.advance()
    try e.setLearningRate(1.0)
    try e.setBatchSize(16)
    e.setInferenceMode(.train)
    try e.setBatchNormFrozen(true, variants: ["bn"])
    try e.advance()
    e.mark("after freeze")
    try e.resetRunningStatistics()
    try e.reestimateRunningStatistics(batches: 3)
    try e.setOptimizer(.init(kind: .adam, learningRate: 0.001))
    let shifted = try DomainShift(scale: 1.5, offset: 0.2).apply(to: BuiltinData.digits(), seed: 1)
    try e.setData(shifted, description: "digits ×1.5 + 0.2")
    try e.advance()
    #expect(e.events.map(\.step) == [1, 1, 1, 1, 2, 2, 2, 2, 2])
    #expect(e.events.map(\.description).first == "step 1: learning rate 1.0")
    #expect(e.events[3].description == "step 1: BatchNorm frozen (running statistics) (bn)")
    #expect(e.batchSize == 16 && e.inferenceMode == .train)
    #expect(throws: ExperimentError.self) { try e.setLearningRate(-1) }
    #expect(throws: ExperimentError.self) { try e.setBatchNormFrozen(true, variants: ["nope"]) }
    #expect(throws: ExperimentError.self) {
      try e.setData(BuiltinData.make(name: "moons", seed: 1), description: "moons")
    }
  }

  @Test("metrics export: one row per step per variant, documented columns")
  func export() throws {
    let e = try bnPaperExperiment(lr: 0.5)
    var m = MetricsExport(for: e)
    for _ in 0..<50 {
      try e.advance()
      m.capture(e)
    }
    let csv = m.render(.csv).split(separator: "\n")
    #expect(csv.count == 101)
    let header = csv[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(header.prefix(4) == ["step", "variant", "loss", "loss_smooth"])
    #expect(header.contains("ics_l2_l3") && header.contains("bn_mean_gap_l1"))
    let row50 = csv.last!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(row50[0] == "50" && row50[1] == "bn")
    #expect(row50[header.firstIndex(of: "drift_since_mark_l3")!].isEmpty)  // sampled every 40 steps
    let row40 = csv[80].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(row40[0] == "40" && row40[1] == "bn")
    #expect(!row40[header.firstIndex(of: "drift_since_mark_l3")!].isEmpty)
    #expect(row40[header.firstIndex(of: "ics_l2_l3")!].isEmpty)  // ICS every 100 steps
    let jsonl = m.render(.jsonl).split(separator: "\n")
    #expect(jsonl.count == 100)
    #expect(jsonl[0].hasPrefix("{\"step\":1,\"variant\":\"plain\",\"loss\":"))
  }

  @Test("metrics so far (the live app's x): the history equals the rows streamed step by step, batch changes included")
  func exportHistory() throws {
    let e = try bnPaperExperiment(lr: 0.5)
    var streamed = MetricsExport(for: e)
    for step in 1...260 {
      if step == 130 { try e.setBatchSize(30) }
      try e.advance()
      if step % 100 == 0 { try e.recordValidation() }
      streamed.capture(e)
    }
    var history = MetricsExport(for: e)
    history.captureHistory(e)
    #expect(history.rows.count == 520)
    #expect(history.render(.csv) == streamed.render(.csv))
    #expect(history.render(.jsonl) == streamed.render(.jsonl))
    #expect(history.rows[2 * 129]["batch"] == "30" && history.rows[2 * 128]["batch"] == "60")
  }

  @Test("claim: the last hidden layer's input percentiles travel several times further without BN")
  func percentileDrift() throws {
    // BN paper Figure 1(b, c) on digits: 3×100 sigmoid, batch 60, W ~ N(0, 0.1²), SGD lr 0.5,
    // 2,000 steps, percentiles of the last hidden layer's sigmoid input on a fixed probe batch.
    let e = try bnPaperExperiment(lr: 0.5)
    for _ in 0..<2000 { try e.advance() }
    let plain = e.variants[0].record
    let bn = e.variants[1].record
    let travel = plain.percentileTravel / bn.percentileTravel
    let range = plain.percentileRange / bn.percentileRange
    print(
      "percentile drift plain/bn: travel \(plain.percentileTravel)/\(bn.percentileTravel) = \(travel)×, range \(plain.percentileRange)/\(bn.percentileRange) = \(range)×"
    )
    // Measured (seed 1, sampled every 40 steps): travel 3.00 vs 0.61 = 4.9×; range 1.77 vs 0.45 = 4.0×.
    #expect(travel > 3)
    #expect(range > 2.5)
  }
}
