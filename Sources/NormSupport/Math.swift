#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// ln x and eˣ for the modules above NormCore (instruments, charts, decision surfaces), so they
/// need no platform import of their own. NormCore's kernels use their own wrappers (Math.swift).
@inlinable @inline(__always) public func naturalLog(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) public func naturalExp(_ x: Double) -> Double { exp(x) }
