import Foundation
import NormApp
import NormCore
import NormLab
import NormScene
import Testing

/// The experiment editor rejects what the command line rejects, with the same message: each bad
/// value is typed into the editor and passed to the built `normscope train`, and the editor's
/// inline message must be in what the command line prints.
@Suite struct EditorCommandLineTests {
  /// Runs the binary; returns standard error and the exit status.
  static func stderr(_ arguments: [String]) throws -> (String, Int32) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: normscopeBinary())
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = FileHandle.nullDevice
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), p.terminationStatus)
  }

  typealias Field = ExperimentEditor.Field

  /// (what the editor is set to, the field whose message to compare, the command line's flags).
  static let cases: [(String, @Sendable (inout ExperimentEditor) -> Void, Field, [String])] = [
    ("lr abc", { $0.lr = "abc" }, .lr, ["--lr", "abc"]),
    ("lr 2e6", { $0.lr = "2e6" }, .lr, ["--lr", "2e6"]),
    ("batch 0", { $0.batch = "0" }, .batch, ["--batch", "0"]),
    ("batch 1.5", { $0.batch = "1.5" }, .batch, ["--batch", "1.5"]),
    ("momentum 1", { $0.momentum = "1" }, .momentum, ["--momentum", "1"]),
    ("weight decay -1", { $0.weightDecay = "-1" }, .weightDecay, ["--weight-decay=-1"]),
    ("init scale 0", { $0.initScale = "0" }, .initScale, ["--init-scale", "0"]),
    (
      "init normal:x",
      {
        $0.initScheme = .normal
        $0.initStd = "x"
      }, .initStd, ["--init", "normal:x"]
    ),
    (
      "nesterov without momentum", { $0.nesterov = true }, .nesterov, ["--nesterov"]
    ),
    (
      "spirals classes 1",
      {
        $0.data = .spirals
        $0.classes = "1"
      }, .classes, ["--data", "spirals:classes=1"]
    ),
    (
      "moons noise x",
      {
        $0.data = .moons
        $0.noise = "x"
      }, .noise, ["--data", "moons:noise=x"]
    ),
    (
      "a reserved variant name", { $0.variants[0].name = "for" }, .name(0),
      ["--model", "for: linear 32, relu, linear 32, relu, linear 10"]
    ),
  ]

  @Test("each bad value: the editor's inline message is the command line's", arguments: cases.indices)
  func sameMessage(index: Int) throws {
    let (what, edit, field, flags) = Self.cases[index]
    var e = ExperimentEditor()
    edit(&e)
    e.validate()
    let message = try #require(e.errors[field], "\(what): the editor accepted it (\(e.errors))")
    let (err, status) = try Self.stderr(["train"] + flags)
    #expect(status != 0, "\(what): the command line accepted it")
    #expect(err.contains(message), "\(what): editor says \(message); command line says \(err)")
  }

  @Test("a spec error: the same message at the same column, with did-you-mean")
  func specMessage() throws {
    var e = ExperimentEditor()
    e.variants[0].specMode = true
    e.variants[0].spec = "linear 32, relu, linaer 10"
    e.validate()
    #expect(e.errors[.spec(0)] == "column 18: unknown layer 'linaer' (did you mean linear?)")
    let (err, _) = try Self.stderr(["train", "--model", "linear 32, relu, linaer 10"])
    #expect(err.contains(":1:18: error: unknown layer 'linaer' (did you mean linear?)"), "\(err)")
  }
}
