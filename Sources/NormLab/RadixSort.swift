/// Sorts Float32 values in O(n) with a three-pass LSD radix sort (11, 11, 10 bits) over an
/// order-preserving mapping of the bit patterns (negatives flipped). The result equals
/// `values.sorted()` for finite and infinite values; NaNs go to the ends (by sign bit).
/// The instruments sort every probe snapshot for exact Wasserstein-1 and percentiles; this
/// keeps that cheap. `scratch` is reused between calls.
public struct RadixSorter {
  private var keys: [UInt32] = []
  private var temp: [UInt32] = []
  private var counts = [Int](repeating: 0, count: 2048)

  public init() {}

  public mutating func sort(_ values: UnsafeBufferPointer<Float>, into out: inout [Float]) {
    let n = values.count
    if keys.count < n {
      keys = [UInt32](repeating: 0, count: n)
      temp = [UInt32](repeating: 0, count: n)
    }
    for i in 0..<n {
      let b = values[i].bitPattern
      keys[i] = b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }
    for (shift, bits) in [(0, 11), (11, 11), (22, 10)] {
      let mask = UInt32((1 << bits) - 1)
      for i in 0..<(1 << bits) { counts[i] = 0 }
      for i in 0..<n { counts[Int((keys[i] >> UInt32(shift)) & mask)] += 1 }
      var sum = 0
      for i in 0..<(1 << bits) {
        let c = counts[i]
        counts[i] = sum
        sum += c
      }
      for i in 0..<n {
        let k = keys[i]
        let d = Int((k >> UInt32(shift)) & mask)
        temp[counts[d]] = k
        counts[d] += 1
      }
      swap(&keys, &temp)
    }
    if out.count != n { out = [Float](repeating: 0, count: n) }
    for i in 0..<n {
      let k = keys[i]
      out[i] = Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
    }
  }

  public mutating func sorted(_ values: [Float]) -> [Float] {
    var out = [Float]()
    values.withUnsafeBufferPointer { sort($0, into: &out) }
    return out
  }
}
