import ArgumentParser
import Foundation
import NormApp
import NormCore
import NormLab
import NormScene

@main
struct NormScope: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "normscope",
    abstract: "Train small networks side by side with and without normalization, and see why batch norm works.",
    discussion: """
      With no subcommand, NormScope plays the built-in tour scene in the live lab: the BN paper's \
      Figure 1 set-up on the UCI digits (a 3×100 sigmoid MLP, batch 60, W ~ N(0, 0.1²), SGD lr 0.5), \
      with and without batch norm (and GroupNorm), through the main claims. Press ? in the lab for the keys. \
      Without a terminal, use `normscope train` (tables), `normscope shot` (screenshots) or \
      `normscope play FILE --headless` (scenes). `normscope sweep` runs a grid of learning rates (and \
      batch sizes, init scales, …) over seeds and draws each variant's trainable range.
      """,
    version: BuildInfo.versionText,
    subcommands: [Live.self, Play.self, Check.self, Train.self, Shot.self, Sweep.self]
  )

  /// The default experiment's flags (shared by the live lab and `train`'s example).
  static let defaultExperiment = [
    "--data", "digits", "--init", "normal:0.1", "--lr", "0.5", "--batch", "60",
    "--model", "plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10",
    "--model",
    "bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10",
  ]

  @OptionGroup var mouseOptions: MouseOptions

  func run() throws {
    let tour: Scene
    do { tour = try BuiltinScenes.defaultScene() } catch {
      throw CleanExit.failure("built-in tour scene: \(error)", code: 1)
    }
    try Live.runScene(
      tour, file: "tour", present: false, screenshotDir: ".", glyphs: "braille",
      replicateJobs: BackgroundReplicates.defaultJobs(cores: ProcessInfo.processInfo.activeProcessorCount),
      mouse: mouseOptions.mouse)
  }
}
