import Foundation
import NormCore
import NormLab
import NormScene
import Testing

/// The column (from 1) of the last occurrence of `word` in `line`.
private func lastColumn(of word: String, in line: String) -> Int {
  var best = 0
  var i = line.startIndex
  while i < line.endIndex {
    if line[i...].hasPrefix(word) { best = line.distance(from: line.startIndex, to: i) + 1 }
    i = line.index(after: i)
  }
  return best
}

@Suite("One source of truth")
struct SourceOfTruthTests {
  // MARK: Bug 1: a bad variant name in `for VARIANTS` is located by its own column.

  @Test(
    "a bad variant name after `for` is reported at its own column",
    arguments: [
      ("freeze bn for b", "b"),
      ("unfreeze affine for a", "a"),
      ("set lr 0.5 for plain, l", "l"),
      ("set optimizer adam for m", "m"),
      ("set optimizer sgd lr 0.5 for plain, r", "r"),
      ("reset stats for s", "s"),
      ("reestimate stats 2 for t", "t"),
      ("freeze bn for plain ,x", "x"),
      ("freeze affine for bn, e, bn", "e"),
    ])
  func badVariantColumn(line: String, name: String) {
    let e = errors(header + line + "\n")
    #expect(e.count == 1, "\(e.map(\.rendered))")
    #expect(e.first?.line == 5)
    #expect(e.first?.column == lastColumn(of: name, in: line), "\(e.map(\.rendered))")
    #expect(e.first?.message.hasPrefix("no variant named '\(name)'") == true, "\(e.map(\.rendered))")
  }

  // MARK: Bug 2: an explicit lr wins over the optimizer's default, in either order.

  @Test(
    "an explicit lr wins; the default depends only on the optimizer",
    arguments: [
      ("", Float(0.1)),
      ("optimizer sgd\n", 0.1),
      ("optimizer momentum momentum=0.9\n", 0.1),
      ("optimizer adam\n", 0.001),
      ("lr 0.1\noptimizer adam\n", 0.1),
      ("optimizer adam\nlr 0.1\n", 0.1),
      ("lr 0.5\noptimizer adam\n", 0.5),
      ("optimizer adam\nlr 0.5\n", 0.5),
      ("lr 0.001\noptimizer sgd\n", 0.001),
      ("optimizer adam\noptimizer sgd\n", 0.1),
      ("lr 0.2\nlr 0.3\noptimizer adam\n", 0.3),
    ])
  func explicitLearningRate(lines: String, lr: Float) throws {
    let scene = try SceneParser.parse(header + lines + "run 1\n", file: "x.scene")
    #expect(scene.optimizer.learningRate == lr)
  }

  @Test("the learning rate reaches the experiment")
  func learningRateInExperiment() throws {
    let scene = try SceneParser.parse(header + "lr 0.1\noptimizer adam\nrun 0\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    #expect(p.experiment.variants.allSatisfy { $0.trainer.optimizer.settings.learningRate == 0.1 })
    #expect(p.experiment.variants.allSatisfy { $0.trainer.optimizer.settings.kind == .adam })
  }

  // MARK: Bug 3: any error from the experiment is a failed result, not an escaping throw.

  /// One training sample: re-estimating statistics feeds BatchNorm a batch of one, which the
  /// network (not the experiment) refuses.
  static let tinyData = """
    title "t"
    data moons n=2
    validation 0.5
    instruments off
    variant bn: linear 4, batchnorm, relu, linear 2

    """

  @Test("an error that is not an ExperimentError stops the scene as a failed result")
  func anyErrorIsAResult() throws {
    let scene = try SceneParser.parse(Self.tinyData + "reestimate stats 1\nexpect step() == 0\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    try p.playToEnd(delegate: nil)
    #expect(p.failure?.hasPrefix("line 6: ") == true, "\(p.failure ?? "no failure")")
    #expect(p.failedCount == 1)
    #expect(p.results.first?.source.hasPrefix("error: ") == true)
    #expect(p.finished)
  }

  @Test("tick turns the error into a result too")
  func tickIsAResult() throws {
    let scene = try SceneParser.parse(Self.tinyData + "reestimate stats 1\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    _ = try p.tick(maxSteps: 10, delegate: nil)
    #expect(p.failure != nil)
    #expect(p.failedCount == 1)
  }

  final class Refuses: ScenePlayerDelegate {
    struct Refused: Error {}
    func scenePlayer(_ player: ScenePlayer, finished statement: Statement) throws {}
    func scenePlayer(_ player: ScenePlayer, screenshot name: String) throws { throw Refused() }
  }

  @Test("what the delegate throws still escapes")
  func delegateErrorsEscape() throws {
    let scene = try SceneParser.parse(header + "screenshot a\n", file: "x.scene")
    let p = try ScenePlayer(scene: scene)
    #expect(throws: Refuses.Refused.self) { try p.playToEnd(delegate: Refuses()) }
    #expect(p.failure == nil)
  }
}
