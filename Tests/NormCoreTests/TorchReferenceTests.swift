import Foundation
import NormCore
import Testing

/// The fixture written by tools/torch_reference.py (PyTorch 2.x on the CPU).
struct TorchReference: Decodable {
  struct NormCase: Decodable {
    var name, spec: String
    var shape: [Int]
    var params: [String: [Float]]
    var stepInputs: [[Float]]
    var running: [String: RunningValue]
    var x, y, dy, dx: [Float]
    var paramGrads: [String: [Float]]
    var evalX, evalY: [Float]
  }
  enum RunningValue: Decodable {
    case values([Float])
    case count(Int)
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let i = try? c.decode(Int.self) { self = .count(i) } else { self = .values(try c.decode([Float].self)) }
    }
  }
  struct LayerCase: Decodable {
    var name, spec: String
    var shape, yShape: [Int]
    var params: [String: [Float]]
    var x, y, dy, dx: [Float]
    var paramGrads: [String: [Float]]
  }
  struct Constant: Decodable { var x, y, runningMean, runningVar: [Float] }
  struct CE: Decodable {
    var logits: [Float]
    var labels: [Int32]
    var loss: Float
    var dlogits: [Float]
  }
  struct MSE: Decodable {
    var out, target: [Float]
    var loss: Float
    var dout: [Float]
  }
  var torch: String
  var norms: [NormCase]
  var constant: Constant
  var errors: [String: String?]
  var evalSingleSampleWorks: Bool
  var layers: [LayerCase]
  var crossEntropy: CE
  var mse: MSE
  var optimizers: [String: AnyFloats]
  enum AnyFloats: Decodable {
    case one([Float])
    case many([[Float]])
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let a = try? c.decode([Float].self) { self = .one(a) } else { self = .many(try c.decode([[Float]].self)) }
    }
    var one: [Float] { if case .one(let a) = self { a } else { [] } }
    var many: [[Float]] { if case .many(let a) = self { a } else { [] } }
  }

  static let shared: TorchReference = {
    let data = try! Data(contentsOf: fixturesURL.appendingPathComponent("torch_reference.json"))
    return try! JSONDecoder().decode(TorchReference.self, from: data)
  }()
}

/// Maps a PyTorch parameter name to the layer's parameter.
func parameter(_ layer: any Layer, torchName: String) -> Parameter? {
  switch (layer, torchName) {
  case (let l as Linear, "weight"): l.weight
  case (let l as Linear, "bias"): l.bias
  case (let l as Conv2d, "weight"): l.weight
  case (let l as Conv2d, "bias"): l.bias
  case (let l as RNN, "weight_ih_l0"): l.weightIH
  case (let l as RNN, "weight_hh_l0"): l.weightHH
  case (let l as RNN, "bias_ih_l0"): l.biasIH
  case (let l as RNN, "bias_hh_l0"): l.biasHH
  case (_, "weight"): layer.parameters.first { $0.role == .gamma }
  case (_, "bias"): layer.parameters.first { $0.role == .beta }
  default: nil
  }
}

@Suite("PyTorch reference values")
struct TorchReferenceTests {
  static let ref = TorchReference.shared

  @Test(
    "norm matches PyTorch: output, grads, running stats after 3 steps, eval",
    arguments: TorchReference.shared.norms.map(\.name))
  func norm(name: String) throws {
    let c = Self.ref.norms.first { $0.name == name }!
    let n = c.shape[0]
    let layer = try layers(c.spec, shape: Array(c.shape.dropFirst()))[0]
    for (k, v) in c.params {
      let p = try #require(parameter(layer, torchName: k), "no parameter \(k)")
      p.value = v
    }
    for x in c.stepInputs { _ = try run(layer, x, batch: n, mode: .train) }
    if case .values(let rm)? = c.running["running_mean"] {
      let got = (layer as? BatchNorm)?.runningMean ?? (layer as? InstanceNorm)?.runningMean ?? []
      expectClose(got, rm, "\(name) running_mean")
    }
    if case .values(let rv)? = c.running["running_var"] {
      let got = (layer as? BatchNorm)?.runningVar ?? (layer as? InstanceNorm)?.runningVar ?? []
      expectClose(got, rv, "\(name) running_var")
    }
    if case .count(let nbt)? = c.running["num_batches_tracked"], let bn = layer as? BatchNorm {
      #expect(bn.numBatchesTracked == nbt)
    }
    let y = try run(layer, c.x, batch: n, mode: .train)
    expectClose(y, c.y, "\(name) y")
    let dx = back(layer, x: c.x, y: y, dy: c.dy, batch: n)
    expectClose(dx, c.dx, "\(name) dx")
    for (k, g) in c.paramGrads {
      expectClose(parameter(layer, torchName: k)!.grad, g, "\(name) d\(k)")
    }
    let ye = try run(layer, c.evalX, batch: n, mode: .eval)
    expectClose(ye, c.evalY, "\(name) eval y")
  }

  @Test("linear, conv, maxpool and RNN match PyTorch", arguments: TorchReference.shared.layers.map(\.name))
  func layer(name: String) throws {
    let c = Self.ref.layers.first { $0.name == name }!
    let n = c.shape[0]
    let layer = try layers(c.spec, shape: Array(c.shape.dropFirst()))[0]
    for (k, v) in c.params { try #require(parameter(layer, torchName: k), "no parameter \(k)").value = v }
    #expect([n] + layer.outputShape == c.yShape)
    let y = try run(layer, c.x, batch: n, mode: .train)
    expectClose(y, c.y, "\(name) y")
    let dx = back(layer, x: c.x, y: y, dy: c.dy, batch: n)
    expectClose(dx, c.dx, "\(name) dx")
    for (k, g) in c.paramGrads { expectClose(parameter(layer, torchName: k)!.grad, g, "\(name) d\(k)") }
  }

  @Test func crossEntropyAndMSE() {
    let ce = Self.ref.crossEntropy
    var probs = [Float](repeating: 0, count: ce.logits.count)
    var d = probs
    let loss = softmaxCrossEntropy(
      dlogits: &d, probs: &probs, ce.logits, labels: ce.labels, batch: ce.labels.count, classes: 4)
    expectClose([loss], [ce.loss], "CE loss")
    expectClose(d, ce.dlogits, "CE dlogits")
    let m = Self.ref.mse
    var dm = [Float](repeating: 0, count: m.out.count)
    let ml = meanSquaredError(dout: &dm, m.out, targets: m.target, count: m.out.count)
    expectClose([ml], [m.loss], "MSE loss")
    expectClose(dm, m.dout, "MSE dout")
  }

  @Test("all rows equal: y = β, running_var ← 0.9·1")
  func constantRows() throws {
    let c = Self.ref.constant
    let bn = try layers("batchnorm", shape: [3])[0] as! BatchNorm
    bn.beta!.value = [0.5, -1.0, 2.0]
    let y = try run(bn, c.x, batch: 4, mode: .train)
    #expect(y.allSatisfy { $0.isFinite })
    expectClose(y, c.y, "constant y")
    expectClose(bn.runningMean, c.runningMean, "constant running_mean")
    expectClose(bn.runningVar, c.runningVar, "constant running_var")
  }

  @Test("errors are PyTorch's, never NaN")
  func errors() throws {
    let e = Self.ref.errors
    func message(_ body: () throws -> Void) -> String? {
      do { try body() } catch { return "\(error)" }
      return nil
    }
    let bn = try layers("batchnorm", shape: [3])[0]
    #expect(message { _ = try run(bn, [1, 2, 3], batch: 1, mode: .train) } == e["bn_one_value"]!)
    let bnNoTrack = try layers("batchnorm track=false", shape: [3])[0]
    #expect(message { _ = try run(bnNoTrack, [1, 2, 3], batch: 1, mode: .eval) } == e["bn_no_track_eval_one_value"]!)
    let bnEps0 = try layers("batchnorm eps=0", shape: [3])[0]
    #expect(
      message { _ = try run(bnEps0, [Float](repeating: 1, count: 12), batch: 4, mode: .train) } == e["bn_eps_zero"]!)
    let gn = try layers("groupnorm 4", shape: [4])[0]
    #expect(message { _ = try run(gn, [1, 2, 3, 4], batch: 1, mode: .eval) } == e["gn_one_value"]!)
    let inorm = try layers("instancenorm", shape: [3, 1])[0]
    #expect(
      message { _ = try run(inorm, [Float](repeating: 1, count: 6), batch: 2, mode: .train) } == e["in_one_spatial"]!)
    #expect(message { _ = try GroupNorm(groups: 4, shape: [6]) } == e["gn_divisible"]!)
    // Eval mode with running statistics works on a single sample.
    #expect(Self.ref.evalSingleSampleWorks)
    let single = try run(bn, [1, 2, 3], batch: 1, mode: .eval)
    #expect(single.allSatisfy { $0.isFinite })
  }

  @Test("optimizers follow torch.optim", arguments: ["sgd", "sgd_wd", "momentum", "nesterov", "adam", "adam_wd"])
  func optimizer(kind: String) {
    let o = Self.ref.optimizers
    var s: OptimizerSettings
    switch kind {
    case "sgd": s = .init(kind: .sgd, learningRate: 0.1)
    case "sgd_wd":
      s = .init(kind: .sgd, learningRate: 0.1)
      s.weightDecay = 0.01
    case "momentum": s = .init(kind: .momentum, learningRate: 0.1)
    case "nesterov":
      s = .init(kind: .momentum, learningRate: 0.1)
      s.nesterov = true
    case "adam": s = .init(kind: .adam, learningRate: 0.01)
    default:
      s = .init(kind: .adam, learningRate: 0.01)
      s.weightDecay = 0.1
    }
    let p = Parameter(role: .weight, shape: [6], value: o["start"]!.one)
    let opt = Optimizer(s)
    for g in o["grads"]!.many {
      p.grad = g
      opt.step([p])
    }
    expectClose(p.value, o[kind]!.one, "\(kind) trajectory")
  }

  @Test func frozenParametersDoNotMove() {
    let p = Parameter(role: .gamma, shape: [2], value: [1, 2])
    p.frozen = true
    p.grad = [5, 5]
    var s = OptimizerSettings(kind: .adam, learningRate: 0.1)
    s.weightDecay = 0.5
    Optimizer(s).step([p])
    #expect(p.value == [1, 2])
  }
}
