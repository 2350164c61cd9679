import NormSupport

/// The learning rates at which a variant trains.
public struct TrainableRange: Sendable, Equatable {
  public var variant: String
  /// Rates (ascending) at which at least the quorum of the runs reached the target.
  public var rates: [Double]
  /// Rates with every run finished; the others cannot be judged yet.
  public var judged: [Double]
  /// Rates in the grid.
  public var tested: [Double]

  public var lowest: Double? { rates.first }
  public var highest: Double? { rates.last }
  /// highest / lowest (1 for a single rate; nil when none trains).
  public var span: Double? { lowest.flatMap { l in highest.map { $0 / l } } }
  /// Whether every tested rate between the lowest and highest trainable one trains too.
  public var isContiguous: Bool {
    guard let l = lowest, let h = highest else { return true }
    return tested.filter { $0 >= l && $0 <= h }.count == rates.count
  }
  public var isComplete: Bool { judged.count == tested.count }
}

/// How two variants' trainable ranges compare.
public struct TrainableRangeRatio: Sendable, Equatable {
  /// Highest trainable rate of the first over the second's.
  public var highest: Double
  /// The first's span (highest/lowest) over the second's.
  public var span: Double
  public init(highest: Double, span: Double) {
    self.highest = highest
    self.span = span
  }
}

/// A sweep's results by cell, complete or not (a running sweep, a shard, a partial merge).
public struct SweepResults: Sendable {
  public let definition: SweepDefinition
  public private(set) var byCell: [Int: SweepResult] = [:]

  public init(definition: SweepDefinition, results: [SweepResult] = []) {
    self.definition = definition
    for r in results { add(r) }
  }

  /// Adds a run; false (and nothing changes) when its cell already has one.
  @discardableResult
  public mutating func add(_ r: SweepResult) -> Bool {
    guard byCell[r.cell.index] == nil else { return false }
    byCell[r.cell.index] = r
    return true
  }

  public var count: Int { byCell.count }
  public var isComplete: Bool { byCell.count == definition.cellCount }
  /// Cells without a result, in order.
  public var missingCells: [Int] { (0..<definition.cellCount).filter { byCell[$0] == nil } }
  /// Results in cell order.
  public var ordered: [SweepResult] { byCell.keys.sorted().map { byCell[$0]! } }

  /// The runs needed out of `n` for a quorum: ⌈quorum · n⌉ (the scene rule of
  /// ``NormScene``'s `in ≥ 90% of seeds`).
  public static func required(quorum: Double, of n: Int) -> Int {
    min(n, max(1, Int((quorum * Double(n) - 1e-9).rounded(.up))))
  }

  /// The rates at which `variant` trains: where at least `quorum` of its runs at that rate
  /// (every seed, and every value of the other parameters that `include` admits) reach the
  /// target, the definition's (steps to target within the budget) or, when given, `target`
  /// judged on the final validation metric. A rate whose runs are not all finished counts only
  /// once enough of them reached the target.
  public func trainableRange(
    variant: String, target: SweepTarget? = nil, quorum: Double = 0.9,
    where include: (SweepCell) -> Bool = { _ in true }
  ) -> TrainableRange {
    let d = definition
    var rates = [Double]()
    var judged = [Double]()
    guard let vi = d.variants.firstIndex(where: { $0.name == variant }) else {
      return TrainableRange(variant: variant, rates: [], judged: [], tested: d.learningRates)
    }
    var expected = [Int](repeating: 0, count: d.learningRates.count)
    var reached = expected
    var finished = expected
    // Walk the grid once; cells of one rate and variant share (l, v) in the index.
    for index in 0..<d.cellCount {
      let c = d.cell(index)
      guard c.variantIndex == vi, include(c) else { continue }
      let l = d.learningRates.firstIndex(of: c.lr)!
      expected[l] += 1
      guard let r = byCell[index] else { continue }
      finished[l] += 1
      if target.map({ r.meets($0) }) ?? r.reachedTarget { reached[l] += 1 }
    }
    for (l, lr) in d.learningRates.enumerated() where expected[l] > 0 {
      if finished[l] == expected[l] { judged.append(lr) }
      if reached[l] >= Self.required(quorum: quorum, of: expected[l]) { rates.append(lr) }
    }
    return TrainableRange(variant: variant, rates: rates, judged: judged, tested: d.learningRates)
  }

  /// `a`'s trainable range against `b`'s; nil when either has none.
  public func rangeRatio(
    _ a: String, over b: String, target: SweepTarget? = nil, quorum: Double = 0.9,
    where include: (SweepCell) -> Bool = { _ in true }
  ) -> TrainableRangeRatio? {
    let ra = trainableRange(variant: a, target: target, quorum: quorum, where: include)
    let rb = trainableRange(variant: b, target: target, quorum: quorum, where: include)
    guard let ha = ra.highest, let hb = rb.highest, let sa = ra.span, let sb = rb.span else { return nil }
    return TrainableRangeRatio(highest: ha / hb, span: sa / sb)
  }

  /// The summary printed under the diagram: what "trains" means, each variant's trainable
  /// range, and every other variant's ratio to the first.
  public func summary(quorum: Double = 0.9) -> [String] {
    let d = definition
    let seeds = d.seedCount == 1 ? "the seed" : "≥ \(NumberFormat.reading(quorum * 100))% of \(d.seedCount) seeds"
    var out = ["trains = \(seeds) reach \(d.target) within \(d.budget), no divergence"]
    if !isComplete { out[0] += "  (\(count) of \(d.cellCount) runs so far)" }
    // With a second swept parameter, one line per variant and value of it.
    let rowParameter = d.varying.first { $0 != .lr }
    let groups: [(label: String, include: @Sendable (SweepCell) -> Bool)] =
      rowParameter.map { p in
        d.values(p).map { y in (" at \(p.rawValue) \(NumberFormat.compact(y))", { @Sendable c in c.value(p) == y }) }
      } ?? [("", { @Sendable _ in true })]
    for g in groups {
      let ranges = d.variants.map { trainableRange(variant: $0.name, quorum: quorum, where: g.include) }
      for r in ranges {
        var s = "\(r.variant)\(g.label): "
        if let l = r.lowest, let h = r.highest {
          s += "trains at lr \(NumberFormat.compact(l))" + (h > l ? "–\(NumberFormat.compact(h))" : "")
          s += " (\(r.rates.count) of \(r.tested.count) rates"
          if r.rates.count > 1 { s += ", span \(NumberFormat.compact(r.span!))×" }
          s += r.isContiguous ? ")" : ", with gaps)"
        } else {
          s += "trains at no rate tested"
        }
        if !r.isComplete { s += "; \(r.tested.count - r.judged.count) rates not finished" }
        out.append(s)
      }
      if let first = ranges.first {
        for r in ranges.dropFirst() {
          guard let ratio = rangeRatio(r.variant, over: first.variant, quorum: quorum, where: g.include) else {
            out.append("\(r.variant) / \(first.variant)\(g.label): no ratio (one of them trains at no rate)")
            continue
          }
          out.append(
            "\(r.variant) / \(first.variant)\(g.label): highest trainable lr \(NumberFormat.compact(ratio.highest))×, span \(NumberFormat.compact(ratio.span))×"
          )
        }
      }
    }
    return out
  }
}
