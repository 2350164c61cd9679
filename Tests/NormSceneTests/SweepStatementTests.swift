import Foundation
import NormLab
import NormScene
import NormSupport
import NormView
import Testing

/// A small scene with a sweep: moons, a tiny MLP with and without BN.
private func scene(_ timeline: String, seeds: Int = 2) throws -> Scene {
  try SceneParser.parse(text(timeline, seeds: seeds), file: "s.scene")
}

private func text(_ timeline: String, seeds: Int = 2) -> String {
  """
  title "sweeps"
  seed 1
  seeds \(seeds)
  data moons
  variant plain: linear 8, relu, linear 2
  variant bn: linear 8, batchnorm, relu, linear 2
  lr 0.1
  batch 32

  """ + timeline
}

private func errors(_ timeline: String) -> [String] { located(text(timeline)) }

@Suite("The scene `sweep` statement", .serialized)
struct SweepStatementTests {
  @Test("a sweep uses the header's settings, its axes and the scene's seeds; the functions read its results")
  func sweepAndFunctions() throws {
    let s = try scene(
      """
      sweep lr 0.01,0.3 steps 60 target 0.8 for plain, bn
      expect sweep_accuracy(bn, lr=0.3) >= 0
      expect trainable_max_lr(bn) == trainable_max_lr(bn) or true
      """)
    guard case .sweep(let d, _) = try #require(s.statements.first?.kind) else {
      Issue.record("not a sweep: \(s.statements)")
      return
    }
    #expect(d.learningRates == [0.01, 0.3])
    #expect(d.batchSizes == [32])
    #expect(d.seeds == [1, 2])
    #expect(d.steps == 60)
    #expect(d.target == .accuracy(0.8))
    #expect(d.variants.map(\.name) == ["plain", "bn"])
    let p = try ScenePlayer(scene: s)
    p.sweepJobs = 2
    try p.playToEnd(delegate: nil)
    let r = try #require(p.sweep)
    #expect(r.isComplete && r.count == 8)
    // The function reads what the results say.
    let direct = r.ordered.filter { $0.cell.variant == "bn" && $0.cell.lr == 0.3 }.map { $0.valAccuracy ?? .nan }
    let mean = direct.reduce(0, +) / Double(direct.count)
    let reading = try #require(p.results.first?.readings.first)
    #expect(reading == "sweep_accuracy(bn, lr=0.3) = \(NumberFormat.reading(mean))", "\(reading)")
    #expect(p.results.allSatisfy { $0.passed })
    // The same sweep again (another seed of a replicate run, a replayed chapter) is not trained again.
    #expect(SweepCache.shared.cached(d) != nil)
  }

  @Test("the sweep panel draws the phase diagram with every variant and rate")
  func panel() throws {
    let s = try scene("show panel sweep\nsweep lr 0.01,0.3 steps 40 target 0.8\nzoom\n", seeds: 1)
    let p = try ScenePlayer(scene: s)
    try p.playToEnd(delegate: nil)
    var state = DashboardState(experiment: p.experiment, theme: Theme(colors: .mono, glyphs: .braille))
    state.sweep = p.sweep
    state.focus = .sweep
    state.zoomed = true
    let text = Screenshot.text(Dashboard.render(state, width: 120, height: 40))
    #expect(text.contains("Sweep: does each variant train?"))
    for name in ["plain", "bn", "0.01", "0.3"] { #expect(text.contains(name), "\(name)") }
    #expect(text.contains("trains = "))
  }

  @Test("bad sweeps: file:line:column and what to write")
  func badInput() {
    #expect(errors("sweep lr 0.1 steps 10\n") == ["9:7: a sweep needs `target X` (an accuracy) or `target loss X`"])
    #expect(errors("sweep steps 10 target 0.5\n") == ["9:7: a sweep needs `lr A..BxN` (or a list)"])
    #expect(
      errors("sweep lr 1 stepz 5\n").first?.hasPrefix("9:12: unknown sweep option 'stepz' (did you mean steps?)")
        == true)
    #expect(errors("sweep lr 1..0.1x3 steps 10 target 0.5\n").first?.contains("inverted") == true)
    #expect(errors("sweep lr 0.1 steps 10 target 2\n") == ["9:30: target must be an accuracy in (0, 1]"])
    #expect(
      errors("sweep lr 0.1 steps 10 target 0.5 for nope\n").first?.hasPrefix("9:38: no variant or model named 'nope'")
        == true)
    #expect(errors("sweep lr 0.1 steps 10 samples 50 target 0.5\n") == ["9:23: give steps or samples, not both"])
    #expect(errors("sweep lr 0.1 samples 0 target 0.5\n").first?.hasPrefix("9:22: samples must be 1 to") == true)
    #expect(
      errors("sweep lr 0.1 target 0.5\n")
        == ["9:7: a sweep needs its budget: `steps N` (or `samples N`, the same data at every batch)"])
    #expect(
      errors("sweep lr 0.1,1 batch 2,8 steps 5 target 0.5\nexpect trainable_rates(bn, batchh=2) >= 0\n").first?
        .hasPrefix(
          "10:28: trainable_rates takes batch, init, momentum, decay; 'batchh' is not one (did you mean batch?)")
        == true)
    #expect(errors("sweep lr 0.1 steps 0 target 0.5\n").first?.hasPrefix("9:20: steps must be 1 to") == true)
    // A layer's own scale= would make an init axis change nothing: refused, named.
    #expect(
      (try? SceneParser.parse(
        "title \"t\"\ndata digits\nvariant s: linear 10 scale=0.1, tanh, linear 10\nsweep lr 0.1 init 0.1,1 steps 5 target 0.5\n",
        file: "i.scene")) == nil)
    do {
      _ = try SceneParser.parse(
        "title \"t\"\ndata digits\nvariant s: linear 10 scale=0.1, tanh, linear 10\nsweep lr 0.1 init 0.1,1 steps 5 target 0.5\n",
        file: "i.scene")
    } catch {
      #expect(
        error.diagnostics.first?.message
          == "sweep: init cannot vary variant 's': its layers set scale= themselves, which the init scale does not change"
      )
    }
  }

  @Test("a samples budget gives every batch size the same data: ⌈samples / batch⌉ steps")
  func samplesBudget() throws {
    let s = try scene(
      """
      sweep lr 0.3 batch 2,8,32 samples 640 target 0.7 seeds 1 for bn
      expect trainable_rates(bn, batch=2) >= 0
      """, seeds: 1)
    guard case .sweep(let d, _) = try #require(s.statements.first?.kind) else {
      Issue.record("not a sweep: \(s.statements)")
      return
    }
    #expect(d.samples == 640)
    #expect([2, 8, 32].map { d.steps(batch: $0) } == [320, 80, 20])
    #expect(d.budget == "640 samples (20 steps at batch 32 … 320 at 2)")
    #expect(d.canonicalText.contains("\nsamples 640\n") && !d.canonicalText.contains("\nsteps "))
    let back = try SweepDefinition(canonicalText: d.canonicalText)
    #expect(back == d)
    let p = try ScenePlayer(scene: s)
    p.sweepJobs = 2
    try p.playToEnd(delegate: nil)
    let r = try #require(p.sweep)
    #expect(r.isComplete && r.count == 3)
    // The log line states each run's own steps.
    for run in r.ordered {
      #expect(SweepLog.line(run, definition: d).contains("\"steps\":\(d.steps(batch: run.cell.batch))"))
    }
  }

  @Test("the sweep functions pick one value of a second axis with batch=, init=, momentum=, decay=")
  func axisArguments() throws {
    let s = try scene(
      """
      sweep lr 0.03,0.3,3 batch 4,32 steps 80 target 0.75 seeds 2 for plain, bn
      expect trainable_rates(bn, batch=4) >= 0
      expect trainable_rates(bn, batch=32) >= 0
      expect trainable_rates(bn) >= 0
      expect sweep_accuracy(plain, lr=0.3, batch=4) >= 0
      expect trainable_max_lr(bn, batch=32) == trainable_max_lr(bn, batch=32) or true
      """)
    let p = try ScenePlayer(scene: s)
    p.sweepJobs = 2
    try p.playToEnd(delegate: nil)
    let r = try #require(p.sweep)
    func rates(_ batch: Int?) -> Int {
      r.trainableRange(variant: "bn", where: { c in batch.map { c.batch == $0 } ?? true }).rates.count
    }
    func reading(_ i: Int) -> String { p.results[i].readings.first ?? "" }
    #expect(reading(0) == "trainable_rates(bn, batch=4) = \(rates(4))")
    #expect(reading(1) == "trainable_rates(bn, batch=32) = \(rates(32))")
    #expect(reading(2) == "trainable_rates(bn) = \(rates(nil))")
    let runs = r.ordered.filter { $0.cell.variant == "plain" && $0.cell.lr == 0.3 && $0.cell.batch == 4 }
    #expect(runs.count == 2)
    let mean = runs.map { $0.valAccuracy ?? .nan }.reduce(0, +) / 2
    #expect(reading(3) == "sweep_accuracy(plain, lr=0.3, batch=4) = \(NumberFormat.reading(mean))")
  }

  @Test("a `model` line is a network only sweeps train: sweeps and sweep functions take it, nothing else does")
  func sweepModels() throws {
    let header = """
      title "models"
      seed 1
      data moons
      variant bn: linear 8, batchnorm, relu, linear 2
      model wide: linear 16, relu, linear 2

      """
    let s = try SceneParser.parse(
      header + "sweep lr 0.1 init 0.5,1 steps 30 target 0.6 for wide, bn\nexpect trainable_rates(wide) >= 0\n",
      file: "m.scene")
    #expect(s.variants.map(\.name) == ["bn"])
    #expect(s.sweepModels.map(\.name) == ["wide"])
    guard case .sweep(let d, _) = try #require(s.statements.first?.kind) else {
      Issue.record("not a sweep")
      return
    }
    // In the order the `for` names them.
    #expect(d.variants.map(\.name) == ["wide", "bn"])
    let p = try ScenePlayer(scene: s)
    // Only the variant trains live.
    #expect(p.experiment.variants.map(\.name) == ["bn"])
    try p.playToEnd(delegate: nil)
    #expect(p.results.allSatisfy { $0.passed })
    func errs(_ text: String) -> [String] { located(header + text) }
    #expect(
      errs("run 5\nexpect val_accuracy(wide) > 0\n")
        == [
          "7:21: 'wide' is a sweep model (a `model` line), trained only by sweeps; only trainable_max_lr, trainable_min_lr, trainable_rates, sweep_accuracy read it"
        ])
    #expect(
      errs("set lr 0.5 for wide\n")
        == ["6:16: no variant named 'wide' ('wide' is a sweep model: only `sweep … for` trains it)"])
    #expect(errs("model bn: linear 4, linear 2\n") == ["6:7: a variant or model named 'bn' already exists"])
    #expect(errs("model m: linear 4, relu, lnear 2\n").first == "6:26: unknown layer 'lnear' (did you mean linear?)")
    // Against the data, like a variant: moons has 2 features, so a conv layer cannot take it.
    #expect(errs("model c: conv 4 k=3, linear 2\n") == ["6:10: conv expects (N, C, H, W) input but gets (N, 2)"])
  }
}
