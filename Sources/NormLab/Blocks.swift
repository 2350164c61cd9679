import NormCore

/// A hidden layer of a network as the instruments see it: a weight layer (linear, conv or rnn)
/// and the norm, activation and other layers that follow it up to the next weight layer.
/// Blocks are numbered from 1; the output layer (a weight layer followed by nothing) is not a
/// block.
public struct Block: Sendable, Equatable {
  /// 1-based hidden-layer number.
  public var number: Int
  /// Index in `Network.layers` of the weight layer, its norm and its activation.
  public var weightLayer: Int
  public var normLayer: Int?
  public var activationLayer: Int?
  /// E.g. "linear 64→100 · batchnorm · sigmoid".
  public var title: String
  public init(number: Int, weightLayer: Int, normLayer: Int?, activationLayer: Int?, title: String) {
    self.number = number
    self.weightLayer = weightLayer
    self.normLayer = normLayer
    self.activationLayer = activationLayer
    self.title = title
  }

  /// Whether the norm comes before the activation.
  public var normBeforeActivation: Bool {
    guard let n = normLayer, let a = activationLayer else { return false }
    return n < a
  }

  /// The Network activation index (see ``Network/activation(_:)``) of a tap, or nil when the
  /// block has no such point.
  public func activationIndex(_ kind: Tap.Kind) -> Int? {
    switch kind {
    case .normInput: normLayer ?? (weightLayer + 1)
    case .normOutput: normLayer.map { $0 + 1 }
    case .activationInput: activationLayer
    case .activationOutput: activationLayer.map { $0 + 1 }
    }
  }

  /// Finds the blocks of a network.
  public static func blocks(of network: Network) -> [Block] {
    var out = [Block]()
    let layers = network.layers
    var i = 0
    while i < layers.count {
      let c = layers[i].category
      guard c == .weight || c == .recurrent else {
        i += 1
        continue
      }
      var b = Block(
        number: out.count + 1, weightLayer: i, normLayer: nil, activationLayer: nil, title: layers[i].summary)
      var j = i + 1
      while j < layers.count, layers[j].category != .weight, layers[j].category != .recurrent {
        if layers[j].category == .normalization, b.normLayer == nil { b.normLayer = j }
        if layers[j].category == .activation, b.activationLayer == nil { b.activationLayer = j }
        b.title += " · " + layers[j].kind
        j += 1
      }
      if b.normLayer != nil || b.activationLayer != nil || layers[i].category == .recurrent { out.append(b) }
      i = j
    }
    return out
  }
}

/// A point in a block where activations are observed.
public struct Tap: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, CaseIterable {
    /// The input of the block's norm; without a norm, the weight layer's output.
    case normInput = "before norm"
    /// The norm's output.
    case normOutput = "after norm"
    /// The input of the activation (what the BN paper's Figure 1 plots for a sigmoid).
    case activationInput = "activation input"
    /// The activation's output.
    case activationOutput = "after activation"

    /// The word scenes and metrics files use for the place: `before_norm`, `after_norm`,
    /// `activation_input`, `after_activation`.
    public var word: String {
      switch self {
      case .normInput: "before_norm"
      case .normOutput: "after_norm"
      case .activationInput: "activation_input"
      case .activationOutput: "after_activation"
      }
    }
  }
  public var block: Int
  public var kind: Kind
  public init(block: Int, kind: Kind) {
    self.block = block
    self.kind = kind
  }
  public var description: String { "layer \(block) \(kind.rawValue)" }
}
