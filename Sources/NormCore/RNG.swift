/// A small, fast, seedable random number generator (xoshiro256**), seeded through SplitMix64.
///
/// Every random choice NormScope makes — initial weights, dropout masks, mini-batch order,
/// data sets — draws from a `SeededRNG`, so one seed gives bit-identical runs on the same build.
/// Independent streams are derived with ``SeededRNG/init(seed:stream:)``: the weights of the
/// k-th weight layer come from stream `"weights/k"`, so two model variants that share a layer
/// shape at the same position start from the same weights.
public struct SeededRNG: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64
  /// A spare standard normal from the last Box–Muller pair.
  private var spare: Float? = nil

  /// Creates a generator from a 64-bit seed.
  public init(seed: UInt64) {
    var sm = seed
    func next() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      var z = sm
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = next()
    s1 = next()
    s2 = next()
    s3 = next()
  }

  /// Creates an independent generator for a named stream of a seed (FNV-1a of the name, mixed in).
  public init(seed: UInt64, stream: String) {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in stream.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01B3
    }
    self.init(seed: seed ^ h)
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform Float in [0, 1) with 24 random bits.
  public mutating func uniform() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniform Float in [low, high).
  public mutating func uniform(_ low: Float, _ high: Float) -> Float {
    low + (high - low) * uniform()
  }

  /// A standard normal sample (Box–Muller, computed in Double for accuracy).
  public mutating func normal() -> Float {
    if let s = spare {
      spare = nil
      return s
    }
    var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    let r = (-2.0 * _log(u1)).squareRoot()
    let theta = 2.0 * Double.pi * u2
    spare = Float(r * _sin(theta))
    return Float(r * _cos(theta))
  }

  /// A normal sample with the given mean and standard deviation.
  public mutating func normal(mean: Float, std: Float) -> Float {
    mean + std * normal()
  }

  /// A uniform integer in 0..<n.
  public mutating func int(below n: Int) -> Int {
    precondition(n > 0)
    return Int(next() % UInt64(n))
  }

  /// Fisher–Yates shuffle, deterministic for a given generator state.
  public mutating func shuffle<T>(_ a: inout [T]) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
      let j = int(below: i + 1)
      if i != j { a.swapAt(i, j) }
    }
  }
}
