import Foundation
import NormView
import Testing

/// The experiment editor's form widget (`m`): goldens at 80x24 and 120x40, the focused field in
/// view, errors marked by text.
@Suite struct EditorFormTests {
  typealias Row = ExperimentForm.Row

  /// The draft: spirals with noise, the second variant GroupNorm after the activation,
  /// the learning rate being typed (invalid for now), focused.
  static func rows(focusLR: Bool = true, lr: String = "0.37x") -> [Row] {
    var rows: [Row] = [
      Row(.heading, "data"), Row(.choice, "data", "spirals"), Row(.text, "noise", "0.3"),
      Row(.text, "classes", "", placeholder: "default"), Row(.heading, ""),
    ]
    for (i, v) in [("plain", "none", "before"), ("gn", "groupnorm", "after")].enumerated() {
      rows += [
        Row(.heading, "variant \(i + 1) of 2"), Row(.text, "name", v.0), Row(.choice, "edit as", "structured"),
        Row(.choice, "norm", v.1), Row(.choice, "place", "\(v.2) the activation"), Row(.choice, "activation", "relu"),
        Row(.text, "depth", "2"), Row(.text, "width", "100"),
      ]
      if v.1 == "groupnorm" { rows.append(Row(.text, "groups", "4")) }
      rows.append(
        Row(
          .readOnly, "spec",
          v.1 == "none"
            ? "linear 100, relu, linear 100, relu, linear 3"
            : "linear 100, relu, groupnorm 4, linear 100, relu, groupnorm 4, linear 3"))
      rows += [Row(.action, "[remove this variant]"), Row(.heading, "")]
    }
    rows += [
      Row(.heading, "variants"), Row(.action, "[add a variant]"), Row(.heading, ""), Row(.heading, "optimizer"),
      Row(.choice, "optimizer", "sgd"),
      Row(
        .text, "learning rate", lr, focused: focusLR,
        error: Double(lr) == nil ? "The value '\(lr)' is invalid for '--lr <lr>'" : nil),
      Row(.text, "momentum", "", placeholder: "default"), Row(.choice, "nesterov", "off"),
      Row(.text, "weight decay", "", placeholder: "default"), Row(.heading, ""), Row(.heading, "training"),
      Row(.text, "batch size", "60"), Row(.choice, "init", "pytorch"), Row(.text, "init scale", "1.0"),
      Row(.text, "seed", "1"), Row(.heading, ""), Row(.heading, "apply (restarts at step 0) or cancel"),
      Row(.action, "[Apply]", focused: !focusLR), Row(.action, "[Cancel]"),
    ]
    return rows
  }

  func render(_ form: ExperimentForm, _ w: Int, _ h: Int) -> String {
    var buf = Buffer(width: w, height: h)
    form.render(buf.area, into: &buf)
    return Screenshot.text(buf)
  }

  @Test("goldens: 80x24 in ASCII (LANG=C, NO_COLOR) and 120x40 in Unicode, the invalid lr marked with !")
  func goldens() {
    let status = "! 1 problem: fix it to apply"
    let ascii = render(
      ExperimentForm(rows: Self.rows(), status: status, theme: Theme(colors: .mono, glyphs: .ascii)), 80, 24)
    expectGolden(ascii, "editor-80x24-ascii.txt")
    #expect(ascii.allSatisfy { $0.isASCII }, "ASCII under LANG=C")
    #expect(ascii.contains("> learning rate   0.37x_"), "the focused field scrolled into view")
    #expect(ascii.contains("! The value '0.37x' is invalid for '--lr <lr>'"), "the error marked by text")
    let unicode = render(
      ExperimentForm(rows: Self.rows(), status: status, theme: Theme(colors: .ansi256, glyphs: .braille)), 120, 40)
    expectGolden(unicode, "editor-120x40.txt")
    #expect(unicode.contains("groupnorm 4, linear 100, relu, groupnorm 4, linear 3"))
  }

  @Test(
    "from 80x24 to 200x60 every row is reachable: the focused one is always drawn",
    arguments: [(80, 24), (120, 40), (200, 60)])
  func focusInView(size: (Int, Int)) {
    let theme = Theme(colors: .mono, glyphs: .ascii)
    let top = render(
      ExperimentForm(rows: Self.rows(focusLR: false, lr: "0.37"), status: "Enter applies", theme: theme), size.0, size.1
    )
    #expect(top.contains("> [Apply]"))
    #expect(top.contains("Enter applies"))
  }

  @Test("a spec error's column is marked with a caret under the spec")
  func caret() throws {
    var row = Row(
      .readOnly, "spec", "linear 100, groupnorm 3, relu, linear 3",
      error: "column 23: 100 channels are not divisible into 3 groups")
    row.errorColumn = 23
    let text = render(ExperimentForm(rows: [row], status: "", theme: Theme(colors: .mono, glyphs: .ascii)), 80, 10)
    let lines = text.split(separator: "\n").map(String.init)
    let spec = try #require(lines.first { $0.contains("linear 100, groupnorm 3") })
    let caret = try #require(lines.first { $0.hasSuffix("^") || $0.contains("^ ") })
    let at = spec.distance(from: spec.startIndex, to: spec.range(of: "3, relu")!.lowerBound)
    #expect(caret.distance(from: caret.startIndex, to: caret.firstIndex(of: "^")!) == at)
  }

  @Test("a box too small for a form draws nothing rather than garbage")
  func tiny() {
    let text = render(
      ExperimentForm(rows: Self.rows(), status: "", theme: Theme(colors: .mono, glyphs: .ascii)), 20, 6)
    #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
  }
}
