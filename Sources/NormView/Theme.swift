import NormSupport

/// How many colours the terminal shows.
public enum ColorMode: String, Sendable, CaseIterable {
  case truecolor
  case ansi256 = "256"
  case ansi8 = "8"
  /// No colour at all (`NO_COLOR`, or a terminal without colours): attributes only.
  case mono

  /// The one colour decision of every command (`live`, `play`, `shot`), in this order:
  ///
  /// 1. `NO_COLOR` in the environment, with any value (even empty), means `mono`; it beats the
  ///    flag (https://no-color.org).
  /// 2. A `--colors` flag (a raw value: truecolor, 256, 8, mono) is used, but never above what
  ///    the terminal shows when `terminalColors` is known.
  /// 3. Otherwise what the terminal shows, and `256` when there is no terminal (screenshots).
  ///
  /// A flag that is not a mode counts as absent (the commands reject it before this). The live
  /// app passes `terminalColors: nil` when it opens the terminal: ``NormTerm/Terminal`` caps the
  /// mode at what ncurses reports (its modes never exceed 256, so "no flag" there is exactly
  /// what the terminal has) and draws true colour through the 256 palette.
  public static func resolve(flag: String?, environment: [String: String], terminalColors: ColorMode?) -> ColorMode {
    if environment["NO_COLOR"] != nil { return .mono }
    guard let wanted = flag.flatMap(ColorMode.init(rawValue:)) else { return terminalColors ?? .ansi256 }
    guard let terminalColors else { return wanted }
    return wanted.rank <= terminalColors.rank ? wanted : terminalColors
  }

  /// mono < 8 < 256 < truecolor.
  var rank: Int {
    switch self {
    case .mono: 0
    case .ansi8: 1
    case .ansi256: 2
    case .truecolor: 3
    }
  }
}

/// Which characters draw plots. The layout is the same in each; only the resolution and the
/// glyphs change.
public enum GlyphSet: String, Sendable, CaseIterable {
  /// Braille dots (2×4 per cell) for lines, eighth blocks for bars, half blocks for heatmaps.
  case braille
  /// Quadrant blocks (2×2 per cell), eighth blocks, half blocks: for fonts that draw braille badly.
  case blocks
  /// Plain ASCII (1×1 per cell), for any terminal and font.
  case ascii

  public var next: GlyphSet {
    let all = GlyphSet.allCases
    return all[(all.firstIndex(of: self)! + 1) % all.count]
  }
}

/// Colours and glyphs for one colour mode and glyph set. Each variant keeps one colour
/// everywhere (Okabe–Ito colour-blind-safe hues where the terminal has them).
public struct Theme: Sendable, Equatable {
  public var colors: ColorMode
  public var glyphs: GlyphSet

  public init(colors: ColorMode = .ansi256, glyphs: GlyphSet = .braille) {
    self.colors = colors
    self.glyphs = glyphs
  }

  private func pick(_ rgb: (UInt8, UInt8, UInt8), _ i256: UInt8, _ i8: UInt8?) -> Color {
    switch colors {
    case .truecolor: .rgb(rgb.0, rgb.1, rgb.2)
    case .ansi256: .indexed(i256)
    case .ansi8: i8.map { .indexed($0) } ?? .default
    case .mono: .default
    }
  }

  /// The colour of variant i (orange, sky blue, bluish green, reddish purple).
  public func variant(_ i: Int) -> Color {
    switch i % 4 {
    case 0: pick((230, 159, 0), 214, 3)
    case 1: pick((86, 180, 233), 75, 6)
    case 2: pick((0, 158, 115), 36, 2)
    default: pick((204, 121, 167), 175, 5)
    }
  }

  /// In mono, variants are told apart by attributes instead.
  public func variantStyle(_ i: Int) -> Style {
    if colors == .mono { return Style(attributes: i % 2 == 0 ? [.bold] : []) }
    return Style(foreground: variant(i))
  }

  /// A marker character per variant, for legends (and the only cue in mono).
  public func marker(_ i: Int) -> String {
    glyphs == .ascii ? ["*", "+", "o", "x"][i % 4] : ["●", "■", "▲", "◆"][i % 4]
  }

  /// A label as drawn: in ASCII words and arrows under the ASCII glyph set (``ASCII/label(_:)``).
  public func label(_ s: String) -> String { glyphs == .ascii ? ASCII.label(s) : s }

  public var text: Style { .plain }
  public var dim: Style {
    colors == .mono
      ? Style(attributes: .dim)
      : Style(foreground: pick((128, 128, 128), 244, 7), attributes: colors == .ansi8 ? .dim : [])
  }
  public var axis: Style {
    colors == .mono ? Style(attributes: .dim) : Style(foreground: pick((150, 150, 150), 246, 7))
  }
  public var title: Style { Style(attributes: .bold) }
  public var border: Style {
    colors == .mono
      ? Style(attributes: .dim)
      : Style(foreground: pick((90, 90, 90), 240, 7), attributes: colors == .ansi8 ? .dim : [])
  }
  public var focusBorder: Style {
    colors == .mono ? Style(attributes: .bold) : Style(foreground: pick((240, 228, 66), 227, 3), attributes: .bold)
  }
  public var accent: Style {
    colors == .mono ? Style(attributes: .bold) : Style(foreground: pick((240, 228, 66), 227, 3))
  }
  public var warning: Style {
    colors == .mono
      ? Style(attributes: [.bold, .underline]) : Style(foreground: pick((213, 94, 0), 202, 1), attributes: .bold)
  }
  public var good: Style { colors == .mono ? Style(attributes: .bold) : Style(foreground: pick((0, 158, 115), 36, 2)) }
  public var bar: Style {
    colors == .mono
      ? Style(attributes: .reverse)
      : Style(foreground: pick((230, 230, 230), 254, 7), background: pick((48, 48, 48), 236, 4))
  }
  public var key: Style {
    colors == .mono
      ? Style(attributes: [.bold, .reverse])
      : Style(foreground: pick((20, 20, 20), 232, 0), background: pick((160, 160, 160), 248, 7))
  }

  /// The colour of a density in [0, 1] for heatmaps (viridis-like; nil = empty).
  public func density(_ t: Float) -> Color? {
    guard t > 0, t.isFinite else { return nil }
    let x = Swift.min(Swift.max(t, 0), 1)
    switch colors {
    case .truecolor:
      let stops: [(Float, Float, Float)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
      let p = x * Float(stops.count - 1)
      let i = Int.bucket(x, count: stops.count - 1)
      let f = p - Float(i)
      let a = stops[i]
      let b = stops[i + 1]
      func channel(_ u: Float, _ v: Float) -> UInt8 {
        UInt8(Swift.min(Swift.max(Int(clamping: u + (v - u) * f), 0), 255))
      }
      return .rgb(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    case .ansi256:
      let ramp: [UInt8] = [54, 55, 61, 67, 31, 37, 36, 72, 71, 107, 149, 184, 220, 226]
      return .indexed(ramp[Int.bucket(x, count: ramp.count)])
    case .ansi8:
      let ramp: [UInt8] = [4, 6, 2, 3, 11]
      return .indexed(ramp[Int.bucket(x, count: ramp.count)])
    case .mono:
      return nil
    }
  }

  /// Shading characters from light to dark, used where colour cannot show density.
  public var shades: [String] { glyphs == .ascii ? [".", ":", "+", "#", "@"] : ["░", "▒", "▓", "█"] }

  /// Vertical bar glyphs by eighths (index 1…8).
  public var eighths: [String] {
    glyphs == .ascii ? [" ", " ", " ", ".", ".", "o", "o", "#", "#"] : [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  }

  /// Box-drawing characters: horizontal, vertical, corners ┌ ┐ └ ┘.
  public var box: (h: String, v: String, tl: String, tr: String, bl: String, br: String) {
    glyphs == .ascii ? ("-", "|", "+", "+", "+", "+") : ("─", "│", "┌", "┐", "└", "┘")
  }
  public var boxFocused: (h: String, v: String, tl: String, tr: String, bl: String, br: String) {
    glyphs == .ascii ? ("=", "#", "#", "#", "#", "#") : ("━", "┃", "┏", "┓", "┗", "┛")
  }
}
