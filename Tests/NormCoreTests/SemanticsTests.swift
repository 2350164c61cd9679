import NormCore
import Testing

@Suite("Normalization semantics beyond the PyTorch fixture")
struct SemanticsTests {
  func data(_ n: Int, _ c: Int, seed: UInt64 = 4, scale: Float = 3, shift: Float = 2) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<(n * c)).map { _ in rng.normal() * scale + shift }
  }

  @Test("Keras preset: moving ← 0.99·moving + 0.01·batch with the biased variance, eps 1e-3")
  func kerasPreset() throws {
    let bn = try layers("batchnorm preset=keras", shape: [2])[0] as! BatchNorm
    #expect(bn.options.eps == 1e-3)
    let x: [Float] = [1, 10, 3, 20, 5, 30, 7, 40]
    _ = try run(bn, x, batch: 4, mode: .train)
    // channel 0: values 1,3,5,7 → mean 4, biased var 5
    #expect(abs(bn.runningMean[0] - 0.04) < 1e-6)
    #expect(abs(bn.runningVar[0] - (0.99 + 0.01 * 5)) < 1e-6)
    // PyTorch would use the unbiased 20/3 with momentum 0.1.
    let torch = try layers("batchnorm", shape: [2])[0] as! BatchNorm
    _ = try run(torch, x, batch: 4, mode: .train)
    #expect(abs(torch.runningVar[0] - (0.9 + 0.1 * 20 / 3)) < 1e-6)
    // Keras momentum written the Keras way.
    let k2 = try layers("batchnorm preset=keras momentum=0.9", shape: [2])[0] as! BatchNorm
    #expect(abs(k2.options.momentum! - 0.1) < 1e-7)
  }

  @Test("Keras trainable=False: inference mode and γ/β frozen; PyTorch frozen BN keeps γ/β trainable")
  func frozenConventions() throws {
    let keras = try layers("batchnorm preset=keras", shape: [3])[0] as! BatchNorm
    keras.frozen = true
    #expect(keras.gamma!.frozen && keras.beta!.frozen)
    let torch = try layers("batchnorm frozen=true", shape: [3])[0] as! BatchNorm
    #expect(!torch.gamma!.frozen)
    let x = data(5, 3)
    let before = (torch.runningMean, torch.runningVar, torch.numBatchesTracked)
    let yTrain = try run(torch, x, batch: 5, mode: .train)
    let yEval = try run(torch, x, batch: 5, mode: .eval)
    #expect(yTrain == yEval)
    #expect(torch.runningMean == before.0 && torch.runningVar == before.1 && torch.numBatchesTracked == before.2)
  }

  @Test("PyTorch requires_grad=False freezes γ/β but running stats still update in train mode")
  func fineTuningSurprise() throws {
    let bn = try layers("batchnorm", shape: [3])[0] as! BatchNorm
    bn.gamma!.frozen = true
    bn.beta!.frozen = true
    _ = try run(bn, data(6, 3), batch: 6, mode: .train)
    #expect(bn.runningMean != [0, 0, 0])
    #expect(bn.numBatchesTracked == 1)
  }

  @Test("probe passes (updatesState: false) change no running statistics and no counters")
  func probesDoNotUpdate() throws {
    let bn = try layers("batchnorm", shape: [3])[0] as! BatchNorm
    _ = try run(bn, data(6, 3), batch: 6, mode: .train, updatesState: false)
    #expect(bn.runningMean == [0, 0, 0] && bn.runningVar == [1, 1, 1] && bn.numBatchesTracked == 0)
    let inorm = try layers("instancenorm track=true", shape: [2, 4])[0] as! InstanceNorm
    _ = try run(inorm, data(3, 8), batch: 3, mode: .train, updatesState: false)
    #expect(inorm.runningMean == [0, 0])
    let drop = try layers("dropout 0.5", shape: [20])[0]
    let x = [Float](repeating: 1, count: 20)
    let a = try run(drop, x, batch: 1, mode: .train, updatesState: false)
    let b = try run(drop, x, batch: 1, mode: .train, updatesState: false)
    #expect(a == b)
    let c = try run(drop, x, batch: 1, mode: .train)
    let d = try run(drop, x, batch: 1, mode: .train)
    #expect(c != d)
    #expect(try run(drop, x, batch: 1, mode: .eval) == x)
  }

  @Test("momentum=nil: running mean is the exact average of the batch means")
  func cumulative() throws {
    let bn = try layers("batchnorm momentum=none", shape: [1])[0] as! BatchNorm
    for v: Float in [1, 3, 8] {
      _ = try run(bn, [v - 1, v + 1], batch: 2, mode: .train)
    }
    #expect(abs(bn.runningMean[0] - 4) < 1e-6)
    #expect(abs(bn.runningVar[0] - 2) < 1e-6)  // unbiased variance of {v−1, v+1} is 2
    #expect(bn.numBatchesTracked == 3)
  }

  @Test("reset and re-estimate running statistics from data matches the population statistics")
  func reestimate() throws {
    var ds = try BuiltinData.make(name: "blobs", parameters: ["n": "400"], seed: 1)
    ds.features = ds.features.map { $0 * 2 + 1 }
    let net = try ModelSpec(parsing: "batchnorm, linear 3").build(
      inputShape: [2], classes: 3, settings: BuildSettings(seed: 1))
    let trainer = Trainer(network: net, optimizer: .init())
    let bn = net.batchNorms[0]
    bn.runningMean = [50, 50]
    try trainer.reestimateRunningStatistics(data: ds, batches: 4, batchSize: 100, seed: 2)
    // 4 batches of 100 cover every sample once: mean equals the population mean.
    var mean = [Double](repeating: 0, count: 2)
    for i in 0..<ds.count { for c in 0..<2 { mean[c] += Double(ds.features[2 * i + c]) / Double(ds.count) } }
    #expect(abs(Double(bn.runningMean[0]) - mean[0]) < 1e-4)
    #expect(abs(Double(bn.runningMean[1]) - mean[1]) < 1e-4)
    #expect(bn.numBatchesTracked == 4)
    #expect(bn.options.momentum == 0.1)
  }

  @Test("GroupNorm with G = C equals InstanceNorm with affine; G = 1 equals LayerNorm without affine")
  func groupNormIdentities() throws {
    let x = data(2, 4 * 6)
    let gnC = try layers("groupnorm 4", shape: [4, 6])[0]
    let inA = try layers("instancenorm affine=true", shape: [4, 6])[0]
    #expect(closeness(try run(gnC, x, batch: 2, mode: .train), try run(inA, x, batch: 2, mode: .train), tol: 1e-6) <= 1)
    let gn1 = try layers("groupnorm 1 affine=false", shape: [4, 6])[0]
    let ln = try layers("layernorm affine=false", shape: [4, 6])[0]
    #expect(closeness(try run(gn1, x, batch: 2, mode: .train), try run(ln, x, batch: 2, mode: .train), tol: 1e-6) <= 1)
  }

  @Test("BN output has per-channel mean 0 and biased variance ≈ 1 in training")
  func normalizedStatistics() throws {
    let bn = try layers("batchnorm", shape: [3, 5])[0]
    let y = try run(bn, data(8, 15, scale: 10, shift: -7), batch: 8, mode: .train)
    for c in 0..<3 {
      var vals = [Double]()
      for n in 0..<8 { for s in 0..<5 { vals.append(Double(y[(n * 3 + c) * 5 + s])) } }
      let m = vals.reduce(0, +) / Double(vals.count)
      let v = vals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(vals.count)
      #expect(abs(m) < 1e-5)
      #expect(abs(v - 1) < 1e-3)
    }
  }
}

@Suite("Kernels: finiteness test")
struct FinitenessTests {
  @Test(
    "allFinite finds one non-finite value at any position, and only those",
    arguments: [Float.nan, .infinity, -.infinity, .signalingNaN])
  func findsNonFinite(bad: Float) {
    for n in [1, 7, 8, 9, 17, 100] {
      var x = (0..<n).map { Float($0) * (($0 % 2 == 0) ? 1e30 : -Float.leastNormalMagnitude / 4) }
      x[0] = .greatestFiniteMagnitude
      #expect(allFinite(x, count: n), "n=\(n)")
      for i in 0..<n {
        var y = x
        y[i] = bad
        #expect(!allFinite(y, count: n), "n=\(n) i=\(i)")
      }
    }
  }
}

@Suite("Kernels: group norm four samples at a time")
struct GroupNormLaneTests {
  @Test(
    "forward and backward over n samples equal the same samples one at a time, bit for bit",
    arguments: [(7, 8, 5, 4), (4, 6, 1, 1), (9, 4, 3, 4), (5, 3, 2, 1)])
  func lanesEqualOneSample(n: Int, c: Int, s: Int, groups: Int) {
    var rng = SeededRNG(seed: UInt64(n * 100 + c))
    let x = (0..<(n * c * s)).map { _ in rng.normal() * 3 + 1 }
    let dy = (0..<(n * c * s)).map { _ in rng.normal() }
    let gamma = (0..<c).map { _ in rng.normal() }
    let beta = (0..<c).map { _ in rng.normal() }
    let per = c * s
    // All n at once (four-sample lanes plus a tail).
    var y = [Float](repeating: 0, count: n * per)
    var mean = [Float](repeating: 0, count: n * groups)
    var rstd = [Float](repeating: 0, count: n * groups)
    groupnormForward(
      &y, mean: &mean, rstd: &rstd, x, gamma: gamma, beta: beta, n: n, c: c, s: s, groups: groups, eps: 1e-5)
    var dx = [Float](repeating: 0, count: n * per)
    var dg = [Float](repeating: 0, count: c)
    var db = [Float](repeating: 0, count: c)
    groupnormBackward(
      &dx, dgamma: &dg, dbeta: &db, dy, x, mean: mean, rstd: rstd, gamma: gamma, n: n, c: c, s: s, groups: groups)
    // One sample at a time, accumulating dγ and dβ in the same sample order.
    var dg1 = [Float](repeating: 0, count: c)
    var db1 = [Float](repeating: 0, count: c)
    for i in 0..<n {
      let xi = Array(x[(i * per)..<((i + 1) * per)])
      let dyi = Array(dy[(i * per)..<((i + 1) * per)])
      var yi = [Float](repeating: 0, count: per)
      var mi = [Float](repeating: 0, count: groups)
      var ri = [Float](repeating: 0, count: groups)
      groupnormForward(
        &yi, mean: &mi, rstd: &ri, xi, gamma: gamma, beta: beta, n: 1, c: c, s: s, groups: groups, eps: 1e-5)
      #expect(yi == Array(y[(i * per)..<((i + 1) * per)]), "y, sample \(i)")
      #expect(
        mi == Array(mean[(i * groups)..<((i + 1) * groups)]) && ri == Array(rstd[(i * groups)..<((i + 1) * groups)]))
      var dxi = [Float](repeating: 0, count: per)
      groupnormBackward(
        &dxi, dgamma: &dg1, dbeta: &db1, dyi, xi, mean: mi, rstd: ri, gamma: gamma, n: 1, c: c, s: s, groups: groups)
      #expect(dxi == Array(dx[(i * per)..<((i + 1) * per)]), "dx, sample \(i)")
    }
    #expect(dg1 == dg && db1 == db)
  }
}

@Suite("Kernels: batch norm four channels at a time")
struct BatchNormLaneTests {
  @Test(
    "statistics and backward over c channels equal each channel alone, bit for bit",
    arguments: [(3, 6, 5), (2, 4, 9), (5, 9, 2), (1, 3, 7)])
  func lanesEqualOneChannel(n: Int, c: Int, s: Int) {
    var rng = SeededRNG(seed: UInt64(n * 1000 + c * 10 + s))
    let x = (0..<(n * c * s)).map { _ in rng.normal() * 2 - 1 }
    let dy = (0..<(n * c * s)).map { _ in rng.normal() }
    let gamma = (0..<c).map { _ in rng.normal() }
    var mean = [Float](repeating: 0, count: c)
    var variance = [Float](repeating: 0, count: c)
    batchnormStatistics(mean: &mean, variance: &variance, x, n: n, c: c, s: s)
    let rstd = variance.map { 1 / ($0 + 1e-5).squareRoot() }
    var dx = [Float](repeating: 0, count: n * c * s)
    var dg = [Float](repeating: 0, count: c)
    var db = [Float](repeating: 0, count: c)
    batchnormBackward(&dx, dgamma: &dg, dbeta: &db, dy, x, mean: mean, rstd: rstd, gamma: gamma, n: n, c: c, s: s)
    for ch in 0..<c {
      // The channel alone, laid out as (n, 1, s).
      func pick(_ a: [Float]) -> [Float] {
        var out = [Float]()
        for i in 0..<n {
          let start = (i * c + ch) * s
          out += a[start..<(start + s)]
        }
        return out
      }
      let xc = pick(x)
      var m1: [Float] = [0]
      var v1: [Float] = [0]
      batchnormStatistics(mean: &m1, variance: &v1, xc, n: n, c: 1, s: s)
      #expect(m1[0] == mean[ch] && v1[0] == variance[ch], "channel \(ch)")
      var dx1 = [Float](repeating: 0, count: n * s)
      var dg1: [Float] = [0]
      var db1: [Float] = [0]
      batchnormBackward(
        &dx1, dgamma: &dg1, dbeta: &db1, pick(dy), xc, mean: [mean[ch]], rstd: [rstd[ch]], gamma: [gamma[ch]], n: n,
        c: 1, s: s)
      #expect(dx1 == pick(dx) && dg1[0] == dg[ch] && db1[0] == db[ch], "channel \(ch)")
    }
  }
}
