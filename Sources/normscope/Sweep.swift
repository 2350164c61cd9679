import ArgumentParser
import Foundation
import NormCore
import NormLab
import NormScene
import NormSupport
import NormView
import Synchronization

/// Set by SIGINT/SIGTERM while a sweep runs: workers finish no further run, the file keeps
/// every finished line.
let sweepInterrupted = Atomic<Int32>(0)

struct Sweep: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a grid of short runs (lr × batch × init scale × … × variants × seeds) and draw the phase diagram.",
    discussion: """
      Each run trains one variant from its seed for --steps steps and records its final validation \
      accuracy (eval mode), whether it diverged, and the steps it took to reach the target. Runs \
      go to --output (JSONL), one line per run as it ends; rerunning the same command resumes. \
      The diagram shows each variant's trainable range: the rates at which ≥ 90% of the seeds \
      reach the target.

      RANGES: A..BxN is N log-spaced values from A to B (0.01..100x13); a,b,c is a list.

      EXAMPLES:
        normscope sweep --data digits --init normal:0.1 --lr 0.01..100x13 \\
          --seeds 5 --steps 600 --target 0.9 --output s.jsonl \\
          --model 'plain: linear 100, sigmoid, linear 10' \\
          --model 'bn: linear 100, batchnorm, sigmoid, linear 10'
        normscope sweep … --shard 2/4 --output part-2.jsonl   (one of 4 slices)
        normscope sweep merge s.jsonl part-*.jsonl
        normscope sweep --show s.jsonl --format svg -o s.svg
      """,
    subcommands: [Merge.self]
  )

  @Option(name: .customLong("model"), help: ArgumentHelp("A model variant, as in train (repeat).", valueName: "spec"))
  var models: [String] = []
  @Option(
    help: ArgumentHelp(
      "Built-in data set[:k=v,…] (\(Choices.sentence(BuiltinData.names))) or CSV file.", valueName: "name|path"))
  var data = "digits"
  @Option(help: Choices.help("Optimizer:", Choices.optimizers), completion: Choices.completion(Choices.optimizers))
  var optimizer = "sgd"
  @Flag(help: "Nesterov momentum.")
  var nesterov = false
  @Option(
    name: .customLong("init"),
    help: Choices.help("Weight init:", Choices.initSchemes, valueName: "scheme"),
    completion: Choices.completion(Choices.initSchemes))
  var initScheme = "pytorch"
  @Option(help: Choices.help("Loss:", Choices.losses), completion: Choices.completion(Choices.losses))
  var loss = "ce"
  @Option(name: .customLong("val-fraction"), help: "Fraction of the data held out for validation.")
  var valFraction = 0.2

  @Option(
    help: ArgumentHelp(
      "Learning rates: A..BxN (log-spaced), a list a,b,c, or one value (default: the optimizer's).", valueName: "range")
  )
  var lr: String?
  @Option(help: ArgumentHelp("Batch sizes (list or range).", valueName: "list"))
  var batch = "60"
  @Option(name: .customLong("init-scale"), help: ArgumentHelp("Init scales (list or range).", valueName: "list"))
  var initScale = "1"
  @Option(help: ArgumentHelp("SGD momentum values (default: 0.9 for momentum, 0 for sgd).", valueName: "list"))
  var momentum: String?
  @Option(
    name: .customLong("weight-decay"),
    help: ArgumentHelp("Weight decay values (default: 0; 0.01 for adamw).", valueName: "list"))
  var weightDecay: String?
  @Option(help: "Seeds per cell: --seed, --seed + 1, ….")
  var seeds = 1
  @Option(help: "First seed.")
  var seed: UInt64 = 1
  @Option(help: "Training steps of each run (default: 600).")
  var steps: Int?
  @Option(
    help: ArgumentHelp(
      "Budget in training samples instead of steps: a run at batch B trains ⌈N / B⌉ steps, so every batch size sees the same data (--check-every then counts samples).",
      valueName: "N"))
  var samples: Int?
  @Option(help: "Target validation accuracy (eval mode) a run must reach (default 0.9).")
  var target: Double?
  @Option(name: .customLong("target-loss"), help: "Target validation loss instead of an accuracy.")
  var targetLoss: Double?
  @Option(
    name: .customLong("check-every"),
    help: "Steps between checks of the target (default: 50; with --samples, samples and a twentieth of them).")
  var checkEvery: Int?
  @Option(help: "Fraction of a cell's seeds that must reach the target for the rate to count as trainable.")
  var quorum = 0.9

  @Option(
    name: [.short, .long],
    help: ArgumentHelp(
      "Running: the JSONL results file (resumed when it holds this sweep). With --show: the picture's file.",
      valueName: "file"))
  var output: String?
  @Option(help: ArgumentHelp("Runs at once (default: the number of cores).", valueName: "N"))
  var jobs: Int?
  @Option(
    help: ArgumentHelp("Run only slice i of n (1-based): the cells whose index is i-1 modulo n.", valueName: "i/n"))
  var shard: String?
  @Flag(name: .customLong("no-progress"), help: "No progress on standard error.")
  var noProgress = false

  @Option(help: ArgumentHelp("Draw the sweep in FILE.jsonl (finished or still running) and exit.", valueName: "file"))
  var show: String?
  @Option(
    help: Choices.help("Picture format:", Choices.formats, "(default: from --output's extension; ansi on a terminal)."),
    completion: Choices.completion(Choices.formats))
  var format: String?
  @Option(
    help: Choices.help("Glyphs:", Choices.glyphs, "(default: ascii under a non-UTF-8 locale, else braille)."),
    completion: Choices.completion(Choices.glyphs))
  var glyphs: String?
  @Option(
    help: Choices.help("Colours:", Choices.colors, "(NO_COLOR forces mono)."),
    completion: Choices.completion(Choices.colors))
  var colors: String?
  @Option(help: ArgumentHelp("Picture width in cells, or WxH.", valueName: "W|WxH"))
  var size: String?

  func validate() throws {
    if let format, ScreenshotFormat(rawValue: format) == nil {
      throw ValidationError("--format must be txt, ansi, svg or html, got '\(excerpt(format))'")
    }
    if let glyphs, GlyphSet(rawValue: glyphs) == nil {
      throw ValidationError("--glyphs must be braille, blocks or ascii, got '\(excerpt(glyphs))'")
    }
    if let colors, ColorMode(rawValue: colors) == nil {
      throw ValidationError("--colors must be truecolor, 256, 8 or mono, got '\(excerpt(colors))'")
    }
    _ = try pictureSize()
    guard quorum > 0, quorum <= 1 else { throw ValidationError("--quorum must be in (0, 1], got \(quorum)") }
  }

  /// Checks of a run's flags (not in validate(): `sweep merge` shares this command's parsing).
  func validateRun() throws {
    if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256, got \(jobs)") }
    if let shard { do { _ = try SweepShard(parsing: shard) } catch { throw ValidationError(error.message) } }
    if let output, !output.hasSuffix(".jsonl") {
      throw ValidationError("--output must name a .jsonl file when running a sweep, got '\(excerpt(output))'")
    }
    if target != nil && targetLoss != nil { throw ValidationError("give --target or --target-loss, not both") }
    _ = try definition()
  }

  func pictureSize() throws -> (width: Int?, height: Int?) {
    guard let size else { return (nil, nil) }
    if let w = Int(size) {
      guard (20...1000).contains(w) else { throw ValidationError("--size width must be 20 to 1000, got \(w)") }
      return (w, nil)
    }
    let (w, h) = try parseSize(size)
    guard w >= 20 else { throw ValidationError("--size width must be at least 20, got \(w)") }
    return (w, h)
  }

  /// The sweep the flags describe; a flag out of its limits is a usage error.
  func definition() throws -> SweepDefinition {
    guard let kind = OptimizerSettings.Kind(rawValue: optimizer) else {
      throw ValidationError(
        "--optimizer must be \(OptimizerSettings.Kind.choices), got '\(excerpt(optimizer))'"
          + hint(for: optimizer, among: OptimizerSettings.Kind.allCases.map(\.rawValue)))
    }
    guard let scheme = InitScheme(parsing: initScheme) else {
      throw ValidationError("--init must be pytorch, kaiming, xavier or normal:STD, got '\(excerpt(initScheme))'")
    }
    guard let lossKind = LossKind(rawValue: loss) else { throw ValidationError("--loss must be ce or mse") }
    guard !models.isEmpty else { throw ValidationError("a sweep needs at least one --model") }
    var d: SweepDefinition
    do { d = SweepDefinition(variants: try VariantNaming.variants(from: models)) } catch {
      throw ValidationError("\(error)")
    }
    d.data = data
    d.optimizer = kind
    d.nesterov = nesterov
    d.initialization = scheme
    d.loss = lossKind
    d.validationFraction = valFraction
    do {
      d.learningRates = try lr.map { try SweepAxis.values($0, for: .lr) } ?? [Double(kind.defaultLearningRate)]
      d.batchSizes = try SweepAxis.values(batch, for: .batch).map { Int($0) }
      d.initScales = try SweepAxis.values(initScale, for: .initScale)
      d.momenta = try momentum.map { try SweepAxis.values($0, for: .momentum) } ?? [kind == .momentum ? 0.9 : 0]
      d.weightDecays =
        try weightDecay.map { try SweepAxis.values($0, for: .weightDecay) } ?? [kind == .adamw ? 0.01 : 0]
    } catch let e as SweepError { throw ValidationError(e.message) }
    d.firstSeed = seed
    d.seedCount = seeds
    if steps != nil, samples != nil { throw ValidationError("give --steps or --samples, not both") }
    d.steps = steps ?? 600
    d.samples = samples
    d.checkEvery = checkEvery ?? samples.map { max(1, $0 / 20) } ?? 50
    d.target = targetLoss.map { .loss($0) } ?? .accuracy(target ?? 0.9)
    if let p = d.problem() { throw ValidationError(p) }
    return d
  }

  var theme: Theme {
    let env = ProcessInfo.processInfo.environment
    let glyphSet = glyphs.flatMap(GlyphSet.init(rawValue:)) ?? (Self.utf8Locale(env) ? .braille : .ascii)
    let mode = ColorMode.resolve(flag: colors, environment: env, terminalColors: nil)
    return Theme(colors: mode, glyphs: glyphSet)
  }

  /// Whether the locale is UTF-8 (LC_ALL, else LC_CTYPE, else LANG).
  static func utf8Locale(_ env: [String: String]) -> Bool {
    let l = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
    let lower = l.lowercased()
    return lower.contains("utf-8") || lower.contains("utf8")
  }

  func run() throws {
    if let show {
      try Self.draw(file: show, command: self)
      return
    }
    try validateRun()
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    // Runs are the unit of parallelism: with several at once, each trains on one thread (the
    // second thread of large products would only compete with the other runs for the cores).
    // Set before the first product reads it; an explicit NORMSCOPE_THREADS is kept.
    if (jobs ?? cores) >= 2 { setenv("NORMSCOPE_THREADS", "1", 0) }
    let d = try definition()
    let shardValue = try shard.map { try SweepShard(parsing: $0) } ?? .whole
    let runner = try makeRunner(d)
    var err = StandardError()
    var results = SweepResults(definition: d)
    var file: AppendingFile? = nil
    if let output {
      let (f, resumed) = try Self.open(output, definition: d)
      file = f
      for r in resumed { results.add(r) }
    }
    let inShard = Set(d.cells(in: shardValue))
    let done = Set(results.byCell.keys).intersection(inShard)
    let total = inShard.count
    if !done.isEmpty {
      print("sweep \(d.hash): resuming \(output!): \(done.count) of \(total) runs already done", to: &err)
    }
    let progress = SweepProgress(total: total, alreadyDone: done.count, terminal: isatty(2) == 1, quiet: noProgress)
    let (finished, stoppedBy) = try execute(
      runner, jobs: jobs ?? cores, shard: shardValue, skipping: done, into: &results, file: file, progress: progress)
    if stoppedBy != 0 {
      let kept =
        output.map { "\(done.count + finished) of \(total) runs are in \($0); run the same command again to resume" }
        ?? "\(finished) runs finished (no --output: nothing kept)"
      print("normscope: interrupted (\(stoppedBy == SIGINT ? "SIGINT" : "SIGTERM")): \(kept)", to: &err)
      throw ExitCode(128 + stoppedBy)
    }
    if shardValue != .whole {
      print(
        "sweep \(d.hash): shard \(shardValue): \(total) runs\(output.map { " in \($0)" } ?? ""); combine the shards with `normscope sweep merge OUT.jsonl PART…`"
      )
      return
    }
    try emit(results)
  }

  /// The runner, with the data loaded (a file once; generated data per seed) and every variant
  /// built once, so a bad spec or data set exits 2 before any run.
  func makeRunner(_ d: SweepDefinition) throws -> SweepRunner {
    let dataText = data
    do {
      let (name, params) = try DataSource.parseNameAndParameters(dataText)
      let loaded: Dataset? =
        BuiltinData.names.contains(name) && !FileManager.default.fileExists(atPath: dataText)
        ? nil : try DataSource.load(dataText, labels: nil, seed: d.firstSeed)
      let runner = try SweepRunner(d) { seed in
        if let loaded { return loaded }
        return try BuiltinData.make(name: name, parameters: params, seed: seed)
      }
      try runner.check()
      return runner
    } catch let e as SweepError {
      throw CleanExit.failure(e.message, code: 2)
    } catch { throw CleanExit.failure("\(error)", code: 2) }
  }

  /// Runs the cells, appending each result to `file` as it ends, until done or a signal
  /// (SIGINT, SIGTERM) stops it. Returns the runs finished and the stopping signal (0: none).
  func execute(
    _ runner: SweepRunner, jobs: Int, shard: SweepShard, skipping done: Set<Int>, into results: inout SweepResults,
    file: AppendingFile?, progress: SweepProgress
  ) throws -> (finished: Int, signal: Int32) {
    let d = runner.definition
    let collected = Mutex<SweepResults>(results)
    let writeFailure = Mutex<String?>(nil)
    sweepInterrupted.store(0, ordering: .relaxed)
    signal(SIGINT) { s in
      sweepInterrupted.store(s, ordering: .relaxed)
      signal(s, SIG_DFL)  // a second Ctrl-C ends the process at once
    }
    signal(SIGTERM) { s in
      sweepInterrupted.store(s, ordering: .relaxed)
      signal(s, SIG_DFL)
    }
    let finished = runner.run(
      jobs: jobs, shard: shard, skipping: done,
      shouldStop: { sweepInterrupted.load(ordering: .relaxed) != 0 || writeFailure.withLock { $0 != nil } }
    ) { r in
      if let file {
        do { try file.append(SweepLog.line(r, definition: d)) } catch {
          writeFailure.withLock { $0 = "\(error)" }
          return
        }
      }
      collected.withLock { _ = $0.add(r) }
      progress.step()
    }
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
    progress.finish()
    if let failure = writeFailure.withLock({ $0 }) { throw CleanExit.failure(failure, code: 1) }
    results = collected.withLock { $0 }
    return (finished, sweepInterrupted.load(ordering: .relaxed))
  }

  /// Writes the diagram to --output (show mode) or standard output.
  func emit(_ results: SweepResults, pictureFile: String? = nil) throws {
    let (w, h) = try pictureSize()
    let fmt =
      format.flatMap(ScreenshotFormat.init(rawValue:))
      ?? pictureFile.flatMap { f in f.split(separator: ".").last.flatMap { ScreenshotFormat(rawValue: String($0)) } }
      ?? (pictureFile == nil && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil ? .ansi : .txt)
    let buffer = PhaseDiagram.screen(results: results, theme: theme, width: w, height: h, quorum: quorum)
    let text = Screenshot.export(buffer, as: fmt)
    if let pictureFile, pictureFile != "-" {
      do { try SafeFile.replace(path: pictureFile, contents: text) } catch {
        throw CleanExit.failure("\(error)", code: 1)
      }
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  /// `--show FILE`: the sweep as far as the file goes.
  static func draw(file: String, command: Sweep) throws {
    let loaded = try load(file)
    var err = StandardError()
    for n in loaded.notes { print("normscope: \(n)", to: &err) }
    try command.emit(loaded.results, pictureFile: command.output)
  }

  /// Reads a sweep file to draw it (exit 2 with file:line on a bad line).
  static func load(_ file: String) throws -> SweepFile {
    do { return try SweepFile.load(file) } catch { throw CleanExit.failure(error.message, code: 2) }
  }

  /// Reads and parses a sweep file (exit 2 with file:line on a bad line).
  static func readSweepFile(_ path: String, expecting: SweepDefinition? = nil) throws -> SweepLog.Contents {
    do { return try SweepFile.contents(path, expecting: expecting) } catch {
      throw CleanExit.failure(error.message, code: 2)
    }
  }

  /// Opens the output for appending: a new file gets the definition line; an existing one
  /// must hold this sweep, and its finished runs are returned (a cut-off last line is removed).
  static func open(_ path: String, definition d: SweepDefinition) throws -> (AppendingFile, [SweepResult]) {
    var err = StandardError()
    var resumed: [SweepResult] = []
    var keep: Int? = nil
    if FileManager.default.fileExists(atPath: path) {
      let contents = try readSweepFile(path, expecting: d)
      if let t = contents.truncatedLine {
        print("normscope: \(path):\(t): dropped a cut-off last line (the process was stopped mid-write)", to: &err)
        keep = contents.validBytes
      }
      var seen = Set<Int>()
      for (line, r) in contents.results {
        if seen.insert(r.cell.index).inserted {
          resumed.append(r)
        } else {
          print("normscope: \(path):\(line): cell \(r.cell.index) again; the first line is kept", to: &err)
        }
      }
    }
    let file: AppendingFile
    do {
      file = try AppendingFile(path: path)
      if let keep { try file.truncate(to: keep) }
      if file.size == 0 { try file.append(SweepLog.header(d)) }
    } catch { throw CleanExit.failure("\(error)", code: 1) }
    return (file, resumed)
  }
}

/// `normscope sweep merge OUT PART…`.
struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Combine sweep files (shards or interrupted runs) into one, checking that they are one sweep.",
    discussion: """
      Every part must hold the same sweep (the same hash). Runs found in several parts are kept \
      once (the first); the output lists runs in cell order and is written atomically. Missing \
      cells are reported; the merged file still draws (`sweep --show`), with them marked.
      """)

  @Argument(help: ArgumentHelp("The merged file to write (.jsonl).", valueName: "out"))
  var out: String
  @Argument(help: ArgumentHelp("Sweep files to combine.", valueName: "part"))
  var parts: [String]

  func validate() throws {
    guard out.hasSuffix(".jsonl") else {
      throw ValidationError("the merged file must end in .jsonl, got '\(excerpt(out))'")
    }
    guard !parts.isEmpty else { throw ValidationError("give at least one part to merge") }
  }

  func run() throws {
    var err = StandardError()
    var definition: SweepDefinition? = nil
    var first = ""
    var results: SweepResults? = nil
    var sources: [Int: String] = [:]
    var duplicates = 0
    var conflicts = 0
    for part in parts {
      let c = try Sweep.readSweepFile(part)
      if let d = definition {
        guard c.definition.hash == d.hash else {
          throw CleanExit.failure(
            "\(part):1: another sweep (hash \(c.definition.hash)); \(first) holds sweep \(d.hash). Only shards of one sweep merge.",
            code: 2)
        }
      } else {
        definition = c.definition
        first = part
        results = SweepResults(definition: c.definition)
      }
      if let t = c.truncatedLine { print("normscope: \(part):\(t): cut-off last line dropped", to: &err) }
      for (line, r) in c.results {
        if results!.add(r) {
          sources[r.cell.index] = "\(part):\(line)"
          continue
        }
        duplicates += 1
        if results!.byCell[r.cell.index] != r {
          conflicts += 1
          if conflicts <= 5 {
            print(
              "normscope: \(part):\(line): cell \(r.cell.index) differs from \(sources[r.cell.index]!) (different build or CPU flags?); the first is kept",
              to: &err)
          }
        }
      }
    }
    let d = definition!
    let merged = results!
    var text = SweepLog.header(d)
    for r in merged.ordered { text += SweepLog.line(r, definition: d) }
    do { try SafeFile.replace(path: out, contents: text) } catch { throw CleanExit.failure("\(error)", code: 1) }
    let missing = merged.missingCells
    print(
      "merged \(parts.count) part\(parts.count == 1 ? "" : "s") into \(out): sweep \(d.hash), \(merged.count) of \(d.cellCount) runs, \(duplicates) duplicate\(duplicates == 1 ? "" : "s")\(conflicts > 0 ? " (\(conflicts) differing)" : ""), \(missing.count) missing"
    )
    if !missing.isEmpty {
      let shown = missing.prefix(5).map { "cell \($0) (\(d.cell($0).label(varying: d.varying)))" }
      print(
        "normscope: \(missing.count) cells missing: \(shown.joined(separator: "; "))\(missing.count > 5 ? "; …" : ""); `sweep --show \(out)` marks them",
        to: &err)
    }
  }
}

/// Progress on standard error: a bar redrawn in place on a terminal, else a line per 10 %.
final class SweepProgress: @unchecked Sendable {
  let total: Int
  let alreadyDone: Int
  let terminal: Bool
  let quiet: Bool
  let clock = ContinuousClock()
  let start: ContinuousClock.Instant
  var done = 0
  var lastTenth = 0
  var lastDraw: ContinuousClock.Instant

  init(total: Int, alreadyDone: Int, terminal: Bool, quiet: Bool) {
    self.total = total
    self.alreadyDone = alreadyDone
    self.terminal = terminal
    self.quiet = quiet
    start = clock.now
    lastDraw = start
    lastTenth = total == 0 ? 10 : alreadyDone * 10 / total
  }

  static func duration(_ s: Double) -> String {
    guard s.isFinite else { return "?" }
    let t = Int(s.rounded())
    return t >= 3600
      ? "\(t / 3600)h\(String(format: "%02d", t / 60 % 60))m" : "\(t / 60):\(String(format: "%02d", t % 60))"
  }

  func line() -> String {
    let elapsed =
      Double((clock.now - start).components.seconds) + Double((clock.now - start).components.attoseconds) * 1e-18
    let now = alreadyDone + done
    let eta = done == 0 ? Double.nan : elapsed / Double(done) * Double(total - now)
    return "\(now)/\(total) runs, \(Self.duration(elapsed)) elapsed, ETA \(now == total ? "0:00" : Self.duration(eta))"
  }

  /// Called once per finished run (serially).
  func step() {
    done += 1
    guard !quiet, total > 0 else { return }
    var err = StandardError()
    let now = alreadyDone + done
    if terminal {
      guard clock.now - lastDraw > .milliseconds(100) || now == total else { return }
      lastDraw = clock.now
      let width = 30
      let filled = now * width / total
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      // Our own text and escape (clear to end of line), so not through the sanitiser.
      FileHandle.standardError.write(Data("\r[\(bar)] \(line())\u{1B}[K".utf8))
    } else {
      let tenth = now * 10 / total
      guard tenth > lastTenth else { return }
      lastTenth = tenth
      print("sweep: \(line()) (\(tenth * 10)%)", to: &err)
    }
  }

  func finish() {
    guard terminal, !quiet, done > 0 else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }
}
