import ArgumentParser
import Foundation
import NormCore
import NormLab
import NormSupport

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train 1 to 4 model variants in lockstep and print loss and accuracy.",
    discussion: """
      Every variant takes one step on the same mini-batch each step; layers that two variants share \
      (the k-th linear/conv/rnn layer of the same shape) start from identical weights.

      MODEL SPEC: comma-separated layers, e.g. 'linear 100, batchnorm, sigmoid, linear 10'. Prefix \
      'NAME:' to name a variant ('bn: linear 100, batchnorm, relu, linear 10'); otherwise variants \
      are named after their norms ('plain' when there is none). See README.md for every layer.

      DATA: a built-in set with optional parameters (digits, spirals, moons, circles, xor, blobs, \
      sequence, stripes; e.g. 'spirals:classes=3,noise=0.2,n=600'), a CSV file (features…,label), \
      or an MNIST IDX image file together with --labels.

      EXAMPLE:
        normscope train --data digits --init normal:0.1 --lr 0.5 --steps 2000 \\
          --model 'plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10' \\
          --model 'bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10'
      """
  )

  static let defaultArguments = NormScope.defaultExperiment + ["--steps", "2000"]

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Training steps.")
  var steps = 1000

  @Option(help: "Print a row every N steps (default: steps/10).")
  var every: Int?

  @Option(
    help: ArgumentHelp("Write per-step metrics to FILE.csv or FILE.jsonl.", valueName: "file"),
    completion: .file(extensions: ["csv", "jsonl"]))
  var metrics: String?

  func validate() throws {
    guard steps >= 0 else { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
    if let every { guard every >= 1 else { throw ValidationError("--every must be at least 1") } }
    if let metrics {
      guard metrics.hasSuffix(".csv") || metrics.hasSuffix(".jsonl") else {
        throw ValidationError("--metrics must name a .csv or .jsonl file, got '\(metrics)'")
      }
    }
  }

  func run() throws {
    let experiment = try experimentOptions.makeExperiment()
    let opt = experimentOptions.optimizerSettings
    let report = TrainReport(experiment: experiment, optimizer: opt)
    report.header(dataName: experimentOptions.data)
    // Opened before training: an unwritable path fails now, not after the run.
    let recorder = try metrics.map { try MetricsFile(path: $0, export: MetricsExport(for: experiment)) }
    let interval = every ?? max(1, steps / 10)
    var failure: String? = nil
    for _ in 0..<steps {
      guard experiment.anyLive else { break }
      do { try experiment.advance() } catch {
        failure = "\(error)"
        break
      }
      let printNow = experiment.step % interval == 0 || experiment.step == steps
      if printNow, experiment.variants.contains(where: { $0.record.validationLoss.lastStep != experiment.step }) {
        do { try experiment.recordValidation() } catch {
          failure = "\(error)"
          break
        }
      }
      try recorder?.capture(experiment)
      if printNow { report.row() }
    }
    if let failure { throw CleanExit.failure(failure, code: 1) }
    report.instrumentSummary()
    report.footer(validation: try? experiment.validate())
  }

}

/// `--metrics FILE`: rows streamed to disk as each step ends (one write per step), so memory
/// stays constant and an interrupted or failing run leaves a valid file up to its last step.
/// The file is created (or truncated) before training starts.
final class MetricsFile {
  var export: MetricsExport
  let format: MetricsExport.Format
  let file: StreamFile

  init(path: String, export: MetricsExport) throws {
    self.export = export
    format = path.hasSuffix(".csv") ? .csv : .jsonl
    file = try StreamFile(path: path)
    try file.writeOrExit(export.header(format))
  }

  func capture(_ e: Experiment) throws {
    export.capture(e)
    try file.writeOrExit(export.drain(format))
  }
}

/// Ends the process with a message on standard error and an exit status.
enum CleanExit {
  static func failure(_ message: String, code: Int32) -> ExitCode {
    var err = StandardError()
    // Messages quote user input (file names, CSV fields): never print control characters.
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { printable(String($0)) }
    print("normscope: error: " + lines.joined(separator: "\n"), to: &err)
    return ExitCode(code)
  }
}
