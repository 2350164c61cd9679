// swift-tools-version: 6.1
// Examples of NormCore used as a library by another package. `make test` builds and runs them.
import PackageDescription

let package = Package(
  name: "NormCoreExamples",
  dependencies: [
    // In your own package: .package(url: "https://github.com/OWNER/normscope", from: "…")
    .package(name: "NormScope", path: "..")
  ],
  targets: [
    .executableTarget(
      name: "bn-paper-mlp", dependencies: [.product(name: "NormCore", package: "NormScope")])
  ],
  swiftLanguageModes: [.v6]
)
