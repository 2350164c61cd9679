/// A size constraint for one part of a split.
public enum Constraint: Sendable, Equatable {
  /// Exactly n cells (less if the space runs out).
  case length(Int)
  /// p percent of the space.
  case percentage(Int)
  /// At least n cells; takes a share of what is left like `.fill(1)`.
  case min(Int)
  /// A share of what is left, by weight.
  case fill(Int)
}

/// Splits rectangles into rows or columns (ratatui-style constraints).
public enum Layout {
  public enum Direction: Sendable { case horizontal, vertical }

  /// Splits `r` along `direction`; parts are separated by `spacing` cells. The parts always
  /// tile the space exactly (the last flexible part absorbs rounding).
  public static func split(_ r: Rect, _ direction: Direction, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
    guard !constraints.isEmpty else { return [] }
    let total = max(0, (direction == .horizontal ? r.width : r.height) - spacing * (constraints.count - 1))
    var sizes = [Int](repeating: 0, count: constraints.count)
    var used = 0
    for (i, c) in constraints.enumerated() {
      switch c {
      case .length(let n): sizes[i] = max(0, n)
      case .percentage(let p): sizes[i] = total * max(0, p) / 100
      case .min(let n): sizes[i] = max(0, n)
      case .fill: sizes[i] = 0
      }
      used += sizes[i]
    }
    // Over-subscribed: shrink from the end.
    var over = used - total
    var i = constraints.count - 1
    while over > 0 && i >= 0 {
      let cut = Swift.min(over, sizes[i])
      sizes[i] -= cut
      over -= cut
      i -= 1
    }
    var left = Swift.max(0, total - sizes.reduce(0, +))
    let weights = constraints.map { c -> Int in
      switch c {
      case .fill(let w): return Swift.max(0, w)
      case .min: return 1
      default: return 0
      }
    }
    let wsum = weights.reduce(0, +)
    if wsum > 0 {
      var given = 0
      let lastFlexible = weights.lastIndex { $0 > 0 }!
      for (k, w) in weights.enumerated() where w > 0 {
        let share = k == lastFlexible ? left - given : left * w / wsum
        sizes[k] += share
        given += share
      }
      left = 0
    }
    var out = [Rect]()
    var pos = direction == .horizontal ? r.x : r.y
    for s in sizes {
      if direction == .horizontal {
        out.append(Rect(x: pos, y: r.y, width: s, height: r.height))
      } else {
        out.append(Rect(x: r.x, y: pos, width: r.width, height: s))
      }
      pos += s + spacing
    }
    return out
  }

  /// A rectangle of at most `width`×`height` centred in `r`.
  public static func centered(_ r: Rect, width: Int, height: Int) -> Rect {
    let w = Swift.min(width, r.width)
    let h = Swift.min(height, r.height)
    return Rect(x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h)
  }
}
