/// The one place the version lives: `normscope --version`, the man page and `make install`
/// (which reads it from the built binary) all take it from here.
enum BuildInfo {
  static let version = "0.15.0"

  /// What the compiler knows about this build, without a clock, git or the network: the Swift
  /// compiler, the configuration and the platform.
  static var details: String {
    "built with Swift \(compiler), \(configuration), for \(architecture)-\(system)"
  }

  static var versionText: String { "normscope \(version)\n\(details)" }

  static var compiler: String {
    #if compiler(>=6.5)
      ">= 6.5"
    #elseif compiler(>=6.4)
      "6.4"
    #elseif compiler(>=6.3)
      "6.3"
    #elseif compiler(>=6.2)
      "6.2"
    #elseif compiler(>=6.1)
      "6.1"
    #else
      "6.0"
    #endif
  }

  static var configuration: String {
    #if DEBUG
      "debug"
    #else
      "release"
    #endif
  }

  static var architecture: String {
    #if arch(x86_64)
      "x86_64"
    #elseif arch(arm64)
      "arm64"
    #else
      "unknown-arch"
    #endif
  }

  static var system: String {
    #if os(Linux)
      "linux"
    #elseif os(macOS)
      "macos"
    #else
      "unknown-os"
    #endif
  }
}
