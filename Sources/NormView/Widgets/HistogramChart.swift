import NormLab
import NormSupport

/// A histogram drawn with eighth-block bars. One histogram, or two overlaid as grouped bars
/// (each bin shows the first in its left column and the second in its right). The fixed bin
/// range is printed on the axis; when the area is narrower than the bins, adjacent bins are
/// merged and the axis says so; out-of-range and NaN/±Inf counts are printed, never dropped.
public struct HistogramChart: Widget {
  public var histograms: [(Histogram, Style)]
  public var theme: Theme
  public var emptyText = "no snapshot yet"

  public init(histograms: [(Histogram, Style)], theme: Theme) {
    self.histograms = histograms
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width >= 6, area.height >= 3 else { return }
    guard let first = histograms.first?.0 else {
      buffer.write(Text.fit(emptyText, area.width, align: .center), area.x, area.y + area.height / 2, theme.dim)
      return
    }
    let layout = BarLayout(area: area, bins: first.bins, groups: histograms.count)
    drawBars(layout, into: &buffer)
    drawAxis(first, layout, into: &buffer)
  }

  /// Where things go: bins merged to fit the width, columns per bin group, rows for bars and notes.
  struct BarLayout {
    let area: Rect
    let groups: Int
    let bins: Int
    /// How many bins share one column group.
    let merge: Int
    /// Bin groups drawn (bins after merging).
    let shown: Int
    /// Columns per bin group.
    let colsPerBin: Int
    /// Whether notes (out of range, NaN/±Inf, merged bins) get their own row.
    let notesRow: Bool
    let barRows: Int
    /// The first bar column (the bars are centred).
    let x0: Int

    /// The layout of `groups` histograms of `bins` bins each in `area`.
    init(area: Rect, bins: Int, groups: Int) {
      self.area = area
      self.groups = groups
      self.bins = bins
      var merge = 1
      while (bins + merge - 1) / merge * groups > area.width { merge += 1 }
      self.merge = merge
      shown = (bins + merge - 1) / merge
      colsPerBin = max(1, area.width / (shown * groups)) * groups
      // Notes (out of range, NaN/±Inf, merged bins) get their own row when there is room;
      // otherwise the non-finite and out-of-range counts replace the axis's middle label.
      notesRow = area.height >= 5
      barRows = area.height - (notesRow ? 2 : 1)
      let barsWidth = shown * colsPerBin
      x0 = area.x + (area.width - barsWidth) / 2
    }
  }

  /// Draws every histogram's bars, scaled to the tallest merged density.
  func drawBars(_ l: BarLayout, into buffer: inout Buffer) {
    // Merged densities (fraction of all values of that histogram).
    let merged: [[Float]] = histograms.map { pair in
      let d = pair.0.density
      return (0..<l.shown).map { i in (i * l.merge..<min((i + 1) * l.merge, l.bins)).reduce(0) { $0 + d[$1] } }
    }
    let top = max(merged.flatMap { $0 }.max() ?? 0, 1e-9)
    let eighths = theme.eighths
    if l.barRows > 0 {
      for (g, dens) in merged.enumerated() {
        let st = histograms[g].1
        for i in 0..<l.shown {
          let level = Int(clamping: dens[i] / top * Float(l.barRows * 8), rounding: .toNearestOrAwayFromZero)
          for c in 0..<(l.colsPerBin / l.groups) {
            let x = l.x0 + i * l.colsPerBin + g * (l.colsPerBin / l.groups) + c
            for r in 0..<l.barRows {
              let fill = min(max(level - r * 8, 0), 8)
              if fill > 0 { buffer.put(eighths[fill], x, l.area.y + l.barRows - 1 - r, st) }
            }
          }
        }
      }
    }
  }

  /// The notes under the axis: NaN/±Inf counts, out-of-range counts, merged bins (with a notes row).
  func axisNotes(_ l: BarLayout) -> [String] {
    var notes = [String]()
    let under = histograms.map { $0.0.underflow }
    let over = histograms.map { $0.0.overflow }
    let nonFinite = histograms.map { $0.0.nonFinite }
    if nonFinite.contains(where: { $0 > 0 }) {
      notes.append(
        "NaN " + histograms.map { String($0.0.nan) }.joined(separator: "/") + " ±Inf "
          + histograms.map { String($0.0.positiveInfinity + $0.0.negativeInfinity) }.joined(separator: "/"))
    }
    if under.contains(where: { $0 > 0 }) || over.contains(where: { $0 > 0 }) {
      notes.append(
        under.map(String.init).joined(separator: "/") + " below, " + over.map(String.init).joined(separator: "/")
          + " above")
    }
    if l.merge > 1 && l.notesRow { notes.append("\(l.merge) bins/col") }
    return notes
  }

  /// The notes row, longest first: every note; without the merge note; counts with arrows
  /// (`93↓ 75↑`, `NaN 12 ±Inf 6`); one total (`↕168`, `!18`).
  func noteForms(_ notes: [String], _ l: BarLayout) -> [String] {
    let under = histograms.map { $0.0.underflow }
    let over = histograms.map { $0.0.overflow }
    let nan = histograms.map { $0.0.nan }
    let inf = histograms.map { $0.0.positiveInfinity + $0.0.negativeInfinity }
    var forms = [notes.joined(separator: " · ")]
    if l.merge > 1 { forms.append(notes.dropLast().joined(separator: " · ")) }
    var short = [String]()
    if histograms.contains(where: { $0.0.nonFinite > 0 }) {
      short.append(
        "NaN \(nan.map(String.init).joined(separator: "/")) ±Inf \(inf.map(String.init).joined(separator: "/"))")
    }
    if under.contains(where: { $0 > 0 }) || over.contains(where: { $0 > 0 }) {
      short.append(
        "out " + under.map(String.init).joined(separator: "/") + "↓ " + over.map(String.init).joined(separator: "/")
          + "↑")
    }
    forms.append(short.joined(separator: " "))
    let outside = under.reduce(0, +) + over.reduce(0, +)
    let bad = nan.reduce(0, +) + inf.reduce(0, +)
    forms.append(
      [bad > 0 ? "!\(bad)" : "", outside > 0 ? "↕\(outside)" : ""].filter { !$0.isEmpty }.joined(separator: " "))
    return forms.filter { !$0.isEmpty }
  }

  /// Axis: the fixed range, with merge and out-of-range notes.
  func drawAxis(_ first: Histogram, _ l: BarLayout, into buffer: inout Buffer) {
    let area = l.area
    let axisY = area.y + l.barRows
    let lo = formatNumber(Double(first.lower))
    let hi = formatNumber(Double(first.upper))
    let mid = formatNumber(Double((first.lower + first.upper) / 2))
    let notes = axisNotes(l)
    let under = histograms.map { $0.0.underflow }
    let over = histograms.map { $0.0.overflow }
    let warn = histograms.map { $0.0.nonFinite }.contains(where: { $0 > 0 })
    buffer.write(lo, area.x, axisY, theme.axis)
    buffer.write(hi, area.right - Text.width(hi), axisY, theme.axis)
    let middleRoom = area.width - Text.width(lo) - Text.width(hi) - 2
    if l.notesRow {
      if middleRoom > Text.width(mid) + 2 {
        buffer.write(mid, area.x + (area.width - Text.width(mid)) / 2, axisY, theme.axis)
      }
      if !notes.isEmpty {
        buffer.write(
          Text.fit(Text.firstFitting(noteForms(notes, l).map(theme.label), area.width), area.width, align: .center),
          area.x, axisY + 1, warn ? theme.warning : theme.dim)
      }
    } else if !notes.isEmpty, middleRoom > 2 {
      // A count is never cut: the note as it is, or its mark alone.
      let outside = (under.reduce(0, +) + over.reduce(0, +)).description
      let forms =
        (warn
        ? ["!" + notes[0], "!" + histograms.map { $0.0.nonFinite }.reduce(0, +).description, "!"]
        : ["↕" + outside, "↕"]).map(theme.label)
      if let short = forms.first(where: { Text.width($0) <= middleRoom }) {
        buffer.write(
          Text.fit(short, middleRoom, align: .center), area.x + Text.width(lo) + 1, axisY,
          warn ? theme.warning : theme.dim)
      }
    } else if middleRoom > Text.width(mid) + 2 {
      buffer.write(mid, area.x + (area.width - Text.width(mid)) / 2, axisY, theme.axis)
    }
  }
}
