import NormCore
import NormLab
import NormScene
import NormSupport
import NormView

/// The live app's experiment editor (`m`, or `normscope live --edit`): a draft of a free
/// experiment — data, one to four variants, optimizer, learning rate, batch, init, seed — as
/// form fields, checked as it is typed by the same code the command line uses.
///
/// Design decisions:
/// - A value type, pure but for reading a data file named in the path field: the app keeps one
///   while the form is open, so a resize or a redraw never loses the draft, and Esc just drops
///   it (nothing reached the training thread).
/// - Every text field keeps exactly what was typed (`0.37` stays `0.37`); numbers are read only
///   to check and apply them. A field that cannot be read as a number says what the command line's
///   parser says (`The value 'x' is invalid for '--lr <lr>'`).
/// - The rules are NormScene's ``ExperimentSettings`` (the command line's flags), the data
///   loaders (`spirals: classes must be …`, `file.csv:3:5: …`) and the spec language (errors at a
///   column, "did you mean"): the editor rejects what the command line rejects, with its words.
/// - A variant is either *structured* (norm, its place around the activation, activation,
///   depth, width, groups), whose spec text is generated from those fields and shown read-only,
///   or *spec text*, typed freely; the mode field chooses which one is the truth. Turning a
///   structured variant into spec text starts from its generated text.
/// - ``apply()`` gives a configuration only when every field is valid and the experiment
///   builds, so invalid settings never reach training.
public struct ExperimentEditor: Sendable {
  /// The data choices: the built-in sets a form can configure, or a file.
  public enum DataChoice: String, CaseIterable, Sendable {
    case digits, spirals, moons, circles, xor, blobs, sequence, stripes, file
    /// The parameters the form offers for it (others given at start, such as `n=`, are kept as
    /// they were).
    var parameters: [String] {
      switch self {
      case .spirals, .blobs: ["noise", "classes"]
      case .moons, .circles, .xor, .sequence, .stripes: ["noise"]
      case .digits, .file: []
      }
    }
  }

  /// A variant's normalization layer.
  public enum Norm: String, CaseIterable, Sendable {
    case none, batchnorm, layernorm, groupnorm, instancenorm, rmsnorm, batchrenorm
    case frozenBN = "frozen batchnorm"
    /// The layer's spec text (`groupnorm 4`, `batchnorm frozen=true`); nil for none.
    func layer(groups: String) -> String? {
      switch self {
      case .none: nil
      case .groupnorm: "groupnorm \(groups)"
      case .frozenBN: "batchnorm frozen=true"
      default: rawValue
      }
    }
  }

  /// Where the norm goes: before the activation (the BN paper's place) or after it.
  public enum Place: String, CaseIterable, Sendable { case before, after }
  /// The activation after each hidden linear layer.
  public enum Activation: String, CaseIterable, Sendable { case relu, sigmoid, tanh }
  /// The weight init scheme (`normal` takes its std from its own field).
  public enum InitChoice: String, CaseIterable, Sendable { case pytorch, kaiming, xavier, normal }

  /// One variant of the draft.
  public struct Variant: Sendable, Equatable {
    /// Blank: named after its norms, as the command line names an unnamed `--model`.
    public var name = ""
    /// Typed spec text instead of the structured fields.
    public var specMode = false
    /// The structured fields: the norm, its place, the activation, hidden layers and their
    /// width, and GroupNorm's groups (text, checked when the spec is built).
    public var norm = Norm.none
    public var place = Place.before
    public var activation = Activation.relu
    public var depth = "2"
    public var width = "32"
    public var groups = "4"
    /// The typed spec (spec-text mode).
    public var spec = ""

    public init() {}

    /// The depth field as a number (spaces around it ignored), as checked and as generated.
    var depthValue: Int? { Int(depth.trimmingCharacters(in: .whitespaces)) }

    /// The spec the variant stands for: typed, or generated for `classes` outputs.
    public func specText(classes: Int) -> String {
      if specMode { return spec }
      let d = max(1, min(depthValue ?? 1, ExperimentEditor.maxDepth))
      var layers = [String]()
      for _ in 0..<d {
        layers.append("linear \(width.trimmingCharacters(in: .whitespaces))")
        let norm = self.norm.layer(groups: groups)
        if place == .before, let norm { layers.append(norm) }
        layers.append(activation.rawValue)
        if place == .after, let norm { layers.append(norm) }
      }
      layers.append("linear \(classes)")
      return layers.joined(separator: ", ")
    }

    /// `--model` text: `name: spec`, or the spec alone.
    public func modelText(classes: Int) -> String {
      let spec = specText(classes: classes)
      return name.isEmpty ? spec : "\(name): \(spec)"
    }

    /// The structured variant whose generated text is `spec`, if there is one.
    static func structured(_ spec: String, classes: Int) -> Variant? {
      let parts = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let first = parts.first, first.hasPrefix("linear "), parts.count >= 3 else { return nil }
      var v = Variant()
      // Only a plain width and group count: `linear 100 scale=0.1` is spec text, not a field.
      v.width = String(first.dropFirst(7))
      guard Int(v.width) != nil else { return nil }
      if let g = parts.first(where: { $0.hasPrefix("groupnorm ") }) {
        v.groups = String(g.dropFirst(10))
        guard Int(v.groups) != nil else { return nil }
      }
      for norm in Norm.allCases {
        for place in Place.allCases {
          for act in Activation.allCases {
            (v.norm, v.place, v.activation) = (norm, place, act)
            let block = norm == .none ? 2 : 3
            guard (parts.count - 1) % block == 0 else { continue }
            v.depth = String((parts.count - 1) / block)
            if v.specText(classes: classes) == parts.joined(separator: ", ") { return v }
          }
        }
      }
      return nil
    }
  }

  /// A form field (or action row) of the draft.
  public enum Field: Hashable, Sendable {
    case data, noise, classes, path, labels
    case name(Int)
    case mode(Int)
    case norm(Int)
    case place(Int)
    case activation(Int)
    case depth(Int)
    case width(Int)
    case groups(Int)
    case spec(Int)
    case remove(Int)
    case add
    case optimizer, lr, momentum, nesterov, weightDecay
    case batch, initScheme, initStd, initScale, seed
    case apply, cancel
  }

  /// What a key did to the form.
  public enum Outcome: Sendable {
    case editing
    case cancelled
    case applied(Applied)
  }

  /// A checked experiment, ready to restart the lab with.
  public struct Applied: Sendable {
    /// The configuration to train.
    public var config: ExperimentConfig
    /// The settings as the command line would give them.
    public var settings: ExperimentSettings
    /// The built-in data set and its parameters (nil for a file: recordings are then refused).
    public var dataName: String?
    public var dataParameters: [String: String]
  }

  /// At most 4 variants, as `--model`.
  public static let maxVariants = 4
  /// The structured fields' ranges (spec text may go beyond them).
  public static let maxDepth = 8
  public static let maxWidth = 4096

  /// The data set and its `noise` and `classes` (blank: the set's default).
  public var data = DataChoice.digits
  public var noise = ""
  public var classes = ""
  /// Built-in parameters the form has no field for (`n=`, `factor=`), kept as given.
  public var otherParameters: [String: String] = [:]
  /// A CSV or IDX image file, and the IDX label file (data `file`).
  public var path = ""
  public var labels = ""
  /// One to four variants.
  public var variants = [Variant()]
  /// The optimizer; its momentum, Nesterov and weight decay fields below (blank: default).
  public var optimizer = OptimizerSettings.Kind.sgd
  /// Blank: the optimizer's default.
  public var lr = ""
  public var momentum = ""
  public var nesterov = false
  public var weightDecay = ""
  /// Batch size, init scheme, normal init's std, init scale and seed, as typed.
  public var batch = "60"
  public var initScheme = InitChoice.pytorch
  public var initStd = "0.1"
  public var initScale = "1"
  public var seed = "1"
  /// What the form does not edit (loss, validation fraction, instruments), kept from the start.
  public var base = ExperimentSettings()
  /// The focused field.
  public var focus = Field.data
  /// Why each invalid field is invalid (the command line's message), after ``validate()``.
  public internal(set) var errors: [Field: String] = [:]
  /// A problem of the whole experiment (it did not build), shown by Apply.
  public internal(set) var applyError: String? = nil
  /// The data set the fields name, when it loads (its class count sizes generated specs).
  var loaded: (key: String, data: Result<Dataset, LoadFailure>)? = nil

  struct LoadFailure: Error, Sendable { var message: String }

  /// A draft of the command line's defaults on digits with one 2×32 ReLU variant.
  public init() { validate() }
}

// MARK: Fields

extension ExperimentEditor {
  /// The fields shown, top to bottom: data, each variant, then optimizer, batch, init, seed and
  /// the Apply / Cancel row.
  public var fields: [Field] {
    var f: [Field] = [.data]
    if data == .file {
      f += [.path, .labels]
    } else {
      if data.parameters.contains("noise") { f.append(.noise) }
      if data.parameters.contains("classes") { f.append(.classes) }
    }
    for (i, v) in variants.enumerated() {
      f += [.name(i), .mode(i)]
      if !v.specMode {
        f += [.norm(i), .place(i), .activation(i), .depth(i), .width(i)]
        if v.norm == .groupnorm { f.append(.groups(i)) }
      }
      f.append(.spec(i))
      if variants.count > 1 { f.append(.remove(i)) }
    }
    if variants.count < Self.maxVariants { f.append(.add) }
    f += [.optimizer, .lr]
    if optimizer == .sgd || optimizer == .momentum { f += [.momentum, .nesterov] }
    f.append(.weightDecay)
    f += [.batch, .initScheme]
    if initScheme == .normal { f.append(.initStd) }
    f += [.initScale, .seed, .apply, .cancel]
    return f
  }

  /// The text of a text field (nil for choices and actions, and for a structured variant's
  /// generated spec, which cannot be typed into).
  public func text(_ field: Field) -> String? {
    switch field {
    case .noise: noise
    case .classes: classes
    case .path: path
    case .labels: labels
    case .name(let i): variants[i].name
    case .depth(let i): variants[i].depth
    case .width(let i): variants[i].width
    case .groups(let i): variants[i].groups
    case .spec(let i): variants[i].specMode ? variants[i].spec : nil
    case .lr: lr
    case .momentum: momentum
    case .weightDecay: weightDecay
    case .batch: batch
    case .initStd: initStd
    case .initScale: initScale
    case .seed: seed
    default: nil
    }
  }

  /// Replaces a text field's text.
  mutating func setText(_ field: Field, _ t: String) {
    switch field {
    case .noise: noise = t
    case .classes: classes = t
    case .path: path = t
    case .labels: labels = t
    case .name(let i): variants[i].name = t
    case .depth(let i): variants[i].depth = t
    case .width(let i): variants[i].width = t
    case .groups(let i): variants[i].groups = t
    case .spec(let i): variants[i].spec = t
    case .lr: lr = t
    case .momentum: momentum = t
    case .weightDecay: weightDecay = t
    case .batch: batch = t
    case .initStd: initStd = t
    case .initScale: initScale = t
    case .seed: seed = t
    default: break
    }
  }

  /// The shown value of a choice field.
  public func choice(_ field: Field) -> String? {
    switch field {
    case .data: data.rawValue
    case .mode(let i): variants[i].specMode ? "spec text" : "structured"
    case .norm(let i): variants[i].norm.rawValue
    case .place(let i): variants[i].place.rawValue + " the activation"
    case .activation(let i): variants[i].activation.rawValue
    case .optimizer: optimizer.rawValue
    case .nesterov: nesterov ? "on" : "off"
    case .initScheme: initScheme.rawValue
    default: nil
    }
  }

  /// Steps a choice field through its values (`by` +1 or −1).
  mutating func cycle(_ field: Field, by d: Int) {
    func next<T: CaseIterable & Equatable>(_ v: T) -> T {
      let all = Array(T.allCases)
      return all[(all.firstIndex(of: v)! + d + all.count) % all.count]
    }
    switch field {
    case .data: data = next(data)
    case .mode(let i): setSpecMode(i, !variants[i].specMode)
    case .norm(let i): variants[i].norm = next(variants[i].norm)
    case .place(let i): variants[i].place = next(variants[i].place)
    case .activation(let i): variants[i].activation = next(variants[i].activation)
    case .optimizer: optimizer = next(optimizer)
    case .nesterov: nesterov.toggle()
    case .initScheme: initScheme = next(initScheme)
    default: break
    }
  }

  /// Switches variant `i` between structured fields and typed spec text: typing starts from the
  /// generated text; going back recovers the fields when the text is one the form generates.
  mutating func setSpecMode(_ i: Int, _ on: Bool) {
    let classes = classCount ?? 2
    if on {
      variants[i].spec = variants[i].specText(classes: classes)
      variants[i].specMode = true
    } else {
      let name = variants[i].name
      if var v = Variant.structured(variants[i].spec, classes: classes) {
        v.name = name
        variants[i] = v
      } else {
        variants[i].specMode = false
      }
    }
  }

  /// The label of a field in the form.
  public func label(_ field: Field) -> String {
    switch field {
    case .data: "data"
    case .noise: "noise"
    case .classes: "classes"
    case .path: "file (CSV/IDX)"
    case .labels: "IDX labels"
    case .name: "name"
    case .mode: "edit as"
    case .norm: "norm"
    case .place: "place"
    case .activation: "activation"
    case .depth: "depth"
    case .width: "width"
    case .groups: "groups"
    case .spec: "spec"
    case .remove: "[remove this variant]"
    case .add: "[add a variant]"
    case .optimizer: "optimizer"
    case .lr: "learning rate"
    case .momentum: "momentum"
    case .nesterov: "nesterov"
    case .weightDecay: "weight decay"
    case .batch: "batch size"
    case .initScheme: "init"
    case .initStd: "init std"
    case .initScale: "init scale"
    case .seed: "seed"
    case .apply: "[Apply]"
    case .cancel: "[Cancel]"
    }
  }

  /// What a blank field means, shown in its place.
  func placeholder(_ field: Field) -> String? {
    switch field {
    case .noise, .classes: "default"
    case .name: "automatic"
    case .lr: "default \(formatNumber(Double(optimizer.defaultLearningRate)))"
    case .momentum, .weightDecay: "default"
    case .labels: "none"
    default: nil
    }
  }
}

// MARK: Drawing

extension ExperimentEditor {
  /// The section a field belongs to, heading its rows in the form.
  func section(_ f: Field) -> String {
    switch f {
    case .data, .noise, .classes, .path, .labels: "data"
    case .name(let i), .mode(let i), .norm(let i), .place(let i), .activation(let i), .depth(let i), .width(let i),
      .groups(let i), .spec(let i), .remove(let i):
      "variant \(i + 1) of \(variants.count)"
    case .add: "variants"
    case .optimizer, .lr, .momentum, .nesterov, .weightDecay: "optimizer"
    case .batch, .initScheme, .initStd, .initScale, .seed: "training"
    case .apply, .cancel: "apply (restarts at step 0) or cancel (changes nothing)"
    }
  }

  /// The form as the widget draws it.
  public func form(theme: Theme) -> ExperimentForm {
    var rows = [ExperimentForm.Row]()
    var heading = ""
    for f in fields {
      let s = section(f)
      if s != heading {
        if !rows.isEmpty { rows.append(ExperimentForm.Row(.heading, "")) }
        rows.append(ExperimentForm.Row(.heading, s))
        heading = s
      }
      rows.append(row(f))
    }
    let problems = errors.count
    let status =
      problems > 0
      ? "! \(problems) problem\(problems == 1 ? "" : "s"): fix \(problems == 1 ? "it" : "them") to apply"
      : applyError.map { "! " + $0 } ?? "Enter applies: the experiment restarts at step 0"
    return ExperimentForm(rows: rows, status: status, theme: theme)
  }

  /// One field's row: its value (typed text, a choice, the generated spec) and its error.
  func row(_ f: Field) -> ExperimentForm.Row {
    let focused = f == focus
    var error = errors[f]
    if f == .apply { error = error ?? applyError }
    var row: ExperimentForm.Row
    if let t = text(f) {
      row = ExperimentForm.Row(.text, label(f), t, placeholder: placeholder(f), focused: focused, error: error)
    } else if let c = choice(f) {
      row = ExperimentForm.Row(.choice, label(f), c, focused: focused, error: error)
    } else if case .spec(let i) = f {
      let generated = variants[i].specText(classes: classCount ?? 2)
      row = ExperimentForm.Row(.readOnly, "spec", generated, focused: focused, error: error)
    } else {
      row = ExperimentForm.Row(.action, label(f), focused: focused, error: error)
    }
    // Spec errors read "column N: …": a caret under the column.
    if case .spec = f, let e = error, e.hasPrefix("column "), let colon = e.firstIndex(of: ":") {
      row.errorColumn = Int(e[e.index(e.startIndex, offsetBy: 7)..<colon])
    }
    return row
  }
}
