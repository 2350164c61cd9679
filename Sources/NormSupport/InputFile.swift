import Foundation

/// Reads input files within a size limit, never reading more than the limit (a FIFO, a
/// device such as /dev/zero or a file that grows while read cannot exhaust memory).
public enum InputFile {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// The bytes of `path`; fails with one plain line when it cannot be opened, is a directory,
  /// or holds more than `limit` bytes. `what` names the kind of file in the message.
  public static func read(_ path: String, limit: Int, what: String) throws -> [UInt8] {
    let shown = printable(path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw Failure(description: "\(shown): is a directory, not \(what)")
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
      throw Failure(description: "\(shown): cannot read the file (\(reason))")
    }
    defer { try? handle.close() }
    let data: Data?
    do { data = try handle.read(upToCount: limit + 1) } catch {
      throw Failure(description: "\(shown): cannot read the file (\(error.localizedDescription))")
    }
    let bytes = [UInt8](data ?? Data())
    guard bytes.count <= limit else {
      throw Failure(description: "\(shown): larger than \(describe(limit)), the limit for \(what)")
    }
    return bytes
  }

  /// "1 MB" or "512 MiB".
  public static func describe(_ bytes: Int) -> String {
    bytes % (1 << 20) == 0
      ? "\(bytes >> 20) MiB" : bytes % 1_000_000 == 0 ? "\(bytes / 1_000_000) MB" : "\(bytes) bytes"
  }
}
