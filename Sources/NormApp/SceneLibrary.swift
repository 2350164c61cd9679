import Foundation
import NormScene
import NormSupport

/// The scenes the live app's browser offers: the built-in tour, then every `.scene` file in the
/// scene directories, each parsed (a file that does not parse is listed with its first error).
public struct SceneLibrary: Sendable {
  public struct Entry: Sendable {
    /// The file's name without `.scene` (`tour` for the built-in one).
    public var name: String
    /// The file, or nil for the built-in tour.
    public var path: String?
    public var scene: Scene?
    /// Why the file cannot be played (`file:line:column: message`).
    public var error: String?
  }

  public var entries: [Entry]

  /// Largest scene file read (the same 1 MB limit as `normscope play`).
  public static let maxBytes = 1_000_000

  /// Where scenes are looked for (by `play NAME`, `check NAME` and the browser), in order:
  /// `$NORMSCOPE_SCENES` (a directory), `./scenes` (a source checkout), and
  /// `share/normscope/scenes` beside the executable's `bin` directory (where `make install`
  /// puts the library).
  public static func defaultDirectories(environment: [String: String], executable: String?) -> [String] {
    var dirs: [String] = []
    if let d = environment["NORMSCOPE_SCENES"], !d.isEmpty { dirs.append(d) }
    dirs.append("scenes")
    if let executable {
      let bin = ((executable as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
      dirs.append(
        ((bin as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share/normscope/scenes"))
    }
    return dirs
  }

  /// The built-in tour and the scene files of `directories` (the first file of each name wins).
  public init(directories: [String]) {
    var entries: [Entry] = []
    if let tour = try? BuiltinScenes.defaultScene() {
      entries.append(Entry(name: "tour", path: nil, scene: tour, error: nil))
    }
    var seen: Set<String> = ["tour"]
    for dir in directories {
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
      for file in names.sorted() where file.hasSuffix(".scene") {
        let name = String(file.dropLast(".scene".count))
        guard !seen.contains(name) else { continue }
        seen.insert(name)
        entries.append(Self.load((dir as NSString).appendingPathComponent(file), name: name))
      }
    }
    self.entries = entries
  }

  /// One scene file, parsed; a file that cannot be read or parsed gives its first error.
  public static func load(_ path: String, name: String? = nil) -> Entry {
    let shownName = name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    do {
      let bytes = try InputFile.read(path, limit: maxBytes, what: "a scene file")
      guard let text = String(validating: bytes, as: UTF8.self) else {
        return Entry(name: shownName, path: path, scene: nil, error: "\(printable(path)): not UTF-8 text")
      }
      return Entry(name: shownName, path: path, scene: try SceneParser.parse(text, file: path), error: nil)
    } catch let e as SceneErrors {
      let first = e.diagnostics.first.map { "\($0.file):\($0.line):\($0.column): \($0.message)" } ?? "\(e)"
      let more = e.diagnostics.count > 1 ? " (and \(e.diagnostics.count - 1) more)" : ""
      return Entry(name: shownName, path: path, scene: nil, error: printable(first) + more)
    } catch {
      return Entry(name: shownName, path: path, scene: nil, error: "\(error)")
    }
  }
}
