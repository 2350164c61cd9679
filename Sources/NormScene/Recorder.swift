import NormCore
import NormLab

/// Turns what happened in a live session into a `.scene` file: the experiment's header, then
/// every recorded change at the step it happened, with `run N` in between. Playing the file
/// reproduces the same state (same steps, same changes, same instruments), so the same
/// screenshots.
public enum SceneRecorder {
  /// - Parameters:
  ///   - dataName/dataParameters: the built-in data set (recordings need built-in data).
  ///   - startStep: where the user pressed R (a chapter marks it).
  public static func text(
    experiment e: Experiment, dataName: String, dataParameters: [String: String], startStep: Int, view: SceneView
  ) -> String {
    let c = e.config
    var out = "# Recorded with normscope (R). Plays back to the same state: normscope play FILE\n"
    out += "title \"Recorded session (steps 0–\(e.step))\"\n"
    out += "seed \(c.seed)\n"
    out += "data \(dataName)" + dataParameters.keys.sorted().map { " \($0)=\(dataParameters[$0]!)" }.joined() + "\n"
    for v in c.variants { out += "variant \(v.name): \(v.model)\n" }
    let o = c.optimizer
    out +=
      "optimizer \(o.kind.rawValue)" + (o.kind == .momentum ? " momentum=\(o.momentum)" : "")
      + (o.nesterov ? " nesterov" : "")
      + (o.weightDecay != 0 ? " weight_decay=\(o.weightDecay)" : "") + "\n"
    out += "lr \(o.learningRate)\nbatch \(c.batchSize)\n"
    out +=
      "init \(c.initialization.scheme)" + (c.initialization.scale != 1 ? " scale=\(c.initialization.scale)" : "") + "\n"
    if c.loss != .crossEntropy { out += "loss \(c.loss.rawValue)\n" }
    if c.validationFraction != 0.2 { out += "validation \(c.validationFraction)\n" }
    let i = c.instruments
    out +=
      i.enabled
      ? "instruments every=\(i.every) ics=\(i.icsEvery) smoothness=\(i.smoothnessEvery) probe=\(i.probeSize) validation=\(i.validationEvery)\n"
      : "instruments off\n"
    var cursor = 0
    var chapterDone = startStep == 0
    if startStep == 0 { out += "chapter \"recording started\"\n" }
    func runTo(_ step: Int) {
      if !chapterDone && step >= startStep {
        if startStep > cursor { out += "run \(startStep - cursor)\n" }
        cursor = max(cursor, startStep)
        out += "chapter \"recording started\"\n"
        chapterDone = true
      }
      if step > cursor { out += "run \(step - cursor)\n" }
      cursor = max(cursor, step)
    }
    for ev in e.events {
      runTo(ev.step)
      let who = ev.variants.map { " for " + $0.joined(separator: ", ") } ?? ""
      switch ev.kind {
      case .learningRate(let lr): out += "set lr \(lr)\(who)\n"
      case .batchSize(let b): out += "set batch \(b)\n"
      case .optimizer(let s): out += "set optimizer \(s.kind.rawValue) lr \(s.learningRate)\(who)\n"
      case .inferenceMode(let m): out += "set mode \(m.rawValue)\n"
      case .freezeBatchNorm(let f): out += (f ? "freeze" : "unfreeze") + " bn\(who)\n"
      case .freezeNormAffine(let f): out += (f ? "freeze" : "unfreeze") + " affine\(who)\n"
      case .resetRunningStatistics: out += "reset stats\(who)\n"
      case .reestimateRunningStatistics(let n): out += "reestimate stats \(n)\(who)\n"
      case .dataset(let d): out += "# data changed: \(d) (not reproducible from a recording)\n"
      case .mark(let m): out += "mark \"\(m)\"\n"
      case .pause, .resume, .singleStep: break
      }
    }
    runTo(e.step)
    if let l = view.layer { out += "show layer \(l)\n" }
    if let p = view.panel { out += "show panel \(p)\n" }
    if view.zoomed { out += "zoom\n" }
    out += "screenshot recorded-end\n"
    return out
  }
}
