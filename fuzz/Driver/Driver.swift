// The entry point shared by the libFuzzer targets in fuzz/ (docs/fuzzing.md).
//
// Built with `-Xswiftc -DLIBFUZZER -Xswiftc -sanitize=fuzzer,address` (tools/fuzz.sh), `fuzzMain`
// hands control to libFuzzer's driver. SwiftPM links every executable with `main` aliased to the
// module's own entry point, so libFuzzer's `main` is never used; its `LLVMFuzzerRunDriver` is.
// In an ordinary `swift build` (no sanitizer) the same targets are small replay tools: each
// argument is a file, or a directory of files, fed once to the target.
import Foundation

public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if LIBFUZZER
  @_silgen_name("LLVMFuzzerRunDriver")
  func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzTarget
  ) -> CInt
#endif

/// Runs `target` under libFuzzer (fuzzing builds) or over the files named on the command line.
public func fuzzMain(_ target: FuzzTarget) -> Never {
  exit(runFuzzTarget(target))
}

func runFuzzTarget(_ target: FuzzTarget) -> CInt {
  #if LIBFUZZER
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return llvmFuzzerRunDriver(&argc, &argv, target)
  #else
    var files: [String] = []
    for arg in CommandLine.arguments.dropFirst() {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDirectory) else {
        print("\(arg): no such file")
        return 2
      }
      if isDirectory.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: arg)) ?? []
        files += names.sorted().map { arg + "/" + $0 }
      } else {
        files.append(arg)
      }
    }
    if files.isEmpty {
      print("usage: \(CommandLine.arguments[0]) FILE|DIR… (replays inputs; build with tools/fuzz.sh to fuzz)")
      return 2
    }
    for f in files {
      let bytes = [UInt8](FileManager.default.contents(atPath: f) ?? Data())
      _ = bytes.withUnsafeBufferPointer { target($0.baseAddress, $0.count) }
    }
    print("replayed \(files.count) input\(files.count == 1 ? "" : "s"): no crash")
    return 0
  #endif
}

/// An invariant of the code under test: stops the process with `message` when it does not hold
/// (unlike `precondition`, whose message an optimised build drops), so libFuzzer records a crash.
@inline(__always)
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
  if !condition() { fatalError("invariant violated: " + message()) }
}

/// Reads typed values from the fuzzer's bytes, front to back; past the end it yields zeros.
public struct ByteReader {
  public let bytes: [UInt8]
  public private(set) var position = 0

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public var isAtEnd: Bool { position >= bytes.count }

  public mutating func byte() -> UInt8 {
    defer { position += 1 }
    return position < bytes.count ? bytes[position] : 0
  }

  public mutating func uint64(_ n: Int = 8) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<n { v |= UInt64(byte()) << (8 * UInt64(i)) }
    return v
  }

  /// A Double: one selector byte picks a hostile value (NaN, ±inf, ±0, subnormals, extremes,
  /// values near powers of ten and integer limits) or the next 8 raw bytes.
  public mutating func double() -> Double {
    let special: [Double] = [
      .nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude, 1e15, 999_950_000, 9.995e-4,
      9.2233720368547758e18, -9.2233720368547758e18, 1e300, 1e-300, 0.5, 1, -1, 9.96, 99.95, 1e6 - 0.05,
      Double(Float.greatestFiniteMagnitude), 4.5e15, 1e16, 123_456.789, .ulpOfOne,
    ]
    let s = byte()
    if Int(s) < special.count { return special[Int(s)] }
    if s < 128 { return Double(Int64(bitPattern: uint64(2) << 48) >> 48) / Double(1 << (s & 15)) }
    return Double(bitPattern: uint64())
  }

  /// A Float: a hostile Double narrowed, or 4 raw bytes.
  public mutating func float() -> Float {
    let s = byte()
    if s < 128 { return Float(double()) }
    return Float(bitPattern: UInt32(truncatingIfNeeded: uint64(4)))
  }

  /// An Int in `range` (bytes taken modulo its width).
  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    let width = UInt64(range.upperBound - range.lowerBound) &+ 1
    let v = uint64(width <= 256 ? 1 : width <= 65536 ? 2 : 8)
    return range.lowerBound + Int(width == 0 ? v : v % width)
  }
}
