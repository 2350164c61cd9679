import Foundation
import NormCore
import Testing

/// Builds the layers of a spec for a per-sample shape (no output-size check).
func layers(_ spec: String, shape: [Int], seed: UInt64 = 1) throws -> [any Layer] {
  try ModelSpec(parsing: spec).buildLayers(inputShape: shape, settings: BuildSettings(seed: seed))
}

/// A single-layer forward over an array; returns the output.
func run(_ layer: any Layer, _ x: [Float], batch: Int, mode: Mode, updatesState: Bool = true) throws -> [Float] {
  var y = [Float](repeating: 0, count: batch * layer.outputShape.reduce(1, *))
  try x.withUnsafeBufferPointer { xp in
    try y.withUnsafeMutableBufferPointer { yp in
      try (layer as! any KernelLayer).forward(
        xp.baseAddress!, yp.baseAddress!, batch: batch, options: ForwardOptions(mode: mode, updatesState: updatesState))
    }
  }
  return y
}

/// A single-layer backward; returns dx (parameter gradients accumulate in the layer).
func back(_ layer: any Layer, x: [Float], y: [Float], dy: [Float], batch: Int) -> [Float] {
  var dx = [Float](repeating: 0, count: x.count)
  x.withUnsafeBufferPointer { xp in
    y.withUnsafeBufferPointer { yp in
      dy.withUnsafeBufferPointer { dyp in
        dx.withUnsafeMutableBufferPointer { dxp in
          (layer as! any KernelLayer).backward(
            xp.baseAddress!, yp.baseAddress!, dyp.baseAddress!, dxp.baseAddress!, batch: batch)
        }
      }
    }
  }
  return dx
}

/// allclose with rtol = tol and atol = tol × max|expected|; returns the worst violation ratio
/// (≤ 1 passes) so failures print how far off they are.
func closeness(_ a: [Float], _ b: [Float], tol: Float = 1e-5) -> Float {
  precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
  let scale = max(b.map { abs($0) }.max() ?? 0, 1e-6)
  var worst: Float = 0
  for (x, y) in zip(a, b) {
    let allowed = tol * abs(y) + tol * scale
    worst = max(worst, abs(x - y) / allowed)
  }
  return worst
}

func expectClose(
  _ a: [Float], _ b: [Float], tol: Float = 1e-5, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(a.count == b.count, "\(what): length", sourceLocation: sourceLocation)
  guard a.count == b.count else { return }
  let r = closeness(a, b, tol: tol)
  #expect(r <= 1, "\(what): off by \(r)× the tolerance \(tol)", sourceLocation: sourceLocation)
}

/// The directory of committed fixtures.
let fixturesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
