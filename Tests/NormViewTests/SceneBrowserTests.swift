import NormView
import Testing

@Suite("The scene browser overlay")
struct SceneBrowserTests {
  static let items = [
    SceneBrowser.Item(
      name: "tour", title: "NormScope tour",
      summary: "6 chapters · 4,400 steps · about 3 min live · 10 seeds · 12 claims",
      description: "The BN paper's set-up, three ways.", verdict: "claims: 12 of 12 hold over 10 seeds"),
    SceneBrowser.Item(
      name: "small-batch", title: "Small batches break BN", summary: "5 chapters", description: "Wu & He 2018."),
    SceneBrowser.Item(
      name: "broken", title: "scenes/broken.scene", summary: "", description: "",
      error: "scenes/broken.scene:3:23: unknown layer 'batchnrm'"),
  ]

  func render(_ b: SceneBrowser, _ w: Int, _ h: Int) -> String {
    var buf = Buffer(width: w, height: h)
    b.render(buf.area, into: &buf)
    return Screenshot.text(buf)
  }

  @Test(
    "every scene is listed, the chosen one marked and previewed with its length, claims and verdict",
    arguments: [
      (80, 24), (120, 40), (200, 60),
    ])
  func listAndPreview(size: (Int, Int)) {
    let theme = Theme(colors: .mono, glyphs: .braille)
    let text = render(SceneBrowser(items: Self.items, selected: 0, theme: theme), size.0, size.1)
    for name in ["tour", "small-batch", "broken"] { #expect(text.contains(name), "\(name) at \(size)") }
    #expect(text.contains("> tour"))
    #expect(text.contains("!broken"), "a scene that does not parse is flagged")
    #expect(text.contains("NormScope tour"))
    #expect(text.contains("about 3 min live"))
    #expect(text.contains("claims: 12 of 12 hold over 10 seeds"))
    #expect(text.contains("Enter plays"))
  }

  @Test("a scene that does not parse shows its error in the preview; a typed path and its error show at the bottom")
  func errorsAndPath() {
    let theme = Theme(colors: .mono, glyphs: .ascii)
    let broken = render(SceneBrowser(items: Self.items, selected: 2, theme: theme), 120, 40)
    #expect(broken.contains("cannot be played: scenes/broken.scene:3:23: unknown layer 'batchnrm'"))
    let typing = render(
      SceneBrowser(
        items: Self.items, selected: 0, pathInput: "/tmp/x.scene",
        message: "/tmp/x.scene: cannot read the file (no such file)",
        theme: theme), 80, 24)
    #expect(typing.contains("path: /tmp/x.scene_"))
    #expect(typing.contains("/tmp/x.scene: cannot read the file (no such file)"))
    #expect(typing.contains("type its path, Enter opens, Esc back"))
    // ASCII glyphs: no middle dots or arrows in the title.
    #expect(!typing.contains("·") && !typing.contains("↑"))
  }
}
