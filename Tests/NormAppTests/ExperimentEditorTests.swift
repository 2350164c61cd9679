import Foundation
import NormApp
import NormCore
import NormLab
import NormScene
import NormView
import Testing

/// The experiment editor's draft (NormApp `ExperimentEditor`): each field, the command line's
/// messages for bad input, Apply and Cancel.
@Suite struct ExperimentEditorTests {
  /// Types `text` into the focused field.
  static func type(_ e: inout ExperimentEditor, _ text: String) {
    for c in text { _ = e.handle(.character(c)) }
  }

  /// Focuses `field` (tab until it has focus).
  static func focus(_ e: inout ExperimentEditor, _ field: ExperimentEditor.Field) {
    for _ in 0..<200 where e.focus != field { _ = e.handle(.tab) }
    #expect(e.focus == field, "could not reach \(field)")
  }

  /// Clears the focused text field and types `text`.
  static func set(_ e: inout ExperimentEditor, _ field: ExperimentEditor.Field, _ text: String) {
    focus(&e, field)
    for _ in 0..<(e.text(field)?.count ?? 0) { _ = e.handle(.backspace) }
    type(&e, text)
  }

  /// The session `normscope live --data moons` starts: plain and bn, 2×100 ReLU.
  static func moonsDraft() throws -> ExperimentEditor {
    let data = try BuiltinData.make(name: "moons", seed: 1)
    let config = ExperimentConfig(
      variants: try VariantNaming.variants(from: ExperimentSettings.defaultModels(for: data)), data: data,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 60, seed: 1)
    return ExperimentEditor(config: config, dataName: "moons", dataParameters: [:])
  }

  @Test("a draft of the running experiment reads its data, variants (as structured fields) and settings back")
  func fromConfig() throws {
    var e = try Self.moonsDraft()
    #expect(e.data == .moons)
    #expect(e.variants.count == 2)
    #expect(e.variants[0].name == "plain" && !e.variants[0].specMode && e.variants[0].norm == .none)
    #expect(e.variants[1].name == "bn" && e.variants[1].norm == .batchnorm && e.variants[1].place == .before)
    #expect(e.variants[1].width == "100" && e.variants[1].depth == "2")
    #expect(e.lr == "0.1" && e.batch == "60" && e.seed == "1")
    #expect(e.errors.isEmpty)
    let applied = e.apply()
    try #require(applied != nil)
    let a0 = applied!
    #expect(
      a0.config.variants.map(\.model)
        == ExperimentSettings.defaultModels(for: a0.config.data).map {
          String($0.split(separator: ":", maxSplits: 1)[1].dropFirst())
        })
  }

  @Test("the issue's flow: spirals with noise, the second variant GroupNorm after the activation, lr 0.37, Enter")
  func doneMeansFlow() throws {
    var e = try Self.moonsDraft()
    _ = e.handle(.left)  // moons → spirals
    #expect(e.data == .spirals)
    Self.set(&e, .noise, "0.3")
    Self.focus(&e, .norm(1))
    _ = e.handle(.right)  // batchnorm → layernorm
    _ = e.handle(.right)  // → groupnorm
    Self.focus(&e, .place(1))
    _ = e.handle(.right)
    Self.set(&e, .lr, "0.37")
    #expect(e.errors.isEmpty, "\(e.errors)")
    guard case .applied(let a) = e.handle(.enter) else {
      Issue.record("Enter did not apply: \(e.errors)")
      return
    }
    #expect(a.dataName == "spirals" && a.dataParameters == ["noise": "0.3"])
    #expect(a.config.data.classCount == 3)
    #expect(a.config.variants[1].model == "linear 100, relu, groupnorm 4, linear 100, relu, groupnorm 4, linear 3")
    #expect(a.config.optimizer.learningRate == 0.37)
    #expect(a.config.seed == 1, "same seed unless changed")
  }

  @Test(
    "invalid fields show the command line's exact messages",
    arguments: [
      (ExperimentEditor.Field.lr, "abc", "The value 'abc' is invalid for '--lr <lr>'"),
      (.lr, "-1", "--lr must be a number from 0 to 1e6, got -1.0"),
      (.batch, "0", "--batch must be at least 1 and at most 134217728 (2^27), got 0"),
      (.batch, "x", "The value 'x' is invalid for '--batch <batch>'"),
      (.momentum, "1", "--momentum must be a number in [0, 1), got 1.0"),
      (.weightDecay, "-1", "--weight-decay must be a finite number ≥ 0, got -1.0"),
      (.initScale, "0", "--init-scale must be a finite number > 0, got 0.0"),
      (.seed, "-3", "The value '-3' is invalid for '--seed <seed>'"),
      (
        .name(0), "for",
        "--model 'for: linear 100, relu, linear 100, relu, linear 2': 'for' is a reserved word; choose another variant name"
      ),
    ])
  func cliMessages(field: ExperimentEditor.Field, text: String, message: String) throws {
    var e = try Self.moonsDraft()
    Self.set(&e, field, text)
    #expect(e.errors[field] == message)
    #expect(e.apply() == nil, "invalid settings never reach training")
  }

  @Test("a name the command line would read as part of a spec (`bn 2`, `bn.1`) is refused at the name field")
  func namesThatAreNotNames() throws {
    for name in ["bn 2", "bn.1", "a:b"] {
      var e = try Self.moonsDraft()
      Self.set(&e, .name(1), name)
      #expect(
        e.errors[.name(1)] == "a variant name is letters, digits, - and _, starting with a letter; found '\(name)'",
        "\(name)")
      #expect(e.apply() == nil)
    }
  }

  @Test("a spec the structured fields cannot make (`linear 100 scale=0.1`) opens as spec text, valid")
  func specTextVariants() throws {
    let data = try BuiltinData.make(name: "digits", seed: 1)
    let models = [
      "small: linear 100 scale=0.1, tanh, linear 100 scale=0.1, tanh, linear 10",
      "bn: linear 64, batchnorm, relu, linear 10",
    ]
    let config = ExperimentConfig(
      variants: try VariantNaming.variants(from: models), data: data,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 60, seed: 1)
    let e = ExperimentEditor(config: config, dataName: "digits", dataParameters: [:])
    #expect(
      e.variants[0].specMode
        && e.variants[0].spec == "linear 100 scale=0.1, tanh, linear 100 scale=0.1, tanh, linear 10")
    #expect(!e.variants[1].specMode && e.variants[1].width == "64" && e.variants[1].norm == .batchnorm)
    #expect(e.errors.isEmpty, "\(e.errors)")
  }

  @Test("a session on IDX data opens with its label file: the draft is valid as it stands")
  func idxLabelsKept() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("editor-idx-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let n = 40
    var images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, UInt8(n), 0, 0, 0, 4, 0, 0, 0, 4]
    for i in 0..<n { images += (0..<16).map { UInt8(($0 * 13 + i * 7) % 256) } }
    let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, UInt8(n)] + (0..<n).map { UInt8($0 % 2) }
    let imagePath = dir.appendingPathComponent("images.idx").path
    let labelPath = dir.appendingPathComponent("labels.idx").path
    try Data(images).write(to: URL(fileURLWithPath: imagePath))
    try Data(labels).write(to: URL(fileURLWithPath: labelPath))
    let data = try DataSource.load(imagePath, labels: labelPath, seed: 1)
    let config = ExperimentConfig(
      variants: try VariantNaming.variants(from: ["plain: linear 8, relu, linear 2"]), data: data,
      optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 8, seed: 1)
    let e = ExperimentEditor(
      config: config, dataName: nil, dataParameters: [:], dataFile: imagePath, dataLabels: labelPath)
    #expect(e.errors.isEmpty, "\(e.errors)")
    #expect(e.text(.labels) == labelPath)
  }

  @Test("control characters are not typed into a field")
  func controlCharacters() throws {
    var e = try Self.moonsDraft()
    Self.set(&e, .lr, "0.2")
    Self.type(&e, "\u{01}\u{07}\u{1B}\u{9B}")
    #expect(e.text(.lr) == "0.2")
  }

  @Test("a depth with spaces around it is checked and generated as the same number")
  func depthTrimmed() throws {
    var e = try Self.moonsDraft()
    Self.set(&e, .depth(0), " 3 ")
    #expect(e.errors[.depth(0)] == nil)
    #expect(e.variants[0].specText(classes: 2).components(separatedBy: "relu").count == 4)
  }

  @Test("data errors are the loaders' (parameter ranges; a CSV file's line:column)")
  func dataErrors() throws {
    var e = try Self.moonsDraft()
    _ = e.handle(.left)  // spirals
    Self.set(&e, .classes, "1")
    #expect(e.errors[.classes] == "spirals: classes must be a whole number in 2...16, got '1'")
    var settings = ExperimentSettings()
    settings.data = "spirals:classes=1"
    #expect(throws: (any Error).self) { try settings.loadData() }
    Self.set(&e, .classes, "4")
    #expect(e.errors.isEmpty)
    let csv = FileManager.default.temporaryDirectory.appendingPathComponent("editor-\(getpid()).csv").path
    try "a,b,label\n1,2,0\n1,x,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: csv) }
    Self.focus(&e, .data)
    _ = e.handle(.left)
    _ = e.handle(.left)  // spirals → digits → file
    #expect(e.data == .file)
    Self.set(&e, .path, csv)
    #expect(e.errors[.path] == "\(csv):3:3: 'x' is not a number")
    // A terminal or a FIFO is never opened while typing (its read could wait for ever).
    for special in ["/dev/null", "/dev/stdin"] {
      Self.set(&e, .path, special)
      #expect(e.errors[.path]?.contains("not a regular file") == true, "\(special): \(e.errors)")
    }
  }

  @Test("specs: the spec language's errors at their column with did-you-mean; GroupNorm's groups are checked")
  func specErrors() throws {
    var e = try Self.moonsDraft()
    Self.focus(&e, .norm(1))
    _ = e.handle(.right)
    _ = e.handle(.right)  // groupnorm
    Self.set(&e, .groups(1), "3")
    #expect(e.errors[.spec(1)] == "column 23: 100 channels are not divisible into 3 groups")
    let specRow = e.form(theme: Theme(colors: .mono, glyphs: .ascii)).rows.first {
      $0.error?.hasPrefix("column 23") == true
    }
    #expect(specRow?.errorColumn == 23, "a caret marks the column")
    Self.set(&e, .groups(1), "5")
    #expect(e.errors[.spec(1)] == nil)
    Self.focus(&e, .mode(0))
    _ = e.handle(.right)  // spec text, starting from the generated one
    #expect(e.variants[0].specMode && e.variants[0].spec == "linear 100, relu, linear 100, relu, linear 2")
    Self.set(&e, .spec(0), "linaer 10, relu, linear 2")
    #expect(e.errors[.spec(0)] == "column 1: unknown layer 'linaer' (did you mean linear?)")
    Self.set(&e, .spec(0), "linear 8, tanh, linear 2")
    #expect(e.errors.isEmpty)
    Self.set(&e, .depth(1), "0")
    #expect(e.errors[.depth(1)] == "depth must be a whole number in 1...8, got '0'")
  }

  @Test("variants: add up to 4, remove down to 1; the rest of the form follows")
  func addRemove() throws {
    var e = ExperimentEditor()
    #expect(!e.fields.contains(.remove(0)), "one variant cannot be removed")
    for n in 2...4 {
      Self.focus(&e, .add)
      _ = e.handle(.enter)
      #expect(e.variants.count == n)
    }
    #expect(!e.fields.contains(.add), "at most 4")
    Self.focus(&e, .remove(1))
    _ = e.handle(.enter)
    #expect(e.variants.count == 3)
    let applied = e.apply()
    let a = try #require(applied)
    #expect(a.config.variants.map(\.name) == ["plain", "plain-2", "plain-3"])
  }

  @Test("Esc cancels from any field; Enter on an invalid draft moves to the first problem and applies nothing")
  func cancelAndInvalidEnter() throws {
    var e = try Self.moonsDraft()
    Self.set(&e, .batch, "0")
    Self.focus(&e, .seed)
    guard case .editing = e.handle(.enter) else {
      Issue.record("an invalid draft applied")
      return
    }
    #expect(e.focus == .batch)
    #expect(e.form(theme: Theme(colors: .mono, glyphs: .ascii)).status == "! 1 problem: fix it to apply")
    guard case .cancelled = e.handle(.escape) else {
      Issue.record("Esc did not cancel")
      return
    }
  }

  @Test("every choice: optimizer, nesterov, init with its std, norms, places, activations")
  func choices() throws {
    var e = ExperimentEditor()
    Self.focus(&e, .optimizer)
    _ = e.handle(.right)  // momentum
    Self.focus(&e, .nesterov)
    _ = e.handle(.right)
    Self.set(&e, .momentum, "0.8")
    Self.set(&e, .weightDecay, "0.001")
    Self.focus(&e, .initScheme)
    for _ in 0..<3 { _ = e.handle(.right) }  // normal
    Self.set(&e, .initStd, "0.05")
    Self.set(&e, .initScale, "2")
    Self.set(&e, .seed, "7")
    Self.set(&e, .batch, "17")
    Self.focus(&e, .activation(0))
    _ = e.handle(.right)  // sigmoid
    let applied = e.apply()
    let a = try #require(applied, "\(e.errors)")
    let o = a.config.optimizer
    #expect(o.kind == .momentum && o.momentum == 0.8 && o.nesterov && o.weightDecay == 0.001)
    #expect(a.config.initialization == InitSettings(scheme: .normal(std: 0.05), scale: 2))
    #expect(a.config.seed == 7 && a.config.batchSize == 17)
    #expect(a.config.variants[0].model == "linear 32, sigmoid, linear 32, sigmoid, linear 10")
    Self.set(&e, .initStd, "x")
    #expect(e.errors[.initStd] == "--init must be pytorch, kaiming, xavier or normal:STD, got 'normal:x'")
    Self.focus(&e, .optimizer)
    _ = e.handle(.left)  // sgd, with nesterov on and no momentum
    Self.set(&e, .momentum, "")
    #expect(e.errors[.nesterov] == "--nesterov needs momentum: use --optimizer momentum or --momentum M (M > 0)")
  }

  @Test("each norm generates its layer, before or after the activation")
  func norms() {
    var v = ExperimentEditor.Variant()
    v.depth = "1"
    v.width = "8"
    let expected: [ExperimentEditor.Norm: String] = [
      .none: "linear 8, relu, linear 2", .batchnorm: "linear 8, batchnorm, relu, linear 2",
      .layernorm: "linear 8, layernorm, relu, linear 2", .groupnorm: "linear 8, groupnorm 4, relu, linear 2",
      .instancenorm: "linear 8, instancenorm, relu, linear 2", .rmsnorm: "linear 8, rmsnorm, relu, linear 2",
      .batchrenorm: "linear 8, batchrenorm, relu, linear 2",
      .frozenBN: "linear 8, batchnorm frozen=true, relu, linear 2",
    ]
    for norm in ExperimentEditor.Norm.allCases {
      v.norm = norm
      #expect(v.specText(classes: 2) == expected[norm])
    }
    v.norm = .layernorm
    v.place = .after
    #expect(v.specText(classes: 2) == "linear 8, relu, layernorm, linear 2")
  }
}
