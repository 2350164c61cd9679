import Foundation
import NormLab
import NormScene
import NormSupport
import NormView
import Testing

/// A small scene with a sweep: moons, a tiny MLP with and without BN.
private func scene(_ timeline: String, seeds: Int = 2) throws -> Scene {
  try SceneParser.parse(
    """
    title "sweeps"
    seed 1
    seeds \(seeds)
    data moons
    variant plain: linear 8, relu, linear 2
    variant bn: linear 8, batchnorm, relu, linear 2
    lr 0.1
    batch 32

    """ + timeline, file: "s.scene")
}

private func errors(_ timeline: String) -> [String] {
  do {
    _ = try scene(timeline)
    return []
  } catch let e as SceneErrors {
    return e.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
  } catch { return ["\(error)"] }
}

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
      errors("sweep lr 0.1 steps 10 target 0.5 for nope\n").first?.hasPrefix("9:38: no variant named 'nope'") == true)
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
}
