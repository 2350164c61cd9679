import Foundation
import NormFuzz
import Testing

@Suite("Fuzzing (bounded run; `make fuzz` runs 10^6)")
struct FuzzTests {
  @Test("mutated scenes, specs and data: no crash, no hang, every rejection positioned")
  func bounded() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fuzz/corpus")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    let scenes = try files.filter { $0.hasSuffix(".scene") }.sorted().map {
      try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)
    }
    let specs = try String(contentsOf: dir.appendingPathComponent("specs.txt"), encoding: .utf8).split(separator: "\n")
      .map(String.init)
    let csv = try String(contentsOf: dir.appendingPathComponent("data.csv"), encoding: .utf8)
    #expect(scenes.count >= 10)
    let n = Int(ProcessInfo.processInfo.environment["NORMSCOPE_FUZZ_INPUTS"] ?? "") ?? 10_000
    var f = Fuzzer(seed: 7, corpus: scenes, specs: specs, csv: csv)
    let start = Date()
    let r = f.run(count: n) { Date().timeIntervalSince(start) }
    #expect(r.problems.isEmpty, "\(r.problems)")
    #expect(r.inputs == n && r.rejected > n / 10 && r.accepted > n / 10, "\(r)")
    // A guard against hangs, not a benchmark: the suite runs beside training tests on 2 cores.
    #expect(r.slowest < 2, "an input took \(r.slowest) s")
  }

  @Test("every input the fuzzer ever broke on is handled now (Tests/Fuzz/crashes)")
  func keptCrashes() throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fuzz/crashes")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(!files.isEmpty)
    for name in files {
      let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
      let kind = name.hasPrefix("spec-") ? "spec" : "scene"
      let start = Date()
      #expect(Fuzzer.recheck(text, kind: kind).isEmpty, "\(name)")
      #expect(Date().timeIntervalSince(start) < 0.5, "\(name)")
    }
  }
}
