import Foundation
import NormCore
import NormLab
import NormSupport

/// Prints the progress table of `normscope train`.
struct TrainReport {
  let experiment: Experiment
  let optimizer: OptimizerSettings
  var width: Int { max(12, experiment.variants.map(\.name.count).max() ?? 0) }

  func header(dataName: String) {
    let e = experiment
    let d = e.config.data
    let opt =
      optimizer.kind.rawValue
      + (optimizer.effectiveMomentum != 0
        ? " \(optimizer.effectiveMomentum)" + (optimizer.nesterov ? " nesterov" : "") : "")
    print(
      "data \(d.name): \(e.trainData.count) train / \(e.validationData.count) validation, \(d.classCount) classes, sample \(d.sampleShape)"
    )
    print(
      "\(opt) lr \(optimizer.learningRate), batch \(e.batchSize), init \(e.config.initialization.scheme)"
        + (e.config.initialization.scale != 1 ? " ×\(e.config.initialization.scale)" : "") + ", seed \(e.config.seed)")
    for v in e.variants {
      let params = v.network.parameters.reduce(0) { $0 + $1.count }
      print(
        "  \(v.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(v.spec.source)  (\(params) parameters)")
    }
    print("")
    var line = "   step"
    for v in e.variants { line += " │ " + center(v.name, 31) }
    print(line)
    var sub = "       "
    for _ in e.variants { sub += " │ " + "train loss  acc   val loss  acc" }
    print(sub)
  }

  func center(_ s: String, _ w: Int) -> String {
    let s = String(s.prefix(w))
    let left = (w - s.count) / 2
    return String(repeating: " ", count: left) + s + String(repeating: " ", count: w - s.count - left)
  }

  func row() {
    var line = NumberFormat.fixed(Double(experiment.step), decimals: 0, width: 7)
    for v in experiment.variants {
      if let d = v.divergedAt, d < experiment.step {
        line += " │ " + center("diverged at step \(d)", 31)
        continue
      }
      let l = v.last
      line += " │ " + fmt(l?.loss, 4, 10) + " " + fmt(l?.accuracy, 3, 5)
      if v.record.validationLoss.lastStep == experiment.step, let vl = v.record.validationLoss.last,
        let va = v.record.validationAccuracy.last
      {
        let val = Evaluation(loss: vl, accuracy: va)
        line += " " + fmt(val.loss, 4, 8) + " " + fmt(val.accuracy, 3, 5)
      } else {
        line += String(repeating: " ", count: 15)
      }
      if v.divergedAt == experiment.step { line += " diverged" }
    }
    print(line)
  }

  /// A table cell, `decimals` digits right-aligned in `width` (as `%W.Df`; see NumberFormat.fixed).
  func fmt(_ v: Float?, _ decimals: Int, _ width: Int) -> String {
    guard let v else { return String(repeating: " ", count: 5) }
    guard v.isFinite else { return v.isNaN ? "       NaN" : "       inf" }
    return NumberFormat.fixed(Double(v), decimals: decimals, width: width)
  }

  /// What the instruments measured, at the last step.
  func instrumentSummary() {
    let e = experiment
    guard e.instruments.enabled else { return }
    let w = width
    func f(_ v: Float?, _ decimals: Int = 4, _ width: Int = 8) -> String {
      guard let v else { return String(repeating: " ", count: 8) + "—" }
      return v.isFinite
        ? NumberFormat.fixed(Double(v), decimals: decimals, width: width) : (v.isNaN ? "     NaN" : "     inf")
    }
    func pad(_ s: String) -> String { s.padding(toLength: w, withPad: " ", startingAt: 0) }
    print("")
    print("instruments (probe: \(e.probeData.count) fixed samples; drift = Wasserstein-1 from the first snapshot)")
    print("  \(pad("variant")) layer     mean      std    drift   ICS ‖G−G′‖  ICS cos  grad norm   BN |Δμ|/σ")
    for v in e.variants {
      let r = v.record
      for b in r.blocks {
        let t = Tap(block: b.number, kind: .normInput)
        print(
          "  \(pad(b.number == 1 ? v.name : "")) \(NumberFormat.fixed(Double(b.number), decimals: 0, width: 5)) \(f(r.mean[t]?.last)) \(f(r.std[t]?.last)) \(f(r.driftSinceMark[t]?.last))"
            + "   \(f(r.icsL2[b.number]?.last, 5, 9)) \(f(r.icsCosine[b.number]?.last, 4, 8)) \(f(r.gradientNorm[b.number]?.last, 5, 10))"
            + "  \(r.bnMeanGap[b.number].map { f($0.last, 4, 10) } ?? "")")
      }
    }
    let pb = e.instruments.percentileBlock ?? 0
    print("")
    print(
      "  \(pad("variant")) percentiles 15/50/85 of layer \(pb == 0 ? "(last hidden)" : String(pb)) \(e.instruments.percentileTap.rawValue): first → last, travel"
    )
    for v in e.variants {
      let r = v.record
      print(
        "  \(pad(v.name)) \(f(r.p15.first, 2, 6))/\(f(r.p50.first, 2, 5))/\(f(r.p85.first, 2, 5)) → \(f(r.p15.last, 2, 6))/\(f(r.p50.last, 2, 5))/\(f(r.p85.last, 2, 5))   travel \(f(r.percentileTravel, 3, 0))"
      )
    }
    print("")
    print(
      "  \(pad("variant")) train vs eval mode on the probe: |Δlogit|   KL    acc train/eval   single-sample train/eval")
    for v in e.variants {
      let r = v.record
      let single =
        r.singleSampleError != nil
        ? "error (\(r.singleSampleError!.prefix(40))…)"
        : "\(f(r.singleSampleTrainAccuracy.last, 3, 0)) / \(f(r.singleSampleEvalAccuracy.last, 3, 0))"
      print(
        "  \(pad(v.name)) \(f(r.trainEvalLogitGap.last, 4, 31)) \(f(r.trainEvalKL.last, 4, 7))  \(f(r.trainModeAccuracy.last, 3, 0)) / \(f(r.evalModeAccuracy.last, 3, 0))    \(single)"
      )
    }
    if e.variants.contains(where: { !$0.record.lossVariation.isEmpty }) {
      print("")
      print(
        "  \(pad("variant")) loss landscape along −g (η ∈ \(e.instruments.smoothnessSteps.map { "\($0)" }.joined(separator: ","))×lr): loss range   grad change   β-smoothness"
      )
      for v in e.variants {
        let r = v.record
        print(
          "  \(pad(v.name)) \(f(r.lossVariation.last, 4, 52)) \(f(r.gradientPredictiveness.last, 4, 13)) \(f(r.betaSmoothness.last, 4, 14))"
        )
      }
    }
  }

  func footer(validation: [Evaluation]?) {
    print("")
    for (i, v) in experiment.variants.enumerated() {
      var s = "  \(v.name.padding(toLength: width, withPad: " ", startingAt: 0))"
      if let val = validation?[i] {
        s += String(
          format: "  validation (eval mode): loss %.4f, accuracy %.3f", Double(val.loss), Double(val.accuracy))
      }
      if let d = v.divergedAt { s += "  — diverged at step \(d)" }
      if v.trainedSteps > 0 {
        let ms = v.trainingSeconds / Double(v.trainedSteps) * 1000
        s += String(format: "  %.3f ms/step (%.0f steps/s)", ms, 1000 / ms)
      }
      print(s)
    }
  }
}
