import NormCore
import Testing

/// Central finite differences against the analytic backward, for a loss L = Σ r ⊙ y with a
/// fixed random r. Float32 forward, Double accumulation of L; step h; tolerance allows for
/// Float32 rounding: |analytic − numeric| ≤ 2e-2·max(|a|, |n|) + 2e-3.
struct GradientChecker {
  var h: Float = 1e-2

  func loss(_ layer: any Layer, _ x: [Float], batch: Int, mode: Mode, r: [Float]) throws -> Double {
    let y = try run(layer, x, batch: batch, mode: mode, updatesState: false)
    var s = 0.0
    for (a, b) in zip(y, r) { s += Double(a) * Double(b) }
    return s
  }

  /// Returns the worst violation ratio (≤ 1 passes) over dx and every parameter.
  func check(
    _ layer: any Layer, batch: Int, mode: Mode = .train, seed: UInt64 = 7, inputScale: Float = 1, inputs: [Float]? = nil
  ) throws -> Float {
    var rng = SeededRNG(seed: seed)
    let nIn = batch * layer.inputShape.reduce(1, *)
    let nOut = batch * layer.outputShape.reduce(1, *)
    let x = inputs ?? (0..<nIn).map { _ in rng.normal() * inputScale + 0.3 }
    let r = (0..<nOut).map { _ in rng.normal() }
    // Analytic gradients.
    for p in layer.parameters { p.grad = [Float](repeating: 0, count: p.count) }
    let y = try run(layer, x, batch: batch, mode: mode, updatesState: false)
    let dx = back(layer, x: x, y: y, dy: r, batch: batch)
    var worst: Float = 0
    func compare(_ a: Float, _ n: Double) {
      let nf = Float(n)
      let allowed = 2e-2 * max(abs(a), abs(nf)) + 2e-3
      worst = max(worst, abs(a - nf) / allowed)
    }
    var xp = x
    for i in 0..<x.count {
      xp[i] = x[i] + h
      let lp = try loss(layer, xp, batch: batch, mode: mode, r: r)
      xp[i] = x[i] - h
      let lm = try loss(layer, xp, batch: batch, mode: mode, r: r)
      xp[i] = x[i]
      compare(dx[i], (lp - lm) / Double(2 * h))
    }
    for p in layer.parameters {
      let analytic = p.grad
      for i in 0..<p.count {
        let v = p.value[i]
        p.value[i] = v + h
        let lp = try loss(layer, x, batch: batch, mode: mode, r: r)
        p.value[i] = v - h
        let lm = try loss(layer, x, batch: batch, mode: mode, r: r)
        p.value[i] = v
        compare(analytic[i], (lp - lm) / Double(2 * h))
      }
    }
    return worst
  }
}

/// Perturbs γ/β away from 1/0 so their gradients are exercised in general position.
func randomizeAffine(_ layer: any Layer, seed: UInt64 = 3) {
  var rng = SeededRNG(seed: seed)
  for p in layer.parameters where p.role == .gamma || p.role == .beta {
    for i in 0..<p.count { p.value[i] = (p.role == .gamma ? 1 : 0) + 0.5 * rng.normal() }
  }
}

@Suite("Finite-difference gradient checks")
struct GradientCheckTests {
  let checker = GradientChecker()

  @Test(
    "every layer's backward matches finite differences",
    arguments: [
      ("linear 5", [7], 4),
      ("linear 5 bias=false", [7], 3),
      ("conv 4 k=3 s=2 p=1", [2, 7, 7], 2),
      ("conv 3 k=2", [3, 5, 5], 2),
      ("sigmoid", [6], 3),
      ("tanh", [6], 3),
      ("flatten", [2, 3, 2], 2),
      ("dropout 0.3", [10], 3),
      ("noise shift=0.5 scale=1.25", [6], 3),
      ("rnn 5", [4, 3], 3),
      ("rnn 5 norm=layernorm", [4, 3], 3),
      ("rnn 5 norm=batchnorm", [4, 3], 4),
    ])
  func layer(spec: String, shape: [Int], batch: Int) throws {
    let l = try layers(spec, shape: shape)[0]
    randomizeAffine(l)
    // BN inside an RNN over a batch of 4 is strongly curved: a smaller step keeps the
    // finite-difference truncation error below the tolerance (measured: h=1e-2 → 2.7×, 3e-3 → 0.26×).
    var checker = checker
    if spec.contains("batchnorm") { checker.h = 3e-3 }
    let worst = try checker.check(l, batch: batch)
    #expect(worst <= 1, "\(spec): worst error \(worst)× tolerance")
  }

  @Test("ReLU and max pool away from their kinks")
  func nonSmooth() throws {
    // Inputs on a grid spaced well beyond h, so no perturbation crosses a kink or a tie.
    let relu = try layers("relu", shape: [8])[0]
    let xr = (0..<16).map { Float($0 - 8) * 0.25 + 0.125 }
    #expect(try checker.check(relu, batch: 2, inputs: xr) <= 1)
    let pool = try layers("maxpool 2", shape: [2, 4, 4])[0]
    var rng = SeededRNG(seed: 5)
    var xp = (0..<64).map { Float($0) * 0.1 }
    rng.shuffle(&xp)
    #expect(try checker.check(pool, batch: 2, inputs: xp) <= 1)
  }

  @Test(
    "every norm in training mode, for each input layout",
    arguments: [
      ("batchnorm", [5]),
      ("batchnorm", [3, 4]),
      ("batchnorm", [2, 3, 3]),
      ("batchnorm affine=false", [4]),
      ("batchnorm preset=keras", [4]),
      ("batchrenorm rmax=1.5 dmax=0.5", [4]),
      ("layernorm", [6]),
      ("layernorm", [2, 3, 3]),
      ("groupnorm 2", [4, 3]),
      ("groupnorm 3", [6, 2, 2]),
      ("instancenorm", [3, 5]),
      ("instancenorm affine=true", [2, 3, 3]),
      ("rmsnorm", [6]),
      ("rmsnorm eps=1e-5", [2, 2, 2]),
    ])
  func normTraining(spec: String, shape: [Int]) throws {
    let l = try layers(spec, shape: shape)[0]
    randomizeAffine(l)
    if let bn = l as? BatchNorm, bn.options.renorm != nil {
      // Renorm treats r and d as constants in backprop, which is the true derivative where
      // both are clipped: running stats far from the batch's (σ_B/σ < 1/rmax, |μ_B − μ|/σ > dmax).
      bn.runningMean = (0..<bn.channels).map { $0 % 2 == 0 ? 8 : -8 }
      bn.runningVar = (0..<bn.channels).map { _ in 25 }
    }
    let worst = try checker.check(l, batch: 4)
    #expect(worst <= 1, "\(spec) \(shape): worst error \(worst)× tolerance")
  }

  @Test("batch renorm with rmax = 1, dmax = 0 is batch norm")
  func renormReducesToBN() throws {
    var rng = SeededRNG(seed: 9)
    let x = (0..<24).map { _ in rng.normal() * 2 + 1 }
    let dy = (0..<24).map { _ in rng.normal() }
    let bn = try layers("batchnorm", shape: [3, 2])[0]
    let rn = try layers("batchrenorm rmax=1 dmax=0", shape: [3, 2])[0]
    for _ in 0..<3 {
      let a = try run(bn, x.map { $0 * 1.5 }, batch: 4, mode: .train)
      let b = try run(rn, x.map { $0 * 1.5 }, batch: 4, mode: .train)
      expectClose(b, a, tol: 1e-6, "renorm y")
    }
    let y1 = try run(bn, x, batch: 4, mode: .train)
    let y2 = try run(rn, x, batch: 4, mode: .train)
    expectClose(
      back(rn, x: x, y: y2, dy: dy, batch: 4), back(bn, x: x, y: y1, dy: dy, batch: 4), tol: 1e-6, "renorm dx")
    expectClose((rn as! BatchNorm).runningVar, (bn as! BatchNorm).runningVar, tol: 1e-6, "renorm running var")
    expectClose(try run(rn, x, batch: 4, mode: .eval), try run(bn, x, batch: 4, mode: .eval), tol: 1e-6, "renorm eval")
  }

  @Test("norms with fixed statistics: eval mode, frozen BN, InstanceNorm with running stats")
  func fixedStatistics() throws {
    let bn = try layers("batchnorm", shape: [3, 4])[0] as! BatchNorm
    randomizeAffine(bn)
    bn.runningMean = [0.1, -0.3, 0.5]
    bn.runningVar = [0.7, 1.4, 2.0]
    #expect(try checker.check(bn, batch: 3, mode: .eval) <= 1)
    bn.frozen = true
    #expect(try checker.check(bn, batch: 3, mode: .train) <= 1)
    let inorm = try layers("instancenorm affine=true track=true", shape: [3, 4])[0] as! InstanceNorm
    randomizeAffine(inorm)
    inorm.runningVar = [0.5, 1.5, 2.5]
    #expect(try checker.check(inorm, batch: 2, mode: .eval) <= 1)
  }

  @Test(
    "whole networks with the norm before and after the activation",
    arguments: [
      "linear 6, batchnorm, relu, linear 3",
      "linear 6, relu, batchnorm, linear 3",
      "linear 6, batchnorm, sigmoid, linear 6, layernorm, tanh, linear 3",
      "linear 6, tanh, groupnorm 2, linear 3",
    ])
  func network(spec: String) throws {
    let net = try ModelSpec(parsing: spec).build(inputShape: [4], classes: 3, settings: BuildSettings(seed: 11))
    var rng = SeededRNG(seed: 2)
    let batch = 5
    let x = (0..<(batch * 4)).map { _ in rng.normal() }
    let labels: [Int32] = [0, 1, 2, 1, 0]
    func loss() throws -> Double {
      try net.forward(x, batch: batch, updatesState: false)
      return Double(labels.withUnsafeBufferPointer { net.crossEntropy(labels: $0, backward: false).loss })
    }
    try net.forward(x, batch: batch, updatesState: false)
    net.zeroGradients()
    _ = labels.withUnsafeBufferPointer { net.crossEntropy(labels: $0, backward: true) }
    var worst: Float = 0
    let h: Float = 3e-3  // ReLU kinks: a small step rarely crosses one
    for p in net.parameters {
      let a = p.grad
      for i in 0..<p.count {
        let v = p.value[i]
        p.value[i] = v + h
        let lp = try loss()
        p.value[i] = v - h
        let lm = try loss()
        p.value[i] = v
        let n = Float((lp - lm) / Double(2 * h))
        worst = max(worst, abs(a[i] - n) / (2e-2 * max(abs(a[i]), abs(n)) + 2e-4))
      }
    }
    #expect(worst <= 1, "\(spec): worst \(worst)")
  }
}
