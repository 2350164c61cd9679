import NormCore
import NormLab
import Testing

@Suite("Instruments per place and per unit")
struct UnitStatisticsTests {
  @Test("each unit's percentiles are those of its values over the probe batch")
  func unitPercentilesMatchTheActivation() throws {
    let e = try bnPaperExperiment(lr: 0.5)
    for _ in 0..<40 { try e.advance() }
    let bn = e.variant(named: "bn")!
    let block = bn.record.blocks.last!
    let tap = Tap(block: block.number, kind: .activationInput)
    let stats = try #require(bn.record.units[tap])
    #expect(stats.unitCount == 100)
    // Recompute one unit from the network's activation on the probe batch (training mode,
    // no state change), the way the instruments do.
    let trainer = bn.trainer
    _ = try trainer.forwardLoss(
      data: e.probeData, indices: 0..<e.probeData.count, mode: .train, updatesState: false, backward: false)
    let index = try #require(block.activationIndex(.activationInput))
    let values = bn.network.activationValues(index)
    let n = e.probeData.count
    for u in [0, 37, 99] {
      let column = (0..<n).map { values[$0 * 100 + u] }.sorted()
      #expect(stats.p50.last![u] == Statistics.percentile(sorted: column, 50), "unit \(u)")
      #expect(stats.p15.last![u] == Statistics.percentile(sorted: column, 15), "unit \(u)")
    }
    // The median unit by spread at the first snapshot is a real unit, fixed from then on.
    let m = try #require(stats.medianUnit)
    let spreads = zip(stats.p15[0], stats.p85[0]).map { $1 - $0 }.sorted()
    #expect(abs((stats.p85[0][m] - stats.p15[0][m]) - spreads[49]) == 0)
    // One unit's band is far narrower than the pooled band at the start (the BN paper's Fig. 1
    // follows one unit; pooling 100 units mixes their different means).
    let pooled = try #require(bn.record.bandsByTap[tap])
    let pooledSpread = pooled.p85.values[0] - pooled.p15.values[0]
    #expect(spreads[49] < pooledSpread)
  }

  @Test("per-unit drift is zero at the mark and grows as training moves the unit")
  func unitDrift() throws {
    let e = try bnPaperExperiment(lr: 0.5)
    try e.advance()
    e.mark("m")
    try e.advance()
    for _ in 0..<79 { try e.advance() }
    let plain = e.variant(named: "plain")!
    let tap = Tap(block: plain.record.blocks.last!.number, kind: .activationInput)
    let stats = try #require(plain.record.units[tap])
    #expect(stats.drift.first!.allSatisfy { $0 == 0 })
    #expect(stats.drift.last!.contains { $0 > 0 })
  }

  @Test("unit statistics stay bounded: thinning keeps the first and the newest snapshot")
  func bounded() {
    var s = UnitStatistics()
    for k in 0..<1000 { s.appendForTesting(step: k, value: Float(k)) }
    #expect(s.steps.count <= UnitStatistics.maxSnapshots)
    #expect(s.steps.first == 0)
    #expect(s.steps.last == 999)
    #expect(s.steps == s.steps.sorted())
  }
}
