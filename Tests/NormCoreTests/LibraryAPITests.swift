import Foundation
import NormCore
import Testing

/// The fixture written by tools/torch_api_reference.py.
struct TorchAPIReference: Decodable {
  struct Optimizers: Decodable {
    var start: [Float]
    var grads: [[Float]]
    var cases: [String: [Float]]
  }
  var optimizers: Optimizers
  var optimizerErrors: [String: String]
  var stateKeys: [String]
  var stateShapes: [String: [Int]]
  var loadErrors: [String: String]

  static let shared: TorchAPIReference = {
    let data = try! Data(contentsOf: fixturesURL.appendingPathComponent("torch_api.json"))
    return try! JSONDecoder().decode(TorchAPIReference.self, from: data)
  }()
}

/// The message of what `body` throws, or nil.
private func thrown(_ body: () throws -> Void) -> String? {
  do { try body() } catch { return "\(error)" }
  return nil
}

/// `nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sigmoid(), nn.Linear(3, 2))`, built
/// with the public constructors.
private func smallNetwork(seed: UInt64 = 1) throws -> Network {
  var rng = SeededRNG(seed: seed)
  return try Network(
    inputShape: [4],
    layers: [
      try Linear(4, 3, rng: &rng), try BatchNorm(numFeatures: 3), Activation(.sigmoid, shape: [3]),
      try Linear(3, 2, rng: &rng),
    ])
}

@Suite("NormCore as a library: tensors in, tensors out, PyTorch's names and errors")
struct LibraryAPITests {
  static let ref = TorchAPIReference.shared

  @Test("SGD, Adam and AdamW follow torch.optim", arguments: 0..<6)
  func optimizerTrajectory(index: Int) throws {
    let name = Self.ref.optimizers.cases.keys.sorted()[index]
    let step: ([Parameter]) -> Void
    switch name {
    case "sgd_momentum_dampening": step = try SGD(lr: 0.1, momentum: 0.8, dampening: 0.3).step
    case "sgd_momentum_wd": step = try SGD(lr: 0.05, momentum: 0.5, weightDecay: 0.1).step
    case "sgd_nesterov_wd": step = try SGD(lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01).step
    case "adam_betas": step = try Adam(lr: 0.02, betas: (0.8, 0.99), eps: 1e-6).step
    case "adamw": step = try AdamW(lr: 0.01).step
    case "adamw_wd": step = try AdamW(lr: 0.01, weightDecay: 0.5).step
    default:
      Issue.record("fixture case \(index) has no optimizer here")
      return
    }
    let p = Parameter(role: .weight, shape: [6], value: Self.ref.optimizers.start)
    for g in Self.ref.optimizers.grads {
      p.grad = g
      step([p])
    }
    expectClose(p.value, Self.ref.optimizers.cases[name]!, tol: 1e-6, "case \(index) trajectory")
  }

  @Test("invalid optimizer arguments are PyTorch's errors")
  func optimizerErrors() {
    let e = Self.ref.optimizerErrors
    #expect(thrown { _ = try SGD(lr: -1) } == e["sgd_lr"])
    #expect(thrown { _ = try SGD(lr: 0.1, momentum: -0.5) } == e["sgd_momentum"])
    #expect(thrown { _ = try SGD(lr: 0.1, weightDecay: -0.25) } == e["sgd_wd"])
    #expect(thrown { _ = try SGD(lr: 0.1, nesterov: true) } == e["sgd_nesterov"])
    #expect(
      thrown { _ = try SGD(lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) } == e["sgd_nesterov_dampening"])
    #expect(thrown { _ = try Adam(lr: -0.5) } == e["adam_lr"])
    #expect(thrown { _ = try Adam(eps: -1) } == e["adam_eps"])
    #expect(thrown { _ = try Adam(betas: (1, 0.999)) } == e["adam_beta0"])
    #expect(thrown { _ = try Adam(betas: (0.9, 1.5)) } == e["adam_beta1"])
    #expect(thrown { _ = try AdamW(weightDecay: -0.5) } == e["adamw_wd"])
    do {
      _ = try SGD(lr: .nan)
      Issue.record("a NaN learning rate was accepted")
    } catch {
      #expect(error == .invalidArgument("Invalid learning rate: nan"))
    }
  }

  /// Named bug: `.sgd` settings ignored an explicitly set momentum (and so Nesterov).
  @Test("plain SGD settings with a momentum use it, as torch.optim.SGD(momentum=)")
  func sgdKindUsesMomentum() {
    let torch = TorchReference.shared.optimizers
    var s = OptimizerSettings(kind: .sgd, learningRate: 0.1)
    s.momentum = 0.9
    s.nesterov = true
    let p = Parameter(role: .weight, shape: [6], value: torch["start"]!.one)
    let opt = Optimizer(s)
    for g in torch["grads"]!.many {
      p.grad = g
      opt.step([p])
    }
    expectClose(p.value, torch["nesterov"]!.one, "sgd kind with momentum 0.9 and nesterov")
    #expect(OptimizerSettings(kind: .sgd).effectiveMomentum == 0)
    #expect(OptimizerSettings(kind: .momentum).effectiveMomentum == 0.9)
  }

  @Test("state_dict names, order and shapes are nn.Sequential's")
  func stateDictNames() throws {
    let net = try smallNetwork()
    let sd = net.stateDict()
    #expect(sd.map(\.key) == Self.ref.stateKeys)
    for (key, value) in sd { #expect(value.shape == Self.ref.stateShapes[key], "shape of \(key)") }
    #expect(
      net.namedParameters.map(\.name)
        == Self.ref.stateKeys.filter { !$0.contains("running") && !$0.contains("tracked") })
    #expect(net.namedBuffers.map(\.name) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
  }

  @Test("load_state_dict's errors are PyTorch's, and an error loads nothing")
  func loadStateDictErrors() throws {
    let e = Self.ref.loadErrors
    let source = try smallNetwork(seed: 2).stateDict()
    let net = try smallNetwork(seed: 1)
    let before = net.stateDict()
    func loading(_ mutate: (inout [(key: String, value: Tensor)]) throws -> Void) throws -> String? {
      var sd = source
      try mutate(&sd)
      return thrown { try net.load(stateDict: sd) }
    }
    #expect(try loading { sd in sd.removeAll { $0.key == "0.weight" || $0.key == "1.running_var" } } == e["missing"])
    #expect(try loading { sd in sd.append((key: "5.weight", value: try Tensor(zeros: [2]))) } == e["unexpected"])
    #expect(
      try loading { sd in
        sd[sd.firstIndex { $0.key == "3.weight" }!].value = try Tensor(zeros: [3, 3])
      } == e["size"])
    #expect(net.stateDict().map(\.value) == before.map(\.value), "a failed load changed the network")
    // A good load makes the two networks compute the same function, running statistics included.
    try net.load(stateDict: source)
    let x = try Tensor((0..<20).map { Float($0) / 7 - 1 }, shape: [5, 4])
    let a = try smallNetwork(seed: 2)
    a.mode = .eval
    net.mode = .eval
    #expect(try net(x) == a(x))
  }

  @Test("tensor forward and backward agree with a finite-difference gradient")
  func tensorGradientCheck() throws {
    let net = try smallNetwork(seed: 3)
    let x = try Tensor((0..<24).map { Float(($0 * 37) % 11) / 5 - 1 }, shape: [6, 4])
    let labels = [0, 1, 1, 0, 1, 0]
    func loss() throws -> Float { try crossEntropy(net.forward(x, updatesState: false), labels: labels).loss }
    let logits = try net.forward(x, updatesState: false)
    let (_, dLogits) = try crossEntropy(logits, labels: labels)
    net.zeroGradients()
    let dx = try net.backward(dLogits)
    #expect(dx.shape == [6, 4])
    // Double-precision-free check in Float: central differences with h = 1e-2 on a few entries.
    let w = net.namedParameters[0].parameter
    for i in [0, 5, 11] {
      let saved = w.value
      var plus = saved
      plus[i] += 1e-2
      try w.assign(Tensor(plus, shape: w.shape))
      let lp = try loss()
      var minus = saved
      minus[i] -= 1e-2
      try w.assign(Tensor(minus, shape: w.shape))
      let lm = try loss()
      try w.assign(Tensor(saved, shape: w.shape))
      let numeric = (lp - lm) / 2e-2
      #expect(abs(numeric - w.grad[i]) <= 2e-3 + 0.02 * abs(numeric), "∂L/∂0.weight[\(i)]")
    }
  }

  @Test("calls out of order and wrong shapes are errors, never a crash")
  func misuseIsAnError() throws {
    let net = try smallNetwork()
    let g = try Tensor(zeros: [2, 2])
    #expect(throws: NormError.self) { try net.backward(g) }  // no forward yet
    let y = try net(Tensor(zeros: [2, 4]))
    #expect(y.shape == [2, 2])
    #expect(throws: NormError.self) { try net.backward(Tensor(zeros: [3, 2])) }  // shape
    try net.backward(g)
    #expect(throws: NormError.self) { try net.backward(g) }  // second backward
    #expect(
      thrown { _ = try net(Tensor(zeros: [2, 5])) } == "the network expects input of shape [N, 4], got [2, 5]")
    #expect(thrown { _ = try net(Tensor(zeros: [1, 4])) }?.hasPrefix("Expected more than 1 value per channel") == true)
    do {
      _ = try net(Tensor(zeros: [1, 4]))
    } catch {
      guard case .tooFewValues = error else {
        Issue.record("BatchNorm on one sample gave \(error), not .tooFewValues")
        return
      }
    }
    #expect(thrown { _ = try Tensor([1, 2, 3], shape: [2, 2]) } == "shape '[2, 2]' is invalid for input of size 3")
    #expect(thrown { _ = try crossEntropy(Tensor(zeros: [2, 3]), labels: [0, 3]) } == "Target 3 is out of bounds.")
    #expect(
      thrown { _ = try crossEntropy(Tensor(zeros: [2, 3]), labels: [0]) }
        == "Expected input batch_size (2) to match target batch_size (1).")
  }

  /// Named bug: `Parameter.value` accepted any length, later read out of bounds by the kernels.
  @Test("a parameter takes only a tensor of its own shape")
  func parameterAssignChecksShape() throws {
    let net = try smallNetwork()
    let w = net.namedParameters[0].parameter
    let before = w.value
    #expect(throws: NormError.self) { try w.assign(Tensor(zeros: [3, 5])) }
    #expect(throws: NormError.self) { try w.assign(Tensor(zeros: [12])) }
    #expect(w.value == before)
    try w.assign(Tensor(repeating: 0.5, shape: [3, 4]))
    #expect(w.value == [Float](repeating: 0.5, count: 12))
  }

  @Test("a hand-built network initialized with a seed equals the spec-built one")
  func handBuiltMatchesSpec() throws {
    let settings = InitSettings(scheme: .normal(std: 0.1))
    let spec = try ModelSpec(parsing: "linear 5, batchnorm, tanh, linear 3")
      .build(inputShape: [4], classes: 3, settings: BuildSettings(seed: 9, initialization: settings))
    var rng = SeededRNG(seed: 0)
    let hand = try Network(
      inputShape: [4],
      layers: [
        try Linear(4, 5, rng: &rng), try BatchNorm(numFeatures: 5), Activation(.tanh, shape: [5]),
        try Linear(5, 3, rng: &rng),
      ])
    hand.initialize(settings, seed: 9)
    #expect(hand.stateDict().map(\.value) == spec.stateDict().map(\.value))
    #expect(hand.stateDict().map(\.key) == spec.stateDict().map(\.key))
  }

  @Test("layer constructors check their arguments")
  func constructorsCheck() {
    var rng = SeededRNG(seed: 1)
    #expect(throws: NormError.self) { _ = try Linear(0, 3, rng: &rng) }
    #expect(throws: NormError.self) { _ = try BatchNorm(numFeatures: 3, eps: 0) }
    #expect(throws: NormError.self) { _ = try BatchNorm(numFeatures: 3, momentum: 2) }
    #expect(thrown { _ = try GroupNorm(numGroups: 4, numChannels: 6) } != nil)
    #expect(
      thrown { _ = try Dropout(probability: 1.5, shape: [3], rng: rng) }
        == "dropout probability has to be between 0 and 1, but got 1.5")
    #expect(throws: NormError.self) {
      _ = try Conv2d(inChannels: 1, outChannels: 2, kernelSize: 5, inputSize: (3, 3), rng: &rng)
    }
    #expect(throws: NormError.self) {
      _ = try Network(inputShape: [4], layers: [try Linear(3, 2, rng: &rng)])
    }
  }

  @Test("an error keeps its cause under context")
  func errorContext() {
    let cause = NormError.tooFewValues("Expected more than 1 value per channel when training, got input size [1, 3]")
    let wrapped = cause.within("layer 1 (batchnorm)").within("step 12")
    #expect(wrapped.rootCause == cause)
    #expect(wrapped.description == "step 12: layer 1 (batchnorm): \(cause.description)")
  }

  @Test("a data set gives batches as tensors")
  func datasetBatches() throws {
    let d = BuiltinData.digits()
    let (x, y) = try d.batch([0, 5, 9])
    #expect(x.shape == [3, 1, 8, 8])
    #expect(y.count == 3)
    #expect(throws: NormError.self) { _ = try d.batch([d.count]) }
  }
}

@Suite("README: the library example")
struct LibraryExampleReadmeTests {
  @Test("the README shows the example program that make test builds and runs")
  func readmeShowsTheBuiltExample() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let example = try String(
      contentsOf: root.appendingPathComponent("examples/Sources/bn-paper-mlp/main.swift"), encoding: .utf8)
    let program = example[example.range(of: "import NormCore")!.lowerBound...]
    #expect(readme.contains("## NormCore as a library"))
    #expect(readme.contains("```swift\n" + program + "```"), "README's example differs from examples/")
  }
}
