import Foundation
import NormView
import Testing

/// The key table (`KeyBinding.all`) is the one source of the live app's keys: these tests keep
/// it whole and keep README's key table equal to it.
@Suite struct KeyBindingTests {
  /// README.md at the package root (two folders above this file's folder).
  static let readmeURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("README.md")

  /// The rows (keys, description) of README's table headed `| key | does |`.
  static func readmeRows() throws -> [(keys: String, does: String)] {
    let text = try String(contentsOf: readmeURL, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.firstIndex(of: "| key | does |"), "README has no `| key | does |` table")
    var rows: [(String, String)] = []
    for line in lines[(header + 2)...] {
      guard line.hasPrefix("| "), line.hasSuffix(" |") else { break }
      let inner = line.dropFirst(2).dropLast(2)
      let cells = inner.components(separatedBy: " | ")
      try #require(cells.count == 2, "README key row with \(cells.count) cells: \(line)")
      rows.append((cells[0], cells[1]))
    }
    return rows
  }

  @Test("README's key table lists exactly the table's rows, in order, with the same descriptions")
  func readmeMatchesTable() throws {
    let rows = try Self.readmeRows()
    #expect(rows.count == KeyBinding.all.count)
    for (row, binding) in zip(rows, KeyBinding.all) {
      #expect(row.keys.replacingOccurrences(of: "`", with: "") == binding.label)
      #expect(row.does == binding.readme, "README row for \(binding.label)")
    }
    let missing = KeyBinding.all.map(\.label).filter { l in
      !rows.contains { $0.keys.replacingOccurrences(of: "`", with: "") == l }
    }
    #expect(missing.isEmpty, "keys missing from README: \(missing)")
  }

  @Test("every action has exactly one row, and no key triggers two actions")
  func everyActionOnce() {
    let actions = KeyBinding.all.flatMap(\.actions)
    #expect(Set(actions) == Set(KeyAction.allCases))
    #expect(actions.count == KeyAction.allCases.count)
    let keys = KeyBinding.all.flatMap(\.keys)
    #expect(Set(keys).count == keys.count, "a key appears twice")
    for b in KeyBinding.all {
      for t in b.triggers { for k in t.keys { #expect(KeyBinding.action(for: k) == t.action) } }
    }
  }

  @Test("the lookup: the keys the app has always had")
  func lookup() {
    let expected: [String: KeyAction] = [
      "q": .quit, "Q": .quit, "space": .pause, "n": .step, "+": .faster, "=": .faster, "-": .slower, "_": .slower,
      "e": .inferenceMode, "l": .lrUp, "L": .lrDown, "b": .batchUp, "B": .batchDown, "tab": .nextPanel,
      "shift-tab": .previousPanel, "z": .zoom, "left": .layerDown, "down": .layerDown, "right": .layerUp,
      "up": .layerUp, "1": .layerNumber, "9": .layerNumber, "g": .glyphs, "p": .presenter, "?": .help,
      "esc": .closeHelp, "s": .screenshot, "R": .record, "]": .nextChapter, "[": .previousChapter,
      "enter": .continueScene, "r": .reset, "v": .nextVariant, "V": .previousVariant, "w": .writeScene,
      "x": .exportMetrics, "c": .cast, "o": .sceneBrowser, "m": .experimentEditor,
    ]
    for (k, a) in expected { #expect(KeyBinding.action(for: k) == a, "key \(k)") }
    for k in ["0", "X", "space ", "", "ESC"] { #expect(KeyBinding.action(for: k) == nil, "key \(k)") }
  }

  static func isASCII(_ s: String) -> Bool { s.unicodeScalars.allSatisfy { $0.isASCII } }

  @Test("ASCII fallbacks are ASCII; key-bar keys and labels are non-empty")
  func asciiFallbacks() {
    for b in KeyBinding.all {
      #expect(Self.isASCII(b.asciiLabel), "\(b.asciiLabel)")
      #expect(Self.isASCII(b.asciiHelp), "\(b.asciiHelp)")
      if let bar = b.keyBar {
        #expect(Self.isASCII(bar.asciiKey), "\(bar.asciiKey)")
        #expect(!bar.key.isEmpty && !bar.action.isEmpty)
      }
    }
    #expect(KeyBinding.keyBarItems(ascii: true).last?.key == "?")
    #expect(KeyBinding.keyBarItems().suffix(2).map(\.action) == ["quit", "help"])
  }

  @Test("the help overlay and the key bar show the table, in ASCII under ASCII glyphs")
  func widgetsFromTable() {
    let ascii = Theme(colors: .mono, glyphs: .ascii)
    var b = Buffer(width: 100, height: 30)
    HelpOverlay(bindings: KeyBinding.all, notes: [], theme: ascii).render(b.area, into: &b)
    let text = Screenshot.text(b)
    for k in KeyBinding.all {
      #expect(text.contains(k.asciiLabel) && text.contains(k.asciiHelp), "\(k.asciiLabel)")
    }
    #expect(!text.contains("←"))
    #expect(text.contains("keys - press ? or Esc to close"))
    var bar = Buffer(width: 300, height: 1)
    KeyHelpBar(bindings: KeyBinding.all, theme: ascii).render(bar.area, into: &bar)
    #expect(Screenshot.text(bar).contains(" <- ->  layer "))
    #expect(dashboardKeys.map(\.key) == KeyBinding.keyBarItems().map(\.key))
  }
}
