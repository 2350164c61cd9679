import NormSupport

/// A one-row trend of the most recent values with eighth blocks (ASCII: . o #), scaled to
/// the shown range; non-finite values show as "!".
public struct Sparkline: Widget {
  public var values: [Float]
  public var style: Style
  public var theme: Theme

  public init(values: [Float], style: Style, theme: Theme) {
    self.values = values
    self.style = style
    self.theme = theme
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0 else { return }
    let shown = Array(values.suffix(area.width))
    let finite = shown.filter(\.isFinite)
    guard let lo = finite.min(), let hi = finite.max() else { return }
    let eighths = theme.eighths
    for (i, v) in shown.enumerated() {
      let x = area.x + area.width - shown.count + i
      guard v.isFinite else {
        buffer.put("!", x, area.y, theme.warning)
        continue
      }
      let f = hi > lo ? (v - lo) / (hi - lo) : 0.5
      buffer.put(eighths[1 + min(7, max(0, Int(clamping: f * 7.999)))], x, area.y, style)
    }
  }
}
