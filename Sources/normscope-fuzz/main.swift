// `make fuzz`: runs the NormScope fuzzer for N inputs (default 1,000,000) over the corpus in
// Tests/Fuzz/corpus and prints the report; exits 1 on any problem.
import Foundation
import NormFuzz
import Synchronization

let args = CommandLine.arguments
let count = args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000
let seed = args.count > 2 ? UInt64(args[2]) ?? 1 : 1
let dir = "Tests/Fuzz/corpus"
let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
let scenes = files.filter { $0.hasSuffix(".scene") }.sorted().compactMap {
  try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)
}
let specs = ((try? String(contentsOfFile: dir + "/specs.txt", encoding: .utf8)) ?? "linear 10").split(separator: "\n")
  .map(String.init)
let csv = (try? String(contentsOfFile: dir + "/data.csv", encoding: .utf8)) ?? "1,2,0\n"
guard !scenes.isEmpty else {
  print("normscope-fuzz: no corpus in \(dir) (run from the repository root)")
  exit(2)
}
var fuzzer = Fuzzer(seed: seed, corpus: scenes, specs: specs, csv: csv)
let start = Date()
// NORMSCOPE_FUZZ_LAST=FILE writes each input there before running it, so a crash leaves it behind.
let lastPath = ProcessInfo.processInfo.environment["NORMSCOPE_FUZZ_LAST"]
// A watchdog: an input still running after `hangSeconds` is a hang. It is printed and the run
// fails, rather than the fuzzer waiting forever (or until an unbounded loop exhausts memory).
let hangSeconds = 10.0
let current = Mutex<(serial: Int, started: Date, input: String)>((0, Date(), ""))
let watchdog = Thread {
  var seen = -1
  while true {
    Thread.sleep(forTimeInterval: 1)
    let (serial, started, input) = current.withLock { ($0.serial, $0.started, $0.input) }
    if serial == seen, Date().timeIntervalSince(started) > hangSeconds {
      FileHandle.standardError.write(
        Data("normscope-fuzz: hang: an input ran over \(Int(hangSeconds)) s:\n\(input)\n".utf8))
      exit(1)
    }
    seen = serial
  }
}
watchdog.start()
let report = fuzzer.run(count: count, clock: { Date().timeIntervalSince(start) }) { text in
  current.withLock { $0 = ($0.serial + 1, Date(), text) }
  if let lastPath { _ = FileManager.default.createFile(atPath: lastPath, contents: Data(text.utf8)) }
}
let secs = Date().timeIntervalSince(start)
print("fuzz (seed \(seed)): \(report) in \(String(format: "%.1f", secs)) s (\(Int(Double(count) / secs)) inputs/s)")
for p in report.problems { print("  problem: \(p)") }
exit(report.problems.isEmpty ? 0 : 1)
