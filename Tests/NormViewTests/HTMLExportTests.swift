import Foundation
import NormView
import Testing

/// Issue 14, defect 12: the HTML export keeps its grid in a browser. The browser itself is
/// checked by Tests/browser/html-grid.sh (headless Chromium, from Tests/cli/parts/html.sh);
/// this checks the page's structure exactly.
@Suite("HTML export")
struct HTMLExportTests {
  @Test("HTML export: UTF-8, a font stack with braille and box drawing, fixed-width cells in every row")
  func htmlGrid() throws {
    let b = Dashboard.render(Fixture.state(four: true), width: 140, height: 45)
    let html = Screenshot.export(b, as: .html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<meta charset=\"utf-8\"/>"))
    for font in ["'DejaVu Sans Mono'", "'Noto Sans Mono'", "'Symbola'", "monospace"] {
      #expect(html.contains(font), "font stack has \(font)")
    }
    #expect(html.contains("line-height:18px"))
    #expect(html.contains(".ns i{display:inline-block;width:9px;height:18px"))
    // Every row is a block of cells whose widths add up to the buffer's width (9 px a cell).
    let rows = html.components(separatedBy: "<div class=\"r\">").dropFirst().map {
      $0.components(separatedBy: "</div>")[0]
    }
    #expect(rows.count == b.height)
    for (y, row) in rows.enumerated() {
      var px = 0
      for cell in row.components(separatedBy: "<i class=\"").dropFirst() {
        if let r = cell.range(of: "style=\"width:") {
          px += Int(cell[r.upperBound...].prefix { $0.isNumber })!
        } else {
          px += cell.prefix { $0 != "\"" }.hasSuffix(" w") ? 18 : 9
        }
      }
      #expect(px == b.width * 9, "row \(y) is \(px) px wide")
    }
  }
}
