/// Sorts Float32 values in O(n) with a three-pass LSD radix sort (11, 11, 10 bits) over an
/// order-preserving mapping of the bit patterns (negatives flipped). The result equals
/// `values.sorted()` for finite and infinite values; NaNs go to the ends (by sign bit).
/// The instruments sort every probe snapshot for exact Wasserstein-1 and percentiles; this
/// keeps that cheap. `scratch` is reused between calls.
public struct RadixSorter {
  private var keys: [UInt32] = []
  private var temp: [UInt32] = []
  private var counts = [Int](repeating: 0, count: 5120)

  public init() {}

  public mutating func sort(_ values: UnsafeBufferPointer<Float>, into out: inout [Float]) {
    let n = values.count
    if keys.count < n {
      keys = [UInt32](repeating: 0, count: n)
      temp = [UInt32](repeating: 0, count: n)
    }
    if out.count != n { out = [Float](repeating: 0, count: n) }
    guard n > 0 else { return }
    // Raw buffers: array subscripts on a struct's stored arrays pay a uniqueness and a bounds
    // check per element, which made this sort most of an instrument sample's cost.
    keys.withUnsafeMutableBufferPointer { keyBuffer in
      temp.withUnsafeMutableBufferPointer { tempBuffer in
        counts.withUnsafeMutableBufferPointer { countBuffer in
          var src = keyBuffer.baseAddress!
          var dst = tempBuffer.baseAddress!
          let counts = countBuffer.baseAddress!  // three digit tables: 2048 + 2048 + 1024
          counts.update(repeating: 0, count: 5120)
          // Order-preserving keys, and all three digit histograms in one read.
          for i in 0..<n {
            let b = values[i].bitPattern
            let k = b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
            src[i] = k
            counts[Int(k & 0x7FF)] += 1
            counts[2048 + Int((k >> 11) & 0x7FF)] += 1
            counts[4096 + Int(k >> 22)] += 1
          }
          for (shift, table, size) in [(UInt32(0), 0, 2048), (11, 2048, 2048), (22, 4096, 1024)] {
            let c = counts + table
            var sum = 0
            for i in 0..<size {
              let v = c[i]
              c[i] = sum
              sum += v
            }
            let mask = UInt32(size - 1)
            for i in 0..<n {
              let k = src[i]
              let d = Int((k >> shift) & mask)
              dst[c[d]] = k
              c[d] += 1
            }
            swap(&src, &dst)
          }
          // After three passes the sorted keys are in `src` (the temp buffer).
          out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
              let k = src[i]
              o[i] = Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
            }
          }
        }
      }
    }
  }

  public mutating func sorted(_ values: [Float]) -> [Float] {
    var out = [Float]()
    values.withUnsafeBufferPointer { sort($0, into: &out) }
    return out
  }
}
