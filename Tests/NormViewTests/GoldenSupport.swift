import Foundation
import NormView
import Testing

let goldenURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

/// Compares `text` with the committed golden file `name`; with NORMSCOPE_UPDATE_GOLDEN=1 in the
/// environment it (re)writes the file instead. A missing golden file is a failure.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let url = goldenURL.appendingPathComponent(name)
  if ProcessInfo.processInfo.environment["NORMSCOPE_UPDATE_GOLDEN"] == "1" {
    try? FileManager.default.createDirectory(at: goldenURL, withIntermediateDirectories: true)
    try? Data(text.utf8).write(to: url)
    return
  }
  guard let data = try? Data(contentsOf: url), let golden = String(data: data, encoding: .utf8) else {
    Issue.record(
      "missing golden file \(name); run with NORMSCOPE_UPDATE_GOLDEN=1 and review it", sourceLocation: sourceLocation)
    return
  }
  if golden != text {
    let a = golden.split(separator: "\n", omittingEmptySubsequences: false)
    let b = text.split(separator: "\n", omittingEmptySubsequences: false)
    let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    let want = first < a.count ? String(a[first]) : "<end>"
    let got = first < b.count ? String(b[first]) : "<end>"
    Issue.record(
      "\(name) differs at line \(first + 1):\n  golden: \(want)\n  actual: \(got)", sourceLocation: sourceLocation)
  }
}
