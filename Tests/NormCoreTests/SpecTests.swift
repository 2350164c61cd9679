import NormCore
import Testing

@Suite("Model spec language")
struct SpecTests {
  func error(_ spec: String, shape: [Int] = [64], classes: Int = 10) -> SpecError? {
    do {
      _ = try ModelSpec(parsing: spec).build(inputShape: shape, classes: classes, settings: BuildSettings(seed: 1))
      return nil
    } catch { return error }
  }

  @Test func buildsTheBNPaperNetwork() throws {
    let net = try ModelSpec(
      parsing:
        "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10"
    )
    .build(inputShape: [784], classes: 10, settings: BuildSettings(seed: 1))
    #expect(net.layers.count == 10)
    let count: Int = net.parameters.reduce(0) { $0 + $1.count }
    let expected: Int = 78_500 + 600 + 20_200 + 1_010  // linear 784→100, 3 BN (γ, β), 2× linear 100→100, linear 100→10
    #expect(count == expected)
  }

  @Test func convNetShapes() throws {
    let net = try ModelSpec(
      parsing:
        "conv 8 k=3 p=1, batchnorm, relu, maxpool 2, conv 16 k=3 p=1, groupnorm 4, relu, maxpool 2, flatten, linear 4"
    )
    .build(inputShape: [3, 16, 16], classes: 4, settings: BuildSettings(seed: 1))
    #expect(net.shape(ofActivation: 4) == [8, 8, 8])
    #expect(net.shape(ofActivation: 9) == [16 * 4 * 4])
  }

  @Test(
    "errors point at the column",
    arguments: [
      ("linear 100, batchnrom, linear 10", 13, "unknown layer 'batchnrom' (did you mean batchnorm?)"),
      ("linear 100, , linear 10", 13, "expected a layer before ','"),
      ("linear, linear 10", 7, "linear needs the output features"),
      ("linear 0, linear 10", 8, "output features must be a whole number in 1...65536, got '0'"),
      ("linear 100, batchnorm momentum=2, linear 10", 32, "momentum must be a number in [0, 1] or none, got '2'"),
      (
        "linear 100, batchnorm mommentum=0.1, linear 10", 23,
        "batchnorm has no option 'mommentum' (did you mean momentum?)"
      ),
      ("linear 100, relu 3, linear 10", 18, "relu takes no number; found '3'"),
      ("linear 100, groupnorm 3, linear 10", 23, "100 channels are not divisible into 3 groups"),
      ("linear 100, instancenorm, linear 10", 13, "instancenorm normalizes each channel over spatial positions"),
      ("linear 100, conv 8, linear 10", 13, "conv expects (N, C, H, W) input but gets (N, 100)"),
      (
        "linear 100, relu, linear 5", 19,
        "the model ends with 5 outputs but the data has 10 classes; end with `linear 10`"
      ),
      ("linear 100 init=uniform, linear 10", 17, "init must be pytorch, kaiming, xavier or normal:STD"),
      ("rnn 8, linear 10", 1, "rnn expects sequences (N, T, K) but gets (N, 64)"),
      ("", 1, "empty model"),
    ])
  func columns(spec: String, column: Int, message: String) throws {
    let e = try #require(error(spec))
    #expect(e.column == column, "\(spec): \(e)")
    #expect(e.message.contains(message), "\(spec): \(e.message)")
  }

  @Test("line breaks, including the one-Character \\r\\n, end a layer (a fuzz-found infinite loop)")
  func windowsLineBreaks() throws {
    for text in [
      "linear 10, relu\r\nlinear 3", "linear 10 \r\n relu;linear 3", "linear 10, relu,\r\r\nlinear 3\r\n",
      "\nlinear 10\n\nrelu\nlinear 3\n",
    ] {
      let spec = try ModelSpec(parsing: text)
      #expect(spec.layers.map(\.keyword.text) == ["linear", "relu", "linear"], "\(text.debugDescription)")
    }
    let e = try #require(error("linear 10, relu, li=near 10\r\n"))
    #expect(e.column == 18, "\(e)")
  }

  @Test func linearAfterConvNeedsFlatten() throws {
    let e = try #require(error("conv 4 k=3, relu, linear 10", shape: [1, 8, 8]))
    #expect(e.column == 19)  // "conv 4 k=3, relu, " is 18 characters
    #expect(e.message == "linear expects (N, features) input but gets (N, 4, 6, 6); add `flatten` before it")
  }

  @Test func renderedLikeACompiler() throws {
    let e = try #require(error("linear 100, batchnrom, linear 10"))
    #expect(
      e.rendered(source: "linear 100, batchnrom, linear 10", label: "bn") == """
        bn:1:13: error: unknown layer 'batchnrom' (did you mean batchnorm?)
            linear 100, batchnrom, linear 10
                        ^
        """)
  }

  @Test("variants that share layers start with identical weights")
  func sharedInitialization() throws {
    let s = BuildSettings(seed: 42, initialization: InitSettings(scheme: .normal(std: 0.1)))
    let plain = try ModelSpec(parsing: "linear 100, sigmoid, linear 100, sigmoid, linear 10").build(
      inputShape: [64], classes: 10, settings: s)
    let bn = try ModelSpec(parsing: "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10")
      .build(inputShape: [64], classes: 10, settings: s)
    let pw = plain.parameters.filter { $0.role == .weight || $0.role == .bias }
    let bw = bn.parameters.filter { $0.role == .weight || $0.role == .bias }
    #expect(pw.count == bw.count)
    for (a, b) in zip(pw, bw) { #expect(a.value == b.value) }
    let other = try ModelSpec(parsing: "linear 100, sigmoid, linear 100, sigmoid, linear 10")
      .build(inputShape: [64], classes: 10, settings: BuildSettings(seed: 43))
    #expect(other.parameters[0].value != pw[0].value)
  }

  @Test("init schemes have the documented spread; scale multiplies weights")
  func initSpread() throws {
    func std(_ spec: String, _ ini: InitSettings) throws -> Double {
      let l =
        try ModelSpec(parsing: spec).buildLayers(
          inputShape: [400], settings: BuildSettings(seed: 3, initialization: ini))[0] as! Linear
      let v = l.weight.value.map(Double.init)
      let m = v.reduce(0, +) / Double(v.count)
      return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
    }
    #expect(abs(try std("linear 300", .init(scheme: .pytorch)) - 1 / (400.0 * 3).squareRoot()) < 2e-3)  // U(±1/√400)
    #expect(abs(try std("linear 300", .init(scheme: .kaiming)) - (2.0 / 400).squareRoot()) < 2e-3)
    #expect(abs(try std("linear 300", .init(scheme: .xavier)) - (6.0 / 700).squareRoot() / 3.0.squareRoot()) < 2e-3)
    #expect(abs(try std("linear 300", .init(scheme: .normal(std: 0.1), scale: 10)) - 1.0) < 2e-2)
  }
}

@Suite("Size limits: checked before allocating")
struct LimitTests {
  @Test func modelTooLarge() throws {
    do {
      _ = try ModelSpec(parsing: "linear 65536, relu, linear 65536, linear 10").build(
        inputShape: [64], classes: 10, settings: BuildSettings(seed: 1))
      Issue.record("expected an error")
    } catch {
      #expect(error.column == 21)
      #expect(error.message.contains("the model is too large"))
    }
    do {
      _ = try ModelSpec(parsing: "conv 4096 k=1, flatten, linear 10").buildLayers(
        inputShape: [3, 64, 64], settings: BuildSettings(seed: 1))
      Issue.record("expected an error")
    } catch { #expect(error.message.contains("too large")) }
  }

  @Test func dataTooLarge() {
    #expect(throws: NormError.self) {
      try BuiltinData.make(name: "sequence", parameters: ["n": "1000000", "steps": "256", "symbols": "32"], seed: 1)
    }
    #expect(throws: NormError.self) {
      try BuiltinData.make(name: "spirals", parameters: ["n": "99999999999999999999"], seed: 1)
    }
    #expect(throws: NormError.self) {
      try BuiltinData.make(name: "stripes", parameters: ["n": "9223372036854775807", "size": "64"], seed: 1)
    }
  }
}
