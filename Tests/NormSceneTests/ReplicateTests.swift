import Foundation
import NormLab
import NormScene
import Testing

/// A quick scene over several seeds: digits, a small MLP with and without BN, 40 steps.
private func scene(_ timeline: String, seeds: Int = 4) throws -> Scene {
  try SceneParser.parse(
    """
    title "replicates"
    seed 3
    seeds \(seeds)
    data digits
    variant plain: linear 16, relu, linear 10
    variant bn: linear 16, batchnorm, relu, linear 10
    lr 0.1
    run 40

    """ + timeline, file: "r.scene")
}

@Suite("Scenes over seeds: replicates, quorums, aggregates")
struct ReplicateTests {
  @Test("seeds N runs seed, seed + 1, …; each expectation is judged per seed")
  func seedsAndVerdicts() throws {
    let s = try scene("expect final_loss(bn) < 100\nexpect final_loss(bn) < 0\n")
    #expect(s.seedCount == 4)
    #expect(s.seeds == [3, 4, 5, 6])
    let out = try Replicates.play(s, seeds: s.seeds, jobs: 2, delegate: nil)
    #expect(out.verdicts.count == 2)
    #expect(out.verdicts[0].perSeed == [true, true, true, true])
    #expect(out.verdicts[0].passed)
    #expect(out.verdicts[1].passedSeeds == 0)
    #expect(!out.verdicts[1].passed)
    #expect(out.verdicts[0].rendered.contains("4/4 seeds (needs all)"))
    #expect(out.verdicts[0].readings[0].values.allSatisfy { $0.isFinite && $0 > 0 })
    // Seeds differ (data split, weights, batches all follow the seed).
    #expect(Set(out.verdicts[0].readings[0].values).count == 4)
  }

  @Test("running seeds in parallel gives bit-identical values to running them one at a time")
  func parallelEqualsSerial() throws {
    let s = try scene("expect val_accuracy(bn) > 0 and final_loss(plain) > 0\nrun 10\nexpect drift(bn) >= 0\n")
    let serial = try Replicates.play(s, seeds: s.seeds, jobs: 1, delegate: nil)
    let parallel = try Replicates.play(s, seeds: s.seeds, jobs: 2, delegate: nil)
    #expect(serial.verdicts.count == parallel.verdicts.count)
    for (a, b) in zip(serial.verdicts, parallel.verdicts) {
      #expect(a.perSeed == b.perSeed)
      for (ra, rb) in zip(a.readings, b.readings) {
        #expect(ra.values.map(\.bitPattern) == rb.values.map(\.bitPattern), "line \(a.line): \(ra.name)")
      }
    }
    // And each seed's values are those of a plain one-seed play of that seed.
    let one = try scene("expect val_accuracy(bn) > 0 and final_loss(plain) > 0\n").withSeed(5)
    let single = ScenePlayerTestSupport.values(one)
    #expect(serial.verdicts[0].readings.map { $0.values[2].bitPattern } == single.map(\.bitPattern))
  }

  @Test("a quorum: `in ≥ P% of seeds` passes with ⌈P·N⌉ seeds")
  func quorum() throws {
    // The seeds' losses differ, so a threshold at their median passes in about half.
    let probe = try Replicates.play(
      try scene("expect final_loss(plain) > 0\n"), seeds: [3, 4, 5, 6], jobs: 2, delegate: nil)
    let losses = probe.verdicts[0].readings[0].values.sorted()
    let cut = (losses[1] + losses[2]) / 2
    let s = try scene(
      "expect final_loss(plain) < \(cut)\nexpect final_loss(plain) < \(cut) in ≥ 50% of seeds\n"
        + "expect final_loss(plain) < \(cut) in >= 75% of seeds\n")
    let out = try Replicates.play(s, seeds: s.seeds, jobs: 2, delegate: nil)
    #expect(out.verdicts.map(\.passedSeeds) == [2, 2, 2])
    #expect(out.verdicts.map(\.requiredSeeds) == [4, 2, 3])
    #expect(out.verdicts.map(\.passed) == [false, true, false])
    #expect(out.verdicts[1].rendered.contains("2/4 seeds (needs ≥ 50%)"))
  }

  @Test("mean, sd and the 95% interval combine an expression over the seeds")
  func aggregates() throws {
    let s = try scene(
      "expect mean(final_loss(bn)) > 0\nexpect sd(final_loss(bn)) > 0\n"
        + "expect ci95_low(final_loss(bn)) < mean(final_loss(bn)) and mean(final_loss(bn)) < ci95_high(final_loss(bn))\n"
        + "expect final_loss(bn) > mean(final_loss(bn)) in ≥ 25% of seeds\n")
    let out = try Replicates.play(s, seeds: s.seeds, jobs: 2, delegate: nil)
    let failed = out.verdicts.filter { !$0.passed }.map(\.rendered)
    #expect(failed.isEmpty, "\(failed)")
    let v = out.verdicts[0].readings[0].values
    let mean = v.reduce(0, +) / 4
    let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
    #expect(abs(Aggregate.mean.combine(v) - mean) < 1e-12)
    #expect(abs(Aggregate.sd.combine(v) - sd) < 1e-12)
    #expect(abs(Aggregate.ci95High.combine(v) - (mean + 3.182 * sd / 2)) < 1e-12)
    // Some seeds are above their mean and some below: the last expectation is per seed.
    #expect((1...3).contains(out.verdicts[3].passedSeeds))
    // With one seed, mean is the value and sd is NaN.
    #expect(Aggregate.mean.combine([2]) == 2)
    #expect(Aggregate.sd.combine([2]).isNaN)
  }

  @Test("seeds, quorums and aggregates: errors at line and column")
  func errorsAreLocated() throws {
    func first(_ timeline: String, seedsLine: String = "seeds 4") -> String {
      let text = """
        title "t"
        \(seedsLine)
        data digits
        variant bn: linear 16, batchnorm, relu, linear 10
        run 1
        \(timeline)
        """
      do {
        _ = try SceneParser.parse(text, file: "e.scene")
        return "no error"
      } catch { return error.diagnostics.first.map { "\($0.line):\($0.column): \($0.message)" } ?? "none" }
    }
    #expect(first("expect true", seedsLine: "seeds 0").hasPrefix("2:7: seeds needs a whole number from 1 to 100"))
    #expect(first("expect true", seedsLine: "seeds 101").hasPrefix("2:7: seeds needs"))
    #expect(first("expect true in ≥ 0% of seeds").hasPrefix("6:16: expected `in ≥ P% of seeds`"))
    #expect(first("expect mean(sd(final_loss(bn))) > 0").hasPrefix("6:13: sd cannot be inside another aggregate"))
    #expect(first("expect meen(final_loss(bn)) > 0").contains("did you mean mean?"))
  }
}

/// One seed's recorded values through the single-seed player (for comparison).
enum ScenePlayerTestSupport {
  static func values(_ s: Scene) -> [Double] {
    guard let p = try? ScenePlayer(scene: s) else { return [] }
    p.recordsValues = true
    try? p.playToEnd(delegate: nil)
    return p.results.first?.values ?? []
  }
}

@Suite("Scene functions at a place and per unit")
struct PlaceAndUnitTests {
  @Test("place= and unit= read the per-place and per-unit instruments")
  func placeAndUnit() throws {
    let s = try SceneParser.parse(
      """
      title "places"
      data digits
      variant plain: linear 32, sigmoid, linear 32, sigmoid, linear 10
      variant bn: linear 32, batchnorm, sigmoid, linear 32, batchnorm, sigmoid, linear 10
      lr 0.5
      instruments every=10
      run 100
      expect drift(bn, layer=2, place=before_norm) == drift(bn, layer=2)
      expect drift(bn, layer=2, place=after_norm) == drift(bn, layer=2, place=activation_input)
      expect drift(bn, layer=2, place=after_norm, unit=median) >= 0
      expect spread(bn, layer=2, unit=3) < spread(bn, layer=2)
      expect percentile_range(plain, layer=2, place=after_activation) > 0
      expect drift(bn, layer=2, unit=5000) == drift(bn, layer=2, unit=5000)
      """, file: "p.scene")
    let p = try ScenePlayer(scene: s)
    try p.playToEnd(delegate: nil)
    #expect(p.results.map(\.passed) == [true, true, true, true, true, false], "\(p.results.map(\.rendered))")
  }

  @Test("a bad place or unit word is an error at its column with a hint")
  func badWords() {
    let d = errors(header + "run 1\nexpect drift(bn, place=after_nrom) > 0\n")
    #expect(d.first?.column == 24)
    #expect(d.first?.message.contains("did you mean after_norm?") == true)
    let u = errors(header + "run 1\nexpect spread(bn, unit=typical) > 0\n")
    #expect(u.first?.message.hasPrefix("unit is a unit number from 0 or median") == true)
  }
}

@Suite("Figure lines")
struct FigureTests {
  @Test("a figure fills in its values: one seed as is, several as mean ± sd")
  func figures() throws {
    let text = """
      title "fig"
      data digits
      variant plain: linear 16, relu, linear 10
      variant bn: linear 16, batchnorm, relu, linear 10
      run 30
      figure "BN {val_accuracy(bn)|%}, ratio {final_loss(plain) / final_loss(bn)|2}, step {step()}"
      """
    let one = try SceneParser.parse(text, file: "f.scene")
    let p = try ScenePlayer(scene: one)
    try p.playToEnd(delegate: nil)
    let acc = try #require(p.figures.first?.values.first)
    #expect(
      p.figures.first?.rendered.hasPrefix("FIGURE line 6: BN \(FigureFormat.percent.render([acc])), ratio ") == true)
    #expect(p.figures.first?.rendered.hasSuffix(", step 30") == true)
    var many = one
    many.seedCount = 3
    let out = try Replicates.play(many, seeds: many.seeds, jobs: 2, delegate: nil)
    #expect(out.figureTexts.count == 1)
    #expect(out.figureTexts[0].contains(" ± "))
    // The step is the same in every seed: written once, not as "30 ± 0".
    #expect(out.figureTexts[0].hasSuffix("step 30"))
    #expect(out.figureSummary.hasSuffix(" (3 seeds)"))
    #expect(FigureFormat.percent.render([0.5, 0.7]) == "60.0 ± 14.1 %")
    #expect(FigureFormat.decimals(2).render([1]) == "1.00")
  }

  @Test("figure errors: no braces, unclosed brace, bad format, bad expression")
  func figureErrors() {
    #expect(
      errors(header + "run 1\nfigure \"no values\"\n").first?.message.hasPrefix("a figure quotes at least one") == true)
    #expect(
      errors(header + "run 1\nfigure \"x {step()\"\n").first?.message
        == "unclosed '{' in a figure: add '}' (or write '{{' for a brace)")
    #expect(
      errors(header + "run 1\nfigure \"x {step()|pct}\"\n").first?.message.hasPrefix("a value's format is") == true)
    let d = errors(header + "run 1\nfigure \"x {final_los(bn)}\"\n")
    #expect(d.first?.column == 12)  // the function name, just inside the brace
    #expect(d.first?.message.contains("did you mean final_loss?") == true)
  }
}

@Suite("The percentile panel follows one unit")
struct PercentileUnitTests {
  @Test("instruments unit=median place=after_norm: the panel's band is that unit's, and its title says so")
  func oneUnit() throws {
    let text = """
      title "fig1"
      data digits
      variant bn: linear 32, batchnorm, sigmoid, linear 32, batchnorm, sigmoid, linear 10
      lr 0.5
      instruments every=10 unit=median place=after_norm
      run 50
      """
    let s = try SceneParser.parse(text, file: "u.scene")
    #expect(s.instruments.percentileUnit == .median)
    #expect(s.instruments.percentileTap == .normOutput)
    let p = try ScenePlayer(scene: s)
    try p.playToEnd(delegate: nil)
    let rec = p.experiment.variants[0].record
    let tap = Tap(block: 2, kind: .normOutput)
    let units = try #require(rec.units[tap])
    let m = try #require(units.medianUnit)
    #expect(rec.bands[2]?.p50.values == units.band(unit: m).p50.values)
    let d = errors(
      header.replacingOccurrences(of: "data digits", with: "data digits\ninstruments place=after_nrom") + "run 1\n")
    #expect(d.first?.message.contains("did you mean after_norm?") == true)
  }
}
