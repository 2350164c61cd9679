import NormApp
import NormCore
import NormLab
import NormScene
import NormView
import Testing

/// Every setting the experiment editor can make survives `w`: the draft applied, trained a few
/// steps, recorded with ``SceneRecorder``, parsed back, gives the same experiment configuration.
@Suite struct EditorRecorderTests {
  typealias Edit = @Sendable (inout ExperimentEditor) -> Void

  /// Drafts that between them set every field the editor has.
  static let drafts: [(String, Edit)] = [
    ("defaults", { _ in }),
    (
      "spirals, every norm but instancenorm, momentum + nesterov + weight decay, lr 0.37, normal init",
      { e in
        e.data = .spirals
        e.noise = "0.3"
        e.classes = "4"
        let norms: [ExperimentEditor.Norm] = [.groupnorm, .layernorm, .rmsnorm, .frozenBN]
        e.variants = norms.enumerated().map { i, n in
          var v = ExperimentEditor.Variant()
          v.norm = n
          v.place = i % 2 == 0 ? .after : .before
          v.activation = ExperimentEditor.Activation.allCases[i % 3]
          v.depth = "\(i + 1)"
          v.width = "16"
          v.groups = "2"
          return v
        }
        e.optimizer = .momentum
        e.momentum = "0.8"
        e.nesterov = true
        e.weightDecay = "0.001"
        e.lr = "0.37"
        e.batch = "17"
        e.initScheme = .normal
        e.initStd = "0.05"
        e.initScale = "2"
        e.seed = "7"
      }
    ),
    (
      "moons, batchrenorm and batchnorm named, adamw, xavier, a typed spec",
      { e in
        e.data = .moons
        e.noise = "0.25"
        var a = ExperimentEditor.Variant()
        a.name = "renorm"
        a.norm = .batchrenorm
        var b = ExperimentEditor.Variant()
        b.name = "typed"
        b.specMode = true
        b.spec = "linear 12, tanh, dropout 0.1, linear 2"
        var c = ExperimentEditor.Variant()
        c.norm = .batchnorm
        c.place = .after
        e.variants = [a, b, c]
        e.optimizer = .adamw
        e.weightDecay = "0.02"
        e.lr = "0.003"
        e.initScheme = .xavier
        e.initScale = "0.5"
      }
    ),
    (
      "stripes (n kept) with InstanceNorm in a typed conv spec",
      { e in
        e.data = .stripes
        e.otherParameters = ["n": "64", "size": "8"]
        e.noise = "0.2"
        var v = ExperimentEditor.Variant()
        v.name = "inorm"
        v.specMode = true
        v.spec = "conv 4 k=3 p=1, instancenorm, relu, maxpool 2, flatten, linear 4"
        var w = ExperimentEditor.Variant()
        w.depth = "1"
        w.width = "8"
        e.variants = [v, w]
        e.batch = "16"
      }
    ),
    (
      "circles and xor with kaiming, adam with the default lr",
      { e in
        e.data = .circles
        e.noise = "0.05"
        e.optimizer = .adam
        e.initScheme = .kaiming
        e.seed = "3"
      }
    ),
  ]

  @Test("an edited experiment, recorded and parsed back, is the same experiment", arguments: drafts.indices)
  func roundTrip(index: Int) throws {
    var e = ExperimentEditor()
    Self.drafts[index].1(&e)
    e.validate()
    #expect(e.errors.isEmpty, "\(Self.drafts[index].0): \(e.errors)")
    let applied = e.apply()
    let a = try #require(applied, "\(Self.drafts[index].0): \(e.errors) \(e.applyError ?? "")")
    let experiment = try Experiment(a.config)
    for _ in 0..<3 { try experiment.advance() }
    let text = SceneRecorder.text(
      experiment: experiment, dataName: try #require(a.dataName), dataParameters: a.dataParameters, startStep: 0,
      view: SceneView())
    let scene = try SceneParser.parse(text, file: "recorded.scene")
    let back = try scene.experimentConfig()
    let c = a.config
    #expect(scene.dataName == a.dataName && scene.dataParameters == a.dataParameters)
    #expect(back.data.features == c.data.features && back.data.labels == c.data.labels)
    #expect(back.variants == c.variants)
    #expect(back.optimizer == c.optimizer)
    #expect(back.batchSize == c.batchSize)
    #expect(back.seed == c.seed)
    #expect(back.initialization == c.initialization)
    #expect(back.loss == c.loss && back.validationFraction == c.validationFraction)
    // And a draft opened on the played-back experiment shows the same fields.
    let reopened = ExperimentEditor(config: back, dataName: scene.dataName, dataParameters: scene.dataParameters)
    #expect(reopened.variants.map { $0.specText(classes: c.data.classCount) } == c.variants.map(\.model))
    #expect(reopened.lr == "\(c.optimizer.learningRate)" && reopened.seed == "\(c.seed)")
  }
}
