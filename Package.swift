// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "NormScope",
  products: [
    .library(name: "NormCore", targets: ["NormCore"]),
    .library(name: "NormLab", targets: ["NormLab"]),
    .executable(name: "normscope", targets: ["normscope"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // Text and number helpers every module shares: the one sanitiser, checked conversions,
    // line splitting, "did you mean" hints, safe file creation. No Foundation.
    .target(name: "NormSupport"),
    // The numeric core. No unsafe flags, so other packages can depend on it by version: its hot
    // loops reach class-owned storage through buffer pointers taken once per call, which is
    // what skipping run-time exclusivity checks used to buy (docs/performance.md, item 8).
    .target(name: "NormCore", dependencies: ["NormSupport"]),
    .target(name: "NormLab", dependencies: ["NormCore", "NormSupport"]),
    .target(name: "NormScene", dependencies: ["NormLab", "NormCore", "NormSupport"]),
    .target(name: "NormFuzz", dependencies: ["NormScene", "NormCore", "NormSupport"]),
    .executableTarget(name: "normscope-fuzz", dependencies: ["NormFuzz", "NormSupport"]),
    .target(name: "NormView", dependencies: ["NormLab", "NormCore", "NormSupport"]),
    .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
    .target(name: "NormTerm", dependencies: ["CNcurses", "NormView", "NormSupport"]),
    // The live app without a terminal: its loop runs on any TerminalBackend (tests: TestTerminal).
    .target(name: "NormApp", dependencies: ["NormView", "NormScene", "NormLab", "NormCore", "NormSupport"]),
    .executableTarget(
      name: "normscope",
      dependencies: [
        "NormCore",
        "NormLab",
        "NormView",
        "NormTerm",
        "NormApp",
        "NormScene",
        "NormSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "NormBench", dependencies: ["NormCore", "NormLab", "NormView", "NormScene", "NormSupport"],
      path: "benchmarks/NormBench"),
    // libFuzzer targets (docs/fuzzing.md): tools/fuzz.sh builds them with -sanitize=fuzzer,address
    // and -DLIBFUZZER; an ordinary build makes them replay tools (`fuzz-csv FILE|DIR…`).
    .target(name: "NormFuzzDriver", path: "fuzz/Driver"),
    .executableTarget(
      name: "fuzz-scene",
      dependencies: ["NormFuzzDriver", "NormScene", "NormView", "NormLab", "NormCore", "NormSupport"],
      path: "fuzz/scene"),
    .executableTarget(name: "fuzz-spec", dependencies: ["NormFuzzDriver", "NormCore"], path: "fuzz/spec"),
    .executableTarget(name: "fuzz-csv", dependencies: ["NormFuzzDriver", "NormCore"], path: "fuzz/csv"),
    .executableTarget(name: "fuzz-idx", dependencies: ["NormFuzzDriver", "NormCore"], path: "fuzz/idx"),
    .executableTarget(
      name: "fuzz-format",
      dependencies: ["NormFuzzDriver", "NormScene", "NormView", "NormLab", "NormCore", "NormSupport"],
      path: "fuzz/format"),
    .testTarget(name: "NormSupportTests", dependencies: ["NormSupport"]),
    .testTarget(name: "NormCoreTests", dependencies: ["NormCore", "NormSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "NormLabTests", dependencies: ["NormLab", "NormCore", "NormSupport"]),
    .testTarget(name: "NormFuzzTests", dependencies: ["NormFuzz"]),
    .testTarget(name: "NormSceneTests", dependencies: ["NormScene", "NormView", "NormLab", "NormCore", "NormSupport"]),
    .testTarget(name: "NormAppTests", dependencies: ["NormApp", "NormView", "NormLab", "NormCore", "NormScene"]),
    .testTarget(
      name: "NormViewTests", dependencies: ["NormView", "NormScene", "NormLab", "NormCore", "NormSupport"],
      exclude: ["Golden"]),
  ],
  swiftLanguageModes: [.v6]
)
