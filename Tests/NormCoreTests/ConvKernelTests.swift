import NormCore
import Testing

/// The fast im2col/col2im/maxpool kernels against plain bounds-tested loops written from the
/// definitions, over many geometries (stride, padding, kernel larger than the image).
@Suite("Kernels: convolution and pooling against naive loops")
struct ConvKernelTests {
  static let geometries: [ConvGeometry] = {
    var out = [ConvGeometry]()
    // The wide ones reach the 8-outputs-at-a-time pooling path and its scalar tail.
    for (h, w) in [(5, 7), (4, 4), (1, 6), (3, 2), (4, 19), (3, 32)] {
      for k in 1...4 {
        for s in 1...3 {
          for p in 0...2 where h + 2 * p >= k && w + 2 * p >= k {
            out.append(ConvGeometry(channels: 2, height: h, width: w, kernel: k, stride: s, padding: p))
          }
        }
      }
    }
    return out
  }()

  func input(_ g: ConvGeometry, seed: UInt64) -> [Float] {
    var rng = SeededRNG(seed: seed)
    // Few distinct values, so pooling windows have ties.
    return (0..<(g.channels * g.height * g.width)).map { _ in Float(rng.int(below: 5)) - 2 }
  }

  func pixel(_ x: [Float], _ g: ConvGeometry, _ c: Int, _ h: Int, _ w: Int) -> Float? {
    (h >= 0 && h < g.height && w >= 0 && w < g.width) ? x[(c * g.height + h) * g.width + w] : nil
  }

  @Test("im2col and col2im equal the definition", arguments: geometries)
  func im2colAndAdjoint(g: ConvGeometry) {
    let x = input(g, seed: 3)
    let (oh, ow) = (g.outHeight, g.outWidth)
    var expected = [Float]()
    for c in 0..<g.channels {
      for ki in 0..<g.kernel {
        for kj in 0..<g.kernel {
          for i in 0..<oh {
            for j in 0..<ow {
              expected.append(pixel(x, g, c, i * g.stride - g.padding + ki, j * g.stride - g.padding + kj) ?? 0)
            }
          }
        }
      }
    }
    var col = [Float](repeating: .nan, count: expected.count)
    x.withUnsafeBufferPointer { xp in col.withUnsafeMutableBufferPointer { im2col($0.baseAddress!, xp.baseAddress!, g) }
    }
    #expect(col == expected)

    // col2im: the adjoint, summed in the same order as the definition's loops.
    var rng = SeededRNG(seed: 9)
    let dcol = (0..<expected.count).map { _ in rng.normal() }
    var want = [Float](repeating: 0, count: x.count)
    var r = 0
    for c in 0..<g.channels {
      for ki in 0..<g.kernel {
        for kj in 0..<g.kernel {
          for i in 0..<oh {
            for j in 0..<ow {
              let h = i * g.stride - g.padding + ki
              let w = j * g.stride - g.padding + kj
              if pixel(x, g, c, h, w) != nil {
                want[(c * g.height + h) * g.width + w] += dcol[r * oh * ow + i * ow + j]
              }
            }
          }
          r += 1
        }
      }
    }
    var dx = [Float](repeating: .nan, count: x.count)
    dcol.withUnsafeBufferPointer { dp in
      dx.withUnsafeMutableBufferPointer { col2im($0.baseAddress!, dp.baseAddress!, g) }
    }
    #expect(dx == want)
  }

  @Test("max pooling: first index on ties, last NaN wins (PyTorch's CPU rule)", arguments: geometries)
  func maxpool(g: ConvGeometry) {
    guard 2 * g.padding <= g.kernel else { return }  // PyTorch's limit on pooling padding
    for nanAt in [nil, 0, 3, 5, 17, 40] as [Int?] {
      var x = input(g, seed: 5)
      if let nanAt, nanAt < x.count {
        x[nanAt] = .nan
        x[x.count - 1 - nanAt] = .nan
      }
      var wantY = [Float]()
      var wantAt = [Int32]()
      for c in 0..<g.channels {
        for i in 0..<g.outHeight {
          for j in 0..<g.outWidth {
            var best = -Float.infinity
            var at = -1
            for ki in 0..<g.kernel {
              for kj in 0..<g.kernel {
                let h = i * g.stride - g.padding + ki
                let w = j * g.stride - g.padding + kj
                guard let v = pixel(x, g, c, h, w) else { continue }
                if at < 0 || v > best || v.isNaN {
                  best = v
                  at = (c * g.height + h) * g.width + w
                }
              }
            }
            wantY.append(best)
            wantAt.append(Int32(at))
          }
        }
      }
      var y = [Float](repeating: 0, count: wantY.count)
      var am = [Int32](repeating: 0, count: wantY.count)
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          am.withUnsafeMutableBufferPointer {
            maxpoolForward(yp.baseAddress!, argmax: $0.baseAddress!, xp.baseAddress!, g)
          }
        }
      }
      #expect(am == wantAt, "nan at \(String(describing: nanAt))")
      #expect(zip(y, wantY).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
    }
  }
}
