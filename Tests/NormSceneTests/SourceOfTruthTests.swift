import Foundation
import NormCore
import NormLab
import NormScene
import Testing

/// The column (from 1) of the last occurrence of `word` in `line`.
private func lastColumn(of word: String, in line: String) -> Int {
  var best = 0
  var i = line.startIndex
  while i < line.endIndex {
    if line[i...].hasPrefix(word) { best = line.distance(from: line.startIndex, to: i) + 1 }
    i = line.index(after: i)
  }
  return best
}

@Suite("One source of truth")
struct SourceOfTruthTests {
  // MARK: Bug 1: a bad variant name in `for VARIANTS` is located by its own column.

  @Test(
    "a bad variant name after `for` is reported at its own column",
    arguments: [
      ("freeze bn for b", "b"),
      ("unfreeze affine for a", "a"),
      ("set lr 0.5 for plain, l", "l"),
      ("set optimizer adam for m", "m"),
      ("set optimizer sgd lr 0.5 for plain, r", "r"),
      ("reset stats for s", "s"),
      ("reestimate stats 2 for t", "t"),
      ("freeze bn for plain ,x", "x"),
      ("freeze affine for bn, e, bn", "e"),
    ])
  func badVariantColumn(line: String, name: String) {
    let e = errors(header + line + "\n")
    #expect(e.count == 1, "\(e.map(\.rendered))")
    #expect(e.first?.line == 5)
    #expect(e.first?.column == lastColumn(of: name, in: line), "\(e.map(\.rendered))")
    #expect(e.first?.message.hasPrefix("no variant named '\(name)'") == true, "\(e.map(\.rendered))")
  }

  // MARK: One option reader: every key=value error at the exact column.

  @Test(
    "option errors point at the offending token, or at the value when the value is wrong",
    arguments: [
      ("optimizer momentum momentum=2", 29, "momentum must be "),
      ("optimizer adam nestrov", 16, "expected momentum=, weight_decay= or nesterov, found 'nestrov'"),
      ("optimizer adam momentum=x", 16, "expected momentum=, weight_decay= or nesterov, found 'momentum=x'"),
      ("optimizer adam betta1=0.9", 16, "optimizer has no option 'betta1' (did you mean beta1?)"),
      ("optimizer adam wd=1 wd=2", 21, "option 'wd' given twice"),
      ("init kaiming scale=0", 20, "scale must be "),
      ("init kaiming scale=2 scale=3", 22, "option 'scale' given twice"),
      ("init kaiming gain=2", 14, "expected scale=FACTOR, found 'gain=2'"),
      ("data spirals n=5 n=6", 18, "option 'n' given twice"),
      ("data spirals n=", 16, "missing value after 'n='"),
      ("data spirals 5", 14, "expected key=value, found '5'"),
      ("data spirals classes=99", 22, "spirals: classes must be a whole number in 2...16, got '99'"),
      ("data spirals noise=-1 n=5", 20, "spirals: noise must be a number ≥ 0, got '-1'"),
      ("data spirals clases=3", 14, "spirals: unknown parameter 'clases' (did you mean classes?)"),
      ("data stripes n=100000 size=64", 6, "stripes: 1228800000 values is more than"),  // the size: at the name
      (
        "instruments every=x", 13,
        "expected every=N, ics=N, smoothness=N, probe=N, validation=N, unit=N|median or place=PLACE"
      ),
      ("instruments off evry=2", 17, "instruments has no option 'evry' (did you mean every?)"),
      ("shift data noise=-1", 18, "noise must be ≥ 0"),
      ("shift data scale=x", 12, "expected key=number, found 'scale=x'"),
      ("shift data tilt=3", 12, "shift data has no option 'tilt'"),
      // A missing argument: one space after the keyword, however it is written.
      ("seed", 6, "seed needs a whole number"),
      ("\"seed\"", 8, "seed needs a whole number"),
      ("set lr", 8, "set lr needs"),
      ("unfreeze", 10, "unfreeze bn (running statistics)"),
    ])
  func optionColumns(line: String, column: Int, message: String) {
    // A data line with an error still names spirals, so the header's 10-class variants fail too.
    let e = errors(header + line + "\n").filter { $0.line == 5 }
    #expect(e.count == 1, "\(e.map(\.rendered))")
    #expect(e.first?.column == column, "\(e.map(\.rendered))")
    #expect(e.first?.message.hasPrefix(message) == true, "\(e.map(\.rendered))")
  }

  @Test("valid options read as before")
  func optionValues() throws {
    let scene = try SceneParser.parse(
      header
        + "optimizer momentum nesterov momentum=0.8 wd=0.01\ninit xavier scale=2\ninstruments every=3 probe=0 ics=5\n"
        + "data spirals classes=10 n=100\nshift data scale=2 noise=0.5\n",
      file: "x.scene")
    #expect(scene.optimizer.kind == .momentum && scene.optimizer.nesterov)
    #expect(scene.optimizer.momentum == 0.8 && scene.optimizer.weightDecay == 0.01)
    #expect(scene.initialization.scheme == .xavier && scene.initialization.scale == 2)
    #expect(scene.instruments.every == 3 && scene.instruments.probeSize == 1 && scene.instruments.icsEvery == 5)
    #expect(scene.dataName == "spirals" && scene.dataParameters == ["classes": "10", "n": "100"])
    guard case .shiftData(let s, let description) = scene.statements.last?.kind else {
      Issue.record("no shift")
      return
    }
    #expect(s.scale == 2 && s.noise == 0.5 && description == "scale=2 noise=0.5")
  }

  // MARK: One panel table.

  @Test("the scene language's panels are PanelKind's cases; every one parses to its case, nothing else does")
  func panelTable() throws {
    #expect(SceneParser.panels == PanelKind.allCases.map(\.rawValue))
    for k in PanelKind.allCases {
      let before = try SceneParser.parse(header + "show panel \(k.rawValue.uppercased())\n", file: "x.scene")
      #expect(before.view.panel == k)
      let during = try SceneParser.parse(header + "run 1\nshow panel \(k.rawValue)\n", file: "x.scene")
      guard case .showPanel(let p) = during.statements.last?.kind else {
        Issue.record("no show panel statement")
        continue
      }
      #expect(p == k)
    }
    let e = errors(header + "show panel lossy\n")
    #expect(e.first?.message.hasPrefix("unknown panel 'lossy' (did you mean loss?) (panels: loss, histograms,") == true)
  }

  /// The cells of the markdown table row in `text` whose first cell starts with `firstCell`.
  func rows(_ text: String, after header: String) -> [[String]] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: { $0.hasPrefix(header) }) else { return [] }
    return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map {
      $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    }
  }

  @Test("docs/scenes.md's `show panel` row and README's dashboard table list exactly PanelKind's names")
  func docsListThePanels() throws {
    let root = scenesURL.deletingLastPathComponent()
    let scenes = try String(contentsOf: root.appendingPathComponent("docs/scenes.md"), encoding: .utf8)
    let row = try #require(rows(scenes, after: "| statement |").first { $0.first == "`show panel NAME`" })
    let listed = try #require(row.last?.split(separator: ":").last)
    #expect(listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } == PanelKind.names)
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let table = rows(readme, after: "| panel | name |")
    #expect(table.map { $0.count > 1 ? $0[1] : "" } == PanelKind.names.map { "`\($0)`" })
  }

  // MARK: Bug 2: an explicit lr wins over the optimizer's default, in either order.

  @Test(
    "an explicit lr wins; the default depends only on the optimizer",
    arguments: [
      ("", Float(0.1)),
      ("optimizer sgd\n", 0.1),
      ("optimizer momentum momentum=0.9\n", 0.01),  // the command line's default too
      ("optimizer adam\n", 0.001),
      ("lr 0.1\noptimizer adam\n", 0.1),
      ("optimizer adam\nlr 0.1\n", 0.1),
      ("lr 0.5\noptimizer adam\n", 0.5),
      ("optimizer adam\nlr 0.5\n", 0.5),
      ("lr 0.001\noptimizer sgd\n", 0.001),
      ("optimizer adam\noptimizer sgd\n", 0.1),
      ("lr 0.2\nlr 0.3\noptimizer adam\n", 0.3),
    ])
  func explicitLearningRate(lines: String, lr: Float) throws {
    let scene = try SceneParser.parse(header + lines + "run 1\n", file: "x.scene")
    #expect(scene.optimizer.learningRate == lr)
  }

  @Test("the learning rate reaches the experiment")
  func learningRateInExperiment() throws {
    let scene = try SceneParser.parse(header + "lr 0.1\noptimizer adam\nrun 0\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    #expect(p.experiment.variants.allSatisfy { $0.trainer.optimizer.settings.learningRate == 0.1 })
    #expect(p.experiment.variants.allSatisfy { $0.trainer.optimizer.settings.kind == .adam })
  }

  // MARK: Bug 3: any error from the experiment is a failed result, not an escaping throw.

  /// One training sample: re-estimating statistics feeds BatchNorm a batch of one, which the
  /// network (not the experiment) refuses.
  static let tinyData = """
    title "t"
    data moons n=2
    validation 0.5
    instruments off
    variant bn: linear 4, batchnorm, relu, linear 2

    """

  @Test("an error that is not an ExperimentError stops the scene as a failed result")
  func anyErrorIsAResult() throws {
    let scene = try SceneParser.parse(Self.tinyData + "reestimate stats 1\nexpect step() == 0\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    #expect(p.failure?.hasPrefix("line 6: ") == true, "\(p.failure ?? "no failure")")
    #expect(p.failedCount == 1)
    #expect(p.results.first?.source.hasPrefix("error: ") == true)
    #expect(p.finished)
  }

  @Test("tick turns the error into a result too")
  func tickIsAResult() throws {
    let scene = try SceneParser.parse(Self.tinyData + "reestimate stats 1\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    _ = try p.tick(maxSteps: 10, delegate: nil)
    #expect(p.failure != nil)
    #expect(p.failedCount == 1)
  }

  final class Refuses: ScenePlayerDelegate {
    struct Refused: Error {}
    func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {}
    func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws { throw Refused() }
  }

  @Test("what the delegate throws still escapes")
  func delegateErrorsEscape() throws {
    let scene = try SceneParser.parse(header + "screenshot a\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    #expect(throws: Refuses.Refused.self) { try p.playToEnd(delegate: Refuses()) }
    #expect(p.failure == nil)
  }
}

@Suite("One source of truth: operators and metrics")
struct OperatorAndMetricTableTests {
  // MARK: Operators as an enum.

  func operators(_ e: Expr) -> [BinaryOperator] {
    switch e {
    case .number, .bool, .call, .name: []
    case .not(let x), .negate(let x), .aggregate(_, let x): operators(x)
    case .binary(let op, let a, let b): [op] + operators(a) + operators(b)
    }
  }

  @Test("every operator parses to its case and evaluates as before")
  func everyOperator() throws {
    let claims = [
      ("1 + 2 == 3", true), ("5 - 2 != 3", false), ("2 * 3 >= 6", true), ("6 / 3 <= 2", true),
      ("1 < 2", true), ("2 > 3", false), ("true and false", false), ("false or true", true),
      ("0 / 0 == 0 / 0", false), ("not (0 / 0 < 1) and 1 - 2 * 3 == -5", true), ("1 / 0 > 1e300", true),
    ]
    let body = claims.map { "expect \($0.0)\n" }.joined()
    let scene = try SceneParser.parse(header + body, file: "x.scene")
    var seen = Set<BinaryOperator>()
    for s in scene.statements {
      if case .expect(let e, _, _) = s.kind { seen.formUnion(operators(e)) }
    }
    #expect(seen == Set(BinaryOperator.allCases))
    #expect(
      BinaryOperator.allCases.map(\.rawValue).sorted() == [
        "!=", "*", "+", "-", "/", "<", "<=", "==", ">", ">=", "and", "or",
      ])
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    #expect(p.results.map(\.passed) == claims.map(\.1))
  }

  @Test("the depth and operator limits still hold at their bounds")
  func limits() {
    let deep = { (n: Int) in String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " > 0" }
    let many = { (n: Int) in "1" + String(repeating: " + 1", count: n) + " > 0" }
    #expect(errors(header + "expect " + deep(64) + "\n").isEmpty)
    #expect(errors(header + "expect " + deep(65) + "\n").first?.message.contains("nested more than 64") == true)
    // The comparison is one operator too.
    #expect(errors(header + "expect " + many(255) + "\n").isEmpty)
    #expect(errors(header + "expect " + many(256) + "\n").first?.message.contains("more than 256 operators") == true)
    #expect(errors(header + "expect " + String(repeating: "- ", count: 65) + "1 > 0\n").first?.column == 8 + 64 * 2)
  }

  // MARK: One metric table.

  /// The table as it was before each entry carried its reader: name, arguments, takes a
  /// variant, is a truth value, help.
  static let pinned: [(String, [String], Bool, Bool, String)] = [
    ("final_loss", [], true, false, "training loss now (EMA-smoothed)"),
    ("loss", [], true, false, "last mini-batch loss"),
    ("val_loss", [], true, false, "validation loss now, eval mode"),
    ("val_accuracy", [], true, false, "validation accuracy now, eval mode"),
    (
      "val_accuracy_train_mode", ["batch"], true, false,
      "validation accuracy in train mode (batch statistics) with batches of `batch` (default: the training batch)"
    ),
    ("train_accuracy", [], true, false, "training accuracy (smoothed)"),
    ("diverged", [], true, true, "the variant diverged"),
    (
      "drift", ["layer", "place", "unit"], true, false,
      "W1 drift since the mark at a place (default before_norm), pooled or of one unit"
    ),
    ("shift", ["layer", "place"], true, false, "W1 between the last two snapshots"),
    (
      "percentile_travel", ["layer", "place", "unit"], true, false,
      "path length of p15/p50/p85 at a place (default activation_input), pooled or of one unit"
    ),
    (
      "percentile_range", ["layer", "place", "unit"], true, false,
      "mean range over time of p15/p50/p85 (default activation_input), pooled or of one unit"
    ),
    (
      "spread", ["layer", "place", "unit"], true, false,
      "p85 − p15 now at a place (default activation_input), pooled or of one unit"
    ),
    ("eval_gap", [], true, false, "mean |logit_train − logit_eval| on the probe"),
    ("eval_kl", [], true, false, "mean KL(train ‖ eval) on the probe"),
    (
      "eval_gap_small", [], true, false,
      "mean |logit_train − logit_eval| on the probe in train-mode batches of 4 (the panel's)"
    ),
    ("acc_train_mode_small", [], true, false, "probe accuracy in train-mode batches of 4 (the panel's)"),
    ("acc_train_mode", [], true, false, "probe accuracy in train mode"),
    ("acc_eval_mode", [], true, false, "probe accuracy in eval mode"),
    ("single_acc_eval_mode", [], true, false, "one-sample accuracy, eval mode"),
    ("single_sample_error", [], true, true, "train-mode inference on one sample is an error"),
    ("ics", ["layer"], true, false, "gradient ICS ‖G − G′‖₂"),
    ("ics_cos", ["layer"], true, false, "cos(G, G′)"),
    ("beta_smoothness", [], true, false, "effective β-smoothness along −g"),
    ("loss_variation", [], true, false, "range of the loss along −g"),
    ("bn_gap", ["layer"], true, false, "BN |μ_batch − μ_running|/σ on the probe"),
    ("grad_norm", ["layer"], true, false, "‖∇W‖ of the layer"),
    ("steps_to_loss", ["below"], true, false, "first step with smoothed loss < below"),
    ("steps_to_accuracy", ["above"], true, false, "first step with validation accuracy ≥ above"),
    (
      "trainable_max_lr", ["batch", "init", "momentum", "decay"], true, false,
      "the last sweep: the largest rate at which ≥ 90% of the variant's runs reach the target"
    ),
    (
      "trainable_min_lr", ["batch", "init", "momentum", "decay"], true, false,
      "the last sweep: the smallest rate at which ≥ 90% of the variant's runs reach the target"
    ),
    (
      "trainable_rates", ["batch", "init", "momentum", "decay"], true, false,
      "the last sweep: how many of its rates are trainable for the variant (0 when none is)"
    ),
    (
      "sweep_accuracy", ["lr", "batch", "init", "momentum", "decay"], true, false,
      "the last sweep: the variant's mean final validation accuracy at rate `lr` (over seeds and other axes)"
    ),
    ("lr", [], true, false, "current learning rate"),
    ("step", [], false, false, "current step"),
    ("batch", [], false, false, "current batch size"),
  ]

  @Test("every function keeps its name, arguments, kind and help")
  func tableIsUnchanged() {
    #expect(Metrics.all.count == Self.pinned.count)
    #expect(Metrics.functions.count == Metrics.all.count)
    for (name, arguments, takesVariant, isBool, help) in Self.pinned {
      let f = Metrics.functions[name]
      #expect(f?.name == name)
      #expect(f?.arguments == arguments, "\(name)")
      #expect(f?.takesVariant == takesVariant, "\(name)")
      #expect(f?.isBool == isBool, "\(name)")
      #expect(f?.help == help, "\(name)")
    }
  }

  @Test("docs/scenes.md's function table lists exactly the table's functions")
  func docsListTheTable() throws {
    let docs = try String(
      contentsOf: scenesURL.deletingLastPathComponent().appendingPathComponent("docs/scenes.md"), encoding: .utf8)
    let lines = docs.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let start = try #require(lines.firstIndex { $0.hasPrefix("| function |") })
    var names = [String]()
    for line in lines[(start + 2)...] {
      guard line.hasPrefix("|") else { break }
      let firstCell = line.dropFirst().prefix { $0 != "|" }
      // `name(…)` in backquotes, one or more per cell.
      for part in firstCell.split(separator: "`").enumerated() where part.offset % 2 == 1 {
        names.append(String(part.element.prefix { $0 != "(" }))
      }
    }
    #expect(names.sorted() == Metrics.all.map(\.name).sorted())
    #expect(Set(names).count == names.count)
  }

  @Test("every function reads through its own entry, with the same values")
  func everyFunctionReads() throws {
    let calls = Metrics.all.map { f -> String in
      let inside =
        (f.takesVariant ? ["bn"] : [])
        + f.arguments.map { $0 == "batch" ? "batch=4" : $0 == "place" ? "place=after_norm" : "\($0)=1" }
      return "\(f.name)(\(inside.joined(separator: ", ")))"
    }
    let body =
      "run 12\n" + calls.map { "expect \($0) * 0 == 0 or true\n" }.joined()
      + "expect step() == 12 and batch() == 60 and lr(bn) > 0.0999 and lr(bn) < 0.1001 and not diverged(bn)\n"
      + "expect final_loss(nosuch) == final_loss(nosuch)\n"
    var scene = try SceneParser.parse(
      header + "variant nosuch: linear 4, linear 10\ninstruments every=1 ics=4 smoothness=4 validation=4\n" + body,
      file: "x.scene")
    // A variant the experiment lacks (only a hand-made scene can name one) reads NaN.
    scene.variants.removeLast()
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    #expect(p.failure == nil)
    let results = p.results
    #expect(results.count == calls.count + 2)
    for (call, r) in zip(calls, results) {
      #expect(r.passed, "\(r.rendered)")
      #expect(r.readings.count == 1 && r.readings[0].hasPrefix(call + " = "), "\(r.readings)")
    }
    #expect(results[calls.count].passed, "\(results[calls.count].rendered)")
    #expect(!results[calls.count + 1].passed)
    #expect(results[calls.count + 1].readings == ["final_loss(nosuch) = NaN", "final_loss(nosuch) = NaN"])
  }
}
