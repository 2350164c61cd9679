import NormSupport

/// An error in a model spec, pointing at a 1-based column of the spec text: the option
/// reader's error, so a spec's own checks and its options' checks are one type.
public typealias SpecError = OptionError

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
    public typealias Token = NormSupport.Token
    public var keyword: Token
    public var positional: [Token]
    public var options: [OptionReader.Option]

    /// A reader over the layer's numbers and options, named after its keyword.
    func arguments() -> OptionReader { OptionReader(name: keyword.text, positional: positional, options: options) }
  }

  /// The layer keywords the language knows.
  public static let keywords = LayerKind.allCases.map(\.rawValue)

  public var source: String
  public var layers: [LayerSpec]

  /// Characters that end a layer: `,`, `;` and line breaks (including the one-Character `\r\n`).
  static func isLayerBreak(_ c: Character) -> Bool { c == "," || c == ";" || c.isLineBreak }
  /// Blank space between tokens.
  static func isBlank(_ c: Character) -> Bool { Token.isBlank(c) }

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
      current.append(Token(String(chars[start..<i]), column: start + 1))
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
    let args = try OptionReader(tokens.dropFirst(), name: kw.text, lowercaseKeys: true, positionalFirst: true)
    return LayerSpec(keyword: kw, positional: args.positional, options: args.options)
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
    var args = layer.arguments()
    let kw = layer.keyword
    guard let kind = ModelSpec.LayerKind(rawValue: kw.text) else {
      throw SpecError(column: kw.column, message: "unknown layer '\(kw.text)'")
    }
    switch kind {
    case .linear: try linear(kw, &args, isFirst: isFirst)
    case .conv: try conv(kw, &args)
    case .maxpool: try maxpool(kw, &args)
    case .flatten:
      try args.finish(positionalCount: 0)
      built.append(Flatten(shape: shape))
    case .relu, .sigmoid, .tanh:
      try args.finish(positionalCount: 0)
      built.append(Activation(Activation.Function(rawValue: kw.text)!, shape: shape))
    case .dropout: try dropout(kw, &args)
    case .noise: try noise(kw, &args)
    case .rnn: try rnn(kw, &args)
    case .batchnorm, .batchrenorm: try batchNorm(kw, &args)
    case .layernorm: try layerNorm(kw, &args)
    case .groupnorm: try groupNorm(kw, &args)
    case .instancenorm: try instanceNorm(kw, &args)
    case .rmsnorm: try rmsNorm(kw, &args)
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
  mutating func linear(_ kw: Token, _ args: inout OptionReader, isFirst: Bool) throws(SpecError) {
    try requireFlat(kw, flattenAllowed: isFirst)
    let out = try args.positionalInt(0, name: "output features", range: 1...65_536, after: kw)
    let bias = try args.bool("bias", default: true)
    let ini = try args.initSettings(default: settings.initialization)
    try args.finish(positionalCount: 1)
    try reserve(kw.column, parameters: [shape[0] + 1, out], output: [out])
    let l = Linear(inFeatures: shape[0], outFeatures: out, bias: bias)
    var rng = nextWeightStream()
    if settings.initializeWeights { l.resetParameters(ini, rng: &rng) }
    built.append(l)
  }

  /// `conv OUT [k=] [s=] [p=] [bias=] [init=] [scale=]`.
  mutating func conv(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    try requireImage(kw)
    let out = try args.positionalInt(0, name: "output channels", range: 1...4096, after: kw)
    let k = try args.int(["kernel", "k"], default: 3, in: 1...31)
    let s = try args.int(["stride", "s"], default: 1, in: 1...31)
    let p = try args.int(["padding", "pad", "p"], default: 0, in: 0...31)
    let bias = try args.bool("bias", default: true)
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
    if settings.initializeWeights { l.resetParameters(ini, rng: &rng) }
    built.append(l)
  }

  /// `rnn HIDDEN [norm=none|batchnorm|layernorm] [init=] [scale=]` on (N, T, K) sequences.
  mutating func rnn(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    guard shape.count == 2 else {
      throw SpecError(column: kw.column, message: "rnn expects sequences (N, T, K) but gets \(shapeText(shape))")
    }
    let h = try args.positionalInt(0, name: "hidden size", range: 1...4096, after: kw)
    let normText = args.string("norm", default: "none", column: kw.column)
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
    if settings.initializeWeights { l.resetParameters(ini, rng: &rng) }
    built.append(l)
  }

  // MARK: Shape-only and random layers

  /// `maxpool [K] [s=]` on (N, C, H, W) input.
  mutating func maxpool(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    try requireImage(kw)
    let k = try args.positionalInt(0, name: "window size", range: 1...31, default: 2, after: kw)
    let s = try args.int(["stride", "s"], default: k, in: 1...31)
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
  mutating func dropout(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    let p = try args.positionalFloat(0, name: "drop probability", default: 0.5)
    guard p >= 0 && p < 1 else {
      throw SpecError(column: args.positional[0].column, message: "drop probability must be in [0, 1), got \(p)")
    }
    try args.finish(positionalCount: 1)
    built.append(Dropout(p: p, shape: shape, rng: nextMaskStream("dropout")))
  }

  /// `noise [shift=] [scale=]`: the mean and variance shift layer.
  mutating func noise(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    let shift = try args.float("shift", default: 0.5)
    let scale = try args.float("scale", default: 1.25)
    try args.finish(positionalCount: 0)
    guard scale >= 1 else {
      throw SpecError(column: kw.column, message: "noise scale must be ≥ 1 (s ~ U(1, scale))")
    }
    built.append(Noise(shift: shift, scale: scale, shape: shape, rng: nextMaskStream("noise")))
  }

  // MARK: Norms

  /// `batchnorm` and `batchrenorm`: the preset, momentum and the other options, then the layer.
  mutating func batchNorm(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    guard shape.count >= 1 else {
      throw SpecError(column: kw.column, message: "batchnorm needs input with channels")
    }
    var o = try batchNormPreset(kw, &args)
    if let m = args.value("momentum") {
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
    o.eps = try args.float("eps", default: o.eps)
    o.affine = try args.bool("affine", default: true)
    o.trackRunningStats = try args.bool("track", default: true)
    if kw.text == "batchrenorm" {
      o.renorm = .init(rmax: try args.float("rmax", default: 3), dmax: try args.float("dmax", default: 5))
      guard o.renorm!.rmax >= 1 else { throw SpecError(column: kw.column, message: "rmax must be ≥ 1") }
      guard o.trackRunningStats else {
        throw SpecError(column: kw.column, message: "batchrenorm needs running statistics (track=true)")
      }
    }
    let frozen = try args.bool("frozen", default: false)
    try args.finish(positionalCount: 0)
    let bn = BatchNorm(shape: shape, options: o)
    bn.frozen = frozen
    built.append(bn)
  }

  /// The options of a batchnorm's `preset=pytorch|keras` (default pytorch).
  func batchNormPreset(_ kw: Token, _ args: inout OptionReader) throws(SpecError) -> BatchNorm.Options {
    let preset = args.string("preset", default: "pytorch", column: kw.column)
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
  mutating func layerNorm(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    let eps = try args.float("eps", default: 1e-5)
    let affine = try args.bool("affine", default: true)
    try args.finish(positionalCount: 0)
    try reserve(kw.column, parameters: [2] + shape, output: shape)
    built.append(LayerNorm(shape: shape, eps: eps, affine: affine))
  }

  /// `groupnorm GROUPS [eps=] [affine=]`; the channels must divide into the groups.
  mutating func groupNorm(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    let g = try args.positionalInt(0, name: "number of groups", range: 1...4096, after: kw)
    let eps = try args.float("eps", default: 1e-5)
    let affine = try args.bool("affine", default: true)
    try args.finish(positionalCount: 1)
    guard shape[0] % g == 0 else {
      throw SpecError(
        column: args.positional[0].column, message: "\(shape[0]) channels are not divisible into \(g) groups")
    }
    built.append(try! GroupNorm(groups: g, shape: shape, eps: eps, affine: affine))
  }

  /// `instancenorm [eps=] [affine=] [track=] [momentum=]` on (N, C, L) or (N, C, H, W) input.
  mutating func instanceNorm(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    guard shape.count >= 2 else {
      throw SpecError(
        column: kw.column,
        message:
          "instancenorm normalizes each channel over spatial positions: it needs (N, C, L) or (N, C, H, W) input, not \(shapeText(shape))"
      )
    }
    let eps = try args.float("eps", default: 1e-5)
    let affine = try args.bool("affine", default: false)
    let track = try args.bool("track", default: false)
    var momentum: Float? = 0.1
    if let m = args.value("momentum") {
      momentum = try m.text.lowercased() == "none" ? nil : momentumValue(m)
    }
    try args.finish(positionalCount: 0)
    built.append(InstanceNorm(shape: shape, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track))
  }

  /// `rmsnorm [eps=NUMBER|none] [affine=]`.
  mutating func rmsNorm(_ kw: Token, _ args: inout OptionReader) throws(SpecError) {
    var eps: Float? = nil
    if let e = args.value("eps"), e.text.lowercased() != "none" {
      guard let v = Float(e.text), v >= 0, v.isFinite else {
        throw SpecError(column: e.column, message: "eps must be a number ≥ 0 or none")
      }
      eps = v
    }
    let affine = try args.bool("affine", default: true)
    try args.finish(positionalCount: 0)
    try reserve(kw.column, parameters: shape, output: shape)
    built.append(RMSNorm(shape: shape, eps: eps, affine: affine))
  }
}

func shapeText(_ s: [Int]) -> String { "(N, " + s.map(String.init).joined(separator: ", ") + ")" }

extension OptionReader {
  /// The `i`-th positional whole number, in `range`. Missing, it is `fallback`, or an error just
  /// past the layer's keyword (`kw`) that shows how to write it.
  func positionalInt(_ i: Int, name: String, range: ClosedRange<Int>, default fallback: Int? = nil, after kw: Token)
    throws(SpecError) -> Int
  {
    guard i < positional.count else {
      if let fallback { return fallback }
      throw SpecError(
        column: kw.endColumn,
        message: "\(kw.text) needs the \(name), e.g. `\(kw.text) \(range.lowerBound == 1 ? 16 : range.lowerBound)`")
    }
    return try Self.int(positional[i], name: name, in: range)
  }

  /// The `i`-th positional number (finite), or `fallback` when there is none.
  func positionalFloat(_ i: Int, name: String, default fallback: Float) throws(SpecError) -> Float {
    guard i < positional.count else { return fallback }
    let t = positional[i]
    guard let v = Float(t.text), v.isFinite else {
      throw SpecError(column: t.column, message: "\(name) must be a number, got '\(t.text)'")
    }
    return v
  }

  /// `init=` and `scale=` over the build's default initialization.
  mutating func initSettings(default base: InitSettings) throws(SpecError) -> InitSettings {
    var s = base
    if let t = value("init") {
      guard let scheme = InitScheme(parsing: t.text) else {
        throw SpecError(
          column: t.column, message: "init must be pytorch, kaiming, xavier or normal:STD, got '\(t.text)'")
      }
      s.scheme = scheme
    }
    if let t = value("scale") {
      guard let v = Float(t.text), v.isFinite, v > 0 else {
        throw SpecError(column: t.column, message: "scale must be a number > 0, got '\(t.text)'")
      }
      s.scale = v
    }
    return s
  }
}
