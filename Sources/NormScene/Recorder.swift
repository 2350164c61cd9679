import NormCore
import NormLab
import NormSupport

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
    for v in c.variants { out += "variant \(v.name): \(oneLine(model: v.model))\n" }
    let o = c.optimizer
    out +=
      "optimizer \(o.kind.rawValue)" + (o.momentum.map { " momentum=\($0)" } ?? "")
      + (o.nesterov ? " nesterov" : "")
      + (o.weightDecay.map { " weight_decay=\($0)" } ?? "") + "\n"
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
      case .dataset(let d):
        // The descriptions `ScenePlayer` gives `Experiment.setData` for `shift data …` and
        // `restore data`; data changed any other way cannot be written as a statement.
        if d.hasPrefix(shiftedPrefix) {
          out += "shift data \(printable(d.dropFirst(shiftedPrefix.count)))\n"
        } else if d == restoredDescription {
          out += "restore data\n"
        } else {
          out += "# data changed: \(printable(d)) (not reproducible from a recording)\n"
        }
      case .mark(let m): out += "mark \(quoted(m))\n"
      case .pause, .resume, .singleStep: break
      }
    }
    runTo(e.step)
    if let l = view.layer { out += "show layer \(l)\n" }
    if let p = view.panel { out += "show panel \(p.rawValue)\n" }
    if view.zoomed { out += "zoom\n" }
    out += "screenshot recorded-end\n"
    return out
  }

  /// `text` as a scene string: control characters shown as `?` (a recording never carries
  /// ESC or BEL into a file that is later printed), `\\` and `"` escaped as the lexer reads them.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for ch in printable(text) {
      if ch == "\\" || ch == "\"" { out.append("\\") }
      out.append(ch)
    }
    return out + "\""
  }

  /// How `ScenePlayer` describes the data after `shift data ARGS` ("shifted: ARGS") and after
  /// `restore data`, in the experiment's events.
  static let shiftedPrefix = "shifted: "
  static let restoredDescription = "original data"

  /// `model` as one scene line. A spec may be written one layer per line (the command line
  /// accepts that), and a variant line cannot span lines, so such a spec is rewritten from its
  /// parsed layers: the same layers, keywords and options, separated by commas.
  static func oneLine(model: String) -> String {
    guard model.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "#" || $0 == "\"" }),
      let spec = try? ModelSpec(parsing: model)
    else { return model }
    return spec.layers.map { l in
      ([l.keyword.text] + l.positional.map(\.text) + l.options.map { "\($0.key.text)=\($0.value.text)" })
        .joined(separator: " ")
    }.joined(separator: ", ")
  }
}

/// The one rule for variant names, shared by the scene language (`variant NAME: spec`), the
/// command line (`--model 'NAME: spec'` and the names it makes up) and recordings, so every
/// variant the command line creates can be written into a `.scene` file and played back.
///
/// A name is letters, digits, `-` and `_`, starting with a letter (so it reads as one word in
/// expressions such as `final_loss(bn-2)`), and is not one of ``reservedWords``.
public enum VariantNaming {
  /// Words a variant may not be called: the scene header keywords and the words expressions
  /// and variant lists use.
  public static let reservedWords = SceneParser.headerKeywords + ["and", "or", "not", "true", "false", "for"]

  /// Nil when `name` is a valid variant name; otherwise why not.
  public static func problem(_ name: some StringProtocol) -> String? {
    guard let first = name.first, first.isLetter,
      name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    else {
      return "a variant name is letters, digits, - and _, starting with a letter; found '\(excerpt(name))'"
    }
    if reservedWords.contains(String(name)) {
      return "'\(excerpt(name))' is a reserved word; choose another variant name"
    }
    return nil
  }

  /// The variants for command-line `--model` texts: `NAME: spec` keeps NAME (which must pass
  /// ``problem(_:)``); otherwise the variant is named after the norms it uses, joined with `_`
  /// (`batchnorm_layernorm`), or `plain` when it uses none. A name already taken gets `-2`,
  /// `-3`, ….
  public static func variants(from specs: [String]) throws -> [VariantSpec] {
    var out = [VariantSpec]()
    for s in specs {
      var name: String? = nil
      var model = s
      if let colon = s.firstIndex(of: ":") {
        let head = s[..<colon].trimmingCharacters(in: " \t")
        // Text before the first colon that could be a name is one; anything else (spaces,
        // commas) is part of the spec, whose parser reports it.
        if !head.isEmpty, head.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
          if let p = problem(head) { throw NormError("--model '\(excerpt(s))': \(p)") }
          name = head
          model = s[s.index(after: colon)...].trimmingCharacters(in: " \t")
        }
      }
      if name == nil {
        let norms = ["batchnorm", "batchrenorm", "layernorm", "groupnorm", "instancenorm", "rmsnorm"]
        var used = [String]()
        for l in (try? ModelSpec(parsing: model))?.layers ?? [] where norms.contains(l.keyword.text) {
          if !used.contains(l.keyword.text) { used.append(l.keyword.text) }
        }
        name = used.isEmpty ? "plain" : used.joined(separator: "_")
      }
      var unique = name!
      var k = 2
      while out.contains(where: { $0.name == unique }) {
        unique = "\(name!)-\(k)"
        k += 1
      }
      out.append(VariantSpec(name: unique, model: model))
    }
    return out
  }
}
