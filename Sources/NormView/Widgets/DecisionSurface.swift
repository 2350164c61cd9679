import NormLab
import NormSupport

/// The decision regions of a classifier on 2-D data: each cell shows two grid points as an
/// upper half block (foreground = upper point's class, background = lower point's), dimmed by
/// confidence where the terminal has the colours, with the data points drawn on top as markers
/// in their true class's colour.
public struct DecisionSurfaceView: Widget {
  public var surface: DecisionSurface
  public var theme: Theme

  public init(surface: DecisionSurface, theme: Theme) {
    self.surface = surface
    self.theme = theme
  }

  /// Region colours (muted) and point colours (bright) per class.
  func classColor(_ k: Int, bright: Bool) -> Color {
    let muted: [(UInt8, UInt8, UInt8)] = [
      (92, 64, 0), (24, 72, 96), (0, 72, 52), (88, 48, 72), (96, 40, 0), (96, 92, 24),
    ]
    let brightRGB: [(UInt8, UInt8, UInt8)] = [
      (255, 190, 40), (120, 200, 255), (40, 220, 160), (240, 150, 200), (255, 120, 40), (250, 240, 90),
    ]
    let m256: [UInt8] = [94, 24, 23, 53, 130, 58]
    let b256: [UInt8] = [214, 117, 43, 218, 208, 227]
    let m8: [UInt8] = [3, 4, 2, 5, 1, 6]
    let i = k % 6
    switch theme.colors {
    case .truecolor:
      let c = bright ? brightRGB[i] : muted[i]
      return .rgb(c.0, c.1, c.2)
    case .ansi256: return .indexed(bright ? b256[i] : m256[i])
    case .ansi8: return .indexed(bright ? m8[i] + 8 : m8[i])
    case .mono: return .default
    }
  }

  public func render(_ area: Rect, into buffer: inout Buffer) {
    guard area.width > 0, area.height > 0, surface.columns > 0, surface.rows > 0 else { return }
    let mono = theme.colors == .mono || theme.glyphs == .ascii
    for cy in 0..<area.height {
      for cx in 0..<area.width {
        let gx = cx * surface.columns / area.width
        if mono {
          let gy = cy * surface.rows / area.height
          let k = surface.classes[gy * surface.columns + gx]
          let letters = Array("abcdefghij")
          buffer.put(String(letters[k % 10]), area.x + cx, area.y + cy, theme.dim)
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
      let st = mono ? Style(attributes: .bold) : Style(foreground: classColor(p.label, bright: true))
      let letters = Array("ABCDEFGHIJ")
      let symbol: String = mono ? String(letters[p.label % 10]) : "•"
      buffer.put(symbol, area.x + cx, area.y + cy, st)
    }
  }
}
