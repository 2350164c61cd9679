import Foundation
import NormCore
import NormLab
import NormSupport

/// The settings that define a free (scene-less) experiment, as text-level values: what the
/// command line's experiment flags (`--data`, `--model`, `--lr`, …) hold after parsing, and what
/// the live app's experiment editor (`m`) produces. Both check them here, with the same rules
/// and the same messages, so the editor rejects exactly what the command line rejects.
///
/// Messages name the command-line option (`--lr must be …, got 20`): the editor shows them next
/// to the field that sets that option.
public struct ExperimentSettings: Sendable, Equatable {
  /// `--model` texts (`NAME: spec` or a spec); none: ``defaultModels(for:)``.
  public var models: [String] = []
  /// A built-in data set with parameters (`spirals:noise=0.3`), a CSV file or an IDX image file.
  public var data = "digits"
  /// `--labels`: the IDX label file for an IDX image file.
  public var labels: String? = nil
  /// `--optimizer`: sgd, momentum, adam or adamw.
  public var optimizer = "sgd"
  /// `--lr`; nil: the optimizer's default.
  public var lr: Float? = nil
  /// `--momentum`; nil: the optimizer's default.
  public var momentum: Float? = nil
  /// `--nesterov`.
  public var nesterov = false
  /// `--weight-decay`; nil: the optimizer's default.
  public var weightDecay: Float? = nil
  /// `--batch`.
  public var batch = 60
  /// `--seed`: weights, batches and data.
  public var seed: UInt64 = 1
  /// `--init`: pytorch, kaiming, xavier or normal:STD.
  public var initScheme = "pytorch"
  /// `--init-scale`.
  public var initScale: Float = 1
  /// `--loss`: ce or mse.
  public var loss = "ce"
  /// `--val-fraction`.
  public var valFraction = 0.2
  /// `--freeze`: nil or norm.
  public var freeze: String? = nil
  /// `--sample-every`, `--ics-every`, `--smoothness-every`, `--no-instruments`.
  public var sampleEvery = 40
  public var icsEvery = 100
  public var smoothnessEvery = 500
  public var noInstruments = false

  /// The command line's defaults.
  public init() {}

  /// The option a problem is about, by its command-line name.
  public enum Option: String, Sendable, CaseIterable {
    case model = "--model"
    case data = "--data"
    case batch = "--batch"
    case optimizer = "--optimizer"
    case lr = "--lr"
    case momentum = "--momentum"
    case weightDecay = "--weight-decay"
    case nesterov = "--nesterov"
    case initScheme = "--init"
    case initScale = "--init-scale"
    case loss = "--loss"
    case valFraction = "--val-fraction"
    case freeze = "--freeze"
    case instruments = "--sample-every"
  }

  /// One rule a setting breaks, with the command line's message.
  public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option it is about.
    public var option: Option
    /// The command line's message.
    public var message: String
    public init(_ option: Option, _ message: String) {
      self.option = option
      self.message = message
    }
    public var description: String { message }
  }

  /// ArgumentParser's words for a value that is not of the option's type (`--lr abc`), so a
  /// text field that cannot be read as a number says what the command line says.
  public static func invalidValue(_ text: String, option: String, valueName: String) -> String {
    "The value '\(text)' is invalid for '\(option) <\(valueName)>'"
  }

  /// Every rule the settings break, in the order the command line checks them (it reports the
  /// first). Data is not loaded here (see ``loadData()``).
  public func problems() -> [Problem] {
    var out = [Problem]()
    if models.count > 4 { out.append(Problem(.model, "at most 4 --model variants, got \(models.count)")) }
    // Ranges are NormLab's `Limits`, the same the scene language checks.
    if let need = Limits.checkBatchSize(batch) { out.append(Problem(.batch, "--batch must be \(need), got \(batch)")) }
    if OptimizerSettings.Kind(rawValue: optimizer) == nil {
      out.append(
        Problem(
          .optimizer,
          "--optimizer must be \(OptimizerSettings.Kind.choices), got '\(optimizer)'"
            + hint(for: optimizer, among: OptimizerSettings.Kind.allCases.map(\.rawValue))))
    }
    if let lr, let need = Limits.checkLearningRate(lr) { out.append(Problem(.lr, "--lr must be \(need), got \(lr)")) }
    if let momentum, let need = Limits.checkMomentum(momentum) {
      out.append(Problem(.momentum, "--momentum must be \(need), got \(momentum)"))
    }
    if let weightDecay, let need = Limits.checkWeightDecay(weightDecay) {
      out.append(Problem(.weightDecay, "--weight-decay must be \(need), got \(weightDecay)"))
    }
    if nesterov, let o = optimizerSettings, o.effectiveMomentum == 0 {
      // PyTorch: "Nesterov momentum requires a momentum and zero dampening".
      out.append(Problem(.nesterov, "--nesterov needs momentum: use --optimizer momentum or --momentum M (M > 0)"))
    }
    if InitScheme(parsing: initScheme) == nil {
      out.append(
        Problem(.initScheme, "--init must be pytorch, kaiming, xavier or normal:STD, got '\(initScheme)'"))
    }
    if let need = Limits.checkInitScale(initScale) {
      out.append(Problem(.initScale, "--init-scale must be \(need), got \(initScale)"))
    }
    if LossKind(rawValue: loss) == nil { out.append(Problem(.loss, "--loss must be ce or mse, got '\(loss)'")) }
    if let need = Limits.checkValidationFraction(valFraction) {
      out.append(Problem(.valFraction, "--val-fraction must be \(need), got \(valFraction)"))
    }
    if let freeze, freeze != "norm" {
      out.append(Problem(.freeze, "--freeze accepts 'norm', got '\(excerpt(freeze))'"))
    }
    // Names follow the scene language's rule, so a live session's recording plays back.
    do { _ = try VariantNaming.variants(from: models) } catch { out.append(Problem(.model, "\(error)")) }
    if sampleEvery < 1 { out.append(Problem(.instruments, "--sample-every must be at least 1")) }
    if icsEvery < 0 || smoothnessEvery < 0 {
      out.append(Problem(.instruments, "--ics-every and --smoothness-every must be ≥ 0"))
    }
    return out
  }

  /// Throws the first of ``problems()``.
  public func validate() throws(Problem) {
    if let p = problems().first { throw p }
  }

  /// What the instruments measure and how often.
  public var instrumentSettings: InstrumentSettings {
    var s = InstrumentSettings()
    s.enabled = !noInstruments
    s.every = sampleEvery
    s.icsEvery = icsEvery
    s.smoothnessEvery = smoothnessEvery
    return s
  }

  /// The optimizer (its default learning rate when `lr` is nil); nil for an unknown name.
  public var optimizerSettings: OptimizerSettings? {
    guard let kind = OptimizerSettings.Kind(rawValue: optimizer) else { return nil }
    var opt = OptimizerSettings(kind: kind, learningRate: lr ?? kind.defaultLearningRate)
    opt.momentum = momentum
    opt.nesterov = nesterov
    opt.weightDecay = weightDecay
    return opt
  }

  /// Loads `data` (and `labels`) with ``DataSource``: the loader's own errors (file:line:column).
  public func loadData() throws -> Dataset { try DataSource.load(data, labels: labels, seed: seed) }

  /// The built-in data set's name and parameters, or nil for data from a file (recordings need
  /// built-in data).
  public var builtinData: (name: String, parameters: [String: String])? {
    guard let (name, params) = try? DataSource.parseNameAndParameters(data),
      BuiltinData.names.contains(name), !FileManager.default.fileExists(atPath: data)
    else { return nil }
    return (name, params)
  }

  /// The experiment configuration on `data` (already loaded); the settings must be valid.
  /// Without models, ``defaultModels(for:)``.
  public func config(data dataset: Dataset) throws -> ExperimentConfig {
    try validate()
    let specs = models.isEmpty ? Self.defaultModels(for: dataset) : models
    return ExperimentConfig(
      variants: try VariantNaming.variants(from: specs), data: dataset, optimizer: optimizerSettings!,
      batchSize: batch, seed: seed,
      initialization: InitSettings(scheme: InitScheme(parsing: initScheme)!, scale: initScale),
      loss: LossKind(rawValue: loss)!, validationFraction: valFraction, instruments: instrumentSettings)
  }

  /// The variants used when none are given: plain and batch-normed 2×100 ReLU MLPs.
  public static func defaultModels(for data: Dataset) -> [String] {
    let k = data.classCount
    return [
      "plain: linear 100, relu, linear 100, relu, linear \(k)",
      "bn: linear 100, batchnorm, relu, linear 100, batchnorm, relu, linear \(k)",
    ]
  }
}

/// Turns `--data` and `--labels` (or the editor's data fields) into a data set: a built-in name
/// with parameters, a CSV file, or IDX files. File reading happens here; parsing is NormCore's.
public enum DataSource {
  /// Largest data file read (512 MiB).
  public static let maxFileBytes = 512 << 20

  /// The data set `text` names (a built-in set with parameters, or a file), with `labels` for
  /// an IDX image file; errors are the loaders' (`file:line:column: …`).
  public static func load(_ text: String, labels: String?, seed: UInt64) throws -> Dataset {
    let (name, params) = try parseNameAndParameters(text)
    if BuiltinData.names.contains(name), !FileManager.default.fileExists(atPath: text) {
      guard labels == nil else {
        throw NormError("--labels goes with IDX image files, not with built-in data '\(name)'")
      }
      return try BuiltinData.make(name: name, parameters: params, seed: seed)
    }
    guard FileManager.default.fileExists(atPath: text) else {
      throw NormError(
        "no built-in data set or file named '\(text)' (built-in: \(BuiltinData.names.joined(separator: ", ")))"
          + hint(for: name, among: BuiltinData.names))
    }
    let bytes = try read(text)
    if let labels {
      return try DataLoader.parseIDX(images: bytes, labels: try read(labels), imagesName: text, labelsName: labels)
    }
    if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 8, bytes[3] == 3 {
      throw NormError("\(text) is an IDX image file: pass its label file with --labels")
    }
    return try DataLoader.parseCSV(bytes, fileName: text)
  }

  static func read(_ path: String) throws -> [UInt8] {
    do { return try InputFile.read(path, limit: maxFileBytes, what: "a data file") } catch {
      throw NormError("\(error)")
    }
  }

  /// `name:k=v,k=v` → (name, parameters); blank space around keys and values is ignored.
  public static func parseNameAndParameters(_ text: String) throws -> (String, [String: String]) {
    guard let colon = text.firstIndex(of: ":"), !text.contains("/") else { return (text, [:]) }
    let name = String(text[..<colon])
    let pairs = Token.split(text[text.index(after: colon)...], column: name.count + 2, at: { $0 == "," })
    let options: [OptionReader.Option]
    do {
      options = try OptionReader(pairs.map { $0.trimming(\.isWhitespace) }, name: name, allowsPositional: false).options
    } catch { throw NormError("\(name): \(error.message)") }
    var params = [String: String]()
    for o in options {
      params[o.key.text.trimmingCharacters(in: .whitespaces)] = o.value.text.trimmingCharacters(in: .whitespaces)
    }
    return (name, params)
  }
}
