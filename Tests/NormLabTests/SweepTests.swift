import NormCore
import NormLab
import Synchronization
import Testing

/// A small sweep that trains in well under a second: moons, two tiny MLPs, three rates.
func tinySweep(seeds: Int = 2, steps: Int = 60) -> SweepDefinition {
  var d = SweepDefinition(variants: [
    VariantSpec(name: "plain", model: "linear 8, relu, linear 2"),
    VariantSpec(name: "bn", model: "linear 8, batchnorm, relu, linear 2"),
  ])
  d.data = "moons"
  d.learningRates = [0.05, 1, 200]
  d.batchSizes = [16, 32]
  d.seedCount = seeds
  d.steps = steps
  d.checkEvery = 20
  d.target = .accuracy(0.8)
  return d
}

func moons(_ seed: UInt64) throws -> Dataset { try BuiltinData.make(name: "moons", seed: seed) }

/// Runs a sweep and returns its results in cell order.
func runAll(_ d: SweepDefinition, jobs: Int, shard: SweepShard = .whole) throws -> [SweepResult] {
  let runner = try SweepRunner(d, data: moons)
  let out = Mutex<[SweepResult]>([])
  runner.run(jobs: jobs, shard: shard) { r in out.withLock { $0.append(r) } }
  return out.withLock { $0 }.sorted { $0.cell.index < $1.cell.index }
}

@Suite("Sweeps: definition, axes, cells")
struct SweepDefinitionTests {
  @Test("A..BxN is N log-spaced values from A to B, ends exact")
  func logRange() throws {
    let v = try SweepAxis.values("0.01..100x13", for: .lr)
    #expect(v.count == 13)
    #expect(v.first == 0.01 && v.last == 100)
    #expect(v[3] == 0.1 && v[6] == 1 && v[9] == 10)
    for (a, b) in zip(v, v.dropFirst()) { #expect(abs(b / a - 2.15443469) < 1e-5) }
    #expect(try SweepAxis.values("8..256x6", for: .batch) == [8, 16, 32, 64, 128, 256])
    #expect(try SweepAxis.values("32, 8,16", for: .batch) == [8, 16, 32])
    #expect(try SweepAxis.values("0,0.5,0.9", for: .momentum) == [0, 0.5, 0.9])
    #expect(try SweepAxis.values("0.3", for: .initScale) == [0.3])
  }

  @Test(
    "bad ranges and lists are clear errors",
    arguments: [
      ("", SweepParameter.lr, "empty"),
      ("100..0.01x13", .lr, "inverted"),
      ("1..1x3", .lr, "the range is empty"),
      ("0..1x3", .lr, "start above 0"),
      ("0.01..100x1", .lr, "at least 2 values"),
      ("0.01..100x1000", .lr, "at most 100 values"),
      ("0.01..100", .lr, "A..BxN"),
      ("0.1,0.1", .lr, "listed twice"),
      ("0.1,,1", .lr, "empty value"),
      ("fast", .lr, "'fast' is not a number"),
      ("1e7", .lr, "from 0 to 1e6"),
      ("0.5", .batch, "whole number"),
      ("1..3x5", .batch, "repeats values"),
      ("1", .momentum, "[0, 1)"),
      ("-1", .weightDecay, "≥ 0"),
      ("0", .initScale, "> 0"),
    ])
  func badAxes(text: String, parameter: SweepParameter, message: String) {
    #expect {
      _ = try SweepAxis.values(text, for: parameter)
    } throws: { ($0 as? SweepError)?.message.contains(message) ?? false }
  }

  @Test("a grid over the limits, a bad target or no validation split is refused")
  func limits() {
    var d = tinySweep()
    d.learningRates = (1...100).map { Double($0) / 100 }
    d.batchSizes = Array(1...100)
    d.seedCount = 100
    #expect(d.problem()?.contains("the limit is \(Limits.maxSweepRuns)") == true)
    d = tinySweep()
    d.target = .accuracy(1.5)
    #expect(d.problem()?.contains("--target") == true)
    d = tinySweep()
    d.validationFraction = 0
    #expect(d.problem()?.contains("--val-fraction") == true)
    d = tinySweep()
    d.variants = []
    #expect(d.problem() != nil)
    d = tinySweep()
    d.optimizer = .adam
    d.momenta = [0.5]
    #expect(d.problem()?.contains("--momentum") == true)
    #expect(tinySweep().problem() == nil)
  }

  @Test("the canonical text reads back to the same definition and hash")
  func canonical() throws {
    var d = tinySweep()
    d.initialization = .normal(std: 0.1)
    d.initScales = [0.1, 1, 10]
    d.momenta = [0, 0.9]
    d.target = .loss(0.25)
    d.firstSeed = 7
    let back = try SweepDefinition(canonicalText: d.canonicalText)
    #expect(back == d)
    #expect(back.hash == d.hash)
    #expect(d.hash.count == 16)
    // Every setting is part of the hash.
    var changed = [d.hash]
    for edit in [
      { (x: inout SweepDefinition) in x.steps += 1 }, { $0.target = .loss(0.3) }, { $0.firstSeed += 1 },
      { $0.seedCount += 1 }, { $0.learningRates[0] = 0.06 }, { $0.variants[1].model += ", relu" },
      { $0.data = "spirals" }, { $0.checkEvery = 10 }, { $0.batchSizes = [16] },
    ] {
      var e = d
      edit(&e)
      changed.append(e.hash)
    }
    #expect(Set(changed).count == changed.count)
    #expect(throws: SweepError.self) { try SweepDefinition(canonicalText: "data digits\n") }
    #expect(throws: SweepError.self) {
      try SweepDefinition(canonicalText: d.canonicalText.replacingOccurrences("steps 60", "steps x"))
    }
  }

  @Test("FNV-1a matches the published test vectors")
  func fnv() {
    #expect(SweepDefinition.fnv1a("") == "cbf29ce484222325")
    #expect(SweepDefinition.fnv1a("a") == "af63dc4c8601ec8c")
    #expect(SweepDefinition.fnv1a("foobar") == "85944171f73967e8")
  }

  @Test("cells: every combination once, seeds innermost; shards partition the grid")
  func cells() throws {
    var d = tinySweep(seeds: 3)
    d.initScales = [0.5, 2]
    let cells = (0..<d.cellCount).map(d.cell)
    #expect(d.cellCount == 3 * 2 * 2 * 2 * 3)
    let keys = Set(cells.map { "\($0.variant) \($0.lr) \($0.batch) \($0.initScale) \($0.seed)" })
    #expect(keys.count == d.cellCount)
    #expect(cells[0].seed == 1 && cells[1].seed == 2 && cells[2].seed == 3 && cells[3].variant == "bn")
    #expect(cells.allSatisfy { d.cell($0.index) == $0 })
    for n in [1, 2, 5, 7] {
      let shards = (1...n).map { d.cells(in: SweepShard(index: $0, count: n)) }
      #expect(shards.flatMap { $0 }.sorted() == Array(0..<d.cellCount))
      #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1)
    }
    #expect(try SweepShard(parsing: "2/4") == SweepShard(index: 2, count: 4))
    for bad in ["0/4", "5/4", "1/0", "x", "1/2/3"] { #expect(throws: SweepError.self) { try SweepShard(parsing: bad) } }
  }
}

extension String {
  func replacingOccurrences(_ a: String, _ b: String) -> String {
    var out = ""
    var rest = self[...]
    while let r = rest.firstRange(of: a) {
      out += rest[..<r.lowerBound] + b
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

@Suite("Sweeps: running")
struct SweepRunTests {
  @Test("jobs 2 and 3 give bit-identical results to jobs 1; shards give the same runs")
  func parallelIsIdentical() throws {
    let d = tinySweep()
    let one = try runAll(d, jobs: 1)
    #expect(one.count == d.cellCount)
    #expect(one.map(\.cell.index) == Array(0..<d.cellCount))
    for jobs in [2, 3] { #expect(try runAll(d, jobs: jobs) == one) }
    let collected = try SweepRunner(d, data: moons).results(jobs: 2)
    #expect(collected.isComplete && collected.ordered == one)
    var sharded = [SweepResult]()
    for i in 1...3 { sharded += try runAll(d, jobs: 2, shard: SweepShard(index: i, count: 3)) }
    #expect(sharded.sorted { $0.cell.index < $1.cell.index } == one)
    // The outcomes differ across the grid: the test would notice a mix-up of cells.
    #expect(Set(one.compactMap(\.valAccuracy)).count > 10)
    #expect(one.contains { $0.reachedTarget } && one.contains { $0.diverged })
  }

  @Test("a run is the variant trained alone, as train would: same validation accuracy")
  func runMatchesExperiment() throws {
    let d = tinySweep()
    let cell = d.cell(5)
    let runner = try SweepRunner(d, data: moons)
    let r = try #require(runner.run(cell))
    let e = try Experiment(runner.config(for: cell, data: try moons(cell.seed)))
    for _ in 0..<d.steps where e.anyLive { try e.advance() }
    let v = try #require(try e.validate()?.first)
    #expect(r.valAccuracy == Double(v.accuracy) || r.diverged)
    #expect(r.divergedAt == e.variants[0].divergedAt)
  }

  @Test("steps to target is the first check that meets it; huge rates diverge")
  func outcomes() throws {
    let d = tinySweep(seeds: 1, steps: 100)
    let results = try runAll(d, jobs: 2)
    for r in results {
      if let s = r.stepsToTarget { #expect(s % d.checkEvery == 0 || s == d.steps) }
      if r.reachedTarget { #expect(r.divergedAt == nil) }
    }
    let huge = results.filter { $0.cell.lr == 200 }
    let good = results.filter { $0.cell.lr == 1 }
    #expect(huge.allSatisfy { $0.diverged })
    #expect(good.allSatisfy { $0.reachedTarget })
  }

  @Test("errors in a run are outcomes, not crashes: BatchNorm on a batch of 1")
  func runError() throws {
    var d = tinySweep(seeds: 1, steps: 5)
    d.batchSizes = [1]
    let results = try runAll(d, jobs: 2)
    let bn = results.filter { $0.cell.variant == "bn" }
    #expect(!bn.isEmpty && bn.allSatisfy { $0.error?.contains("Expected more than 1 value per channel") == true })
    #expect(results.filter { $0.cell.variant == "plain" }.allSatisfy { $0.error == nil })
  }

  @Test("stopping abandons runs in progress and starts no new one")
  func stop() throws {
    let d = tinySweep(seeds: 3, steps: 400)
    let runner = try SweepRunner(d, data: moons)
    let count = Mutex(0)
    let stop = Atomic<Bool>(false)
    let finished = runner.run(jobs: 2, shouldStop: { stop.load(ordering: .relaxed) }) { _ in
      count.withLock {
        $0 += 1
        if $0 == 3 { stop.store(true, ordering: .relaxed) }
      }
    }
    #expect(finished == count.withLock { $0 })
    #expect(finished >= 3 && finished < d.cellCount)
  }

  @Test("skipping: only the cells not done run")
  func skipping() throws {
    let d = tinySweep()
    let runner = try SweepRunner(d, data: moons)
    let seen = Mutex<[Int]>([])
    runner.run(jobs: 2, skipping: Set(0..<20)) { r in seen.withLock { $0.append(r.cell.index) } }
    #expect(seen.withLock { $0 }.sorted() == Array(20..<d.cellCount))
  }

  @Test("a bad model spec is reported before any run")
  func badSpec() throws {
    var d = tinySweep()
    d.variants[1].model = "linear 8, batchnrom, linear 2"
    let runner = try SweepRunner(d, data: moons)
    #expect { try runner.check() } throws: { "\($0)".contains("batchnrom") }
  }
}

@Suite("Sweeps: JSONL files")
struct SweepLogTests {
  func file(_ d: SweepDefinition, _ results: [SweepResult]) -> String {
    SweepLog.header(d) + results.map { SweepLog.line($0, definition: d) }.joined()
  }

  @Test("lines read back to the same results, exactly")
  func roundTrip() throws {
    let d = tinySweep()
    let results = try runAll(d, jobs: 2)
    let text = file(d, results)
    let back = try SweepLog.read(Array(text.utf8), file: "s.jsonl", expecting: d)
    #expect(back.results.map(\.result) == results)
    #expect(back.truncatedLine == nil && back.validBytes == text.utf8.count)
    // Without `expecting`, the header defines the sweep.
    #expect(try SweepLog.read(Array(text.utf8), file: "s.jsonl").definition == d)
    // Every line carries the hash and the grid parameters.
    for line in text.split(separator: "\n").dropFirst() {
      for key in ["\"sweep\":\"\(d.hash)\"", "\"lr\":", "\"batch\":", "\"seed\":", "\"variant\":", "\"init_scale\":"] {
        #expect(line.contains(key))
      }
    }
  }

  @Test("a cut-off last line is dropped and reported; everything before it is kept")
  func truncated() throws {
    let d = tinySweep()
    let results = Array(try runAll(d, jobs: 2).prefix(5))
    let text = file(d, results)
    for cut in [1, 10, 40] {
      let bytes = Array(text.utf8.dropLast(cut))
      let c = try SweepLog.read(bytes, file: "s.jsonl", expecting: d)
      #expect(c.results.count == 4)
      #expect(c.truncatedLine == 6)
      #expect(c.validBytes == text.utf8.count - SweepLog.line(results[4], definition: d).utf8.count)
    }
  }

  @Test("a line from another sweep is an error naming file:line")
  func foreignLine() throws {
    let d = tinySweep()
    var other = d
    other.steps = 61
    let results = Array(try runAll(d, jobs: 2).prefix(3))
    let mixed =
      SweepLog.header(d) + SweepLog.line(results[0], definition: d) + SweepLog.line(results[1], definition: other)
      + SweepLog.line(results[2], definition: d)
    #expect {
      try SweepLog.read(Array(mixed.utf8), file: "s.jsonl", expecting: d)
    } throws: { ($0 as? SweepError)?.message.hasPrefix("s.jsonl:3: a line from another sweep") ?? false }
    // A whole file of another sweep, when resuming this one.
    #expect {
      try SweepLog.read(Array(file(other, []).utf8), file: "o.jsonl", expecting: d)
    } throws: { ($0 as? SweepError)?.message.hasPrefix("o.jsonl:1: this file holds another sweep") ?? false }
    // Garbage in the middle is an error, not a silent drop.
    let garbage = SweepLog.header(d) + "{\"sweep\": oops\n" + SweepLog.line(results[0], definition: d)
    #expect {
      try SweepLog.read(Array(garbage.utf8), file: "g.jsonl", expecting: d)
    } throws: { ($0 as? SweepError)?.message.hasPrefix("g.jsonl:2: not a sweep line") ?? false }
    // A line whose parameters do not match its cell.
    let edited = file(d, [results[0]]).replacingOccurrences("\"lr\":0.05", "\"lr\":0.06")
    #expect {
      try SweepLog.read(Array(edited.utf8), file: "e.jsonl", expecting: d)
    } throws: { ($0 as? SweepError)?.message.contains("not those of cell 0") ?? false }
  }

  @Test("damaged files never crash the reader: 3,000 random byte edits, each an error or a read")
  func damaged() throws {
    let d = tinySweep()
    let text = Array(file(d, Array(try runAll(d, jobs: 2).prefix(6))).utf8)
    var rng = SeededRNG(seed: 13)
    var errors = 0
    for _ in 0..<3000 {
      var bytes = text
      for _ in 0..<(1 + rng.int(below: 4)) {
        let i = rng.int(below: bytes.count)
        switch rng.int(below: 3) {
        case 0: bytes[i] = UInt8(rng.int(below: 256))
        case 1: bytes.remove(at: i)
        default:
          let json = Array("{}\":,.-e0\\u\n".utf8)
          bytes.insert(json[rng.int(below: json.count)], at: i)
        }
      }
      do {
        let c = try SweepLog.read(bytes, file: "f.jsonl")
        #expect(c.results.count <= 6 && c.validBytes <= bytes.count)
      } catch { errors += 1 }
    }
    #expect(errors > 100)
  }

  @Test("a data name with a line break cannot forge a line of the canonical text")
  func injection() {
    var d = tinySweep()
    d.data = "moons\nlr 5"
    #expect(d.problem() == "--data must be one line")
  }

  @Test("JSON strings with quotes, backslashes and control characters round-trip")
  func strings() throws {
    var d = tinySweep()
    d.data = "we\"ird\\path\tx"
    let r = SweepResult(
      cell: d.cell(0), valAccuracy: nil, valLoss: .nan, divergedAt: nil, stepsToTarget: nil,
      error: "bad \u{1B}[31m \"quoted\"")
    let back = try SweepLog.read(Array(file(d, [r]).utf8), file: "s.jsonl")
    #expect(back.definition.data == d.data)
    #expect(back.results.first?.result.error == r.error)
    #expect(back.results.first?.result.valLoss == nil)
  }
}

@Suite("Sweeps: trainable ranges")
struct TrainableRangeTests {
  /// A one-axis sweep with made-up outcomes: `reaches(variant, lr index, seed index)`.
  func synthetic(seeds: Int = 10, _ reaches: (Int, Int, Int) -> Bool) -> SweepResults {
    var d = SweepDefinition(variants: [
      VariantSpec(name: "plain", model: "linear 10"), VariantSpec(name: "bn", model: "linear 10"),
    ])
    d.learningRates = [0.1, 1, 5, 10, 20, 50]
    d.seedCount = seeds
    var results = SweepResults(definition: d)
    for i in 0..<d.cellCount {
      let c = d.cell(i)
      let l = d.learningRates.firstIndex(of: c.lr)!
      let ok = reaches(c.variantIndex, l, Int(c.seed - d.firstSeed))
      results.add(
        SweepResult(
          cell: c, valAccuracy: ok ? 0.95 : 0.5, valLoss: ok ? 0.1 : 2, divergedAt: nil, stepsToTarget: ok ? 100 : nil))
    }
    return results
  }

  @Test("a rate trains when ≥ 90% of the seeds reach the target; the ratio is of the highest rates")
  func quorum() {
    // plain trains up to lr 5 in every seed, 10 in 8 of 10; bn up to 20 in 9 of 10.
    let results = synthetic { v, l, s in
      v == 0 ? (l <= 2 || (l == 3 && s < 8)) : (l <= 3 || (l == 4 && s != 0))
    }
    let plain = results.trainableRange(variant: "plain")
    let bn = results.trainableRange(variant: "bn")
    #expect(plain.rates == [0.1, 1, 5])
    #expect(bn.rates == [0.1, 1, 5, 10, 20])
    #expect(plain.isContiguous && plain.isComplete)
    let ratio = results.rangeRatio("bn", over: "plain")
    #expect(ratio == TrainableRangeRatio(highest: 4, span: 4))
    // With quorum 0.8, plain's 8 of 10 at lr 10 count.
    #expect(results.trainableRange(variant: "plain", quorum: 0.8).highest == 10)
    // Another target judged on the final accuracy: nobody reaches 0.99.
    #expect(results.trainableRange(variant: "bn", target: .accuracy(0.99)).rates.isEmpty)
    #expect(results.trainableRange(variant: "bn", target: .accuracy(0.9)).rates == bn.rates)
    #expect(results.summary().contains { $0.contains("bn / plain: highest trainable lr 4×") })
  }

  @Test("gaps, missing runs and unknown variants")
  func partial() {
    var results = synthetic(seeds: 2) { v, l, _ in l != 2 }
    #expect(!results.trainableRange(variant: "plain").isContiguous)
    // Drop one seed of lr 1 for bn: that rate cannot count yet.
    let d = results.definition
    var partial = SweepResults(definition: d)
    for r in results.ordered where !(r.cell.variant == "bn" && r.cell.lr == 1 && r.cell.seed == 2) { partial.add(r) }
    let bn = partial.trainableRange(variant: "bn")
    #expect(!bn.rates.contains(1) && !bn.isComplete)
    #expect(partial.missingCells.count == 1)
    #expect(results.trainableRange(variant: "nope").rates.isEmpty)
    let again = results.ordered[0]
    let added = results.add(again)
    #expect(!added)
  }
}
