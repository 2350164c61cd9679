// NormScope's benchmark suite (release build; `make bench` runs it through benchmarks/run).
// Measures every workload of the performance issue and, given a reference JSON from
// benchmarks/reference.py (PyTorch + numpy, same machine, same invocation), prints ratios.
//
//   NormBench [--reference FILE.json] [--scenes DIR] [--quick]
//   NormBench rss        (a separate process: peak memory of an interactive-size run)
//   NormBench sweep-rss NORMSCOPE ARGS…   (runs `NORMSCOPE sweep ARGS…`, prints its peak RSS in MiB)
import Foundation
import NormCore
import NormLab
import NormScene
import NormView

let args = CommandLine.arguments
func option(_ name: String) -> String? {
  args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
}
let quick = args.contains("--quick")
/// `--only a,d` runs only those workloads (letters as in the table; "i" = instruments).
let only: Set<String>? = option("--only").map { Set($0.split(separator: ",").map(String.init)) }
func want(_ w: String) -> Bool { only?.contains(w) ?? true }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// Median seconds per call of `body` over `reps` timed runs of `iters` calls.
func median(iters: Int, reps: Int = 7, warm: Int = 10, _ body: () throws -> Void) rethrows -> Double {
  for _ in 0..<warm { try body() }
  let clock = ContinuousClock()
  var t = [Double]()
  for _ in 0..<(quick ? 3 : reps) {
    let t0 = clock.now
    for _ in 0..<iters { try body() }
    t.append(seconds(clock.now - t0) / Double(iters))
  }
  t.sort()
  return t[t.count / 2]
}

/// Peak resident memory of this process (VmHWM), in MiB.
func peakRSS() -> Double {
  guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
  for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
    return kb / 1024
  }
  return .nan
}

let sig3 = "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10"
let sig3bn = "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10"

/// The default live set-up: the BN paper's 3×100 sigmoid MLP, plain and with BN, on digits.
func paperExperiment() throws -> Experiment {
  try Experiment(
    ExperimentConfig(
      variants: [VariantSpec(name: "plain", model: sig3), VariantSpec(name: "bn", model: sig3bn)],
      data: BuiltinData.digits(),
      optimizer: .init(kind: .sgd, learningRate: 0.5), batchSize: 60, seed: 1,
      initialization: .init(scheme: .normal(std: 0.1))))
}

/// (g) An interactive-size run: the default experiment with every instrument, 3,000 steps, a
/// 140x45 dashboard rendered every 5 steps. Prints the peak RSS in MiB.
if args.count > 1 && args[1] == "rss" {
  let e = try paperExperiment()
  for i in 0..<3000 {
    try e.advance()
    if i % 5 == 0 { _ = Dashboard.render(DashboardState(experiment: e, theme: Theme()), width: 140, height: 45) }
  }
  print(peakRSS())
  exit(0)
}

/// Peak memory of a `normscope sweep` process: this helper spawns it, waits, and prints the
/// largest resident set of its children (getrusage RUSAGE_CHILDREN, in MiB).
if args.count > 2 && args[1] == "sweep-rss" {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: args[2])
  p.arguments = ["sweep"] + args[3...]
  p.standardOutput = FileHandle.nullDevice
  try p.run()
  p.waitUntilExit()
  var usage = rusage()
  getrusage(RUSAGE_CHILDREN.rawValue, &usage)
  print(p.terminationStatus == 0 ? Double(usage.ru_maxrss) / 1024 : Double.nan)
  exit(0)
}

func trainStep(_ spec: String, shape: [Int], classes: Int, batch: Int) throws -> () throws -> Void {
  var rng = SeededRNG(seed: 1)
  let d = shape.reduce(1, *)
  let n = max(600, batch * 4)
  let data = Dataset(
    name: "synthetic", sampleShape: shape, features: (0..<(n * d)).map { _ in rng.normal() },
    labels: (0..<n).map { _ in Int32(rng.int(below: classes)) }, classCount: classes)
  let net = try ModelSpec(parsing: spec).build(
    inputShape: shape, classes: classes,
    settings: BuildSettings(seed: 1, initialization: .init(scheme: .normal(std: 0.1))))
  let trainer = Trainer(network: net, optimizer: .init(kind: .sgd, learningRate: 0.01))
  var sampler = BatchSampler(count: n, seed: 1)
  return { try trainer.step(data: data, indices: sampler.next(batch)) }
}

struct Row {
  var name: String
  var ours: Double
  var reference: Double?
  var referenceName: String
  var target: String
  var met: Bool?
}
var rows = [Row]()
let ref: [String: Any] =
  option("--reference").flatMap { try? Data(contentsOf: URL(fileURLWithPath: $0)) }
  .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
@MainActor func refTime(_ k: String) -> Double? { ref[k] as? Double }

@MainActor func add(_ name: String, _ ours: Double, _ key: String, _ refName: String, maxRatio: Double, label: String) {
  let r = refTime(key)
  rows.append(
    Row(
      name: name, ours: ours, reference: r, referenceName: refName, target: label, met: r.map { ours / $0 <= maxRatio })
  )
}

// (a) and (b): one SGD step.
let convSpec = { (norm: String) in
  "conv 8 k=3 p=1, \(norm), relu, maxpool 2, conv 16 k=3 p=1, \(norm), relu, maxpool 2, conv 32 k=3 p=1, \(norm), relu, flatten, linear 4"
}
if want("a") {
  add(
    "(a) BN-paper MLP 784-100×3-10, b60, plain",
    try median(iters: 300, try trainStep(sig3, shape: [784], classes: 10, batch: 60)), "a-plain", "torch",
    maxRatio: 0.5, label: "≤ 0.5×")
  add(
    "(a) same with BN", try median(iters: 300, try trainStep(sig3bn, shape: [784], classes: 10, batch: 60)), "a-bn",
    "torch", maxRatio: 0.5, label: "≤ 0.5×")
}
if want("b") {
  add(
    "(b) tiny 2-16-16-3 ReLU, b32, plain",
    try median(
      iters: 3000, try trainStep("linear 16, relu, linear 16, relu, linear 3", shape: [2], classes: 3, batch: 32)),
    "b-plain", "torch", maxRatio: 0.02, label: "≤ 1/50")
  add(
    "(b) same with BN",
    try median(
      iters: 3000,
      try trainStep(
        "linear 16, batchnorm, relu, linear 16, batchnorm, relu, linear 3", shape: [2], classes: 3, batch: 32)), "b-bn",
    "torch", maxRatio: 0.02, label: "≤ 1/50")
}
if want("c") {
  add(
    "(c) convnet 3×16×16, 8/16/32 ch, BN2d, b32",
    try median(iters: 30, try trainStep(convSpec("batchnorm"), shape: [3, 16, 16], classes: 4, batch: 32)), "c-bn",
    "torch", maxRatio: 1, label: "≤ 1×")
  add(
    "(c) same with GroupNorm(4)",
    try median(iters: 30, try trainStep(convSpec("groupnorm 4"), shape: [3, 16, 16], classes: 4, batch: 32)), "c-gn",
    "torch", maxRatio: 1, label: "≤ 1×")

}
// (d) BatchNorm forward + backward alone.
for n in [60, 256, 1024] where want("d") {
  for d in [100, 1024] {
    let bn = BatchNorm(shape: [d])
    var rng = SeededRNG(seed: 2)
    let x = (0..<(n * d)).map { _ in rng.normal() }
    let dy = (0..<(n * d)).map { _ in rng.normal() }
    var y = [Float](repeating: 0, count: n * d)
    var dx = [Float](repeating: 0, count: n * d)
    let t = try median(iters: max(20, 200_000 / (n * d))) {
      try x.withUnsafeBufferPointer { xp in
        try y.withUnsafeMutableBufferPointer { yp in
          try bn.forward(xp.baseAddress!, yp.baseAddress!, batch: n, options: ForwardOptions(mode: .train))
          dy.withUnsafeBufferPointer { dyp in
            dx.withUnsafeMutableBufferPointer { dxp in
              bn.backward(xp.baseAddress!, yp.baseAddress!, dyp.baseAddress!, dxp.baseAddress!, batch: n)
            }
          }
        }
      }
    }
    add("(d) BN fwd+bwd (\(n), \(d)) vs numpy", t, "d-\(n)-\(d)-numpy", "numpy", maxRatio: 0.5, label: "≤ 0.5× numpy")
    if let tr = refTime("d-\(n)-\(d)-torch") {
      rows.append(
        Row(name: "    same vs torch", ours: t, reference: tr, referenceName: "torch", target: "(info)", met: nil))
    }
  }
}

// (e) a full 200x60 dashboard render into the buffer.
if want("e") {
  let e = try paperExperiment()
  for _ in 0..<1000 { try e.advance() }
  let state = DashboardState(experiment: e, theme: Theme(colors: .ansi256, glyphs: .braille))
  var sink = 0
  let t = median(iters: 50) { sink &+= Dashboard.render(state, width: 200, height: 60).cells.count }
  precondition(sink > 0)
  rows.append(
    Row(
      name: "(e) dashboard render 200×60", ours: t, reference: nil, referenceName: "", target: "≤ 2 ms", met: t <= 0.002
    ))
}

// Instruments overhead (issue 3): BN-paper MLP on digits, 2,000 steps, all instruments vs none.
if want("i") {
  func run(_ s: InstrumentSettings) throws -> Double {
    let e = try Experiment(
      ExperimentConfig(
        variants: [VariantSpec(name: "bn", model: sig3bn)], data: BuiltinData.digits(),
        optimizer: .init(kind: .sgd, learningRate: 0.5),
        batchSize: 60, seed: 1, initialization: .init(scheme: .normal(std: 0.1)), instruments: s))
    let clock = ContinuousClock()
    let t0 = clock.now
    for _ in 0..<2000 { try e.advance() }
    return seconds(clock.now - t0)
  }
  var none = InstrumentSettings.minimal
  none.validationEvery = 0
  var w = [Double]()
  var wo = [Double]()
  for _ in 0..<(quick ? 1 : 5) {
    wo.append(try run(none))
    w.append(try run(InstrumentSettings()))
  }
  w.sort()
  wo.sort()
  let ratio = w[w.count / 2] / wo[wo.count / 2]
  rows.append(
    Row(
      name: "instruments on vs off (2,000 steps)", ours: w[w.count / 2], reference: wo[wo.count / 2],
      referenceName: "off", target: "≤ 1.3×", met: ratio <= 1.3))
}

// (f) headless playback of every scene.
if let dir = option("--scenes"), want("f") {
  let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".scene") }
    .sorted()
  let clock = ContinuousClock()
  let t0 = clock.now
  var failed = 0
  for f in files {
    let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
    let p = try ScenePlayer(scene: try SceneParser.parse(text, file: f))
    try p.playToEnd(delegate: nil)
    failed += p.failedCount
  }
  let t = seconds(clock.now - t0)
  rows.append(
    Row(
      name: "(f) headless playback of \(files.count) scenes, in turn", ours: t, reference: nil, referenceName: "",
      target: "≤ 60 s", met: t <= 60 && failed == 0))
}

// (g) peak memory, measured in a fresh process.
if want("g") {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  p.arguments = ["rss"]
  let pipe = Pipe()
  p.standardOutput = pipe
  try p.run()
  p.waitUntilExit()
  let mb =
    Double(
      String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)) ?? .nan
  rows.append(
    Row(
      name: "(g) peak RSS, interactive-size run (MiB)", ours: mb, reference: nil, referenceName: "", target: "≤ 64 MiB",
      met: mb <= 64))
}

// Sweeps (issue 13), through the normscope binary next to this one (or --normscope PATH).
let normscopePath =
  option("--normscope")
  ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("normscope").path
let sig3Variants = ["--model", "plain: \(sig3)", "--model", "bn: \(sig3bn)"]
/// Wall-clock seconds of `normscope sweep ARGS…` (output discarded); nil when it fails.
func timeSweep(_ a: [String], environment: [String: String] = [:]) -> Double? {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: normscopePath)
  p.arguments = ["sweep"] + a + ["--no-progress"]
  p.standardOutput = FileHandle.nullDevice
  p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let clock = ContinuousClock()
  let t0 = clock.now
  guard (try? p.run()) != nil else { return nil }
  p.waitUntilExit()
  return p.terminationStatus == 0 ? seconds(clock.now - t0) : nil
}
if want("s"), FileManager.default.isExecutableFile(atPath: normscopePath) {
  // Throughput: 40 runs of the BN-paper MLP (200 steps), --jobs 1 vs --jobs 2, medians of 3.
  let grid =
    ["--data", "digits", "--init", "normal:0.1", "--lr", "0.1..10x5", "--seeds", "4", "--steps", "200"]
    + sig3Variants
  func medianOf3(_ a: [String], environment: [String: String] = [:]) -> Double {
    let t = (0..<(quick ? 1 : 3)).compactMap { _ in timeSweep(a, environment: environment) }.sorted()
    return t.isEmpty ? .nan : t[t.count / 2]
  }
  let one = medianOf3(grid + ["--jobs", "1"])
  let oneSingle = medianOf3(grid + ["--jobs", "1"], environment: ["NORMSCOPE_THREADS": "1"])
  let two = medianOf3(grid + ["--jobs", "2"])
  rows.append(
    Row(
      name: "(s) sweep, 40 runs: --jobs 2 vs --jobs 1", ours: two, reference: one, referenceName: "jobs 1",
      target: "≤ 0.556× time (≥ 1.8× runs/s)", met: one / two >= 1.8))
  rows.append(
    Row(
      name: "    same vs --jobs 1 on one thread", ours: two, reference: oneSingle, referenceName: "1 thread",
      target: "(info)", met: nil))
  // The issue's sweep: 13 rates × 2 variants × 5 seeds at 600 steps, on every core.
  let full =
    ["--data", "digits", "--init", "normal:0.1", "--lr", "0.01..100x13", "--seeds", "5", "--steps", "600"]
    + sig3Variants
  let t = timeSweep(full) ?? .nan
  rows.append(
    Row(
      name: "(s) sweep 13 lr × 2 var. × 5 seeds × 600 st.", ours: t, reference: nil, referenceName: "",
      target: "< 60 s", met: t < 60))
  // Peak memory of a 1,000-run sweep streaming to a file (25 rates × 2 variants × 20 seeds).
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("normbench-sweep-\(getpid())")
  try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let p = Process()
  p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  p.arguments =
    [
      "sweep-rss", normscopePath, "--data", "digits", "--lr", "0.01..100x25", "--seeds", "20", "--steps", "100",
      "--model", "plain: linear 32, relu, linear 10", "--model", "bn: linear 32, batchnorm, relu, linear 10",
      "--no-progress", "--output", dir.appendingPathComponent("s.jsonl").path,
    ]
  let pipe = Pipe()
  p.standardOutput = pipe
  try p.run()
  p.waitUntilExit()
  let mb =
    Double(
      String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)) ?? .nan
  try? FileManager.default.removeItem(at: dir)
  rows.append(
    Row(
      name: "(s) peak RSS, 1,000-run sweep (MiB)", ours: mb, reference: nil, referenceName: "", target: "< 64 MiB",
      met: mb < 64))
}

// The table.
func fmtTime(_ s: Double) -> String {
  if s >= 1 { return String(format: "%.2f s", s) }
  if s >= 1e-3 { return String(format: "%.3f ms", s * 1e3) }
  return String(format: "%.1f µs", s * 1e6)
}
let torchInfo =
  (ref["torch"] as? String).map { "PyTorch \($0), \(ref["torch_threads"] ?? "?") threads" } ?? "no PyTorch reference"
print("NormScope benchmarks (medians; reference measured in the same run: \(torchInfo))")
print(String(repeating: "─", count: 108))
func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
let headerLine: String = pad("workload", 46) + pad("NormScope", 13) + pad("reference", 20) + pad("ratio", 10) + "target"
print(headerLine)
for r in rows {
  let ours = r.name.contains("RSS") ? String(format: "%.1f", r.ours) : fmtTime(r.ours)
  let refText = r.reference.map { "\(fmtTime($0)) \(r.referenceName)" } ?? "—"
  let ratio = r.reference.map { String(format: "%.3f×", r.ours / $0) } ?? "—"
  let verdict = r.met.map { $0 ? "met" : "NOT met" } ?? ""
  let line: String = pad(r.name, 46) + pad(ours, 13) + pad(refText, 20) + pad(ratio, 10) + "\(r.target) \(verdict)"
  print(line)
}
// GFLOP/s of (a): forward 60·(784·100 + 2·100·100 + 100·10) MACs, backward dW the same, dx for
// layers 2–4 (the input gradient is not computed): 2 FLOP per MAC.
let macsPerLayerPass: Double = 784 * 100 + 2 * 100 * 100 + 100 * 10
let macsDx: Double = 2 * 100 * 100 + 100 * 10
let macs: Double = 60 * macsPerLayerPass * 2 + 60 * macsDx
if let a = rows.first, a.name.hasPrefix("(a)") {
  print(String(format: "(a) achieved %.1f GFLOP/s (%.1f MFLOP per step)", 2 * macs / a.ours / 1e9, 2 * macs / 1e6))
}
