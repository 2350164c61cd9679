/// A terminal colour. Themes pick colours suited to the terminal's ``ColorMode`` (true colour,
/// the 256-colour palette, the 8 basic colours, or none), so exporters emit them as they are.
public enum Color: Sendable, Hashable {
  /// The terminal's own foreground or background.
  case `default`
  /// An xterm palette index: 0–7 basic, 8–15 bright, 16–231 the 6×6×6 cube, 232–255 greys.
  case indexed(UInt8)
  case rgb(UInt8, UInt8, UInt8)

  /// The colour as RGB (for SVG/HTML export); nil for `.default`.
  public var rgbValue: (UInt8, UInt8, UInt8)? {
    switch self {
    case .default: return nil
    case .rgb(let r, let g, let b): return (r, g, b)
    case .indexed(let i):
      let basic: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205),
        (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234),
        (214, 112, 214),
        (41, 184, 219), (255, 255, 255),
      ]
      if i < 16 { return basic[Int(i)] }
      if i >= 232 {
        let v = UInt8(8 + 10 * Int(i - 232))
        return (v, v, v)
      }
      let c = Int(i) - 16
      let steps: [UInt8] = [0, 95, 135, 175, 215, 255]
      return (steps[c / 36], steps[(c / 6) % 6], steps[c % 6])
    }
  }
}

/// Text attributes of a cell.
public struct Attributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  public static let bold = Attributes(rawValue: 1)
  public static let dim = Attributes(rawValue: 2)
  public static let italic = Attributes(rawValue: 4)
  public static let underline = Attributes(rawValue: 8)
  public static let reverse = Attributes(rawValue: 16)
}

/// Foreground, background and attributes; nil colours leave the cell's colour as it is.
public struct Style: Sendable, Hashable {
  public var foreground: Color?
  public var background: Color?
  public var attributes: Attributes
  public init(foreground: Color? = nil, background: Color? = nil, attributes: Attributes = []) {
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }
  public static let plain = Style()
}

/// One character cell. A wide character (display width 2) occupies its cell and marks the
/// next one as its continuation (empty symbol).
public struct Cell: Sendable, Hashable {
  /// The grapheme shown; "" for the right half of a wide character.
  public var symbol: String
  public var foreground: Color
  public var background: Color
  public var attributes: Attributes

  public init(
    _ symbol: String = " ", foreground: Color = .default, background: Color = .default, attributes: Attributes = []
  ) {
    self.symbol = symbol
    self.foreground = foreground
    self.background = background
    self.attributes = attributes
  }

  public static let blank = Cell()
  public var isContinuation: Bool { symbol.isEmpty }
}
