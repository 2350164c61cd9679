import Foundation
import NormLab
import NormScene
import NormSupport
import Testing

/// A quick scene: digits, a small MLP with and without BN, 40 steps, then `timeline`.
private func scene(_ timeline: String, seeds: Int = 3) throws -> Scene {
  try SceneParser.parse(text(timeline, seeds: seeds), file: "c.scene")
}

private func text(_ timeline: String, seeds: Int = 3) -> String {
  """
  title "captions"
  seed 3
  seeds \(seeds)
  data digits
  variant plain: linear 16, relu, linear 10
  variant bn: linear 16, batchnorm, relu, linear 10
  lr 0.1
  run 40

  """ + timeline
}

/// The diagnostics of a scene that must not parse.
private func errors(_ timeline: String) -> [String] { located(text(timeline)) }

@Suite("Captions that quote measured values, and `let` names")
struct CaptionValueTests {
  @Test("a caption's {…} shows this seed's value in one-seed play, the expectation's own reading")
  func oneSeed() throws {
    let s = try scene("caption \"BN reaches {val_accuracy(bn)|%}\"\nexpect val_accuracy(bn) > 0\n", seeds: 1)
    let p = try ScenePlayer(scene: s)
    p.recordsValues = true
    try p.playToEnd(delegate: nil)
    let acc = try #require(p.results.first?.values.first)
    #expect(p.view.caption == "BN reaches \(FigureFormat.percent.render([acc]))")
    #expect(p.view.captionHasValues)
    #expect(p.captions.count == 1)
  }

  @Test("over seeds, a caption gives mean ± sd of every seed's value, as a figure line does")
  func overSeeds() throws {
    let s = try scene(
      """
      caption "BN {val_accuracy(bn)|%}, plain {val_accuracy(plain)|%}"
      figure "BN {val_accuracy(bn)|%}, plain {val_accuracy(plain)|%}"
      expect val_accuracy(bn) >= 0
      """)
    let out = try Replicates.play(s, seeds: s.seeds, jobs: 2, delegate: nil)
    let index = try #require(s.statements.firstIndex { if case .caption = $0.kind { true } else { false } })
    let text = try #require(out.captions[index])
    #expect(text == out.figureTexts.first)
    let bn = out.verdicts[0].readings[0].values
    #expect(text.hasPrefix("BN \(FigureFormat.percent.render(bn)),"))
    #expect(text.contains("±"))
    #expect(out.captionLines == ["CAPTION line \(s.statements[index].line): \(text) (3 seeds)"])
  }

  @Test("`let` keeps a seed's value through `restart`, so a closing caption can compare chapters")
  func letAcrossRestart() throws {
    let s = try scene(
      """
      let early = val_accuracy(bn)
      restart
      run 10
      caption "{early|%} after 40 steps, {val_accuracy(bn)|%} after 10; difference {early - val_accuracy(bn)|3}"
      expect early > val_accuracy(bn)
      """, seeds: 1)
    let p = try ScenePlayer(scene: s)
    try p.playToEnd(delegate: nil)
    let early = try #require(p.names["early"])
    #expect(early > 0.3)
    #expect(p.view.caption?.hasPrefix(FigureFormat.percent.render([early]) + " after 40 steps") == true)
    #expect(p.results.first?.readings.first == "early = \(NumberFormat.reading(early))")
    #expect(p.passedCount == 1)
  }

  @Test("values equal in every seed (an aggregate) are written once, without ± 0")
  func aggregatesOnce() throws {
    #expect(FigureFormat.percent.render([0.5, 0.5, 0.5]) == "50.0 %")
    #expect(FigureFormat.percent.render([0.5, 0.7]) == "60.0 ± 14.1 %")
    let s = try scene("caption \"mean {mean(val_accuracy(bn))|%}\"\n")
    let out = try Replicates.play(s, seeds: s.seeds, jobs: 1, delegate: nil)
    let text = try #require(out.captions.values.first)
    #expect(!text.contains("±"), "\(text)")
  }

  @Test("{{ and }} are literal braces; a caption without values is plain text")
  func braces() throws {
    let s = try scene("caption \"a {{set}} of {{b}}\"\n", seeds: 1)
    let p = try ScenePlayer(scene: s)
    try p.playToEnd(delegate: nil)
    #expect(p.view.caption == "a {set} of {b}")
    #expect(!p.view.captionHasValues)
    #expect(p.captions.isEmpty)
  }

  @Test("bad placeholders and names: file:line:column and a hint")
  func badInput() {
    #expect(
      errors("caption \"x {val_accuracy(bn)\"\n") == [
        "9:12: unclosed '{' in a caption: add '}' (or write '{{' for a brace)"
      ])
    #expect(errors("caption \"x }\"\n") == ["9:12: a lone '}' in a caption: write '}}' for a brace"])
    #expect(
      errors("caption \"{}\"\n") == [
        "9:10: empty '{}' in a caption: put a measured value inside, e.g. {val_accuracy(bn)|%}"
      ])
    #expect(errors("caption \"{val_accuracy(bn)|q}\"\n").first?.contains("format is % or 0 to 6 decimals") == true)
    // A name is known only below its `let`.
    #expect(errors("caption \"{erly}\"\nlet erly = 1\n") == ["9:11: unknown function or name 'erly'"])
    #expect(
      errors("let early = 1\ncaption \"{erly}\"\n") == ["10:11: unknown function or name 'erly' (did you mean early?)"])
    #expect(
      errors("let early = 1\nlet early = 2\n") == ["10:5: 'early' is already defined at line 9; names are set once"])
    #expect(errors("let drift = 1\n") == ["9:5: 'drift' is a function or keyword; choose another name"])
    #expect(errors("let 9x = 1\n").first?.contains("a name is ASCII letters") == true)
    #expect(errors("let x 1\n").first?.contains("expected `let NAME = EXPRESSION`") == true)
    #expect(
      errors("let m = mean(val_accuracy(bn))\n")
        == ["9:9: a `let` names one seed's value; aggregate where it is quoted, e.g. {mean(NAME)|%}"])
  }
}

@Suite("The library's captions state no measured figure by hand")
struct CaptionFigureLintTests {
  /// Figures a caption may write as text: thresholds and settings, not measurements.
  static let allowed = [
    "80 % validation accuracy", "above 80 %", "above 90 %", "(±0.5)", "saturates at ±1",
    "90 % of its runs reach 90 % validation accuracy",
  ]

  @Test("a percentage or a ± in a caption's text is a measured figure: it must be a {…} value")
  func noHandWrittenFigures() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: scenesURL.path).filter { $0.hasSuffix(".scene") }
    #expect(files.count >= 13)
    var offenders: [String] = []
    for f in files.sorted() {
      let text = try String(contentsOf: scenesURL.appendingPathComponent(f), encoding: .utf8)
      let scene = try SceneParser.parse(text, file: f)
      for s in scene.statements {
        guard case .caption(let parts, _) = s.kind else { continue }
        for case .text(var t) in parts {
          for a in Self.allowed { t = t.replacingOccurrences(of: a, with: "") }
          if t.firstMatch(of: /[0-9] ?%|±/) != nil { offenders.append("\(f):\(s.line): \(t)") }
        }
      }
    }
    #expect(offenders == [], "\(offenders.joined(separator: "\n"))")
  }
}
