import NormLab
import NormSupport

/// A sweep's phase diagram: learning rate on x (one column per rate, log-spaced when the sweep
/// is), and on y one row per variant, or per variant and value of the second swept parameter
/// (batch, init scale, momentum or weight decay). Each cell summarises its seeds:
///
/// | outcome | wide cell | narrow cell | ASCII |
/// |---|---|---|---|
/// | reached the target in ≥ quorum of the seeds | mean accuracy in % (`97`) | `█` | `97` / `#` |
/// | finished, but did not reach the target | `○` + mean accuracy (`○54`) | `○` | `o54` / `o` |
/// | most seeds diverged | `✕` | `✕` | `x` |
/// | most seeds failed with an error | `!` | `!` | `!` |
/// | not finished or missing | `·` | `·` | `.` |
///
/// With colour, a cell's background is its mean accuracy on the heatmap scale (legend under
/// the grid); the glyphs alone tell every outcome apart without colour. Under the legend, the
/// summary gives each variant's trainable range and the ratios.
public struct PhaseDiagram: Widget {
  public var results: SweepResults
  public var theme: Theme
  /// Fraction of a cell's runs that must reach the target for it to count as trained.
  public var quorum: Double
  public var title: String?

  public init(results: SweepResults, theme: Theme, quorum: Double = 0.9, title: String? = nil) {
    self.results = results
    self.theme = theme
    self.quorum = quorum
    self.title = title
  }

  /// One cell's verdict over its runs.
  public enum Outcome: Sendable, Equatable {
    case reached(accuracy: Double)
    case missed(accuracy: Double)
    case diverged
    case failed
    case missing
  }

  /// The second axis: the first parameter other than lr with more than one value.
  public var rowParameter: SweepParameter? {
    results.definition.varying.first { $0 != .lr }
  }

  /// The rows, top to bottom: (variant index, row value or nil).
  public var rows: [(variant: Int, value: Double?)] {
    let d = results.definition
    let ys: [Double?] = rowParameter.map { d.values($0).map { Optional($0) } } ?? [nil]
    return d.variants.indices.flatMap { v in ys.map { (v, $0) } }
  }

  /// Every cell's outcome, `[row][rate]` (rows as ``rows``), over every seed and every value
  /// of parameters pooled because they are neither axis. One walk over the grid.
  public func outcomes() -> [[Outcome]] {
    let d = results.definition
    let ys = rowParameter.map { d.values($0) } ?? []
    let perVariant = max(1, ys.count)
    let rates = d.learningRates.count
    var expected = [[Int]](repeating: [Int](repeating: 0, count: rates), count: rows.count)
    var runs = [[[SweepResult]]](repeating: [[SweepResult]](repeating: [], count: rates), count: rows.count)
    for index in 0..<d.cellCount {
      let c = d.cell(index)
      let y = rowParameter.map { p in ys.firstIndex(of: c.value(p))! } ?? 0
      let row = c.variantIndex * perVariant + y
      let l = d.learningRates.firstIndex(of: c.lr)!
      expected[row][l] += 1
      if let r = results.byCell[index] { runs[row][l].append(r) }
    }
    return rows.indices.map { row in
      (0..<rates).map { l in Self.judge(runs[row][l], expected: expected[row][l], quorum: quorum) }
    }
  }

  /// One cell's verdict: missing until every run finished; then reached when the quorum
  /// reached the target, else diverged or failed when most runs did, else missed.
  static func judge(_ runs: [SweepResult], expected: Int, quorum: Double) -> Outcome {
    guard expected > 0, runs.count == expected else { return .missing }
    let finite = runs.compactMap(\.valAccuracy).filter(\.isFinite)
    let mean = finite.isEmpty ? 0 : finite.reduce(0, +) / Double(finite.count)
    let reached = runs.filter(\.reachedTarget).count
    if reached >= SweepResults.required(quorum: quorum, of: expected) { return .reached(accuracy: mean) }
    if runs.filter(\.diverged).count * 2 > expected { return .diverged }
    if runs.filter({ $0.error != nil }).count * 2 > expected { return .failed }
    return .missed(accuracy: mean)
  }

  var ascii: Bool { theme.glyphs == .ascii }
  var missedGlyph: String { ascii ? "o" : "○" }
  var divergedGlyph: String { ascii ? "x" : "✕" }
  var missingGlyph: String { ascii ? "." : "·" }
  var fullGlyph: String { ascii ? "#" : "█" }

  /// The text of a cell `width` cells wide.
  func text(_ o: Outcome, width: Int) -> String {
    func pct(_ a: Double) -> String { String(Int((min(max(a, 0), 1) * 100).rounded(.down))) }
    switch o {
    case .reached(let a): return width >= 4 ? pct(a) : fullGlyph
    case .missed(let a): return width >= 4 ? missedGlyph + pct(a) : missedGlyph
    case .diverged: return divergedGlyph
    case .failed: return "!"
    case .missing: return missingGlyph
    }
  }

  /// Colours of a cell: the accuracy on the heatmap scale as background, text that reads on
  /// it; a cell that reached the target is bold.
  func style(_ o: Outcome) -> Style {
    switch o {
    case .reached(let a):
      var st = colours(accuracy: a)
      st.attributes = .bold
      return st
    case .missed(let a): return colours(accuracy: a)
    case .diverged, .failed: return theme.warning
    case .missing: return theme.dim
    }
  }

  /// The heatmap colour of an accuracy as background, with light text on the dark end and dark
  /// text on the light end; no colours in mono.
  func colours(accuracy a: Double) -> Style {
    guard let bg = theme.density(Float(max(a, 0.001))) else { return .plain }
    let ansi8 = theme.colors == .ansi8
    return Style(foreground: .indexed(a < 0.45 ? (ansi8 ? 7 : 255) : (ansi8 ? 0 : 232)), background: bg)
  }

  /// Width of the label column.
  var labelWidth: Int {
    let d = results.definition
    let names = d.variants.map { Text.width($0.name) }.max() ?? 0
    let values = rowParameter.map { p in d.values(p).map { Text.width(NumberFormat.compact($0)) }.max() ?? 0 } ?? 0
    let header = rowParameter.map { Text.width($0.rawValue) } ?? 0
    return min(24, names + (rowParameter == nil ? 0 : 1 + max(values, header))) + 1
  }

  /// Cells per rate column at `width`.
  func cellWidth(_ width: Int) -> Int {
    max(1, min(6, (width - labelWidth) / max(1, results.definition.learningRates.count)))
  }

  /// Whether the rates are log-spaced (equal ratios), so the columns are a log axis.
  var logSpaced: Bool {
    let r = results.definition.learningRates
    guard r.count > 2, r[0] > 0 else { return true }
    let q = r[1] / r[0]
    return zip(r, r.dropFirst()).allSatisfy { ($1 / $0 / q - 1).magnitude < 1e-4 }
  }

  func legendLines(width: Int) -> [String] {
    let parts = [
      "97 trainable: ≥ \(NumberFormat.reading(quorum * 100))% of the seeds reached the target (97 = mean val accuracy %)",
      "\(missedGlyph)54 fewer did",
      "\(divergedGlyph) diverged", "! error", "\(missingGlyph) not run yet",
    ].map { theme.label($0) }
    // Whole entries per line, three spaces apart.
    var lines = [String]()
    for p in parts {
      if let last = lines.last, Text.width(last) + 3 + Text.width(p) <= width {
        lines[lines.count - 1] = last + "   " + p
      } else {
        lines += Text.wrap(p, width: width)
      }
    }
    return lines
  }

  func titleLines(width: Int) -> [String] {
    let d = results.definition
    let seeds = d.seedCount == 1 ? "1 seed" : "\(d.seedCount) seeds"
    let text =
      title
      ?? "Sweep \(d.hash.prefix(8)): val accuracy (eval) after \(d.budget), \(seeds) per cell; lr on x (\(logSpaced ? "log scale" : "one column per value"))"
    return Text.wrap(theme.label(text), width: width)
  }

  func summaryLines(width: Int) -> [String] {
    results.summary(quorum: quorum).flatMap { Text.wrap(theme.label($0), width: width) }
  }

  var pooled: [SweepParameter] { results.definition.varying.filter { $0 != .lr && $0 != rowParameter } }

  /// Rows the diagram needs at `width`.
  public func height(width: Int) -> Int {
    titleLines(width: width).count + 1 + (rowParameter == nil ? 0 : 1) + rows.count + (pooled.isEmpty ? 0 : 1) + 1
      + (theme.colors == .mono ? 0 : 1) + legendLines(width: width).count + summaryLines(width: width).count
  }

  /// Columns that show every rate at its widest cell.
  public var preferredWidth: Int { labelWidth + 6 * results.definition.learningRates.count + 1 }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard !area.isEmpty else { return }
    let d = results.definition
    var y = area.y
    func line(_ s: String, _ st: Style = .plain) {
      guard y < area.bottom else { return }
      buffer.write(s, area.x, y, st, clip: Rect(x: area.x, y: y, width: area.width, height: 1))
      y += 1
    }
    for t in titleLines(width: area.width) { line(t, theme.title) }
    if y < area.bottom { drawRateAxis(area, y: &y, into: &buffer) }
    if let p = rowParameter, y < area.bottom {
      buffer.write(
        Text.fit(p.rawValue, labelWidth - 1, align: .right), area.x, y, theme.axis,
        clip: Rect(x: area.x, y: y, width: labelWidth - 1, height: 1).intersection(area))
      y += 1
    }
    drawRows(area, y: &y, into: &buffer)
    if !pooled.isEmpty {
      line(
        theme.label(
          "each cell pools " + pooled.map { "\($0.rawValue) (\(d.values($0).count) values)" }.joined(separator: ", ")),
        theme.dim)
    }
    y += 1
    // The accuracy scale (with colour only: without it the numbers are the scale).
    if theme.colors != .mono, y < area.bottom {
      let row = Rect(x: area.x, y: y, width: area.width, height: 1)
      var x = buffer.write(theme.label("cell colour = accuracy %"), area.x, y, theme.axis, clip: row)
      for k in 0...10 where x + 4 <= area.right {
        let a = Double(k) / 10
        x = buffer.write(Text.fit(String(k * 10), 4, align: .right), x, y, colours(accuracy: a), clip: row)
      }
      y += 1
    }
    for l in legendLines(width: area.width) { line(l, theme.dim) }
    for l in summaryLines(width: area.width) { line(l) }
  }

  /// `lr →` and each rate right-aligned under its column, skipped where it would collide.
  func drawRateAxis(_ area: Rect, y: inout Int, into buffer: inout Buffer) {
    let lw = labelWidth
    let cw = cellWidth(area.width)
    let name = theme.label("lr →")
    buffer.write(
      name, area.x, y, theme.axis, clip: Rect(x: area.x, y: y, width: lw - 1, height: 1).intersection(area))
    var lastEnd = area.x + min(lw - 1, Text.width(name))
    for (l, lr) in results.definition.learningRates.enumerated() {
      let label = NumberFormat.compact(lr, digits: 2)
      let right = area.x + lw + (l + 1) * cw
      let start = right - Text.width(label)
      guard start > lastEnd, right <= area.right else { continue }
      buffer.write(label, start, y, theme.axis, clip: Rect(x: start, y: y, width: right - start, height: 1))
      lastEnd = right
    }
    y += 1
  }

  /// One line per row: the variant's name (on its first row) and the row's value, then a cell
  /// per rate.
  func drawRows(_ area: Rect, y: inout Int, into buffer: inout Buffer) {
    let d = results.definition
    let lw = labelWidth
    let cw = cellWidth(area.width)
    var previousVariant = -1
    let grid = outcomes()
    for (r, row) in rows.enumerated() {
      guard y < area.bottom else { break }
      let name = row.variant == previousVariant ? "" : d.variants[row.variant].name
      previousVariant = row.variant
      var label = name
      if let v = row.value {
        let value = NumberFormat.compact(v)
        let room = lw - 1 - Text.width(value) - 1
        label = Text.fit(Text.truncated(name, to: max(0, room)), max(0, room)) + " " + value
      }
      buffer.write(
        Text.truncated(label, to: lw - 1), area.x, y, theme.variantStyle(row.variant),
        clip: Rect(x: area.x, y: y, width: lw - 1, height: 1).intersection(area))
      for l in d.learningRates.indices {
        let o = grid[r][l]
        let x = area.x + lw + l * cw
        guard x + cw <= area.right else { break }
        let cell = Text.fit(text(o, width: cw), cw - (cw >= 4 ? 1 : 0), align: .right) + (cw >= 4 ? " " : "")
        buffer.write(cell, x, y, style(o), clip: Rect(x: x, y: y, width: cw, height: 1))
      }
      y += 1
    }
  }

  /// The diagram alone in a buffer `width` wide and as tall as it needs (or `height`).
  public static func screen(
    results: SweepResults, theme: Theme, width: Int? = nil, height: Int? = nil, quorum: Double = 0.9
  ) -> Buffer {
    let diagram = PhaseDiagram(results: results, theme: theme, quorum: quorum)
    let w = max(20, width ?? min(160, max(80, diagram.preferredWidth)))
    let h = max(1, height ?? diagram.height(width: w))
    var b = Buffer(width: w, height: h)
    b.asciiOnly = theme.glyphs == .ascii
    diagram.render(b.area, into: &b)
    return b
  }
}
