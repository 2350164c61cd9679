/// How weights are initialized. Biases are zero except under `.pytorch`.
///
/// - `pytorch`: `nn.Linear`/`nn.Conv2d` defaults: W ~ U(±1/√fan_in) (kaiming_uniform with
///   a = √5), b ~ U(±1/√fan_in); `nn.RNN`: every tensor ~ U(±1/√hidden).
/// - `kaiming`: He normal, W ~ N(0, 2/fan_in).
/// - `xavier`: Glorot uniform, W ~ U(±√(6/(fan_in + fan_out))).
/// - `normal(std)`: W ~ N(0, std²), as the BN paper's "small random Gaussian" init.
///
/// `scale` multiplies weights (not biases) after drawing, to show init sensitivity.
public enum InitScheme: Sendable, Equatable, CustomStringConvertible {
  case pytorch
  case kaiming
  case xavier
  case normal(std: Float)

  public var description: String {
    switch self {
    case .pytorch: "pytorch"
    case .kaiming: "kaiming"
    case .xavier: "xavier"
    case .normal(let s): "normal:\(s)"
    }
  }

  /// Parses `pytorch`, `default`, `kaiming`/`he`, `xavier`/`glorot`, `normal:STD`.
  public init?(parsing text: String) {
    let t = text.lowercased()
    switch t {
    case "pytorch", "default", "torch": self = .pytorch
    case "kaiming", "he": self = .kaiming
    case "xavier", "glorot": self = .xavier
    default:
      guard t.hasPrefix("normal:"), let s = Float(t.dropFirst(7)), s >= 0, s.isFinite else { return nil }
      self = .normal(std: s)
    }
  }
}

/// Initialization settings for a whole network.
public struct InitSettings: Sendable, Equatable {
  public var scheme: InitScheme = .pytorch
  public var scale: Float = 1
  public init(scheme: InitScheme = .pytorch, scale: Float = 1) {
    self.scheme = scheme
    self.scale = scale
  }
}

/// Fills a weight tensor and its bias with the scheme's distribution.
func initialize(
  weight: Parameter, bias: Parameter?, fanIn: Int, fanOut: Int, settings: InitSettings, rng: inout SeededRNG
) {
  let bound = 1 / Float(fanIn).squareRoot()
  for i in 0..<weight.count {
    let w: Float
    switch settings.scheme {
    case .pytorch: w = rng.uniform(-bound, bound)
    case .kaiming: w = rng.normal() * (2 / Float(fanIn)).squareRoot()
    case .xavier:
      let a = (6 / Float(fanIn + fanOut)).squareRoot()
      w = rng.uniform(-a, a)
    case .normal(let std): w = rng.normal() * std
    }
    weight.value[i] = w * settings.scale
  }
  if let bias {
    for i in 0..<bias.count { bias.value[i] = settings.scheme == .pytorch ? rng.uniform(-bound, bound) : 0 }
  }
}
