import Foundation
import NormScene
import Testing

/// Issue 14, defect 9: captions that assume colour ("the blue one", "the orange band") mean
/// nothing under NO_COLOR or on a vt100, where every variant's line is the same braille. Scene
/// text names variants by name (and marker), never by colour.
@Suite struct CaptionColourTests {
  /// Colour words (whole words, any case) that would name a variant or a line by its colour.
  static let colourWords = [
    "blue", "orange", "red", "green", "purple", "yellow", "pink", "violet", "cyan", "magenta", "grey", "gray",
    "bluish", "reddish", "teal", "colour", "color", "coloured", "colored",
  ]

  /// The colour words in `text`, with their line numbers.
  static func colourWords(in text: String) -> [(line: Int, word: String)] {
    var found = [(Int, String)]()
    for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let words = line.lowercased().split { !$0.isLetter }.map(String.init)
      for w in words where colourWords.contains(w) { found.append((n + 1, w)) }
    }
    return found
  }

  @Test("no scene (nor the built-in tour) names a variant or a line by its colour")
  func noColourWords() throws {
    let files = try FileManager.default.contentsOfDirectory(at: scenesURL, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "scene" }
    #expect(files.count >= 12)
    for f in files {
      let found = Self.colourWords(in: try String(contentsOf: f, encoding: .utf8))
      #expect(found.isEmpty, "\(f.lastPathComponent): \(found.map { "line \($0.line): \($0.word)" })")
    }
    #expect(Self.colourWords(in: BuiltinScenes.tour).isEmpty)
    // The check finds what the tour once said.
    #expect(Self.colourWords(in: "caption \"The blue one holds still\"").map(\.word) == ["blue"])
    #expect(Self.colourWords(in: "x\ncaption \"the Orange band\"").map(\.line) == [2])
  }
}
