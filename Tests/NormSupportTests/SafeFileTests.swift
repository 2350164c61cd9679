import Foundation
@_spi(Testing) import NormSupport
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fresh directory under the system's temporary directory, removed by `cleanUp`.
struct Scratch {
  let path: String

  init() {
    var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("safefile-XXXXXX")).utf8CString)
    path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
  }

  func file(_ name: String) -> String { path + "/" + name }
  var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
  func read(_ name: String) -> String? {
    FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
  }
  func mode(_ name: String) -> mode_t { lstatMode(name) & 0o7777 }
  func isRegularFile(_ name: String) -> Bool { lstatMode(name) & 0o170000 == 0o100000 }
  func lstatMode(_ name: String) -> mode_t {
    var st = stat()
    return lstat(file(name), &st) == 0 ? st.st_mode : 0
  }
  func cleanUp() {
    chmod(path, 0o755)
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// The process umask (read without changing it on Linux).
func currentUmask() -> mode_t {
  if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
    let v = mode_t(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8)
  {
    return v
  }
  let m = umask(0o022)
  umask(m)
  return m
}

/// Runs `body(i)` for i in 0..<count on `count` threads released together; waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let ready = Atomic<Int>(0)
  let finished = DispatchSemaphore(value: 0)
  let go = DispatchSemaphore(value: 0)
  for i in 0..<count {
    let t = Thread {
      ready.add(1, ordering: .sequentiallyConsistent)
      go.wait()
      body(i)
      finished.signal()
    }
    t.start()
  }
  while ready.load(ordering: .sequentiallyConsistent) < count { usleep(100) }
  for _ in 0..<count { go.signal() }
  for _ in 0..<count { finished.wait() }
}

@Suite("SafeFile: atomic replace, unique names, plain errors")
struct SafeFileTests {
  @Test("replace writes every byte, replaces the old content and leaves no temporary file")
  func replaceWrites() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    try SafeFile.replace(path: d.file("a.txt"), contents: "first")
    #expect(d.read("a.txt") == "first")
    try SafeFile.replace(path: d.file("a.txt"), contents: "second")
    #expect(d.read("a.txt") == "second")
    try SafeFile.replace(path: d.file("empty"), contents: [])
    #expect(d.read("empty") == "")
    // Several MB in one go: every byte arrives in order.
    let big = (0..<3_000_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
    try SafeFile.replace(path: d.file("big"), contents: big)
    #expect(FileManager.default.contents(atPath: d.file("big")).map { [UInt8]($0) } == big)
    #expect(d.names == ["a.txt", "big", "empty"])
  }

  @Test("a relative path is replaced in the current directory's terms")
  func replaceRelative() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    let old = FileManager.default.currentDirectoryPath
    // Relative to a directory given in the path, not the process's current directory.
    try SafeFile.replace(path: d.path + "/./rel.txt", contents: "x")
    #expect(d.read("rel.txt") == "x")
    #expect(FileManager.default.currentDirectoryPath == old)
  }

  @Test("replace keeps the permission bits of the file it replaces; a new file gets 0644 less the umask")
  func replaceKeepsMode() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    for mode: mode_t in [0o600, 0o640, 0o604, 0o755] {
      let name = "m\(String(mode, radix: 8))"
      try SafeFile.replace(path: d.file(name), contents: "old")
      chmod(d.file(name), mode)
      try SafeFile.replace(path: d.file(name), contents: "new")
      #expect(d.mode(name) == mode, "mode \(String(mode, radix: 8)) became \(String(d.mode(name), radix: 8))")
      #expect(d.read(name) == "new")
    }
    try SafeFile.replace(path: d.file("fresh"), contents: "x")
    #expect(d.mode("fresh") == 0o644 & ~currentUmask())
    let u = try SafeFile.createUnique(directory: d.path, base: "u", extension: "txt", contents: [1])
    #expect(d.mode((u as NSString).lastPathComponent) == 0o644 & ~currentUmask())
  }

  @Test("a symlink planted at any predictable name is never followed")
  func symlinksNotFollowed() throws {
    let d = Scratch()
    let outside = Scratch()
    defer {
      d.cleanUp()
      outside.cleanUp()
    }
    try SafeFile.replace(path: outside.file("victim"), contents: "precious")
    // The names a predictable writer would use for a temporary file of out.txt.
    let pid = getpid()
    for n in [
      ".out.txt.tmp-\(pid)", ".out.txt.tmp", "out.txt.tmp", ".out.txt.swp", "out.txt~", ".out.txt.tmp-\(pid + 1)",
    ] {
      #expect(symlink(outside.file("victim"), d.file(n)) == 0)
    }
    try SafeFile.replace(path: d.file("out.txt"), contents: "mine")
    #expect(outside.read("victim") == "precious")
    #expect(d.read("out.txt") == "mine")

    // A symlink at the target itself is replaced by the file, not written through.
    #expect(symlink(outside.file("victim"), d.file("link.txt")) == 0)
    try SafeFile.replace(path: d.file("link.txt"), contents: "replaced")
    #expect(outside.read("victim") == "precious")
    #expect(d.isRegularFile("link.txt"), "link.txt is still a symlink")

    // createUnique skips names held by symlinks, dangling or not, in both publishing modes.
    for hardLinks in [true, false] {
      let base = hardLinks ? "shot" : "fallback"
      #expect(symlink(outside.file("victim"), d.file("\(base).txt")) == 0)
      #expect(symlink(outside.file("nothing-here"), d.file("\(base)-2.ansi")) == 0)
      let got = try SafeFile.createUnique(
        directory: d.path, base: base, files: [("txt", Array("t".utf8)), ("ansi", Array("a".utf8))],
        hardLinks: hardLinks)
      #expect(got == d.file("\(base)-3"))
      #expect(d.read("\(base)-3.txt") == "t" && d.read("\(base)-3.ansi") == "a")
      #expect(!FileManager.default.fileExists(atPath: outside.file("nothing-here")))
      #expect(outside.read("victim") == "precious")
    }
    #expect(
      !d.names.contains {
        $0.contains(".tmp-") && !$0.hasPrefix(".out.txt.tmp-\(pid)") && !$0.hasPrefix(".out.txt.tmp-\(pid + 1)")
      })
  }

  @Test("createUnique takes base.ext, base-2.ext, … and never replaces a file")
  func uniqueNames() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    try SafeFile.replace(path: d.file("rec.scene"), contents: "older")
    #expect(
      try SafeFile.createUnique(directory: d.path, base: "rec", extension: "scene", contents: [65])
        == d.file("rec-2.scene"))
    #expect(
      try SafeFile.createUnique(directory: d.path, base: "rec", extension: "scene", contents: [66])
        == d.file("rec-3.scene"))
    #expect(d.read("rec.scene") == "older" && d.read("rec-2.scene") == "A" && d.read("rec-3.scene") == "B")
    // A group shares one name: an .ansi alone already takes the name for the pair.
    try SafeFile.replace(path: d.file("s.ansi"), contents: "other")
    let pair = try SafeFile.createUnique(directory: d.path, base: "s", files: [("txt", [1]), ("ansi", [2])])
    #expect(pair == d.file("s-2"))
    #expect(d.read("s.ansi") == "other")
    #expect(!d.names.contains("s.txt"), "a half-taken name left our .txt behind")
    // Numbered from 1 (recordings: recording-1.scene, recording-2.scene, …).
    #expect(
      try SafeFile.createUnique(
        directory: d.path, base: "rec", extension: "scene", contents: [67], alwaysNumbered: true)
        == d.file("rec-1.scene"))
    #expect(
      try SafeFile.createUnique(
        directory: d.path, base: "rec", extension: "scene", contents: [68], alwaysNumbered: true)
        == d.file("rec-4.scene"))
    #expect(!d.names.contains { $0.contains(".tmp-") })
  }

  @Test("threads creating unique files in one directory at once never share a name", arguments: [true, false])
  func concurrentUnique(hardLinks: Bool) throws {
    let d = Scratch()
    defer { d.cleanUp() }
    let threads = 8
    let each = 25
    let results = Mutex<[(String, String)]>([])
    let failures = Mutex<[String]>([])
    onThreads(threads) { t in
      for k in 0..<each {
        let token = "writer \(t) file \(k)"
        do {
          let name = try SafeFile.createUnique(
            directory: d.path, base: "normscope-step7",
            files: [("txt", Array(token.utf8)), ("ansi", Array((token + " ansi").utf8))], hardLinks: hardLinks)
          results.withLock { $0.append((name, token)) }
        } catch {
          failures.withLock { $0.append("\(error)") }
        }
      }
    }
    #expect(failures.withLock { $0 } == [])
    let got = results.withLock { $0 }
    #expect(got.count == threads * each)
    #expect(Set(got.map(\.0)).count == threads * each, "two writers were given the same name")
    for (name, token) in got {
      let base = (name as NSString).lastPathComponent
      #expect(d.read(base + ".txt") == token, "\(base).txt holds another writer's content")
      #expect(d.read(base + ".ansi") == token + " ansi")
    }
    #expect(d.names.count == 2 * threads * each)
  }

  @Test("threads replacing one file at once: it always holds one writer's complete content")
  func concurrentReplace() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    let payload: @Sendable (Int) -> String = {
      String(repeating: Character(UnicodeScalar(UInt8(65 + $0))), count: 200_000)
    }
    onThreads(6) { t in
      for _ in 0..<5 { try? SafeFile.replace(path: d.file("shared.txt"), contents: payload(t)) }
    }
    let final = d.read("shared.txt") ?? ""
    #expect((0..<6).contains { final == payload($0) })
    #expect(d.names == ["shared.txt"])
  }

  @Test("failures are one plain line naming the file, and leave nothing behind")
  func plainErrors() throws {
    let d = Scratch()
    defer { d.cleanUp() }
    func message(_ body: () throws -> Void) -> String? {
      do {
        try body()
        return nil
      } catch { return "\(error)" }
    }
    let missing = message { try SafeFile.replace(path: d.file("nodir/x.txt"), contents: "x") }
    #expect(missing == "cannot write \(d.file("nodir/x.txt")): No such file or directory")

    try FileManager.default.createDirectory(atPath: d.file("adir"), withIntermediateDirectories: false)
    try SafeFile.replace(path: d.file("adir/keep"), contents: "precious")
    #expect(
      message { try SafeFile.replace(path: d.file("adir"), contents: "x") }
        == "cannot write \(d.file("adir")): Is a directory")
    #expect(d.read("adir/keep") == "precious")

    try SafeFile.replace(path: d.file("plain"), contents: "f")
    #expect(
      message { try SafeFile.replace(path: d.file("plain/x"), contents: "x") }
        == "cannot write \(d.file("plain/x")): Not a directory")
    #expect(
      message {
        try SafeFile.createUnique(directory: d.file("nodir"), base: "s", files: [("txt", [1]), ("ansi", [2])])
      }
        == "cannot write \(d.file("nodir/s.txt")): No such file or directory")

    // Control characters in a file name are shown as ?, never sent to the terminal.
    let hostile = message { try SafeFile.replace(path: d.file("nodir/\u{1B}]0;owned\u{07}.txt"), contents: "x") }
    #expect(hostile == "cannot write \(d.file("nodir/?]0;owned?.txt")): No such file or directory")

    // A directory we may not write to.
    chmod(d.file("adir"), 0o555)
    var readOnly = d.file("adir")
    if access(readOnly, W_OK) == 0 {
      // Root writes anywhere it can chmod; sysfs refuses new files even to root.
      readOnly = access("/sys", W_OK) == 0 || geteuid() != 0 ? "" : "/sys"
    }
    if !readOnly.isEmpty {
      let m = message { try SafeFile.replace(path: readOnly + "/out.txt", contents: "x") }
      #expect(m == "cannot write \(readOnly)/out.txt: Permission denied")
      let u = message { try SafeFile.createUnique(directory: readOnly, base: "out", extension: "txt", contents: [1]) }
      #expect(u == "cannot write \(readOnly)/out.txt: Permission denied")
    }
    chmod(d.file("adir"), 0o755)

    for m in [missing, hostile] { #expect(m.map { !$0.contains("\n") && !$0.contains("Domain") } == true) }
    #expect(!d.names.contains { $0.contains(".tmp-") })
    #expect(d.names == ["adir", "plain"])
  }
}
