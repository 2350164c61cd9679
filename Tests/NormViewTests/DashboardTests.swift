import Foundation
import NormCore
import NormLab
import NormView
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

let plainMLP = "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10"
let bnMLP = "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10"

/// The BN-paper set-up on digits after 300 real training steps (deterministic; end-to-end tests
/// only: most dashboard tests use the hand-made ``Fixture``).
func paperState(theme: Theme = Theme(colors: .ansi256, glyphs: .braille)) throws -> DashboardState {
  let e = try Experiment(
    ExperimentConfig(
      variants: [VariantSpec(name: "plain", model: plainMLP), VariantSpec(name: "bn", model: bnMLP)],
      data: BuiltinData.digits(),
      optimizer: .init(kind: .sgd, learningRate: 0.5), batchSize: 60, seed: 1,
      initialization: .init(scheme: .normal(std: 0.1))))
  for _ in 0..<300 { try e.advance() }
  return DashboardState(experiment: e, theme: theme)
}

func spiralState() throws -> DashboardState {
  let e = try Experiment(
    ExperimentConfig(
      variants: [
        VariantSpec(name: "plain", model: "linear 32, relu, linear 32, relu, linear 3"),
        VariantSpec(name: "bn", model: "linear 32, batchnorm, relu, linear 32, batchnorm, relu, linear 3"),
      ], data: try BuiltinData.make(name: "spirals", seed: 1), optimizer: .init(kind: .sgd, learningRate: 0.3),
      batchSize: 32, seed: 1))
  for _ in 0..<400 { try e.advance() }
  return DashboardState(experiment: e, theme: Theme())
}

final class XMLCheck: NSObject, XMLParserDelegate {
  var elements = 0
  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    elements += 1
  }
}

/// What a learner must find on a dashboard of ``Fixture``'s records (all panels, `width`
/// columns), beyond byte equality: every variant named; `hot` marked as diverged at step 150
/// (status bar and loss legend), at 80 columns too; from 140 the numbers the panels speak of
/// (validation accuracy, train/eval accuracy, the single-sample error).
func expectFixtureLegible(_ text: String, width: Int, sourceLocation: SourceLocation = #_sourceLocation) {
  for name in Fixture.variants.map(\.name) {
    #expect(text.contains("\(name) "), "variant \(name) is named", sourceLocation: sourceLocation)
  }
  #expect(
    text.contains("hot diverged@150"), "the status bar names the diverged variant", sourceLocation: sourceLocation)
  #expect(
    text.contains("hot ✕@150") || text.contains("hot X@150"), "the loss legend marks the diverged variant",
    sourceLocation: sourceLocation)
  guard width >= 140 else { return }
  for v in ["● plain 62.5%", "■ bn 90.0%", "▲ hot 10.0%"] {
    #expect(text.contains(v), "the loss panel shows \(v)", sourceLocation: sourceLocation)
  }
  for v in [
    "plain now 63% · eval 63% · train 63% · single 63%/63%",
    "bn now 90% · eval 90% · train 70% · single: train", "hot now 10% · eval 10% · train 10%",
  ] {
    #expect(text.contains(v), "the train/eval panel shows \(v)", sourceLocation: sourceLocation)
  }
}

@Suite("Dashboard")
struct DashboardTests {
  // Goldens from hand-made records (Fixture): they change only when the drawing changes.
  // Regenerate with NORMSCOPE_UPDATE_GOLDEN=1 (GoldenSupport.swift) and review the diff.

  @Test(
    "golden dashboards at 80x24, 140x45 and 200x60 (hand-made records)", arguments: [(80, 24), (140, 45), (200, 60)])
  func sizes(width: Int, height: Int) throws {
    let text = Screenshot.text(Dashboard.render(Fixture.state(), width: width, height: height))
    expectGolden(text, "dashboard-\(width)x\(height).txt")
    expectFixtureLegible(text, width: width)
    if width >= 200 {
      // The drift panel: the table's header and every variant's loss-landscape line.
      for v in ["drift W1", "ICS ‖G−G′‖", "● plain: 0.8 · 12", "■ bn: 0.2 · 3", "▲ hot: — · —"] {
        #expect(text.contains(v), "the drift panel shows \(v)")
      }
    }
  }

  @Test("golden dashboard states: zoom, help, presenter caption, focus swap, glyph sets (hand-made records)")
  func states() throws {
    var s = Fixture.state()
    s.focus = .heatmap
    let focused = Screenshot.text(Dashboard.render(s, width: 100, height: 30))
    expectGolden(focused, "dashboard-focus-heatmap.txt")
    expectFixtureLegible(focused, width: 100)
    s.zoomed = true
    s.selectedLayer = 2
    let zoomed = Screenshot.text(Dashboard.render(s, width: 100, height: 30))
    expectGolden(zoomed, "dashboard-zoom-heatmap.txt")
    // Every snapshot has its column: from the first (step 20) to the last (step 300; hot's 140).
    #expect(zoomed.contains("layer 2/3"))
    #expect(zoomed.contains("step 300") && zoomed.contains("step 140"))
    s.zoomed = false
    s.showHelp = true
    expectGolden(Screenshot.text(Dashboard.render(s, width: 100, height: 30)), "dashboard-help.txt")
    s.showHelp = false
    s.presenter = true
    s.captionHeading = "covariate shift"
    s.caption = "Without BN, the last hidden layer's input drifts as the layers below it learn; with BN it holds still."
    let presenter = Screenshot.text(Dashboard.render(s, width: 120, height: 36))
    expectGolden(presenter, "dashboard-presenter.txt")
    // The caption's claim in numbers (layer 2's median now): plain's input moved, bn's stayed
    // near 0; at 120 columns the legend keeps every variant with its median (p15/p85 need 140).
    #expect(
      presenter.contains("● plain p50 0.5") && presenter.contains("■ bn p50 0.1") && presenter.contains("▲ hot p50 1.4")
    )
    for g in [GlyphSet.blocks, .ascii] {
      let t = Fixture.state(theme: Theme(colors: .ansi8, glyphs: g))
      let text = Screenshot.text(Dashboard.render(t, width: 100, height: 30))
      expectGolden(text, "dashboard-\(g.rawValue).txt")
      expectFixtureLegible(text, width: 100)
    }
  }

  @Test("golden decision surfaces, one per variant (hand-made records)")
  func decisionSurface() throws {
    // ASCII glyphs: regions as letters a/b/c and data points as A/B/C, so the text golden
    // shows both (with colours, both are colour only).
    var s = Fixture.state(theme: Theme(colors: .ansi256, glyphs: .ascii), surfaces: true)
    #expect(s.panels.contains(.surface))
    s.focus = .surface
    s.zoomed = true
    let text = Screenshot.text(Dashboard.render(s, width: 100, height: 30))
    expectGolden(text, "dashboard-surface.txt")
    for name in Fixture.variants.map(\.name) { #expect(text.contains("\(name)")) }
    // Every data point drawn, in each variant's panel: 8 per class, no two in one cell.
    let grid = text.split(separator: "\n").filter {
      $0.hasPrefix("# ") && !$0.contains("plain") && !$0.contains("class")
    }
    let points = grid.joined().filter { "ABC".contains($0) }.count
    #expect(points == 3 * Fixture.surfacePoints.count)
    #expect(!Fixture.state().panels.contains(.surface))
  }

  // END-TO-END goldens, from real training: the BN-paper MLP on digits after 300 steps and the
  // spirals decision surface after 400. Unlike the goldens above, any numeric change (even in a
  // last bit) may change these files; when it does, check that the change is intended and
  // regenerate them with NORMSCOPE_UPDATE_GOLDEN=1.

  @Test("END-TO-END golden from real training: BN-paper MLP after 300 steps, 140x45")
  func endToEndPaper() throws {
    let text = Screenshot.text(Dashboard.render(try paperState(), width: 140, height: 45))
    expectGolden(text, "e2e-paper-140x45.txt")
    #expect(text.contains("● plain") && text.contains("■ bn") && text.contains("step 300"))
  }

  @Test("END-TO-END golden from real training: spirals decision surface after 400 steps")
  func endToEndSurface() throws {
    var s = try spiralState()
    #expect(s.panels.contains(.surface))
    s.focus = .surface
    s.zoomed = true
    expectGolden(Screenshot.text(Dashboard.render(s, width: 100, height: 30)), "e2e-spirals-surface.txt")
    #expect(!(try paperState()).panels.contains(.surface))
  }

  @Test("below 80x24: a clear 'terminal too small' screen")
  func tooSmall() throws {
    let s = Fixture.state()
    let b = Dashboard.render(s, width: 60, height: 20)
    let text = Screenshot.text(b)
    #expect(text.contains("terminal too small: need 80x24"))
    #expect(text.contains("this one is 60x20"))
    #expect(Screenshot.text(Dashboard.render(s, width: 10, height: 2)).contains("terminal"))
    _ = Dashboard.render(s, width: 0, height: 0)
    _ = Dashboard.render(s, width: 1, height: 1)
  }

  @Test("every size from 80x24 to 300x100 renders inside its bounds", arguments: [80, 97, 120, 151, 200, 300])
  func manySizes(width: Int) throws {
    let s = Fixture.state()
    for h in [24, 31, 45, 60, 100] {
      let b = Dashboard.render(s, width: width, height: h)
      #expect(b.width == width && b.height == h)
      #expect(Screenshot.text(b).split(separator: "\n").allSatisfy { Text.width(String($0)) <= width })
    }
  }

  @Test("ANSI export without escapes equals the text export; every colour mode", arguments: ColorMode.allCases)
  func ansiMatchesText(colors: ColorMode) throws {
    let s = Fixture.state(theme: Theme(colors: colors, glyphs: .braille))
    let b = Dashboard.render(s, width: 140, height: 45)
    let ansi = Screenshot.ansi(b)
    #expect(Screenshot.strippingEscapes(ansi) == Screenshot.text(b))
    if colors == .mono { #expect(!ansi.contains("38;5") && !ansi.contains("38;2")) }
    if colors == .truecolor { #expect(ansi.contains("38;2;")) }
  }

  @Test("SVG and HTML exports parse as XML")
  func svgParses() throws {
    let b = Dashboard.render(Fixture.state(), width: 140, height: 45)
    for doc in [Screenshot.svg(b), Screenshot.html(b)] {
      let parser = XMLParser(data: Data(doc.utf8))
      let check = XMLCheck()
      parser.delegate = check
      #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
      #expect(check.elements > 50)
    }
  }

  @Test("same inputs, byte-identical screenshots (real training, end to end)")
  func deterministic() throws {
    let a = Dashboard.render(try paperState(), width: 140, height: 45)
    let b = Dashboard.render(try paperState(), width: 140, height: 45)
    for f in ScreenshotFormat.allCases { #expect(Screenshot.export(a, as: f) == Screenshot.export(b, as: f)) }
  }

  @Test("captions and names cannot smuggle escape sequences into a screenshot")
  func sanitized() throws {
    var s = Fixture.state()
    s.caption = "evil \u{1B}]0;pwned\u{7} caption \u{1B}[2J"
    s.title = "t\u{1B}[31mitle"
    let b = Dashboard.render(s, width: 100, height: 30)
    for f in ScreenshotFormat.allCases where f != .ansi { #expect(!Screenshot.export(b, as: f).contains("\u{1B}")) }
    #expect(!Screenshot.strippingEscapes(Screenshot.ansi(b)).contains("\u{1B}"))
    #expect(Screenshot.text(b).contains("evil ?]0;pwned? caption ?[2J"))  // the one sanitiser: controls show as ?
  }

  @Test func flipBook() throws {
    let one = Dashboard.render(Fixture.state(), width: 80, height: 24)
    let book = Screenshot.flipBook([("start", one), ("again", one)])
    let lines = book.split(separator: "\n")
    #expect(lines.count == 50)
    #expect(lines[24] == "──── frame 1: start ────")
    #expect(lines[49] == "──── frame 2: again ────")
  }
}

@Suite("Numerics on screen")
struct NumericsRenderTests {
  @Test("a diverging variant is marked on the dashboard while the other trains on")
  func divergedRenders() throws {
    let e = try Experiment(
      ExperimentConfig(
        variants: [
          VariantSpec(name: "plain", model: "linear 64, relu, linear 64, relu, linear 10"),
          VariantSpec(name: "bn", model: "linear 64, batchnorm, relu, linear 64, batchnorm, relu, linear 10"),
        ], data: BuiltinData.digits(), optimizer: .init(kind: .sgd, learningRate: 8), batchSize: 60, seed: 1,
        initialization: .init(scheme: .kaiming, scale: 10)))
    for _ in 0..<100 { try e.advance() }
    let d = try #require(e.variants[0].divergedAt)
    let text = Screenshot.text(Dashboard.render(DashboardState(experiment: e, theme: Theme()), width: 140, height: 45))
    #expect(text.contains("plain diverged@\(d)"))
    #expect(text.contains("plain ✕@\(d)"))
    #expect(e.variants[1].divergedAt == nil)
  }

  @Test("histograms of infinite, NaN and constant values render with their counts")
  func extremeHistograms() {
    var inf = Histogram(lower: -1, upper: 1, bins: 40)
    for i in 0..<50 { inf.add(i % 2 == 0 ? Float.infinity : -Float.infinity) }
    var nan = Histogram(lower: 0, upper: 1, bins: 40)
    for _ in 0..<30 { nan.add(.nan) }
    for h in [inf, nan] {
      var b = Buffer(width: 40, height: 6)
      HistogramChart(histograms: [(h, .plain)], theme: Theme()).render(b.area, into: &b)
      #expect(Screenshot.text(b).contains("NaN \(h.nan) ±Inf \(h.positiveInfinity + h.negativeInfinity)"))
    }
    let series = LineChart.Series(
      label: "x", steps: [1, 2, 3], values: [.nan, .infinity, -.infinity], style: .plain, marker: 0)
    var b = Buffer(width: 30, height: 6)
    LineChart(series: [series], theme: Theme(), logY: true).render(b.area, into: &b)
    #expect(Screenshot.text(b).contains("no data yet"))
  }
}

@Suite("Train vs eval panel: what e means")
struct TrainVersusEvalPanelTests {
  @Test("pressing e changes the panel's numbers: 'now' is eval mode, or train mode in small batches")
  func eChangesNumbers() {
    var s = Fixture.state()
    s.focus = .divergence
    let evalText = Screenshot.text(Dashboard.render(s, width: 140, height: 45))
    s.inferenceMode = .train
    let trainText = Screenshot.text(Dashboard.render(s, width: 140, height: 45))
    #expect(evalText.contains("bn now 90% · eval 90% · train 70%"))
    #expect(trainText.contains("bn now 70% · eval 90% · train 70%"))
    #expect(trainText.contains("now (e: train)"))
    #expect(evalText.contains("mean |Δlogit| in batches of 4"))
  }
}

@Suite("Help overlay scrolls")
struct HelpScrollTests {
  @Test("at 80x24 the help says it scrolls, and scrolling reaches the last note")
  func scrolls() {
    var s = Fixture.state()
    s.showHelp = true
    let top = Screenshot.text(Dashboard.render(s, width: 80, height: 24))
    #expect(top.contains("scroll"))
    #expect(top.contains("pause / resume training"))
    #expect(!top.contains("Train vs eval: how far"))
    s.helpScroll = 500
    let bottom = Screenshot.text(Dashboard.render(s, width: 80, height: 24))
    #expect(bottom.contains("Train vs eval: how far"))
    #expect(!bottom.contains("pause / resume training"))
    // Where it all fits, nothing scrolls.
    s.helpScroll = 0
    let big = Screenshot.text(Dashboard.render(s, width: 200, height: 60))
    #expect(big.contains("press ? or Esc to close"))
  }
}
