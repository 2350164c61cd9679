import NormLab
import NormView
import Testing

/// A sweep with made-up outcomes, so the goldens do not depend on training: at the first batch
/// plain trains from lr 0.1 to 4.64 and bn from 0.0464 to 21.5 (the larger the batch, the lower
/// the highest rate); above that they diverge, below it they do not reach the target. Accuracy
/// varies with the rate and the seed.
func syntheticSweep(
  batches: [Int] = [60], seeds: Int = 5, keep: (Int) -> Bool = { _ in true }
) -> SweepResults {
  var d = SweepDefinition(variants: [
    VariantSpec(name: "plain", model: "linear 100, sigmoid, linear 10"),
    VariantSpec(name: "bn", model: "linear 100, batchnorm, sigmoid, linear 10"),
  ])
  d.learningRates = (0..<13).map { i in [0.01, 0.0215443, 0.0464159][i % 3] * [1, 10, 100, 1000, 10000][i / 3] }
  d.batchSizes = batches
  d.seedCount = seeds
  var results = SweepResults(definition: d)
  for i in 0..<d.cellCount where keep(i) {
    let c = d.cell(i)
    let l = d.learningRates.firstIndex(of: c.lr)!
    let b = d.batchSizes.firstIndex(of: c.batch)!
    let s = Int(c.seed - d.firstSeed)
    let (low, high) = c.variantIndex == 0 ? (3, 8 - b) : (2, 10 - b)
    let diverged = l > high + 1 || (l == high + 1 && s < 3)
    let trains = l >= low && l <= high
    let accuracy = diverged ? 0.1 : trains ? 0.91 + Double((l + s) % 8) / 100 : 0.2 + Double(l * 7 + s) / 100
    results.add(
      SweepResult(
        cell: c, valAccuracy: diverged ? .nan : accuracy, valLoss: diverged ? .nan : 1 - accuracy,
        divergedAt: diverged ? 40 + s : nil, stepsToTarget: trains ? 100 * (1 + s) : nil))
  }
  return results
}

@Suite("Phase diagram")
struct PhaseDiagramTests {
  @Test("one row per variant: golden, Unicode")
  func oneAxis() {
    let b = PhaseDiagram.screen(results: syntheticSweep(), theme: Theme(colors: .ansi256, glyphs: .braille), width: 90)
    expectGolden(Screenshot.text(b), "sweep-lr.txt")
    let text = Screenshot.text(b)
    #expect(text.contains("plain: trains at lr 0.1–4.64 (6 of 13 rates, span 46.4×)"))
    #expect(text.contains("bn: trains at lr 0.0464–21.5 (9 of 13 rates, span 464×)"))
    #expect(text.contains("bn / plain: highest trainable lr 4.64×, span 10×"))
  }

  @Test("ASCII under LANG=C: only ASCII, every outcome still its own glyph")
  func ascii() {
    let b = PhaseDiagram.screen(results: syntheticSweep(), theme: Theme(colors: .mono, glyphs: .ascii), width: 90)
    let text = Screenshot.text(b)
    expectGolden(text, "sweep-lr-ascii.txt")
    #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    #expect(!text.contains("?"))
    let plainRow = text.split(separator: "\n").first { $0.hasPrefix("plain") }!
    #expect(plainRow.contains("o") && plainRow.contains(" x") && plainRow.contains("9"))
  }

  @Test("batch × lr: one row per variant and batch; a partial sweep marks what is missing")
  func twoAxesPartial() {
    let results = syntheticSweep(batches: [8, 32, 128], seeds: 3) { $0 % 7 != 3 }
    let b = PhaseDiagram.screen(results: results, theme: Theme(colors: .ansi256, glyphs: .braille), width: 100)
    let text = Screenshot.text(b)
    expectGolden(text, "sweep-batch-lr-partial.txt")
    #expect(text.contains("batch"))
    #expect(text.contains("·"))
    #expect(text.contains("201 of 234 runs"))
    #expect(text.contains("bn at batch 128: trains at lr 0.464–4.64"))
    #expect(PhaseDiagram(results: results, theme: Theme()).rows.count == 6)
  }

  @Test("colour: a cell's background is its accuracy on the heatmap scale; mono has none")
  func colours() {
    let results = syntheticSweep()
    let theme = Theme(colors: .ansi256, glyphs: .braille)
    let b = PhaseDiagram.screen(results: results, theme: theme, width: 90)
    let diagram = PhaseDiagram(results: results, theme: theme)
    let grid = diagram.outcomes()
    // Find bn's row and a reached cell: its background is theme.density(accuracy).
    let row = (0..<b.height).first { b.row($0).hasPrefix("bn") }!
    let l = grid[1].firstIndex { if case .reached = $0 { true } else { false } }!
    guard case .reached(let acc) = grid[1][l] else { return }
    let x = (0..<b.width).first { x in
      b[x, row].background != .default
    }!
    #expect(x > 0)
    let colored = (0..<b.width).filter { b[$0, row].background == theme.density(Float(acc)) }
    #expect(!colored.isEmpty)
    let mono = PhaseDiagram.screen(results: results, theme: Theme(colors: .mono, glyphs: .braille), width: 90)
    #expect(mono.cells.allSatisfy { $0.background == .default })
  }

  @Test("at every size it draws inside its rectangle and nowhere else")
  func bounds() {
    let results = syntheticSweep(batches: [8, 32], seeds: 2) { $0 % 5 != 0 }
    for glyphs in [GlyphSet.braille, .ascii] {
      let diagram = PhaseDiagram(results: results, theme: Theme(colors: .ansi256, glyphs: glyphs))
      for width in stride(from: 1, through: 130, by: 3) {
        for height in [1, 3, 8, diagram.height(width: width), 40] {
          let area = Rect(x: 2, y: 1, width: width, height: height)
          var b = Buffer(width: width + 4, height: height + 2)
          diagram.render(area, into: &b)
          for y in 0..<b.height {
            for x in 0..<b.width where !(x >= area.x && x < area.right && y >= area.y && y < area.bottom) {
              #expect(b[x, y] == .blank, "\(glyphs) \(width)x\(height): drew at \(x),\(y)")
            }
          }
        }
      }
      // At its own height nothing is cut: the last summary line is drawn.
      let w = 90
      let b = PhaseDiagram.screen(results: results, theme: Theme(glyphs: glyphs), width: w)
      #expect(b.height == diagram.height(width: w))
      #expect(b.row(b.height - 1).contains("batch 32"))
    }
  }

  @Test("outcomes: quorum, majority diverged, missing")
  func outcomes() {
    let results = syntheticSweep()
    let grid = PhaseDiagram(results: results, theme: Theme()).outcomes()
    // plain: below 0.1 missed, 0.1–4.64 reached, 10 (3 of 5 seeds diverged) diverged, above diverged.
    // plain at lr 0.0464: seeds s = 0…4 give 0.2 + (14 + s)/100, mean 0.36.
    guard case .missed(let a) = grid[0][2] else {
      Issue.record("plain at 0.0464 should miss the target: \(grid[0][2])")
      return
    }
    #expect(abs(a - 0.36) < 1e-12)
    if case .reached = grid[0][3] {} else { Issue.record("plain at 0.1 should be reached: \(grid[0][3])") }
    #expect(grid[0][9] == .diverged && grid[0][12] == .diverged)
    let partial = syntheticSweep { $0 != 0 }
    #expect(PhaseDiagram(results: partial, theme: Theme()).outcomes()[0][0] == .missing)
  }
}
