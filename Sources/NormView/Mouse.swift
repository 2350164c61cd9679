/// One mouse event from the terminal, in screen cells.
///
/// The terminal reports presses, releases and wheel notches; a double click is recognised by
/// the app from two presses (see ``ClickTracker``), because ncurses is asked for raw events
/// (`mouseinterval(0)`: no waiting to see whether a press becomes a click).
public struct MouseEvent: Equatable, Sendable {
  /// What happened.
  public enum Kind: Equatable, Sendable {
    /// A button went down (the app acts on presses).
    case press
    /// A button went up.
    case release
    /// The second press of a double click (from ``ClickTracker``, or from ncurses).
    case doubleClick
    /// One notch of the wheel away from the user (scroll up).
    case wheelUp
    /// One notch of the wheel towards the user (scroll down).
    case wheelDown
  }

  /// Shift, Alt (Meta) and Ctrl held during the event, when the terminal reports them.
  public struct Modifiers: OptionSet, Equatable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let shift = Modifiers(rawValue: 1)
    public static let alt = Modifiers(rawValue: 2)
    public static let control = Modifiers(rawValue: 4)
  }

  /// Column, 0-based from the left. May lie outside the screen (a resize in between).
  public var x: Int
  /// Row, 0-based from the top. May lie outside the screen.
  public var y: Int
  /// Press, release, double click or wheel notch.
  public var kind: Kind
  /// 1 left, 2 middle, 3 right; 0 for wheel notches and releases the terminal does not name.
  public var button: Int
  /// The keys held (not every terminal reports them).
  public var modifiers: Modifiers

  /// An event at cell (`x`, `y`), 0-based; `button` 1 (left) unless given.
  public init(x: Int, y: Int, kind: Kind, button: Int = 1, modifiers: Modifiers = []) {
    self.x = x
    self.y = y
    self.kind = kind
    self.button = button
    self.modifiers = modifiers
  }

  /// Decodes the body of an SGR (mode 1006) mouse report: what follows `ESC [ <`, e.g.
  /// `0;10;5M` (left press at column 10, row 5, 1-based). Returns nil for anything else
  /// (motion reports, horizontal wheels, malformed or absurd numbers). Unlike the X10
  /// encoding, SGR has no limit of 223 columns.
  ///
  /// The first number's bits: 0-1 button (0 left, 1 middle, 2 right), 4 shift, 8 alt,
  /// 16 ctrl, 32 motion, 64 wheel (64 up, 65 down); the final `M` is a press, `m` a release.
  public static func sgr<S: StringProtocol>(_ body: S) -> MouseEvent? {
    guard let final = body.last, final == "M" || final == "m" else { return nil }
    let fields = body.dropLast().split(separator: ";", omittingEmptySubsequences: false)
    guard fields.count == 3, fields.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) }),
      let code = Int(fields[0]), let column = Int(fields[1]), let row = Int(fields[2]), column >= 1, row >= 1
    else { return nil }
    var modifiers: Modifiers = []
    if code & 4 != 0 { modifiers.insert(.shift) }
    if code & 8 != 0 { modifiers.insert(.alt) }
    if code & 16 != 0 { modifiers.insert(.control) }
    if code & 32 != 0 { return nil }  // motion (only asked for with modes 1002/1003)
    let low = code & 3
    let kind: Kind
    let button: Int
    if code & 64 != 0 {
      guard final == "M", low < 2 else { return nil }  // 66, 67: horizontal wheel
      kind = low == 0 ? .wheelUp : .wheelDown
      button = 0
    } else if code & 128 != 0 {
      return nil  // buttons 8-11: not used
    } else {
      guard low < 3 else { return nil }
      kind = final == "M" ? .press : .release
      button = low + 1
    }
    return MouseEvent(x: column - 1, y: row - 1, kind: kind, button: button, modifiers: modifiers)
  }

  /// The SGR report of this event (`ESC [ < b ; x ; y M`), as a terminal sends it (tests send
  /// these). Cells are clamped to 0…999,998, what ``sgr(_:)`` reads back.
  public var sgrSequence: String {
    let column = min(max(x, 0), 999_998) + 1
    let row = min(max(y, 0), 999_998) + 1
    var code = [1: 0, 2: 1, 3: 2][button] ?? 0
    switch kind {
    case .wheelUp: code = 64
    case .wheelDown: code = 65
    default: break
    }
    if modifiers.contains(.shift) { code += 4 }
    if modifiers.contains(.alt) { code += 8 }
    if modifiers.contains(.control) { code += 16 }
    return "\u{1B}[<\(code);\(column);\(row)\(kind == .release ? "m" : "M")"
  }
}

/// Turns a second press of the same button on the same cell soon after the first into a
/// double click. The clock is the caller's, so tests with a scripted clock are deterministic.
public struct ClickTracker: Sendable {
  /// Two presses at most this far apart make a double click (a common desktop default).
  public var interval: Duration = .milliseconds(400)
  private var last: (x: Int, y: Int, button: Int, at: ContinuousClock.Instant)? = nil

  public init() {}

  /// `event`, or the same event as a ``MouseEvent/Kind/doubleClick`` when it is the second
  /// press. A third press starts a new pair (so a triple click is a double click and a click);
  /// anything but a release between two presses (a wheel notch) makes them two clicks.
  public mutating func classify(_ event: MouseEvent, at now: ContinuousClock.Instant) -> MouseEvent {
    guard event.kind == .press else {
      if event.kind != .release { last = nil }
      return event
    }
    if let l = last, l.x == event.x, l.y == event.y, l.button == event.button, now - l.at <= interval, now >= l.at {
      last = nil
      var double = event
      double.kind = .doubleClick
      return double
    }
    last = (event.x, event.y, event.button, now)
    return event
  }
}
