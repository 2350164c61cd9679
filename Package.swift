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
    // Release builds skip Swift's run-time exclusivity checks in the numeric core only: they
    // cost 15–30 % of a small network's step (docs/performance.md). Debug builds keep them.
    .target(
      name: "NormCore",
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
    .target(name: "NormLab", dependencies: ["NormCore"]),
    .target(name: "NormScene", dependencies: ["NormLab", "NormCore"]),
    .target(name: "NormFuzz", dependencies: ["NormScene", "NormCore"]),
    .executableTarget(name: "normscope-fuzz", dependencies: ["NormFuzz"]),
    .target(name: "NormView", dependencies: ["NormLab", "NormCore"]),
    .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
    .target(name: "NormTerm", dependencies: ["CNcurses", "NormView"]),
    .executableTarget(
      name: "normscope",
      dependencies: [
        "NormCore",
        "NormLab",
        "NormView",
        "NormTerm",
        "NormScene",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "NormBench", dependencies: ["NormCore", "NormLab", "NormView", "NormScene"], path: "benchmarks/NormBench"),
    .testTarget(name: "NormCoreTests", dependencies: ["NormCore"], exclude: ["Fixtures"]),
    .testTarget(name: "NormLabTests", dependencies: ["NormLab", "NormCore"]),
    .testTarget(name: "NormFuzzTests", dependencies: ["NormFuzz"]),
    .testTarget(name: "NormSceneTests", dependencies: ["NormScene", "NormView", "NormLab", "NormCore"]),
    .testTarget(name: "NormViewTests", dependencies: ["NormView", "NormLab", "NormCore"], exclude: ["Golden"]),
  ],
  swiftLanguageModes: [.v6]
)
