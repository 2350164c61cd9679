import NormCore
import NormLab
import Testing

let plainMLP = "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10"
let bnMLP = "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10"

func bnPaperExperiment(lr: Float, seed: UInt64 = 1, extra: [VariantSpec] = []) throws -> Experiment {
  try Experiment(
    ExperimentConfig(
      variants: [VariantSpec(name: "plain", model: plainMLP), VariantSpec(name: "bn", model: bnMLP)] + extra,
      data: BuiltinData.digits(), optimizer: OptimizerSettings(kind: .sgd, learningRate: lr), batchSize: 60, seed: seed,
      initialization: InitSettings(scheme: .normal(std: 0.1))))
}

@Suite("Lockstep experiments")
struct ExperimentTests {
  @Test("the same seed gives bit-identical loss sequences")
  func determinism() throws {
    func lossBits() throws -> [UInt32] {
      let e = try Experiment(
        ExperimentConfig(
          variants: [
            VariantSpec(name: "a", model: "linear 32, batchnorm, relu, dropout 0.2, linear 10"),
            VariantSpec(name: "b", model: "linear 32, layernorm, tanh, linear 10"),
          ], data: BuiltinData.digits(), optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), batchSize: 32,
          seed: 9))
      var bits = [UInt32]()
      for s in 0..<60 {
        if s == 30 { e.batchSize = 17 }
        try e.advance()
        bits += e.variants.map { $0.last!.loss.bitPattern }
      }
      return bits
    }
    let a = try lossBits()
    #expect(a == (try lossBits()))
    #expect(Set(a).count > 100)
  }

  @Test("claim: at a learning rate where the plain MLP stalls, BN still trains (digits, 3×100 sigmoid, batch 60)")
  func higherLearningRate() throws {
    // Measured (seed 1, 600 steps, lr 20 = 40× the 0.5 that trains both):
    // plain val loss 3.43, accuracy 0.12 (chance); bn val loss 0.51, accuracy 0.94.
    let e = try bnPaperExperiment(lr: 20)
    for _ in 0..<600 { try e.advance() }
    let val = try #require(try e.validate())
    #expect(val[0].accuracy < 0.3, "plain should stall near chance, got \(val[0])")
    #expect(val[1].accuracy > 0.85, "bn should train, got \(val[1])")
    #expect(val[1].loss < 0.25 * val[0].loss)
  }

  @Test("a diverging variant is marked, stops updating and keeps its record; the others go on")
  func divergence() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [
          VariantSpec(name: "plain", model: "linear 64, relu, linear 64, relu, linear 10"),
          VariantSpec(name: "bn", model: "linear 64, batchnorm, relu, linear 64, batchnorm, relu, linear 10"),
        ],
        data: BuiltinData.digits(), optimizer: OptimizerSettings(kind: .sgd, learningRate: 8), batchSize: 60, seed: 1,
        initialization: InitSettings(scheme: .kaiming, scale: 10)))
    for _ in 0..<100 { try e.advance() }
    let plain = e.variants[0]
    let d = try #require(plain.divergedAt, "plain should diverge at lr 8 with ×10 init")
    #expect(plain.trainedSteps == d)
    let frozenWeights = plain.network.parameters[0].value
    try e.advance()
    #expect(plain.network.parameters[0].value == frozenWeights)
    #expect(e.variants[1].divergedAt == nil)
    #expect(e.variants[1].trainedSteps == 101)
  }

  @Test func configurationErrorsNameTheVariant() {
    #expect(throws: ExperimentError.self) {
      try Experiment(
        ExperimentConfig(
          variants: [VariantSpec(name: "bad", model: "linear 10, batchnrom")], data: BuiltinData.digits()))
    }
    do {
      _ = try Experiment(
        ExperimentConfig(
          variants: [VariantSpec(name: "bad", model: "linear 10, batchnrom")], data: BuiltinData.digits()))
    } catch {
      #expect("\(error)".contains("bad:1:12: error: unknown layer 'batchnrom' (did you mean batchnorm?)"))
    }
    #expect(throws: ExperimentError.self) {
      try Experiment(
        ExperimentConfig(
          variants: Array(repeating: VariantSpec(name: "x", model: "linear 10"), count: 5), data: BuiltinData.digits()))
    }
  }

  @Test("BN with batch 1 in training is an error naming the variant, not NaN")
  func batchOne() throws {
    let e = try bnPaperExperiment(lr: 0.1)
    e.batchSize = 1
    do {
      try e.advance()
      Issue.record("expected an error")
    } catch {
      #expect(
        "\(error)"
          == "variant 'bn': step 1: Expected more than 1 value per channel when training, got input size torch.Size([1, 100])"
      )
      // The wrapping keeps NormCore's typed cause, not only its words.
      guard let e = error as? ExperimentError, case .tooFewValues = e.normError else {
        Issue.record("the experiment error lost its cause: \(error)")
        return
      }
    }
  }
}
