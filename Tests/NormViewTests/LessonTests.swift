import Foundation
import NormLab
import NormView
import Testing

/// Issue 14, "The screen tells the lesson": every sample drawn, every variant told apart and
/// named, exact heatmap rows with a scale, ASCII labels in ASCII, a legend for every mark.
@Suite("Lesson (issue 14)")
struct LessonTests {
  /// A band constant at p15 = −1, p50 = 0 + offset, p85 = 1 over 15 samples (steps 20…300).
  static func band(p15: Float = -1, p50: Float = 0, p85: Float = 1) -> PercentileBand {
    var b = PercentileBand()
    for s in stride(from: 20, through: 300, by: 20) {
      b.p15.append(step: s, p15)
      b.p50.append(step: s, p50)
      b.p85.append(step: s, p85)
    }
    return b
  }

  @Test("covariate shift: every p15/p85 sample is drawn (no even-column dotting)", arguments: GlyphSet.allCases)
  func everyPercentileSampleDrawn(glyphs: GlyphSet) {
    let t = Theme(colors: .mono, glyphs: glyphs)
    let b = Self.band()
    let chart = PercentileBandChart(
      bands: [.init(label: "plain", p15: b.p15, p50: b.p50, p85: b.p85, style: t.variantStyle(0), marker: 0)],
      theme: t)
    let (w, h) = (60, 14)
    let buf = render(chart, w, h)
    // Legend row, then the chart: labels "1", "0", "-1" (3 cells) and the axis at x = 3.
    let plot = (x: 4, y: 1, width: w - 4, height: h - 2)
    #expect(["│", "|"].contains(buf[3, plot.y].symbol), "the y axis is where the test expects it")
    let dots = glyphs == .braille ? 2 : glyphs == .blocks ? 2 : 1
    let canvasWidth = plot.width * dots
    for s in stride(from: 20, through: 300, by: 20) {
      let px = Int((Double(s - 20) / 280 * Double(canvasWidth - 1)).rounded(.toNearestOrAwayFromZero))
      let x = plot.x + px / dots
      #expect(buf[x, plot.y].symbol != " ", "p85 sample at step \(s) drawn (\(glyphs))")
      #expect(buf[x, plot.y + plot.height - 1].symbol != " ", "p15 sample at step \(s) drawn (\(glyphs))")
    }
  }

  @Test("variants are told apart without colour: each variant's marker is on its line", arguments: GlyphSet.allCases)
  func markersOnLines(glyphs: GlyphSet) {
    let t = Theme(colors: .mono, glyphs: glyphs)
    let bands = (0..<4).map { i -> PercentileBandChart.Band in
      let b = Self.band(p15: Float(i) * 10 - 1, p50: Float(i) * 10, p85: Float(i) * 10 + 1)
      return .init(label: "v\(i)", p15: b.p15, p50: b.p50, p85: b.p85, style: t.variantStyle(i), marker: i)
    }
    let buf = render(PercentileBandChart(bands: bands, theme: t), 70, 20)
    let plotRows = (1..<19).map { y in (8..<70).map { buf[$0, y].symbol }.joined() }.joined(separator: "\n")
    for i in 0..<4 {
      #expect(plotRows.contains(t.marker(i)), "variant \(i)'s marker \(t.marker(i)) on its line (\(glyphs))")
    }
  }

  @Test("a legend never drops a variant: it abbreviates, then says +N more")
  func legendNeverDropsSilently() {
    let t = Theme(colors: .mono, glyphs: .braille)
    let entries = ["plain", "batchnorm", "layernorm", "groupnorm"].enumerated().map { i, n in
      Legend.Entry(
        marker: i, name: n, value: "-1.1/0.75/2.6", shorterValues: ["p50 0.75", "0.75"], style: t.variantStyle(i))
    }
    for width in 7...90 {
      let legend = Legend(entries: entries, theme: t)
      var buf = Buffer(width: width, height: 1)
      legend.render(buf.area, into: &buf)
      let row = buf.row(0)
      let shown = (0..<4).filter { row.contains(t.marker($0)) }.count
      if shown < 4 {
        #expect(row.contains("+\(4 - shown) more"), "width \(width): \(row)")
      }
      #expect(shown == 4 || width < 40, "width \(width) abbreviates rather than drops: \(row)")
    }
  }

  /// The row after the line holding `title`, from the left border to the next one.
  static func panelRow(_ text: String, after title: String, offset: Int = 1) -> String? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let i = lines.firstIndex(where: { $0.contains(title) }), i + offset < lines.count else { return nil }
    let chars = Array(lines[i + offset])
    let end = chars.indices.dropFirst().first { ["┃", "│"].contains(chars[$0]) } ?? chars.count
    return String(chars[1..<end])
  }

  @Test(
    "four variants: loss, val acc and covariate-shift legends name every variant", arguments: [(140, 45), (200, 60)])
  func fourVariantLegends(width: Int, height: Int) {
    let s = Fixture.state(four: true)
    let text = Screenshot.text(Dashboard.render(s, width: width, height: height))
    let lines = text.split(separator: "\n").map(String.init)
    let valAcc = lines.first { $0.contains("val acc") }.map { l -> String in
      let c = Array(l)
      let end = c.indices.dropFirst().first { ["┃", "│"].contains(c[$0]) } ?? c.count
      return String(c[1..<end])
    }
    let rows = [
      ("loss legend", Self.panelRow(text, after: "Loss (")), ("val acc", valAcc),
      ("covariate-shift legend", Self.panelRow(text, after: "Covariate shift")),
    ]
    for (what, row) in rows {
      guard let row else {
        Issue.record("\(what) not found")
        continue
      }
      for (i, name) in ["plain", "bn", "hot", "gn"].enumerated() {
        #expect(row.contains(s.theme.marker(i) + " " + name), "\(what) at \(width)x\(height) names \(name): \(row)")
      }
    }
  }

  @Test("heatmap rows map bins exactly: a flat histogram is a flat column at any height")
  func heatmapExactRows() {
    // 40 bins over 17 rows (fewer rows: merged), 5 bins over 12 rows (more rows: split).
    for (bins, height) in [(40, 17 + 2), (5, 12 + 2), (40, 40 + 2), (40, 7 + 2)] {
      var hist = Histogram(lower: -1, upper: 1, bins: bins)
      for b in 0..<bins { for _ in 0..<10 { hist.add(-1 + (Float(b) + 0.5) * 2 / Float(bins)) } }
      let t = Theme(colors: .mono, glyphs: .braille)
      let view = Heatmap(snapshots: Array(repeating: hist, count: 4), steps: [10, 20, 30, 40], theme: t)
      let buf = render(view, 40, height)
      let plotRows = height - 2
      let x = 10
      let column = (0..<plotRows).map { buf[x, $0].symbol }
      #expect(Set(column).count == 1 && column[0] != " ", "\(bins) bins over \(plotRows) rows: \(column)")
      #expect(Heatmap.levelValues([Float](repeating: 10, count: bins), levels: plotRows).allSatisfy { $0 == 10 })
    }
    // Merging averages, splitting replicates (exact fractions).
    #expect(Heatmap.levelValues([4, 8], levels: 4) == [4, 4, 8, 8])
    #expect(Heatmap.levelValues([3, 6, 9], levels: 1) == [6])
    #expect(Heatmap.levelValues([3, 6, 9], levels: 2) == [4, 8])
  }

  @Test("heatmap colour scale: low to high with the peaks' range, also without colour")
  func heatmapScale() {
    var hist = Histogram(lower: -1, upper: 1, bins: 8)
    for b in 0..<8 { for _ in 0..<(b + 1) { hist.add(-1 + (Float(b) + 0.5) / 4) } }
    for (colors, glyphs, ramp) in [(ColorMode.mono, GlyphSet.braille, "░▒▓█"), (.mono, .ascii, ".:+#@")] {
      let t = Theme(colors: colors, glyphs: glyphs)
      let buf = render(Heatmap(snapshots: [hist, hist], steps: [1, 2], theme: t), 70, 10)
      let text = Screenshot.text(buf)
      #expect(text.contains("low \(ramp) high"), "\(glyphs): \(text)")
      #expect(text.contains("(8 per bin)"), "the peak's count: \(text)")
    }
    // Four variants at 200x60: too few rows for a scale each, so the panel shows one for all.
    let four = Screenshot.text(Dashboard.render(Fixture.state(four: true), width: 200, height: 60))
    #expect(four.components(separatedBy: "low ██████ high · each column to its peak").count == 2, "\(four)")
    let colour = render(Heatmap(snapshots: [hist], steps: [1], theme: Theme()), 70, 10)
    #expect(Screenshot.text(colour).contains("low ██████ high"))
    #expect(Set((4..<10).map { colour[$0, 9].foreground }).count == 6, "six colours from low to high")
  }

  /// Every screen the dashboard draws in one theme: each focus (zoomed and not), the help
  /// overlay, a caption, at 80×24, 120×40 and 200×60.
  static func everyScreen(_ theme: Theme) -> [(String, String)] {
    var out = [(String, String)]()
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
      var s = Fixture.state(theme: theme, surfaces: true)
      s.captionHeading = "chapter 1 — covariate shift"
      s.caption = "With BN → the input holds still; lr ×2 or ÷2 changes little (½…4 × lr)."
      out.append(("\(w)x\(h)", Screenshot.text(Dashboard.render(s, width: w, height: h))))
      s.caption = nil
      for p in s.panels {
        s.focus = p
        for z in [false, true] {
          s.zoomed = z
          out.append(("\(w)x\(h) \(p)\(z ? " zoomed" : "")", Screenshot.text(Dashboard.render(s, width: w, height: h))))
        }
      }
      s.zoomed = false
      s.showHelp = true
      out.append(("\(w)x\(h) help", Screenshot.text(Dashboard.render(s, width: w, height: h))))
    }
    return out
  }

  @Test(
    "ASCII glyphs: every label in ASCII words and arrows, no '?' but the help key", arguments: [ColorMode.mono, .ansi8])
  func asciiEverywhere(colors: ColorMode) {
    let screens = Self.everyScreen(Theme(colors: colors, glyphs: .ascii))
    for (name, text) in screens {
      let bad = text.unicodeScalars.filter { $0.value >= 0x80 }
      #expect(bad.isEmpty, "\(name): non-ASCII \(String(String.UnicodeScalarView(bad.prefix(20))))")
      // The help key's own hints are the only '?'.
      let rest = text.replacingOccurrences(of: " ?  help", with: "").replacingOccurrences(
        of: "press ? or Esc", with: ""
      ).replacingOccurrences(of: "? or Esc", with: "")
      #expect(!rest.contains("?"), "\(name): a '?' that is not the help key:\n\(text)")
    }
    let all = screens.map(\.1).joined()
    for word in [
      "before norm | after norm", "|dlogit|", "learning rate x2 / /2", "<- ->", "||G-G'||", "beta-smoothness",
      "-> the input holds still", "lr x2 or /2", "^v", "! = NaN or +-Inf",
    ] {
      #expect(all.contains(word), "the ASCII screens say \(word)")
    }
  }

  @Test("a legend for every mark: help overlay and panel footers; which smoothness direction is good")
  func glyphLegend() {
    var s = Fixture.state()
    s.showHelp = true
    let help = Screenshot.text(Dashboard.render(s, width: 200, height: 60))
    for mark in [
      "● ■ ▲ ◆ variants", "↕N = N values outside", "! = NaN or ±Inf", "✕@N = diverged", "░▒▓█ = low to high",
    ] {
      #expect(help.contains(mark), "the help overlay explains \(mark)")
    }
    #expect(help.contains("ICS ‖G−G′‖ (gradient change) and β-smoothness: lower is smoother"))
    s.showHelp = false
    let wide = Screenshot.text(Dashboard.render(s, width: 200, height: 60))
    #expect(wide.contains("β-smoothness along −g (lower is smoother)"), "the drift panel says which way is good")
    #expect(wide.contains("‖G−G′‖, β, range: lower is smoother"))
    #expect(wide.contains("↕N = outside range · ! = NaN/±Inf · bins/col = merged"), "the histogram panel's footer")
  }
}
