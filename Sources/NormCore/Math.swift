#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// Thin wrappers so kernels read like math and the platform import lives in one place.
@usableFromInline @inline(__always) func _exp(_ x: Float) -> Float { expf(x) }
@usableFromInline @inline(__always) func _log(_ x: Float) -> Float { logf(x) }
@usableFromInline @inline(__always) func _tanh(_ x: Float) -> Float { tanhf(x) }
@usableFromInline @inline(__always) func _log(_ x: Double) -> Double { log(x) }
@usableFromInline @inline(__always) func _sin(_ x: Double) -> Double { sin(x) }
@usableFromInline @inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@usableFromInline @inline(__always) func _exp(_ x: Double) -> Double { exp(x) }

/// The product of `xs`, or nil if it overflows `Int` (size checks before allocating).
@usableFromInline func checkedProduct(_ xs: [Int]) -> Int? {
  var r = 1
  for x in xs {
    let (v, o) = r.multipliedReportingOverflow(by: x)
    if o { return nil }
    r = v
  }
  return r
}
