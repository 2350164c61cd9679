import NormSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A key press as the app sees it.
public enum Key: Equatable, Sendable {
  case character(Character)
  case up, down, left, right
  case tab, backTab, enter, escape, backspace
  case function(Int)
  /// The terminal was resized.
  case resize
  /// A mouse press, release or wheel notch (when the mouse is on; see ``MouseEvent``).
  case mouse(MouseEvent)
  case other(Int32)
}

/// What the live loop needs from a terminal: its size and capabilities, keys, drawing, signals
/// and restoring. `Terminal` (NormTerm, ncurses) is the real one; ``TestTerminal`` is scripted,
/// for tests in-process. Used from one thread only.
public protocol TerminalBackend: AnyObject {
  var width: Int { get }
  var height: Int { get }
  /// Colours the terminal can show.
  var colorMode: ColorMode { get }
  /// False under a non-UTF-8 locale: the app then uses ASCII glyphs.
  var utf8: Bool { get }
  /// Waits up to `timeoutMs` for a key (negative: forever). A resize arrives as `.resize`, with
  /// `width` and `height` already updated.
  func readKey(timeoutMs: Int) -> Key?
  /// ``readKey(timeoutMs:)`` that also returns nil early once `wakeup` has been rung after
  /// generation `seen` (another thread published something to draw): at once if it already
  /// was, else as soon as it rings. Every backend must wake here; one that waited out the
  /// timeout instead would hold back each publish until the live loop's next frame.
  func readKey(timeoutMs: Int, orWakeup wakeup: Wakeup, after seen: UInt64) -> Key?
  /// Draws `buffer` (sized to the terminal). A backend that was stopped (SIGTSTP/SIGCONT)
  /// repaints the whole screen here.
  func draw(_ buffer: Buffer)
  /// The terminating signal that arrived, or 0.
  var pendingSignal: Int32 { get }
  /// The name of signal `signal` ("SIGUSR1").
  func signalName(_ signal: Int32) -> String
  /// Leaves full-screen mode. Idempotent.
  func restore()
}

/// A scripted terminal for tests: keys, resizes, signals and waits in a queue; every drawn
/// buffer kept (``frames``, ``text`` is the last as text); a clock a script can move forward.
public final class TestTerminal: TerminalBackend {
  /// One scripted step.
  public enum Event {
    case key(Key)
    /// The terminal becomes `width`x`height` (delivered as `.resize`).
    case resize(width: Int, height: Int)
    /// `pendingSignal` becomes this signal.
    case signal(Int32)
    /// No key until the last frame satisfies the condition (or the time limit passes).
    case waitUntil(String, (TestTerminal) -> Bool)
    /// Moves ``now()`` forward (flash messages expire on it).
    case advanceClock(Duration)
  }

  public private(set) var width: Int
  public private(set) var height: Int
  public let colorMode: ColorMode
  public let utf8: Bool
  public private(set) var pendingSignal: Int32 = 0
  public private(set) var frames: [Buffer] = []
  public private(set) var restored = false
  /// What a wait that ran out of time waited for (the loop is then told `q`).
  public private(set) var timedOut: [String] = []
  /// How long a `waitUntil` may wait, in wall time.
  public var waitLimit: Duration = .seconds(30)
  /// Waits in ``readKey(timeoutMs:orWakeup:after:)`` that ran to their timeout instead of being
  /// woken (by a key in the script or the wakeup).
  public private(set) var timedOutWaits = 0
  public var events: [Event] = []
  private var advanced: Duration = .zero
  /// When true, ``now()`` stands still but for ``Event/advanceClock(_:)``: double clicks and
  /// flash messages then depend on the script alone, never on how fast the machine runs it.
  public var frozenClock = false
  private let frozenAt = ContinuousClock.now
  private var waitStarted: ContinuousClock.Instant? = nil

  public init(width: Int = 120, height: Int = 40, colorMode: ColorMode = .ansi256, utf8: Bool = true) {
    self.width = width
    self.height = height
    self.colorMode = colorMode
    self.utf8 = utf8
  }

  /// The last frame drawn.
  public var lastFrame: Buffer? { frames.last }
  /// The last frame as plain text ("" before the first).
  public var text: String { lastFrame.map(Screenshot.text) ?? "" }

  /// Queues keys: characters, or events.
  public func type(_ characters: String) { events += characters.map { .key(.character($0)) } }
  public func send(_ events: Event...) { self.events += events }
  /// Queues a left click (a press, then its release) at cell (`x`, `y`).
  public func click(x: Int, y: Int) {
    events += [
      .key(.mouse(MouseEvent(x: x, y: y, kind: .press))), .key(.mouse(MouseEvent(x: x, y: y, kind: .release))),
    ]
  }
  /// Queues wheel notches at cell (`x`, `y`): up when `up`, else down.
  public func wheel(x: Int, y: Int, up: Bool, notches: Int = 1) {
    events += Array(
      repeating: .key(.mouse(MouseEvent(x: x, y: y, kind: up ? .wheelUp : .wheelDown, button: 0))), count: notches)
  }
  /// Queues a resize to `width`x`height`.
  public func resize(width: Int, height: Int) { events.append(.resize(width: width, height: height)) }
  /// Queues a wait until the last frame contains `text`.
  public func wait(for text: String) {
    events.append(.waitUntil("screen shows \"\(text)\"", { $0.text.contains(text) }))
  }

  /// Wall time plus what the script advanced (the start time plus that with ``frozenClock``).
  public func now() -> ContinuousClock.Instant { (frozenClock ? frozenAt : ContinuousClock.now) + advanced }

  public func readKey(timeoutMs: Int) -> Key? { next(timeoutMs: timeoutMs, wakeup: nil) }

  /// Like ``readKey(timeoutMs:)``, but an idle wait ends when `wakeup` rings (no fixed sleep),
  /// and never outlasts the time left to a pending `waitUntil`.
  public func readKey(timeoutMs: Int, orWakeup wakeup: Wakeup, after seen: UInt64) -> Key? {
    next(timeoutMs: timeoutMs, wakeup: (wakeup, seen))
  }

  private func next(timeoutMs: Int, wakeup: (Wakeup, UInt64)?) -> Key? {
    while let event = events.first {
      switch event {
      case .key(let k):
        events.removeFirst()
        return k
      case .resize(let w, let h):
        events.removeFirst()
        width = w
        height = h
        return .resize
      case .signal(let s):
        events.removeFirst()
        pendingSignal = s
        return nil
      case .advanceClock(let d):
        events.removeFirst()
        advanced += d
      case .waitUntil(let what, let condition):
        if condition(self) {
          events.removeFirst()
          waitStarted = nil
          continue
        }
        let started = waitStarted ?? ContinuousClock.now
        waitStarted = started
        if ContinuousClock.now - started > waitLimit {
          timedOut.append(what)
          events.removeAll()
          return .character("q")
        }
        pause(timeoutMs, wakeup, limit: waitLimit - (ContinuousClock.now - started))
        return nil
      }
    }
    pause(timeoutMs, wakeup, limit: waitLimit)
    return nil
  }

  /// Waits `ms` (at most `limit`, and at most a second without a wakeup): for the wakeup when
  /// there is one, else sleeping.
  private func pause(_ ms: Int, _ wakeup: (Wakeup, UInt64)?, limit: Duration) {
    guard ms > 0 else { return }
    guard let (w, seen) = wakeup else {
      _ = usleep(useconds_t(min(ms, 1000) * 1000))
      return
    }
    if !w.wait(after: seen, timeout: max(.zero, min(.milliseconds(ms), limit))) { timedOutWaits += 1 }
  }

  public func draw(_ buffer: Buffer) { frames.append(buffer) }
  public func signalName(_ signal: Int32) -> String { "signal \(signal)" }
  public func restore() { restored = true }
}
