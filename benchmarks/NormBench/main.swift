// NormScope micro-benchmarks (release build): time per training step of the workloads the
// issues name. Run with `make bench`. Prints median and p10/p90 over repeated runs.
import NormCore
import NormLab
import NormView

struct Workload {
  var name: String
  var spec: String
  var inputShape: [Int]
  var classes: Int
  var batch: Int
}

func measure(_ w: Workload, steps: Int = 300, repeats: Int = 7) throws -> (median: Double, p10: Double, p90: Double) {
  var rng = SeededRNG(seed: 1)
  let d = w.inputShape.reduce(1, *)
  let n = 600
  let data = Dataset(
    name: "synthetic", sampleShape: w.inputShape, features: (0..<(n * d)).map { _ in rng.normal() },
    labels: (0..<n).map { _ in Int32(rng.int(below: w.classes)) }, classCount: w.classes)
  let net = try ModelSpec(parsing: w.spec).build(
    inputShape: w.inputShape, classes: w.classes,
    settings: BuildSettings(seed: 1, initialization: .init(scheme: .normal(std: 0.1))))
  let trainer = Trainer(network: net, optimizer: .init(kind: .sgd, learningRate: 0.01))
  var sampler = BatchSampler(count: n, seed: 1)
  for _ in 0..<20 { try trainer.step(data: data, indices: sampler.next(w.batch)) }  // warm-up
  let clock = ContinuousClock()
  var perStep = [Double]()
  for _ in 0..<repeats {
    let t0 = clock.now
    for _ in 0..<steps { try trainer.step(data: data, indices: sampler.next(w.batch)) }
    let dt = clock.now - t0
    perStep.append((Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18) / Double(steps))
  }
  perStep.sort()
  return (perStep[repeats / 2], perStep[repeats / 10], perStep[repeats - 1 - repeats / 10])
}

let sig3 = "linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10"
let sig3bn = "linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10"
let workloads = [
  Workload(
    name: "(a) BN-paper MLP 784-100-100-100-10 sigmoid, batch 60, plain", spec: sig3, inputShape: [784], classes: 10,
    batch: 60),
  Workload(
    name: "(a) BN-paper MLP 784-100-100-100-10 sigmoid, batch 60, BN", spec: sig3bn, inputShape: [784], classes: 10,
    batch: 60),
  Workload(
    name: "(b) tiny 2-16-16-3 ReLU, batch 32, plain", spec: "linear 16, relu, linear 16, relu, linear 3",
    inputShape: [2], classes: 3, batch: 32),
  Workload(
    name: "(b) tiny 2-16-16-3 ReLU, batch 32, BN",
    spec: "linear 16, batchnorm, relu, linear 16, batchnorm, relu, linear 3", inputShape: [2],
    classes: 3, batch: 32),
]

print("workload                                                       ms/step (median)   p10 – p90        steps/s")
for w in workloads {
  let r = try measure(w)
  let pad = w.name + String(repeating: " ", count: max(0, 62 - w.name.count))
  print(
    "\(pad) \(fmt(r.median * 1000, 9, 4))       \(fmt(r.p10 * 1000, 7, 4)) – \(fmt(r.p90 * 1000, 7, 4))   \(fmt(1 / r.median, 9, 0))"
  )
}

/// Instruments overhead: the BN-paper MLP on digits (64-100-100-100-10 sigmoid, BN, batch 60),
/// 2,000 lockstep steps with every instrument at its default cadence vs none at all.
func instrumentsOverhead(repeats: Int = 5) throws -> (with: Double, without: Double) {
  func run(_ s: InstrumentSettings) throws -> Double {
    let e = try Experiment(
      ExperimentConfig(
        variants: [VariantSpec(name: "bn", model: sig3bn)], data: BuiltinData.digits(),
        optimizer: .init(kind: .sgd, learningRate: 0.5), batchSize: 60, seed: 1,
        initialization: .init(scheme: .normal(std: 0.1)), instruments: s))
    let clock = ContinuousClock()
    let t0 = clock.now
    for _ in 0..<2000 { try e.advance() }
    let dt = clock.now - t0
    return Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18
  }
  var none = InstrumentSettings.minimal
  none.validationEvery = 0
  var with = [Double]()
  var without = [Double]()
  for _ in 0..<repeats {
    without.append(try run(none))
    with.append(try run(InstrumentSettings()))
  }
  with.sort()
  without.sort()
  return (with[repeats / 2], without[repeats / 2])
}

let overhead = try instrumentsOverhead()
print("")
print(
  "instruments on the BN-paper MLP (digits, 2,000 steps): with \(fmt(overhead.with, 6, 3)) s, without \(fmt(overhead.without, 6, 3)) s, ratio \(fmt(overhead.with / overhead.without, 5, 3))×"
)

/// (e) A full 200×60 dashboard render into the buffer (state captured once; median of 200).
func renderBenchmark() throws -> (median: Double, p90: Double) {
  let e = try Experiment(
    ExperimentConfig(
      variants: [VariantSpec(name: "plain", model: sig3), VariantSpec(name: "bn", model: sig3bn)],
      data: BuiltinData.digits(), optimizer: .init(kind: .sgd, learningRate: 0.5), batchSize: 60, seed: 1,
      initialization: .init(scheme: .normal(std: 0.1))))
  for _ in 0..<1000 { try e.advance() }
  let state = DashboardState(experiment: e, theme: Theme(colors: .ansi256, glyphs: .braille))
  let clock = ContinuousClock()
  var times = [Double]()
  var sink = 0
  for _ in 0..<220 {
    let t0 = clock.now
    let b = Dashboard.render(state, width: 200, height: 60)
    let dt = clock.now - t0
    sink &+= b.cells.count
    times.append(Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18)
  }
  times = Array(times.dropFirst(20)).sorted()
  precondition(sink > 0)
  return (times[times.count / 2], times[times.count * 9 / 10])
}

let renderTimes = try renderBenchmark()
print(
  "(e) dashboard render 200x60 into the buffer: median \(fmt(renderTimes.median * 1000, 6, 3)) ms, p90 \(fmt(renderTimes.p90 * 1000, 6, 3)) ms"
)

func fmt(_ v: Double, _ width: Int, _ decimals: Int) -> String {
  var p = 1.0
  for _ in 0..<decimals { p *= 10 }
  let r = (v * p).rounded() / p
  var s = decimals == 0 ? String(Int(r)) : String(r)
  if decimals > 0, let dot = s.firstIndex(of: ".") {
    let have = s.distance(from: dot, to: s.endIndex) - 1
    if have < decimals { s += String(repeating: "0", count: decimals - have) }
  }
  return String(repeating: " ", count: max(0, width - s.count)) + s
}
