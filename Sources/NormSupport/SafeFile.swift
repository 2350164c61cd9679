#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that could not be written: one plain line, `cannot write PATH: <reason>`.
public struct SafeFileError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file that was to be written (not the temporary file).
  public let path: String
  /// The `errno` value of the call that failed.
  public let code: Int32

  public init(path: String, code: Int32) {
    self.path = path
    self.code = code
  }

  /// The system's text for `code` ("No such file or directory").
  public var reason: String {
    guard let s = strerror(code) else { return "error \(code)" }
    return printable(String(cString: s))
  }

  public var description: String { "cannot write \(printable(path)): \(reason)" }
}

/// The one way NormScope writes files: complete or not at all, never through a planted
/// symlink, never over a file it did not mean to replace.
///
/// - `replace(path:contents:)` writes an unpredictably named temporary file next to the target
///   (created exclusively, mode 0600, never following a symlink), writes every byte, fsyncs,
///   gives it the permission bits of the file it replaces (0644 less the umask for a new file)
///   and renames it over the target. A reader sees the old file or the new one, never a mix;
///   on any failure the temporary file is removed and the target is untouched. A symlink at
///   the target is replaced by the file, not followed.
/// - `createUnique(directory:base:extension:contents:)` never replaces anything: it takes the
///   first free name of `base.ext`, `base-2.ext`, `base-3.ext`, … The complete file is
///   published under that name with `link(2)`, which fails when the name exists (even as a
///   dangling symlink), so two processes or threads can never take the same name and a reader
///   never sees a half-written file. Several extensions can share one name (a screenshot's
///   `.txt` and `.ansi`).
///
/// Errors are `SafeFileError`. No Foundation: POSIX calls only.
public enum SafeFile {
  /// Highest suffix `createUnique` tries before giving up (EEXIST).
  public static let maxUniqueSuffix = 100_000

  /// Atomically replaces (or creates) the file at `path` with `contents`.
  public static func replace(path: String, contents: [UInt8]) throws(SafeFileError) {
    let fail = { (code: Int32) in SafeFileError(path: path, code: code) }
    guard !path.isEmpty, !path.utf8.contains(0) else { throw fail(EINVAL) }
    let (dir, name) = split(path)
    guard !name.isEmpty, name != ".", name != ".." else { throw fail(EISDIR) }
    // Permission bits of the file being replaced; nil for a new file.
    var keepMode: mode_t? = nil
    var st = stat()
    if stat(path, &st) == 0 {
      guard st.st_mode & 0o170000 != 0o040000 else { throw fail(EISDIR) }
      keepMode = st.st_mode & 0o777
    } else if errno != ENOENT {
      throw fail(errno)
    }
    let temp = try writeTemporary(dir: dir, name: name, contents: contents, mode: keepMode, for: path)
    if rename(temp, path) != 0 {
      let e = errno
      unlink(temp)
      throw fail(e)
    }
    syncDirectory(dir)
  }

  /// Atomically replaces (or creates) the file at `path` with the UTF-8 of `contents`.
  public static func replace(path: String, contents: String) throws(SafeFileError) {
    try replace(path: path, contents: Array(contents.utf8))
  }

  /// Creates a new file `directory/base.ext` (or `base-2.ext`, `base-3.ext`, … if taken) holding
  /// `contents`, and returns its path. Never replaces an existing file. `alwaysNumbered` starts
  /// at `base-1.ext` instead of `base.ext`.
  @discardableResult
  public static func createUnique(
    directory: String, base: String, extension ext: String, contents: [UInt8], alwaysNumbered: Bool = false
  ) throws(SafeFileError) -> String {
    try createUnique(
      directory: directory, base: base, files: [(ext, contents)], alwaysNumbered: alwaysNumbered, hardLinks: true)
      + dotted(ext)
  }

  /// Creates a group of new files sharing one name, `directory/NAME.ext` for each extension,
  /// where NAME is the first of `base`, `base-2`, `base-3`, … free for every extension. Returns
  /// `directory/NAME` (without extension). Never replaces an existing file. `alwaysNumbered`
  /// starts at `base-1`.
  @discardableResult
  public static func createUnique(
    directory: String, base: String, files: [(extension: String, contents: [UInt8])], alwaysNumbered: Bool = false
  ) throws(SafeFileError) -> String {
    try createUnique(directory: directory, base: base, files: files, alwaysNumbered: alwaysNumbered, hardLinks: true)
  }

  /// `createUnique` choosing how files are published: with `hardLinks: false`, each name is
  /// created with O_CREAT|O_EXCL and written in place (the fallback for file systems without
  /// hard links). For tests.
  @_spi(Testing) @discardableResult
  public static func createUnique(
    directory: String, base: String, files: [(extension: String, contents: [UInt8])], alwaysNumbered: Bool = false,
    hardLinks: Bool
  ) throws(SafeFileError) -> String {
    let dir = directory.isEmpty ? "." : directory
    let prefix = dir.hasSuffix("/") ? dir : dir + "/"
    let firstPath = prefix + base + (alwaysNumbered ? "-1" : "") + dotted(files.first?.extension ?? "")
    guard !files.isEmpty, !base.isEmpty, !base.contains("/"), !dir.utf8.contains(0), !base.utf8.contains(0),
      files.allSatisfy({ !$0.extension.contains("/") && !$0.extension.utf8.contains(0) })
    else { throw SafeFileError(path: firstPath, code: EINVAL) }

    // Write every file completely first, under temporary names.
    var temps = [String]()
    defer { for t in temps { unlink(t) } }
    var linking = hardLinks
    if linking {
      for f in files {
        temps.append(
          try writeTemporary(
            dir: dir, name: base + dotted(f.extension), contents: f.contents, mode: nil, for: firstPath))
      }
    }
    for n in 1...maxUniqueSuffix {
      let name = prefix + base + (n > 1 || alwaysNumbered ? "-\(n)" : "")
      var made = [String]()
      var taken = false
      for (i, f) in files.enumerated() {
        let target = name + dotted(f.extension)
        if linking {
          if link(temps[i], target) == 0 {
            made.append(target)
            continue
          }
          let e = errno
          if e == EEXIST {
            taken = true
            break
          }
          guard [EPERM, ENOTSUP, EOPNOTSUPP, ENOSYS, EMLINK, EXDEV].contains(e) else {
            for m in made { unlink(m) }
            throw SafeFileError(path: target, code: e)
          }
          // No hard links here: create each name exclusively and write in place.
          linking = false
        }
        let code = writeExclusive(target, f.contents)
        if code == 0 {
          made.append(target)
          continue
        }
        if code == EEXIST {
          taken = true
          break
        }
        for m in made { unlink(m) }
        throw SafeFileError(path: target, code: code)
      }
      if taken {
        // Another writer holds this name for one of the extensions: give back ours, try the next.
        for m in made { unlink(m) }
        continue
      }
      syncDirectory(dir)
      return name
    }
    throw SafeFileError(path: firstPath, code: EEXIST)
  }

  // MARK: - POSIX plumbing

  static func dotted(_ ext: String) -> String { ext.isEmpty ? "" : "." + ext }

  /// (directory, last component); the directory is "." for a bare name.
  static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[...slash])
    return (dir, String(path[path.index(after: slash)...]))
  }

  /// Creates `dir/.NAME.tmp-RANDOM` exclusively (O_CREAT|O_EXCL|O_NOFOLLOW: a file or symlink
  /// already there makes the attempt fail, and a new random name is tried), writes `contents`,
  /// sets `mode` (nil: 0644 less the umask), fsyncs and closes it. Returns its path; on failure
  /// removes it and throws an error naming `target`.
  static func writeTemporary(
    dir: String, name: String, contents: [UInt8], mode: mode_t?, for target: String
  ) throws(SafeFileError) -> String {
    let prefix = dir == "." ? "" : dir.hasSuffix("/") ? dir : dir + "/"
    // Keep the temporary name under NAME_MAX: at most 100 bytes of the target's name.
    var stem = ""
    for ch in name {
      if stem.utf8.count + String(ch).utf8.count > 100 { break }
      stem.append(ch)
    }
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<100 {
      let random = String((0..<12).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
      let temp = prefix + "." + stem + ".tmp-" + random
      // A new file gets 0644 less the umask from the kernel; a replacement starts private.
      let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode == nil ? 0o644 : 0o600)
      if fd < 0 {
        if errno == EEXIST { continue }
        throw SafeFileError(path: target, code: errno)
      }
      var code = writeAll(fd, contents)
      if code == 0, let mode, fchmod(fd, mode) != 0 { code = errno }
      if code == 0 { code = sync(fd) }
      if close(fd) != 0, code == 0, errno != EINTR { code = errno }
      if code != 0 {
        unlink(temp)
        throw SafeFileError(path: target, code: code)
      }
      return temp
    }
    throw SafeFileError(path: target, code: EEXIST)
  }

  /// Creates `path` exclusively (0644 less the umask), writes, fsyncs. Returns 0 or errno; on a
  /// failure after creating it, removes it.
  static func writeExclusive(_ path: String, _ contents: [UInt8]) -> Int32 {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    if fd < 0 { return errno }
    var code = writeAll(fd, contents)
    if code == 0 { code = sync(fd) }
    if close(fd) != 0, code == 0, errno != EINTR { code = errno }
    if code != 0 { unlink(path) }
    return code
  }

  /// Writes every byte (retrying short writes and EINTR). Returns 0 or errno.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
    bytes.withUnsafeBytes { raw -> Int32 in
      guard let base = raw.baseAddress else { return 0 }
      var done = 0
      while done < raw.count {
        let n = write(fd, base + done, min(raw.count - done, 1 << 30))
        if n < 0 {
          if errno == EINTR { continue }
          return errno
        }
        if n == 0 { return EIO }
        done += n
      }
      return 0
    }
  }

  /// fsync, retried on EINTR; file systems that cannot sync (EINVAL) count as success.
  static func sync(_ fd: Int32) -> Int32 {
    while fsync(fd) != 0 {
      if errno == EINTR { continue }
      return errno == EINVAL ? 0 : errno
    }
    return 0
  }

  /// Makes a rename or link in `dir` durable (best effort).
  static func syncDirectory(_ dir: String) {
    let fd = open(dir, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = sync(fd)
    close(fd)
  }
}

/// A file written a line at a time and kept: `sweep --output` streams one line per finished
/// run. Each ``append(_:)`` is complete before it returns (write(2), retried on short writes and
/// EINTR; O_APPEND, so two processes appending to one file never overwrite each other), so an
/// interrupted process leaves every finished line and at most one cut-off last line, which a
/// reader drops (and a resuming writer removes with ``truncate(to:)``). Never follows a symlink.
public final class AppendingFile: Sendable {
  public let path: String
  let fd: Int32

  /// Opens `path` for appending, creating it (0644 less the umask) when missing.
  public init(path: String) throws(SafeFileError) {
    self.path = path
    guard !path.isEmpty, !path.utf8.contains(0) else { throw SafeFileError(path: path, code: EINVAL) }
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SafeFileError(path: path, code: errno) }
    var st = stat()
    if fstat(fd, &st) == 0, st.st_mode & 0o170000 != 0o100000 {
      close(fd)
      throw SafeFileError(path: path, code: st.st_mode & 0o170000 == 0o040000 ? EISDIR : EINVAL)
    }
    self.fd = fd
  }

  deinit { close(fd) }

  /// The file's size now.
  public var size: Int {
    var st = stat()
    return fstat(fd, &st) == 0 ? Int(st.st_size) : 0
  }

  /// Cuts the file to `length` bytes (a cut-off last line, before appending after it).
  public func truncate(to length: Int) throws(SafeFileError) {
    guard ftruncate(fd, off_t(length)) == 0 else { throw SafeFileError(path: path, code: errno) }
  }

  /// Appends every byte of `text`.
  public func append(_ text: String) throws(SafeFileError) {
    let code = SafeFile.writeAll(fd, Array(text.utf8))
    guard code == 0 else { throw SafeFileError(path: path, code: code) }
  }
}
