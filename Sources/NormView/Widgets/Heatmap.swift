import NormLab
import NormSupport

/// A distribution over time, TensorBoard-style: x = snapshot (oldest left), y = activation
/// value (the histogram's fixed range, high at the top), colour = density. Each cell shows two
/// bins with an upper half block (foreground = upper bin, background = lower bin). Each column
/// is scaled to its own maximum; with fewer snapshots than columns each is stretched evenly. In monochrome (or ASCII) it falls back to shading characters,
/// one bin group per row.
public struct Heatmap: Widget {
  public var snapshots: [Histogram]
  public var steps: [Int]
  public var theme: Theme
  public var emptyText = "no snapshots yet"

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
    let plot = Rect(x: area.x + labelWidth, y: area.y, width: area.width - labelWidth, height: area.height - 1)
    guard plot.width > 0, plot.height > 0 else { return }
    buffer.write(Text.fit(hi, labelWidth - 1, align: .right), area.x, plot.y, theme.axis)
    buffer.write(Text.fit(lo, labelWidth - 1, align: .right), area.x, plot.bottom - 1, theme.axis)
    let halfBlocks = theme.colors != .mono && theme.glyphs != .ascii
    let levels = plot.height * (halfBlocks ? 2 : 1)
    let shown = Array(snapshots.suffix(plot.width))
    let shownSteps = Array(steps.suffix(plot.width))
    let bins = first.bins
    // Fewer snapshots than columns: snapshot i covers columns [i·W/n, (i+1)·W/n).
    let n = shown.count
    let stretch = n < plot.width
    for (col, h) in shown.enumerated() {
      // Values per level (level 0 = top = highest bins).
      var v = [Float](repeating: 0, count: levels)
      for b in 0..<bins {
        let level = levels - 1 - b * levels / bins
        v[level] += Float(h.counts[b])
      }
      let mx = max(v.max() ?? 0, 1)
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
    if let a = shownSteps.first, let b = shownSteps.last {
      let left = "\(a)"
      let right = "step \(b)"
      buffer.write(left, plot.x, plot.bottom, theme.axis)
      if plot.width > Text.width(left) + Text.width(right) + 1 {
        buffer.write(right, plot.right - Text.width(right), plot.bottom, theme.axis)
      }
    }
    let out = shown.last.map { $0.underflow + $0.overflow + $0.nonFinite } ?? 0
    if out > 0, plot.width > 20 {
      buffer.write(" \(out) outside range ", plot.x + plot.width / 2 - 8, plot.bottom, theme.warning)
    }
  }
}
