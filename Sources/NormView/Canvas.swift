/// A dot canvas over a rectangle of cells: braille gives 2×4 dots per cell, quadrant blocks
/// 2×2, ASCII 1×1. Points and lines are set in dot coordinates (0, 0 = top left); each cell
/// takes the colour of the last dot set in it. With ASCII glyphs a cell shows the symbol of the
/// last dot set in it (`*` unless given: line charts pass each variant's marker).
public struct Canvas {
  public let columns: Int
  public let rows: Int
  public let glyphs: GlyphSet
  public var dotsPerCell: (x: Int, y: Int) {
    switch glyphs {
    case .braille: (2, 4)
    case .blocks: (2, 2)
    case .ascii: (1, 1)
    }
  }
  public var width: Int { columns * dotsPerCell.x }
  public var height: Int { rows * dotsPerCell.y }
  private var bits: [UInt8]
  private var styles: [Style?]
  private var symbols: [String?]

  public init(columns: Int, rows: Int, glyphs: GlyphSet) {
    self.columns = max(0, columns)
    self.rows = max(0, rows)
    self.glyphs = glyphs
    bits = [UInt8](repeating: 0, count: self.columns * self.rows)
    styles = [Style?](repeating: nil, count: self.columns * self.rows)
    symbols = [String?](repeating: nil, count: self.columns * self.rows)
  }

  public mutating func set(_ px: Int, _ py: Int, _ style: Style, symbol: String? = nil) {
    let (dx, dy) = dotsPerCell
    guard px >= 0, py >= 0, px < width, py < height else { return }
    let c = (py / dy) * columns + px / dx
    let sx = px % dx
    let sy = py % dy
    let bit: UInt8
    switch glyphs {
    case .braille:
      // Braille dot numbering: left column 1,2,3,7; right column 4,5,6,8.
      let map: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
      bit = map[sx][sy]
    case .blocks: bit = UInt8(1 << (sy * 2 + sx))
    case .ascii: bit = 1
    }
    bits[c] |= bit
    styles[c] = style
    symbols[c] = symbol
  }

  /// A straight line between two dots (Bresenham). With `dash` > 0 the line is dashed: `dash`
  /// dots on, `dash` off, counted from `dashOffset` (pass the steps of the previous segments to
  /// continue a pattern); both end dots are always set. Returns the steps taken.
  @discardableResult
  public mutating func line(
    _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ style: Style, dash: Int = 0, dashOffset: Int = 0,
    symbol: String? = nil
  ) -> Int {
    var x = x0
    var y = y0
    let dx = abs(x1 - x0)
    let dy = -abs(y1 - y0)
    let sx = x0 < x1 ? 1 : -1
    let sy = y0 < y1 ? 1 : -1
    var err = dx + dy
    var n = 0
    while n < 100_000 {
      let end = x == x1 && y == y1
      if dash <= 0 || n == 0 || end || ((n + dashOffset) / dash) % 2 == 0 { set(x, y, style, symbol: symbol) }
      if end { break }
      let e2 = 2 * err
      if e2 >= dy {
        err += dy
        x += sx
      }
      if e2 <= dx {
        err += dx
        y += sy
      }
      n += 1
    }
    return n
  }

  /// Draws the set dots into `buffer` at `origin`; empty cells are left as they are.
  public func render(into buffer: inout Buffer, at origin: (x: Int, y: Int)) {
    let quadrants = [" ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█"]
    for r in 0..<rows {
      for c in 0..<columns {
        let b = bits[r * columns + c]
        guard b != 0 else { continue }
        let symbol: String
        switch glyphs {
        case .braille: symbol = String(Character(Unicode.Scalar(0x2800 + UInt32(b))!))
        case .blocks: symbol = quadrants[Int(b)]
        case .ascii: symbol = symbols[r * columns + c] ?? "*"
        }
        buffer.put(symbol, origin.x + c, origin.y + r, styles[r * columns + c] ?? .plain)
      }
    }
  }
}
