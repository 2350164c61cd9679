import NormSupport

/// A sweep file read for drawing (`sweep --show`, `shot --sweep`, `live --sweep`): its runs as
/// ``SweepResults`` and what a reader should be told about it. A file still being written (a
/// sweep running elsewhere, shards not all merged) is drawn as far as it goes.
public struct SweepFile: Sendable {
  /// The most bytes a sweep file may have.
  public static let byteLimit = 1 << 30

  public var results: SweepResults
  /// Notes on the file, each `FILE[:LINE]: …`: a cut-off last line, duplicate runs, runs missing.
  public var notes: [String]

  /// Reads the sweep file at `path`; a line that cannot be read is an error naming the file and
  /// the line (`s.jsonl:7: …`).
  public static func load(_ path: String) throws(SweepError) -> SweepFile {
    SweepFile(try contents(path), file: path)
  }

  /// The file's lines read back (``SweepLog/read(_:file:expecting:)``); with `expecting`, the
  /// file must hold that sweep.
  public static func contents(_ path: String, expecting: SweepDefinition? = nil) throws(SweepError)
    -> SweepLog.Contents
  {
    let bytes: [UInt8]
    do { bytes = try InputFile.read(path, limit: byteLimit, what: "a sweep file") } catch {
      throw SweepError("\(error)")
    }
    return try SweepLog.read(bytes, file: path, expecting: expecting)
  }

  /// The results of `contents` (the first of any duplicate run kept), with the notes.
  public init(_ contents: SweepLog.Contents, file: String) {
    var results = SweepResults(definition: contents.definition)
    var notes: [String] = []
    if let t = contents.truncatedLine {
      notes.append("\(file):\(t): last line incomplete (still being written, or cut off); not shown")
    }
    var duplicates = 0
    for (_, r) in contents.results where !results.add(r) { duplicates += 1 }
    if duplicates > 0 { notes.append("\(file): \(duplicates) duplicate runs ignored (first kept)") }
    if !results.isComplete {
      notes.append("\(file): \(results.count) of \(contents.definition.cellCount) runs; the others show as not run")
    }
    self.results = results
    self.notes = notes
  }
}
