import NormSupport

/// Recordings in asciicast v2, the format asciinema plays and hosts
/// (https://docs.asciinema.org/manual/asciicast/v2/): newline-delimited JSON, a header object
/// on the first line, then one event per line, `[seconds, "o", data]` for output (what a
/// terminal would be sent) and `[seconds, "r", "WxH"]` for a resize.
///
/// The first frame clears the screen and draws every row; each later frame sends only the runs
/// of cells that changed, each preceded by a cursor move and an absolute SGR, so replaying the
/// events on a terminal of the header's size reproduces every frame's cells exactly (tested
/// with an interpreter). Deterministic: no clock is read here; the caller passes each frame's
/// time, and the header has no `timestamp`.
public struct AsciicastEncoder: Sendable {
  public private(set) var width: Int
  public private(set) var height: Int
  /// The screen as the last frame left it (nil before the first).
  private var previous: Buffer? = nil
  /// Changed runs closer than this many unchanged cells are sent as one (fewer cursor moves).
  static let gapJoin = 6

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// The header line (with its newline). `title` is shown by players; `env` records the
  /// terminal the frames were made for.
  public static func header(width: Int, height: Int, title: String? = nil, env: [String: String] = [:]) -> String {
    var fields = ["\"version\": 2", "\"width\": \(width)", "\"height\": \(height)"]
    if let title { fields.append("\"title\": " + json(printable(title))) }
    if !env.isEmpty {
      let pairs = env.keys.sorted().map { json($0) + ": " + json(env[$0]!) }
      fields.append("\"env\": {" + pairs.joined(separator: ", ") + "}")
    }
    return "{" + fields.joined(separator: ", ") + "}\n"
  }

  /// The `env` a recording of this colour mode states: TERM says how many colours the data uses.
  public static func environment(for colors: ColorMode) -> [String: String] {
    switch colors {
    case .truecolor: ["TERM": "xterm-256color", "COLORTERM": "truecolor"]
    case .ansi256: ["TERM": "xterm-256color"]
    case .ansi8: ["TERM": "xterm"]
    case .mono: ["TERM": "vt100"]
    }
  }

  /// The event lines (each with its newline) that take the screen to `frame` at `time`
  /// (microseconds from the start): a resize event first when its size differs, then the
  /// output; nothing when no cell changed.
  public mutating func events(for frame: Buffer, at time: Int) -> String {
    var out = ""
    if frame.width != width || frame.height != height {
      width = frame.width
      height = frame.height
      previous = nil
      out += Self.event(time: time, code: "r", data: "\(width)x\(height)")
    }
    let data = output(for: frame)
    if !data.isEmpty { out += Self.event(time: time, code: "o", data: data) }
    return out
  }

  /// What a terminal must be sent to show `frame` after the previous one.
  mutating func output(for frame: Buffer) -> String {
    defer { previous = frame }
    guard let previous else { return Self.fullScreen(frame) }
    var out = ""
    for y in 0..<frame.height {
      for run in Self.changedRuns(previous, frame, row: y) { out += Self.draw(frame, row: y, from: run.0, to: run.1) }
    }
    return out
  }

  /// Hide the cursor, reset the pen, clear, then every row up to its last non-blank cell.
  static func fullScreen(_ b: Buffer) -> String {
    var out = "\u{1B}[?25l\u{1B}[0m\u{1B}[H\u{1B}[2J"
    for y in 0..<b.height {
      var end = b.width
      while end > 0 && b[end - 1, y] == .blank { end -= 1 }
      if end > 0 { out += draw(b, row: y, from: 0, to: end) }
    }
    return out
  }

  /// The column ranges of row `y` whose cells differ, widened so no range starts on the right
  /// half of a wide character or ends on its left half, and joined across short gaps.
  static func changedRuns(_ old: Buffer, _ new: Buffer, row y: Int) -> [(Int, Int)] {
    var runs: [(Int, Int)] = []
    var x = 0
    while x < new.width {
      guard old[x, y] != new[x, y] else {
        x += 1
        continue
      }
      var start = x
      var end = x + 1
      while end < new.width && old[end, y] != new[end, y] { end += 1 }
      if start > 0 && new[start, y].isContinuation { start -= 1 }
      if end < new.width && new[end, y].isContinuation { end += 1 }
      if let last = runs.last, start - last.1 <= gapJoin {
        runs[runs.count - 1].1 = end
      } else {
        runs.append((start, end))
      }
      x = end
    }
    return runs
  }

  /// A cursor move to (from, y), then the cells up to `to`, each style change as an absolute SGR.
  static func draw(_ b: Buffer, row y: Int, from: Int, to: Int) -> String {
    var out = "\u{1B}[\(y + 1);\(from + 1)H"
    var pen: (Color, Color, Attributes)? = nil
    for x in from..<to {
      let c = b[x, y]
      if c.isContinuation { continue }
      if pen == nil || pen! != (c.foreground, c.background, c.attributes) {
        out += Screenshot.sgr(c.foreground, c.background, c.attributes)
        pen = (c.foreground, c.background, c.attributes)
      }
      out += c.symbol
    }
    return out + "\u{1B}[0m"
  }

  /// One event line: `[1.234567, "o", "…"]`.
  public static func event(time: Int, code: String, data: String) -> String {
    "[" + seconds(time) + ", " + json(code) + ", " + json(data) + "]\n"
  }

  /// Microseconds as seconds with six decimals ("12.000040"); never a float's rounding.
  public static func seconds(_ microseconds: Int) -> String {
    let us = max(0, microseconds)
    let frac = String(us % 1_000_000)
    return "\(us / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
  }

  /// A JSON string literal (``JSONText/quoted(_:)``).
  public static func json(_ s: String) -> String { JSONText.quoted(s) }
}

/// Frames to asciicast events timed from the first frame: the timing both recorders share
/// (``RecordingTerminal`` for `--cast`, the live app's `c`).
public struct AsciicastTimeline: Sendable {
  private var encoder: AsciicastEncoder
  private var start: ContinuousClock.Instant? = nil

  public init(width: Int, height: Int) { encoder = AsciicastEncoder(width: width, height: height) }

  /// The events for `frame`, drawn at `now` (the first frame is at time 0).
  public mutating func events(for frame: Buffer, at now: ContinuousClock.Instant) -> String {
    if start == nil { start = now }
    let (s, atto) = (now - start!).components
    let micros = Int(clamping: s) &* 1_000_000 &+ Int(atto / 1_000_000_000_000)
    return encoder.events(for: frame, at: max(0, micros))
  }
}

/// A terminal that records what is drawn on it as an asciicast while passing everything through
/// to `base` (the live app's `--cast`). Frames are timed by `now` from the first one; a frame of
/// another size is a resize event and a whole screen. `write` receives the file's text in order
/// (header first); once it throws, recording stops and ``failure`` says why, while drawing
/// goes on.
public final class RecordingTerminal<Base: TerminalBackend>: TerminalBackend {
  public let base: Base
  private var timeline: AsciicastTimeline
  private let write: (String) throws -> Void
  private let now: () -> ContinuousClock.Instant
  /// The first write that failed (recording stopped there).
  public private(set) var failure: String? = nil
  /// Frames recorded (drawn and written).
  public private(set) var frameCount = 0

  /// Writes the header at `base`'s size; what `write` throws for it is thrown here.
  public init(
    _ base: Base, title: String, colors: ColorMode, write: @escaping (String) throws -> Void,
    now: @escaping () -> ContinuousClock.Instant = { ContinuousClock.now }
  ) throws {
    self.base = base
    self.write = write
    self.now = now
    timeline = AsciicastTimeline(width: base.width, height: base.height)
    try write(
      AsciicastEncoder.header(
        width: base.width, height: base.height, title: title, env: AsciicastEncoder.environment(for: colors)))
  }

  public var width: Int { base.width }
  public var height: Int { base.height }
  public var colorMode: ColorMode { base.colorMode }
  public var utf8: Bool { base.utf8 }
  public var pendingSignal: Int32 { base.pendingSignal }
  public func readKey(timeoutMs: Int) -> Key? { base.readKey(timeoutMs: timeoutMs) }
  public func readKey(timeoutMs: Int, orWakeup wakeup: Wakeup, after seen: UInt64) -> Key? {
    base.readKey(timeoutMs: timeoutMs, orWakeup: wakeup, after: seen)
  }
  public func signalName(_ signal: Int32) -> String { base.signalName(signal) }
  public func restore() { base.restore() }

  public func draw(_ buffer: Buffer) {
    base.draw(buffer)
    guard failure == nil else { return }
    do {
      try write(timeline.events(for: buffer, at: now()))
      frameCount += 1
    } catch { failure = "\(error)" }
  }
}
