import Foundation
import NormApp
import NormCore
import NormLab
import NormView
import Testing

/// The built `normscope` beside this test bundle (`swift build --build-tests` builds both).
func normscopeBinary() -> String {
  let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
  // macOS runs tests from inside an .xctest bundle: climb out of it.
  while dir.path.contains(".xctest") { dir.deleteLastPathComponent() }
  return dir.appendingPathComponent("normscope").path
}

/// Runs the binary; returns standard output and the exit status.
func runNormscope(_ arguments: [String]) throws -> (String, Int32) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: normscopeBinary())
  p.arguments = arguments
  let pipe = Pipe()
  p.standardOutput = pipe
  p.standardError = FileHandle.nullDevice
  try p.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  return (String(decoding: data, as: UTF8.self), p.terminationStatus)
}

/// Every option of every command, from the argument parser's own description of the command
/// line (`--experimental-dump-help`, the source of the man page and the completion scripts).
struct DumpedOption {
  var command: String
  var name: String
  var help: String
  /// The values a shell completes, when the option declares a fixed list.
  var values: [String]?

  static func all() throws -> [DumpedOption] {
    let (json, status) = try runNormscope(["--experimental-dump-help"])
    #expect(status == 0)
    let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    var out: [DumpedOption] = []
    func walk(_ command: [String: Any], path: String) {
      for arg in command["arguments"] as? [[String: Any]] ?? [] {
        let names = (arg["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let name = names.first.map { "--" + $0 } ?? (arg["valueName"] as? String ?? "?")
        let completion = arg["completionKind"] as? [String: Any]
        let list = (completion?["list"] as? [String: Any])?["values"] as? [String]
        out.append(
          DumpedOption(
            command: path, name: name,
            help: (arg["abstract"] as? String ?? "") + " " + (arg["discussion"] as? String ?? ""),
            values: list))
      }
      for sub in command["subcommands"] as? [[String: Any]] ?? [] {
        walk(sub, path: path + " " + (sub["commandName"] as? String ?? "?"))
      }
    }
    walk(root?["command"] as? [String: Any] ?? [:], path: "normscope")
    return out
  }
}

@Suite("Command-line help")
struct CommandLineHelpTests {
  /// The options that take one of a fixed set of values, with the set from the type that
  /// parses them: each must declare exactly these values for completion.
  static let fixedSets: [String: [String]] = [
    "--glyphs": GlyphSet.allCases.map(\.rawValue),
    "--colors": ColorMode.allCases.map(\.rawValue),
    "--optimizer": OptimizerSettings.Kind.allCases.map(\.rawValue),
    "--loss": LossKind.allCases.map(\.rawValue),
    "--format": ScreenshotFormat.allCases.map(\.rawValue),
    "--focus": PanelKind.allCases.map(\.rawValue),
    "--inference-mode": Mode.allCases.map(\.rawValue),
    "--freeze": ["norm"],
    "--init": ["pytorch", "kaiming", "xavier", "normal:"],
    "--speed": LabThread.speeds.map(String.init),
    "--cast-speed": LabThread.speeds.map(String.init),
  ]

  @Test("every option with a fixed set of values lists every value in its help")
  func everyValueListed() throws {
    let options = try DumpedOption.all()
    #expect(options.count > 60, "the dump describes every command's options")
    var checked = Set<String>()
    for o in options {
      if let expected = Self.fixedSets[o.name] {
        #expect(o.values == expected, "\(o.command) \(o.name) completes \(o.values ?? []), expected \(expected)")
        checked.insert(o.name)
      }
      guard let values = o.values else { continue }
      for v in values {
        // Whole words: "8" must not be found inside "128" ("normal:" goes on with "STD").
        let end = v.last.map { $0.isLetter || $0.isNumber } == true ? "($|[^A-Za-z0-9])" : ""
        let pattern = "(^|[^A-Za-z0-9])" + NSRegularExpression.escapedPattern(for: v) + end
        #expect(
          o.help.range(of: pattern, options: .regularExpression) != nil,
          "\(o.command) \(o.name): help does not name '\(v)': \(o.help)")
      }
    }
    #expect(
      checked == Set(Self.fixedSets.keys),
      "options missing from the command line: \(Set(Self.fixedSets.keys).subtracting(checked))")
  }

  @Test("--colors lists truecolor on every command that takes it")
  func colorsListTruecolor() throws {
    let colors = try DumpedOption.all().filter { $0.name == "--colors" }
    #expect(Set(colors.map(\.command)) == ["normscope live", "normscope play", "normscope shot"])
    for o in colors { #expect(o.help.contains("truecolor"), "\(o.command)") }
  }

  @Test("--data names every built-in data set")
  func dataNamesBuiltins() throws {
    for o in try DumpedOption.all() where o.name == "--data" {
      for name in BuiltinData.names { #expect(o.help.contains(name), "\(o.command) --data lacks \(name)") }
    }
  }

  @Test("--version prints the version and build, and exits 0")
  func version() throws {
    let (out, status) = try runNormscope(["--version"])
    #expect(status == 0)
    let lines = out.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first?.range(of: #"^normscope [0-9]+\.[0-9]+\.[0-9]+$"#, options: .regularExpression) != nil)
    #expect(lines.last?.hasPrefix("built with Swift 6.") == true)
  }
}
