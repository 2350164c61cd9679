import NormSupport

/// An error in a model spec, pointing at a 1-based column of the spec text.
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
  public var column: Int
  public var message: String
  public init(column: Int, message: String) {
    self.column = column
    self.message = message
  }
  public var description: String { "column \(column): \(message)" }

  /// Compiler-style rendering: `label:1:COL: error: message`, the spec, and a caret.
  public func rendered(source: String, label: String = "model") -> String {
    let pad = String(repeating: " ", count: max(0, column - 1))
    return printable("\(label):1:\(column): error: \(message)") + "\n    " + printable(source) + "\n    \(pad)^"
  }
}

/// A model written as text, one layer after another separated by commas:
///
///     linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10
///     conv 8 k=3 p=1, batchnorm, relu, maxpool 2, flatten, linear 10
///     rnn 32 norm=layernorm, linear 4
///
/// Each layer is a keyword, optional positional numbers, and `key=value` options. The
/// grammar and every keyword are listed in README.md ("Model spec language").
public struct ModelSpec: Sendable, Equatable {
  /// One layer as written.
  public struct LayerSpec: Sendable, Equatable {
    public struct Token: Sendable, Equatable {
      public var text: String
      public var column: Int
    }
    public var keyword: Token
    public var positional: [Token]
    public var options: [(key: Token, value: Token)]
    public static func == (a: LayerSpec, b: LayerSpec) -> Bool {
      a.keyword == b.keyword && a.positional == b.positional
        && a.options.map { [$0.key, $0.value] } == b.options.map { [$0.key, $0.value] }
    }
  }

  /// The layer keywords the language knows.
  public static let keywords = LayerKind.allCases.map(\.rawValue)

  public var source: String
  public var layers: [LayerSpec]

  /// Characters that end a layer: `,`, `;` and line breaks (including the one-Character `\r\n`).
  static func isLayerBreak(_ c: Character) -> Bool { c == "," || c == ";" || c.isLineBreak }
  /// Blank space between tokens.
  static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" }

  /// Parses spec text. Errors point at the offending column.
  public init(parsing text: String) throws(SpecError) {
    source = text
    let layerTokens = try Self.layerTokens(text)
    if layerTokens.isEmpty {
      throw SpecError(column: 1, message: "empty model: write layers such as `linear 100, relu, linear 10`")
    }
    layers = []
    for tokens in layerTokens {
      layers.append(try Self.layer(tokens))
    }
  }

  /// Splits spec text into layers of blank-separated tokens. A `,` or `;` with no layer before
  /// it (or a trailing one) is an error; a line break ends a layer but is otherwise just space.
  static func layerTokens(_ text: String) throws(SpecError) -> [[LayerSpec.Token]] {
    let chars = Array(text)
    var i = 0
    var current: [LayerSpec.Token] = []
    var layerTokens: [[LayerSpec.Token]] = []
    var sawComma = false
    var lastCommaColumn = 0
    while i <= chars.count {
      // A line break ends a layer like a comma, but blank lines and a break after a comma are
      // just space, so a spec may be written one layer per line, with or without commas.
      if i < chars.count, chars[i].isLineBreak {
        if !current.isEmpty {
          layerTokens.append(current)
          current = []
          sawComma = false
        }
        i += 1
        continue
      }
      if i == chars.count || isLayerBreak(chars[i]) {
        if current.isEmpty && (i < chars.count || sawComma) {
          let col = i < chars.count ? i + 1 : lastCommaColumn
          if i < chars.count || !layerTokens.isEmpty || sawComma {
            throw SpecError(
              column: col, message: "expected a layer before '\(i < chars.count ? String(chars[i]) : ",")'")
          }
        }
        if !current.isEmpty { layerTokens.append(current) }
        current = []
        if i < chars.count {
          sawComma = true
          lastCommaColumn = i + 1
        } else {
          sawComma = false
        }
        i += 1
        continue
      }
      if isBlank(chars[i]) {
        i += 1
        continue
      }
      let start = i
      // Tokens end at exactly the characters the two tests above consume, so this always advances
      // (a `String.contains` here once matched the single Character "\r\n" and looped forever).
      while i < chars.count, !isLayerBreak(chars[i]), !isBlank(chars[i]) { i += 1 }
      current.append(.init(text: String(chars[start..<i]), column: start + 1))
      sawComma = false
    }
    return layerTokens
  }

  /// One layer from its tokens: a known keyword (lowercased), then positional numbers, then
  /// `key=value` options (keys lowercased, each given once).
  static func layer(_ tokens: [LayerSpec.Token]) throws(SpecError) -> LayerSpec {
    var kw = tokens[0]
    kw.text = kw.text.lowercased()
    guard kw.text.first?.isLetter == true else {
      throw SpecError(column: kw.column, message: "expected a layer name, found '\(kw.text)'")
    }
    guard keywords.contains(kw.text) else {
      throw SpecError(column: kw.column, message: "unknown layer '\(kw.text)'" + hint(for: kw.text, among: keywords))
    }
    var spec = LayerSpec(keyword: kw, positional: [], options: [])
    for t in tokens.dropFirst() {
      if let eq = t.text.firstIndex(of: "=") {
        let key = String(t.text[..<eq]).lowercased()
        let value = String(t.text[t.text.index(after: eq)...])
        guard !key.isEmpty else {
          throw SpecError(column: t.column, message: "expected key=value, found '\(t.text)'")
        }
        guard !value.isEmpty else {
          throw SpecError(column: t.column + key.count + 1, message: "missing value after '\(key)='")
        }
        if spec.options.contains(where: { $0.key.text == key }) {
          throw SpecError(column: t.column, message: "option '\(key)' given twice")
        }
        spec.options.append(
          (.init(text: key, column: t.column), .init(text: value, column: t.column + key.count + 1)))
      } else {
        guard spec.options.isEmpty else {
          throw SpecError(column: t.column, message: "'\(t.text)' must come before the key=value options")
        }
        spec.positional.append(t)
      }
    }
    return spec
  }
}

/// Settings that apply to the whole network being built.
public struct BuildSettings: Sendable {
  public var seed: UInt64
  public var initialization: InitSettings
  /// False builds shapes and zero weights only (validation: checking a spec against data).
  public var initializeWeights = true
  public init(seed: UInt64, initialization: InitSettings = InitSettings(), initializeWeights: Bool = true) {
    self.seed = seed
    self.initialization = initialization
    self.initializeWeights = initializeWeights
  }
}

extension ModelSpec {
  /// Builds the network for samples of `inputShape` and a data set of `classes` classes.
  ///
  /// The k-th weight layer (linear, conv, rnn) draws its initial weights from the stream
  /// `weights/k` of `settings.seed`, so variants that differ only in their norms start with
  /// identical weights in the layers they share. A first `linear` on image or sequence samples
  /// flattens them (documented convenience); anywhere else a `flatten` is required.
  public func build(inputShape: [Int], classes: Int, settings: BuildSettings) throws(SpecError) -> Network {
    let built = try buildKernels(inputShape: inputShape, settings: settings)
    let shape = built.last?.outputShape ?? inputShape
    let last = layers.last!.keyword
    if shape != [classes] {
      let what = shape.count == 1 ? "\(shape[0]) outputs" : "outputs of shape \(shapeText(shape))"
      throw SpecError(
        column: last.column,
        message: "the model ends with \(what) but the data has \(classes) classes; end with `linear \(classes)`")
    }
    return Network(inputShape: inputShape, kernels: built)
  }

  /// Size limits, checked before anything is allocated: parameters per model, values per sample
  /// in any activation, and one convolution's im2col buffer.
  public static let maxParameters = 1 << 24
  public static let maxActivation = 1 << 22
  public static let maxIm2col = 1 << 24

  /// Builds the layers for samples of `inputShape`, without checking the output size.
  public func buildLayers(inputShape: [Int], settings: BuildSettings) throws(SpecError) -> [any Layer] {
    try buildKernels(inputShape: inputShape, settings: settings)
  }

  func buildKernels(inputShape: [Int], settings: BuildSettings) throws(SpecError) -> [any KernelLayer] {
    var builder = LayerBuilder(settings: settings, shape: inputShape)
    for (index, layer) in layers.enumerated() {
      try builder.add(layer, isFirst: index == 0)
    }
    return builder.built
  }

  /// The layer kinds the language knows, one per keyword, in the order of `keywords`.
  enum LayerKind: String, CaseIterable {
    case linear, conv, maxpool, flatten, relu, sigmoid, tanh, dropout, rnn
    case batchnorm, batchrenorm, layernorm, groupnorm, instancenorm, rmsnorm, noise
  }
}

/// The state shared by the per-layer builders while a spec is built: the current sample shape,
/// the parameters reserved so far, the layers built, and the ordinals that name random streams.
struct LayerBuilder {
  typealias Token = ModelSpec.LayerSpec.Token
  let settings: BuildSettings
  var shape: [Int]
  var parameterCount = 0
  var built: [any KernelLayer] = []
  var weightOrdinal = 0
  var dropoutOrdinal = 0

  init(settings: BuildSettings, shape: [Int]) {
    self.settings = settings
    self.shape = shape
  }

  /// Builds one layer with the builder for its keyword and moves `shape` to its output.
  mutating func add(_ layer: ModelSpec.LayerSpec, isFirst: Bool) throws(SpecError) {
    var args = ArgumentReader(layer: layer)
    let kw = layer.keyword
    guard let kind = ModelSpec.LayerKind(rawValue: kw.text) else {
      throw SpecError(column: kw.column, message: "unknown layer '\(kw.text)'")
    }
    switch kind {
    case .linear: try linear(&args, isFirst: isFirst)
    case .conv: try conv(&args)
    case .maxpool: try maxpool(&args)
    case .flatten:
      try args.finish(positionalCount: 0)
      built.append(Flatten(shape: shape))
    case .relu, .sigmoid, .tanh:
      try args.finish(positionalCount: 0)
      built.append(Activation(Activation.Function(rawValue: kw.text)!, shape: shape))
    case .dropout: try dropout(&args)
    case .noise: try noise(&args)
    case .rnn: try rnn(&args)
    case .batchnorm, .batchrenorm: try batchNorm(&args)
    case .layernorm: try layerNorm(&args)
    case .groupnorm: try groupNorm(&args)
    case .instancenorm: try instanceNorm(&args)
    case .rmsnorm: try rmsNorm(&args)
    }
    shape = built.last!.outputShape
  }

  // MARK: Shape bookkeeping

  /// Checks a layer's parameters, per-sample output and optional extra buffer against the size
  /// limits, then counts its parameters towards the model's total.
  mutating func reserve(_ column: Int, parameters: [Int], output: [Int], extra: (String, [Int], Int)? = nil)
    throws(SpecError)
  {
    guard let p = checkedProduct(parameters), p + parameterCount <= ModelSpec.maxParameters else {
      throw SpecError(
        column: column, message: "the model is too large: more than \(ModelSpec.maxParameters) parameters")
    }
    guard let a = checkedProduct(output), a <= ModelSpec.maxActivation else {
      throw SpecError(
        column: column,
        message: "this layer's output is too large: more than \(ModelSpec.maxActivation) values per sample")
    }
    if let (what, dims, limit) = extra {
      guard let e = checkedProduct(dims), e <= limit else {
        throw SpecError(column: column, message: "\(what) is too large: more than \(limit) values")
      }
    }
    parameterCount += p
  }

  /// Requires (N, features) input; a first layer on image or sequence samples gets a `Flatten`.
  mutating func requireFlat(_ kw: Token, flattenAllowed: Bool) throws(SpecError) {
    guard shape.count != 1 else { return }
    guard flattenAllowed else {
      throw SpecError(
        column: kw.column,
        message: "\(kw.text) expects (N, features) input but gets \(shapeText(shape)); add `flatten` before it")
    }
    built.append(Flatten(shape: shape))
    shape = [shape.reduce(1, *)]
  }

  /// Requires (N, C, H, W) input.
  func requireImage(_ kw: Token) throws(SpecError) {
    guard shape.count == 3 else {
      throw SpecError(column: kw.column, message: "\(kw.text) expects (N, C, H, W) input but gets \(shapeText(shape))")
    }
  }

  /// The random stream of the next weight layer (`weights/k`), counting it.
  mutating func nextWeightStream() -> SeededRNG {
    defer { weightOrdinal += 1 }
    return SeededRNG(seed: settings.seed, stream: "weights/\(weightOrdinal)")
  }

  /// The random stream of the next dropout or noise layer (`dropout/k`, `noise/k`, one count).
  mutating func nextMaskStream(_ name: String) -> SeededRNG {
    defer { dropoutOrdinal += 1 }
    return SeededRNG(seed: settings.seed, stream: "\(name)/\(dropoutOrdinal)")
  }

  // MARK: Weight layers

  /// `linear OUT [bias=] [init=] [scale=]`.
  mutating func linear(_ args: inout ArgumentReader, isFirst: Bool) throws(SpecError) {
    let kw = args.layer.keyword
    try requireFlat(kw, flattenAllowed: isFirst)
    let out = try args.positionalInt(0, name: "output features", range: 1...65_536)
    let bias = try args.bool("bias", true)
    let ini = try args.initSettings(default: settings.initialization)
    try args.finish(positionalCount: 1)
    try reserve(kw.column, parameters: [shape[0] + 1, out], output: [out])
    let l = Linear(inFeatures: shape[0], outFeatures: out, bias: bias)
    var rng = nextWeightStream()
    if settings.initializeWeights {
      initialize(weight: l.weight, bias: l.bias, fanIn: shape[0], fanOut: out, settings: ini, rng: &rng)
    }
    built.append(l)
  }

  /// `conv OUT [k=] [s=] [p=] [bias=] [init=] [scale=]`.
  mutating func conv(_ args: inout ArgumentReader) throws(SpecError) {
    let kw = args.layer.keyword
    try requireImage(kw)
    let out = try args.positionalInt(0, name: "output channels", range: 1...4096)
    let k = try args.int(["kernel", "k"], 3, 1...31)
    let s = try args.int(["stride", "s"], 1, 1...31)
    let p = try args.int(["padding", "pad", "p"], 0, 0...31)
    let bias = try args.bool("bias", true)
    let ini = try args.initSettings(default: settings.initialization)
    try args.finish(positionalCount: 1)
    let g = ConvGeometry(channels: shape[0], height: shape[1], width: shape[2], kernel: k, stride: s, padding: p)
    guard shape[1] + 2 * p >= k, shape[2] + 2 * p >= k else {
      throw SpecError(
        column: kw.column,
        message: "kernel \(k) is larger than the padded input \(shape[1] + 2 * p)×\(shape[2] + 2 * p)")
    }
    try reserve(
      kw.column, parameters: [g.patchSize + 1, out], output: [out, g.outHeight, g.outWidth],
      extra: ("the convolution's im2col buffer", [g.patchSize, g.outHeight, g.outWidth], ModelSpec.maxIm2col))
    let l = Conv2d(geometry: g, outChannels: out, bias: bias)
    var rng = nextWeightStream()
    if settings.initializeWeights {
      initialize(weight: l.weight, bias: l.bias, fanIn: g.patchSize, fanOut: out * k * k, settings: ini, rng: &rng)
    }
    built.append(l)
  }

  /// `rnn HIDDEN [norm=none|batchnorm|layernorm] [init=] [scale=]` on (N, T, K) sequences.
  mutating func rnn(_ args: inout ArgumentReader) throws(SpecError) {
    let kw = args.layer.keyword
    guard shape.count == 2 else {
      throw SpecError(column: kw.column, message: "rnn expects sequences (N, T, K) but gets \(shapeText(shape))")
    }
    let h = try args.positionalInt(0, name: "hidden size", range: 1...4096)
    let normText = try args.string("norm", "none")
    guard let norm = RNN.Norm(rawValue: normText.text) else {
      throw SpecError(
        column: normText.column,
        message: "rnn norm must be none, batchnorm or layernorm, got '\(normText.text)'"
          + hint(for: normText.text, among: RNN.Norm.allCases.map(\.rawValue)))
    }
    let ini = try args.initSettings(default: settings.initialization)
    try args.finish(positionalCount: 1)
    try reserve(kw.column, parameters: [shape[1] + h + 4, h], output: [shape[0] + 1, h])
    let l = RNN(steps: shape[0], inputSize: shape[1], hiddenSize: h, norm: norm)
    var rng = nextWeightStream()
    // PyTorch nn.RNN: every tensor ~ U(±1/√hidden); other schemes as for Linear.
    if !settings.initializeWeights {
      // shapes only
    } else if ini.scheme == .pytorch {
      let bound = 1 / Float(h).squareRoot()
      for p in [l.weightIH, l.weightHH, l.biasIH, l.biasHH] {
        for i in 0..<p.count { p.value[i] = rng.uniform(-bound, bound) * (p.role == .weight ? ini.scale : 1) }
      }
    } else {
      initialize(weight: l.weightIH, bias: l.biasIH, fanIn: shape[1], fanOut: h, settings: ini, rng: &rng)
      initialize(weight: l.weightHH, bias: l.biasHH, fanIn: h, fanOut: h, settings: ini, rng: &rng)
    }
    built.append(l)
  }

  // MARK: Shape-only and random layers

  /// `maxpool [K] [s=]` on (N, C, H, W) input.
  mutating func maxpool(_ args: inout ArgumentReader) throws(SpecError) {
    let kw = args.layer.keyword
    try requireImage(kw)
    let k = try args.positionalInt(0, name: "window size", range: 1...31, default: 2)
    let s = try args.int(["stride", "s"], k, 1...31)
    try args.finish(positionalCount: 1)
    guard shape[1] >= k, shape[2] >= k else {
      throw SpecError(column: kw.column, message: "pool window \(k) is larger than the input \(shape[1])×\(shape[2])")
    }
    built.append(
      MaxPool2d(
        geometry: ConvGeometry(channels: shape[0], height: shape[1], width: shape[2], kernel: k, stride: s, padding: 0))
    )
  }

  /// `dropout [P]` with P in [0, 1).
  mutating func dropout(_ args: inout ArgumentReader) throws(SpecError) {
    let p = try args.positionalFloat(0, name: "drop probability", default: 0.5)
    guard p >= 0 && p < 1 else {
      throw SpecError(column: args.layer.positional[0].column, message: "drop probability must be in [0, 1), got \(p)")
    }
    try args.finish(positionalCount: 1)
    built.append(Dropout(p: p, shape: shape, rng: nextMaskStream("dropout")))
  }

  /// `noise [shift=] [scale=]`: the mean and variance shift layer.
  mutating func noise(_ args: inout ArgumentReader) throws(SpecError) {
    let shift = try args.float("shift", 0.5)
    let scale = try args.float("scale", 1.25)
    try args.finish(positionalCount: 0)
    guard scale >= 1 else {
      throw SpecError(column: args.layer.keyword.column, message: "noise scale must be ≥ 1 (s ~ U(1, scale))")
    }
    built.append(Noise(shift: shift, scale: scale, shape: shape, rng: nextMaskStream("noise")))
  }

  // MARK: Norms

  /// `batchnorm` and `batchrenorm`: the preset, momentum and the other options, then the layer.
  mutating func batchNorm(_ args: inout ArgumentReader) throws(SpecError) {
    let kw = args.layer.keyword
    guard shape.count >= 1 else {
      throw SpecError(column: kw.column, message: "batchnorm needs input with channels")
    }
    var o = try batchNormPreset(&args)
    if let m = try args.optionalString("momentum") {
      if m.text.lowercased() == "none" {
        guard o.convention == .pytorch else {
          throw SpecError(
            column: m.column, message: "momentum=none (cumulative average) is a PyTorch setting, not Keras")
        }
        o.momentum = nil
      } else {
        let v = try momentumValue(m)
        // Under the Keras preset, momentum is written the Keras way (0.99 keeps 99% of the old value).
        o.momentum = o.convention == .keras ? 1 - v : v
      }
    }
    o.eps = try args.float("eps", o.eps)
    o.affine = try args.bool("affine", true)
    o.trackRunningStats = try args.bool("track", true)
    if kw.text == "batchrenorm" {
      o.renorm = .init(rmax: try args.float("rmax", 3), dmax: try args.float("dmax", 5))
      guard o.renorm!.rmax >= 1 else { throw SpecError(column: kw.column, message: "rmax must be ≥ 1") }
      guard o.trackRunningStats else {
        throw SpecError(column: kw.column, message: "batchrenorm needs running statistics (track=true)")
      }
    }
    let frozen = try args.bool("frozen", false)
    try args.finish(positionalCount: 0)
    let bn = BatchNorm(shape: shape, options: o)
    bn.frozen = frozen
    built.append(bn)
  }

  /// The options of a batchnorm's `preset=pytorch|keras` (default pytorch).
  func batchNormPreset(_ args: inout ArgumentReader) throws(SpecError) -> BatchNorm.Options {
    let preset = try args.string("preset", "pytorch")
    switch preset.text.lowercased() {
    case "pytorch", "torch": return .init()
    case "keras", "tf", "tensorflow": return .keras
    default:
      throw SpecError(column: preset.column, message: "preset must be pytorch or keras, got '\(preset.text)'")
    }
  }

  /// A `momentum=` value other than `none`: a number in [0, 1].
  func momentumValue(_ m: Token) throws(SpecError) -> Float {
    guard let v = Float(m.text), v >= 0, v <= 1 else {
      throw SpecError(column: m.column, message: "momentum must be a number in [0, 1] or none, got '\(m.text)'")
    }
    return v
  }

  /// `layernorm [eps=] [affine=]`.
  mutating func layerNorm(_ args: inout ArgumentReader) throws(SpecError) {
    let eps = try args.float("eps", 1e-5)
    let affine = try args.bool("affine", true)
    try args.finish(positionalCount: 0)
    try reserve(args.layer.keyword.column, parameters: [2] + shape, output: shape)
    built.append(LayerNorm(shape: shape, eps: eps, affine: affine))
  }

  /// `groupnorm GROUPS [eps=] [affine=]`; the channels must divide into the groups.
  mutating func groupNorm(_ args: inout ArgumentReader) throws(SpecError) {
    let g = try args.positionalInt(0, name: "number of groups", range: 1...4096)
    let eps = try args.float("eps", 1e-5)
    let affine = try args.bool("affine", true)
    try args.finish(positionalCount: 1)
    guard shape[0] % g == 0 else {
      throw SpecError(
        column: args.layer.positional[0].column, message: "\(shape[0]) channels are not divisible into \(g) groups")
    }
    built.append(try! GroupNorm(groups: g, shape: shape, eps: eps, affine: affine))
  }

  /// `instancenorm [eps=] [affine=] [track=] [momentum=]` on (N, C, L) or (N, C, H, W) input.
  mutating func instanceNorm(_ args: inout ArgumentReader) throws(SpecError) {
    guard shape.count >= 2 else {
      throw SpecError(
        column: args.layer.keyword.column,
        message:
          "instancenorm normalizes each channel over spatial positions: it needs (N, C, L) or (N, C, H, W) input, not \(shapeText(shape))"
      )
    }
    let eps = try args.float("eps", 1e-5)
    let affine = try args.bool("affine", false)
    let track = try args.bool("track", false)
    var momentum: Float? = 0.1
    if let m = try args.optionalString("momentum") {
      momentum = try m.text.lowercased() == "none" ? nil : momentumValue(m)
    }
    try args.finish(positionalCount: 0)
    built.append(InstanceNorm(shape: shape, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track))
  }

  /// `rmsnorm [eps=NUMBER|none] [affine=]`.
  mutating func rmsNorm(_ args: inout ArgumentReader) throws(SpecError) {
    var eps: Float? = nil
    if let e = try args.optionalString("eps"), e.text.lowercased() != "none" {
      guard let v = Float(e.text), v >= 0, v.isFinite else {
        throw SpecError(column: e.column, message: "eps must be a number ≥ 0 or none")
      }
      eps = v
    }
    let affine = try args.bool("affine", true)
    try args.finish(positionalCount: 0)
    try reserve(args.layer.keyword.column, parameters: shape, output: shape)
    built.append(RMSNorm(shape: shape, eps: eps, affine: affine))
  }
}

func shapeText(_ s: [Int]) -> String { "(N, " + s.map(String.init).joined(separator: ", ") + ")" }

/// Reads a layer's positional arguments and options with typed checks and column errors.
struct ArgumentReader {
  let layer: ModelSpec.LayerSpec
  private var used: Set<String> = []
  init(layer: ModelSpec.LayerSpec) { self.layer = layer }

  func positionalInt(_ i: Int, name: String, range: ClosedRange<Int>, default fallback: Int? = nil) throws(SpecError)
    -> Int
  {
    guard i < layer.positional.count else {
      if let fallback { return fallback }
      let end = layer.keyword.column + layer.keyword.text.count
      throw SpecError(
        column: end,
        message:
          "\(layer.keyword.text) needs the \(name), e.g. `\(layer.keyword.text) \(range.lowerBound == 1 ? 16 : range.lowerBound)`"
      )
    }
    let t = layer.positional[i]
    guard let v = Int(t.text), range.contains(v) else {
      throw SpecError(
        column: t.column,
        message: "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(t.text)'")
    }
    return v
  }

  func positionalFloat(_ i: Int, name: String, default fallback: Float) throws(SpecError) -> Float {
    guard i < layer.positional.count else { return fallback }
    let t = layer.positional[i]
    guard let v = Float(t.text), v.isFinite else {
      throw SpecError(column: t.column, message: "\(name) must be a number, got '\(t.text)'")
    }
    return v
  }

  mutating func optionalString(_ key: String) throws(SpecError) -> ModelSpec.LayerSpec.Token? {
    used.insert(key)
    return layer.options.first { $0.key.text == key }?.value
  }

  mutating func string(_ key: String, _ fallback: String) throws(SpecError) -> ModelSpec.LayerSpec.Token {
    try optionalString(key) ?? .init(text: fallback, column: layer.keyword.column)
  }

  mutating func int(_ keys: [String], _ fallback: Int, _ range: ClosedRange<Int>) throws(SpecError) -> Int {
    var found: ModelSpec.LayerSpec.Token? = nil
    for k in keys { if let t = try optionalString(k) { found = t } }
    guard let t = found else { return fallback }
    guard let v = Int(t.text), range.contains(v) else {
      throw SpecError(
        column: t.column,
        message: "\(keys[0]) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(t.text)'")
    }
    return v
  }

  mutating func float(_ key: String, _ fallback: Float) throws(SpecError) -> Float {
    guard let t = try optionalString(key) else { return fallback }
    guard let v = Float(t.text), v.isFinite, v >= 0 else {
      throw SpecError(column: t.column, message: "\(key) must be a number ≥ 0, got '\(t.text)'")
    }
    return v
  }

  mutating func bool(_ key: String, _ fallback: Bool) throws(SpecError) -> Bool {
    guard let t = try optionalString(key) else { return fallback }
    switch t.text.lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: throw SpecError(column: t.column, message: "\(key) must be true or false, got '\(t.text)'")
    }
  }

  mutating func initSettings(default base: InitSettings) throws(SpecError) -> InitSettings {
    var s = base
    if let t = try optionalString("init") {
      guard let scheme = InitScheme(parsing: t.text) else {
        throw SpecError(
          column: t.column, message: "init must be pytorch, kaiming, xavier or normal:STD, got '\(t.text)'")
      }
      s.scheme = scheme
    }
    if let t = try optionalString("scale") {
      guard let v = Float(t.text), v.isFinite, v > 0 else {
        throw SpecError(column: t.column, message: "scale must be a number > 0, got '\(t.text)'")
      }
      s.scale = v
    }
    return s
  }

  func finish(positionalCount: Int) throws(SpecError) {
    if layer.positional.count > positionalCount {
      let t = layer.positional[positionalCount]
      throw SpecError(
        column: t.column,
        message: positionalCount == 0
          ? "\(layer.keyword.text) takes no number; found '\(t.text)'" : "unexpected extra argument '\(t.text)'")
    }
    for (k, _) in layer.options where !used.contains(k.text) {
      throw SpecError(
        column: k.column,
        message: "\(layer.keyword.text) has no option '\(k.text)'" + hint(for: k.text, among: Array(used)))
    }
  }
}
