import NormLab
import NormSupport

extension DecisionSurface {
  /// How many classes the regions and the points name (the largest label + 1).
  public var classCount: Int { max(classes.max() ?? -1, points.map(\.label).max() ?? -1) + 1 }
}

/// The decision regions of a classifier on 2-D data. With colour each cell shows two grid
/// points as an upper half block (foreground = upper point's class, background = lower
/// point's), in muted class colours; without colour (or in ASCII) each cell is its class's
/// lower-case letter (`a`, `b`, `c`, …). The data points are drawn on top as their true class's
/// capital letter (`A`, `B`, `C`, …), bold, in the class's bright colour, so classes read without
/// colour. Class colours are never a variant's colour (``Theme/variant(_:)``): a region is not
/// mistaken for a variant. ``drawClassLegend(classes:theme:row:into:)`` says which is which.
public struct DecisionSurfaceView: Widget {
  public var surface: DecisionSurface
  public var theme: Theme

  public init(surface: DecisionSurface, theme: Theme) {
    self.surface = surface
    self.theme = theme
  }

  /// The glyphs of class k: its region (lower case) and its data points (capital).
  public static func glyphs(_ k: Int) -> (region: String, point: String) {
    // No o or x: in ASCII those are variant markers.
    let letters = Array("abcdefghijklmnpqrstuvwyz")
    let c = letters[((k % letters.count) + letters.count) % letters.count]
    return (String(c), String(c).uppercased())
  }

  /// Region colours (muted) and point colours (bright) per class: red, blue, grey, yellow,
  /// magenta, violet. None is a variant's hue (orange, sky blue, bluish green, reddish purple);
  /// with 8 colours, where the variants take yellow, cyan, green and magenta, classes cycle
  /// through red, blue and white.
  public static func classColor(_ k: Int, bright: Bool, theme: Theme) -> Color {
    let muted: [(UInt8, UInt8, UInt8)] = [
      (110, 20, 20), (20, 30, 120), (80, 80, 80), (100, 90, 10), (100, 20, 100), (60, 30, 120),
    ]
    let brightRGB: [(UInt8, UInt8, UInt8)] = [
      (255, 80, 80), (110, 130, 255), (235, 235, 235), (250, 235, 80), (255, 80, 255), (170, 120, 255),
    ]
    let m256: [UInt8] = [52, 17, 238, 58, 53, 54]
    let b256: [UInt8] = [196, 63, 255, 226, 201, 135]
    let m8: [UInt8] = [1, 4, 7]
    let i = ((k % 6) + 6) % 6
    switch theme.colors {
    case .truecolor:
      let c = bright ? brightRGB[i] : muted[i]
      return .rgb(c.0, c.1, c.2)
    case .ansi256: return .indexed(bright ? b256[i] : m256[i])
    case .ansi8: return .indexed(bright ? m8[i % 3] + 8 : m8[i % 3])
    case .mono: return .default
    }
  }

  func classColor(_ k: Int, bright: Bool) -> Color { Self.classColor(k, bright: bright, theme: theme) }

  /// Whether regions are drawn as letters (no colour, or ASCII glyphs).
  var letters: Bool { theme.colors == .mono || theme.glyphs == .ascii }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0, surface.columns > 0, surface.rows > 0 else { return }
    for cy in 0..<area.height {
      for cx in 0..<area.width {
        let gx = cx * surface.columns / area.width
        if letters {
          let gy = cy * surface.rows / area.height
          let k = surface.classes[gy * surface.columns + gx]
          buffer.put(Self.glyphs(k).region, area.x + cx, area.y + cy, theme.dim)
        } else {
          let gyTop = min(2 * cy * surface.rows / (2 * area.height), surface.rows - 1)
          let gyBottom = min((2 * cy + 1) * surface.rows / (2 * area.height), surface.rows - 1)
          let top = surface.classes[gyTop * surface.columns + gx]
          let bottom = surface.classes[gyBottom * surface.columns + gx]
          buffer.put(
            "▀", area.x + cx, area.y + cy,
            Style(foreground: classColor(top, bright: false), background: classColor(bottom, bright: false)))
        }
      }
    }
    for p in surface.points {
      let fx = (p.x - surface.xRange.lowerBound) / (surface.xRange.upperBound - surface.xRange.lowerBound)
      let fy = (surface.yRange.upperBound - p.y) / (surface.yRange.upperBound - surface.yRange.lowerBound)
      guard fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { continue }
      let cx = Int.bucket(fx, count: area.width)
      let cy = Int.bucket(fy, count: area.height)
      var st = Style(attributes: .bold)
      if !letters {
        // On the region's muted colour: the point's bright class colour.
        let gx = min(cx * surface.columns / area.width, surface.columns - 1)
        let gy = min(cy * surface.rows / area.height, surface.rows - 1)
        st = Style(
          foreground: classColor(p.label, bright: true),
          background: classColor(surface.classes[gy * surface.columns + gx], bright: false), attributes: .bold)
      }
      buffer.put(Self.glyphs(p.label).point, area.x + cx, area.y + cy, st)
    }
  }

  /// One row saying which glyph is which class: `class 0 ▀a A · class 1 ▀b B …` with colour (a
  /// swatch of the region colour, the region letter's place taken by it), `class 0 a/A · …`
  /// without; shorter (`0 a/A 1 b/B`) when narrow, `+N` for classes left out.
  public static func drawClassLegend(classes: Int, theme t: Theme, row: Rect, into buffer: inout Buffer) {
    guard classes > 0, row.width > 0, row.height > 0 else { return }
    let letters = t.colors == .mono || t.glyphs == .ascii
    let tail = letters ? " (region a, data point A)" : " (region, data point)"
    func entries(_ long: Bool, _ shown: Int) -> [String] {
      (0..<shown).map { k in
        let g = glyphs(k)
        return (long ? "class \(k) " : "\(k) ") + (letters ? "\(g.region)/\(g.point)" : "█\(g.point)")
      }
    }
    // The longest form that fits: long names with the explanation, long, short; then fewer.
    var chosen: (texts: [String], tail: String, more: Int)? = nil
    for shown in stride(from: classes, through: 1, by: -1) where chosen == nil {
      let more = classes - shown
      for (long, withTail) in [(true, true), (false, true), (true, false), (false, false)] {
        let texts = entries(long, shown)
        let extra = (more > 0 ? " +\(more)" : "") + (withTail ? t.label(tail) : "")
        let w = texts.reduce(0) { $0 + Text.width(t.label($1)) } + (texts.count - 1) * 2 + Text.width(extra)
        if w <= row.width {
          chosen = (texts, extra, more)
          break
        }
      }
    }
    guard let chosen else { return }
    var x = row.x
    for (k, text) in chosen.texts.enumerated() {
      if k > 0 { x += 2 }
      if letters {
        x = buffer.write(t.label(text), x, row.y, t.dim, clip: row)
      } else {
        // "class k " in dim, the swatch in the region colour, the capital in the point colour.
        let label = String(text.dropLast(2))
        x = buffer.write(label, x, row.y, t.dim, clip: row)
        buffer.put("█", x, row.y, Style(foreground: classColor(k, bright: false, theme: t)))
        buffer.put(
          glyphs(k).point, x + 1, row.y,
          Style(
            foreground: classColor(k, bright: true, theme: t), background: classColor(k, bright: false, theme: t),
            attributes: .bold))
        x += 2
      }
    }
    buffer.write(chosen.tail, x, row.y, t.dim, clip: row)
  }
}
