import NormLab
import NormSupport

/// A distribution over time, TensorBoard-style: x = snapshot (oldest left), y = activation
/// value (the histogram's fixed range, high at the top), colour = density. With colour each cell
/// shows two levels with an upper half block (foreground = upper level, background = lower); in
/// monochrome (or ASCII) one level per row, as shading characters. Each column is scaled to its
/// own peak; with fewer snapshots than columns each is stretched evenly. A scale row (from six
/// rows up) shows the ramp from low to high and the range of the columns' peaks.
///
/// Bins map to levels exactly (``levelValues(_:levels:)``): fewer levels than bins average the
/// bins each level covers, more levels replicate each bin over the levels it spans, so a flat
/// histogram is a flat column at any height: no bright stripes, no empty rows.
public struct Heatmap: Widget {
  public var snapshots: [Histogram]
  public var steps: [Int]
  public var theme: Theme
  public var emptyText = "no snapshots yet"
  /// Draw the scale row when there are six rows or more (off where the caller draws one
  /// shared scale, ``drawScale(theme:peaks:row:into:)``).
  public var showScale = true

  public init(snapshots: [Histogram], steps: [Int], theme: Theme) {
    self.snapshots = snapshots
    self.steps = steps
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width >= 8, area.height >= 3 else { return }
    guard let first = snapshots.first else {
      buffer.write(Text.fit(emptyText, area.width, align: .center), area.x, area.y + area.height / 2, theme.dim)
      return
    }
    let hi = formatNumber(Double(first.upper))
    let lo = formatNumber(Double(first.lower))
    let labelWidth = max(Text.width(hi), Text.width(lo)) + 1
    let scaleRow = showScale && area.height >= 6
    let plot = Rect(
      x: area.x + labelWidth, y: area.y, width: area.width - labelWidth, height: area.height - (scaleRow ? 2 : 1))
    guard plot.width > 0, plot.height > 0 else { return }
    buffer.write(Text.fit(hi, labelWidth - 1, align: .right), area.x, plot.y, theme.axis)
    buffer.write(Text.fit(lo, labelWidth - 1, align: .right), area.x, plot.bottom - 1, theme.axis)
    let halfBlocks = theme.colors != .mono && theme.glyphs != .ascii
    let levels = plot.height * (halfBlocks ? 2 : 1)
    let shown = Array(snapshots.suffix(plot.width))
    let shownSteps = Array(steps.suffix(plot.width))
    // Fewer snapshots than columns: snapshot i covers columns [i·W/n, (i+1)·W/n).
    let n = shown.count
    let stretch = n < plot.width
    var peaks = [Float]()
    for (col, h) in shown.enumerated() {
      // Values per level (level 0 = top = highest bins).
      let v = Array(Heatmap.levelValues(h.counts.map(Float.init), levels: levels).reversed())
      let mx = max(v.max() ?? 0, 1)
      peaks.append(v.max() ?? 0)
      let x0 = plot.x + (stretch ? col * plot.width / n : col)
      let x1 = plot.x + (stretch ? (col + 1) * plot.width / n : col + 1)
      for x in x0..<x1 {
        for row in 0..<plot.height {
          if halfBlocks {
            let upper = theme.density(v[2 * row] / mx)
            let lower = theme.density(v[2 * row + 1] / mx)
            switch (upper, lower) {
            case (nil, nil): continue
            case (let u?, nil): buffer.put("▀", x, plot.y + row, Style(foreground: u, background: .default))
            case (nil, let l?): buffer.put("▄", x, plot.y + row, Style(foreground: l, background: .default))
            case (let u?, let l?): buffer.put("▀", x, plot.y + row, Style(foreground: u, background: l))
            }
          } else {
            let t = v[row] / mx
            guard t > 0 else { continue }
            let sh = theme.shades
            let st = theme.colors == .mono ? Style.plain : Style(foreground: theme.density(t))
            buffer.put(sh[Int.bucket(t, count: sh.count)], x, plot.y + row, st)
          }
        }
      }
    }
    // The step axis: first step left, last right, and between them how many values of the
    // last snapshot fell outside the fixed range (the longest form that fits the gap).
    var gap = (plot.x, plot.right)
    if let a = shownSteps.first, let b = shownSteps.last {
      let left = "\(a)"
      let right = "step \(b)"
      gap.0 = buffer.write(left, plot.x, plot.bottom, theme.axis) + 1
      if plot.width > Text.width(left) + Text.width(right) + 1 {
        buffer.write(right, plot.right - Text.width(right), plot.bottom, theme.axis)
        gap.1 = plot.right - Text.width(right) - 1
      }
    }
    if scaleRow {
      Heatmap.drawScale(
        theme: theme, peaks: peaks, row: Rect(x: area.x, y: plot.bottom + 1, width: area.width, height: 1),
        into: &buffer)
    }
    let out = shown.last.map { $0.underflow + $0.overflow + $0.nonFinite } ?? 0
    if out > 0,
      let note = ["\(out) outside range", "\(out) outside", "↕\(out)"].map(theme.label).first(where: {
        Text.width($0) <= gap.1 - gap.0
      })
    {
      buffer.write(note, gap.0 + (gap.1 - gap.0 - Text.width(note)) / 2, plot.bottom, theme.warning)
    }
  }

  /// Mean count per bin of each of `levels` equal slices of the bins' range (level 0 = the
  /// lowest bins). Level l covers bins [l·B/L, (l+1)·B/L) and bin b counts with the share of it
  /// that lies inside (exact, in integers: bin b is [b·L, (b+1)·L) and level l is [l·B, (l+1)·B)
  /// in units of 1/(B·L) of the range). Fewer levels than bins: each level averages the bins it
  /// covers (merging evenly); more levels: each bin's count is replicated on the levels it spans
  /// (splitting evenly).
  public static func levelValues(_ counts: [Float], levels: Int) -> [Float] {
    let bins = counts.count
    guard bins > 0, levels > 0 else { return [Float](repeating: 0, count: max(levels, 0)) }
    var out = [Float](repeating: 0, count: levels)
    for l in 0..<levels {
      let start = l * bins
      let end = (l + 1) * bins
      var sum: Float = 0
      for b in (start / levels)..<min(bins, (end + levels - 1) / levels) {
        let overlap = min(end, (b + 1) * levels) - max(start, b * levels)
        if overlap > 0 { sum += counts[b] * Float(overlap) }
      }
      out[l] = sum / Float(bins)
    }
    return out
  }

  /// The scale: `low` and the glyph ramp (coloured half blocks, or the shades) up to `high`,
  /// and the range of the columns' peaks in values per bin (each column is scaled to its peak).
  public static func drawScale(theme: Theme, peaks: [Float], row: Rect, into buffer: inout Buffer) {
    let halfBlocks = theme.colors != .mono && theme.glyphs != .ascii
    var x = buffer.write("low ", row.x, row.y, theme.axis, clip: row)
    if halfBlocks {
      for k in 1...6 {
        if let c = theme.density(Float(k) / 6) { buffer.put("█", x, row.y, Style(foreground: c)) }
        x += 1
      }
    } else {
      for (k, g) in theme.shades.enumerated() {
        let t = (Float(k) + 0.5) / Float(theme.shades.count)
        buffer.put(g, x, row.y, theme.colors == .mono ? .plain : Style(foreground: theme.density(t)))
        x += 1
      }
    }
    let lo = formatNumber(Double(peaks.min() ?? 0))
    let hi = formatNumber(Double(peaks.max() ?? 0))
    let range = lo == hi ? lo : lo + "–" + hi
    let forms = [
      " high · each column to its peak (\(range) per bin)", " high · each column to its peak",
      " high · column peaks \(range)/bin", " high (per column)", " high",
    ].map(theme.label)
    buffer.write(Text.firstFitting(forms, row.right - x), x, row.y, theme.axis, clip: row)
  }
}
