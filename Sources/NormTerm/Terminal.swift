import CNcurses
import NormSupport
import NormView

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Errors setting up the terminal.
public struct TerminalError: Error, CustomStringConvertible, Sendable {
  public var description: String
}

/// The full-screen terminal: draws NormView buffers with ncurses (which sends only what
/// changed), reads keys, tracks the size, and always restores the terminal on `restore()`
/// (also called from `deinit`). Use from one thread only.
public final class Terminal: TerminalBackend {
  public private(set) var width: Int = 0
  public private(set) var height: Int = 0
  /// Colours the terminal can show (256, 8 or none; true colour is mapped to 256).
  public let colorMode: ColorMode
  /// False under a non-UTF-8 locale: the app should then use ASCII glyphs.
  public let utf8: Bool
  private var screen: OpaquePointer?
  private var last: Buffer? = nil
  private var active = false
  private var pairs: [Int64: Int32] = [:]
  /// Whether the terminal reports the mouse (asked for, and its type has a mouse).
  public private(set) var mouseOn = false
  /// Keys read ahead while telling an SGR mouse report from other input after Esc.
  private var pending: [Key] = []

  /// Which of standard input and output is not a terminal ("standard input is not a
  /// terminal"), or nil when both are.
  public static var notATerminal: String? {
    switch (ns_isatty(0) == 1, ns_isatty(1) == 1) {
    case (true, true): nil
    case (false, true): "standard input is not a terminal"
    case (true, false): "standard output is not a terminal"
    case (false, false): "standard input is not a terminal (nor is standard output)"
    }
  }

  /// Enters full-screen mode. `forceColors` overrides detection (NO_COLOR → mono is applied by
  /// the caller). Throws, leaving the terminal untouched, when standard input or output is not
  /// a terminal, TERM is unset or unknown, or the terminal cannot position the cursor (dumb).
  /// From here until `restore()`, every terminating signal restores the terminal (shim.h).
  /// With `mouse`, the terminal reports clicks and the wheel (``Key/mouse(_:)``) where its
  /// type has a mouse; `restore()` and every exit path turn that off again.
  public init(environment: [String: String], forceColors: ColorMode? = nil, mouse: Bool = true) throws {
    if let problem = Self.notATerminal { throw TerminalError(description: problem) }
    setlocale(LC_ALL, "")
    utf8 = ns_locale_is_utf8() == 1
    let term = Text.sanitized(environment["TERM"] ?? "")
    guard !term.isEmpty else { throw TerminalError(description: "TERM is not set; set it (e.g. TERM=xterm-256color)") }
    switch ns_terminal_usable() {
    case -1:
      throw TerminalError(description: "unknown terminal type '\(term)'; set TERM (e.g. TERM=xterm-256color)")
    case 0:
      throw TerminalError(
        description: "TERM=\(term) cannot move the cursor, so the full-screen dashboard cannot run in it; "
          + "use a terminal that can (e.g. TERM=xterm-256color)")
    default: break
    }
    ns_install_signal_handlers()
    guard let scr = ns_newterm() else {
      ns_leave_screen()
      throw TerminalError(description: "unknown terminal type '\(term)'; set TERM (e.g. TERM=xterm-256color)")
    }
    screen = scr
    _ = set_term(scr)
    active = true
    cbreak()
    noecho()
    nonl()
    _ = keypad(ns_stdscr(), true)
    _ = curs_set(0)
    set_escdelay(25)
    ns_enter_screen()
    var mode: ColorMode = .mono
    if has_colors() {
      start_color()
      _ = use_default_colors()
      mode = ns_colors() >= 256 ? .ansi256 : ns_colors() >= 8 ? .ansi8 : .mono
    }
    if let f = forceColors {
      // Never claim more colours than the terminal has; true colour draws through the 256 palette.
      let rank: [ColorMode: Int] = [.mono: 0, .ansi8: 1, .ansi256: 2, .truecolor: 3]
      let wanted = f == .truecolor ? .ansi256 : f
      mode = rank[wanted]! <= rank[mode]! ? wanted : mode
    }
    colorMode = mode
    updateSize()
    if mouse { mouseOn = ns_mouse_on() == 1 }
  }

  deinit { restore() }

  /// Leaves full-screen mode: cursor visible, echo and canonical input back. Idempotent.
  public func restore() {
    guard active else { return }
    active = false
    ns_mouse_off()
    if mouseOn {
      // A report already sent (the release of the click on `q quit`) would otherwise be read
      // by the shell as typed text: drop what is unread.
      _ = flushinp()
      mouseOn = false
    }
    _ = curs_set(1)
    _ = endwin()
    ns_leave_screen()
    if let s = screen {
      delscreen(s)
      screen = nil
    }
    ns_flush_stdout()
  }

  /// The terminating signal (SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGPIPE, …) that arrived, or 0.
  public var pendingSignal: Int32 { ns_pending_signal() }

  /// "SIGUSR1" for 10 (Linux numbering), "signal N" for one without a name here.
  public static func signalName(_ s: Int32) -> String {
    let names: [(Int32, String)] = [
      (SIGHUP, "SIGHUP"), (SIGINT, "SIGINT"), (SIGQUIT, "SIGQUIT"), (SIGILL, "SIGILL"), (SIGTRAP, "SIGTRAP"),
      (SIGABRT, "SIGABRT"), (SIGBUS, "SIGBUS"), (SIGFPE, "SIGFPE"), (SIGUSR1, "SIGUSR1"), (SIGSEGV, "SIGSEGV"),
      (SIGUSR2, "SIGUSR2"), (SIGPIPE, "SIGPIPE"), (SIGALRM, "SIGALRM"), (SIGTERM, "SIGTERM"),
      (SIGXCPU, "SIGXCPU"), (SIGXFSZ, "SIGXFSZ"), (SIGVTALRM, "SIGVTALRM"), (SIGPROF, "SIGPROF"),
      (SIGIO, "SIGIO"), (SIGSYS, "SIGSYS"),
    ]
    return names.first { $0.0 == s }?.1 ?? "signal \(s)"
  }

  public func signalName(_ signal: Int32) -> String { Self.signalName(signal) }

  func updateSize() {
    height = Int(getmaxy(ns_stdscr()))
    width = Int(getmaxx(ns_stdscr()))
    if height < 0 || width < 0 {
      height = Int(ns_lines())
      width = Int(ns_cols())
    }
  }

  /// Waits up to `timeoutMs` for a key (negative: forever). Handles resize bookkeeping. A mouse
  /// report is a ``Key/mouse(_:)`` while the mouse is on; with it off, a report that arrives
  /// anyway is swallowed (nil), never typed as the keys its bytes spell.
  public func readKey(timeoutMs: Int) -> Key? {
    if !pending.isEmpty { return pending.removeFirst() }
    guard let (r, ch) = readRaw(timeoutMs: timeoutMs) else { return nil }
    var key: Key? = key(r, ch)
    if key == .escape { key = afterEscape() }
    if case .mouse? = key, !mouseOn { return nil }
    return key
  }

  /// One `wget_wch`: its status (OK or KEY_CODE_YES) and character, nil for none in time.
  private func readRaw(timeoutMs: Int) -> (Int32, wint_t)? {
    wtimeout(ns_stdscr(), Int32(timeoutMs))
    var ch: wint_t = 0
    let r = wget_wch(ns_stdscr(), &ch)
    return r == ns_err() ? nil : (r, ch)
  }

  /// After Esc: an SGR mouse report (`ESC [ < b ; x ; y M`) that ncurses did not decode
  /// (its terminfo entry expects X10 reports) is decoded here, and a malformed or unwanted
  /// one (motion) is dropped (nil); anything else is Esc, and what was read after it is
  /// delivered next, as ncurses gave it.
  private func afterEscape() -> Key? {
    guard let first = readRaw(timeoutMs: 0) else { return .escape }
    guard first.0 != ns_key_code_yes(), first.1 == 91, let second = readRaw(timeoutMs: 0) else {
      pending.append(key(first.0, first.1))
      return .escape
    }
    guard second.0 != ns_key_code_yes(), second.1 == 60 else {
      pending += [.character("["), key(second.0, second.1)]
      return .escape
    }
    var body = ""
    // The rest of the report is in flight: wait a little for each byte, at most 24 of them.
    while body.count < 24, let (r, ch) = readRaw(timeoutMs: 50) {
      let k = key(r, ch)
      guard case .character(let c) = k, c.isASCII, c.isNumber || c == ";" || c == "M" || c == "m" else {
        pending.append(k)  // real input after a cut-off report: keep it, drop the report
        return nil
      }
      body.append(c)
      if c == "M" || c == "m" { return MouseEvent.sgr(body).map(Key.mouse) }
    }
    return nil
  }

  /// The key of what `wget_wch` returned: status `r`, character `ch`.
  private func key(_ r: Int32, _ ch: wint_t) -> Key {
    if r == ns_key_code_yes() {
      let code = Int32(ch)
      switch code {
      case ns_key_mouse():
        var x: Int32 = 0
        var y: Int32 = 0
        var kind: Int32 = 0
        var button: Int32 = 0
        var mods: Int32 = 0
        guard ns_get_mouse(&x, &y, &kind, &button, &mods) != ns_err(), (1...5).contains(kind) else {
          return .other(code)
        }
        let kinds: [MouseEvent.Kind] = [.press, .release, .doubleClick, .wheelUp, .wheelDown]
        return .mouse(
          MouseEvent(
            x: Int(x), y: Int(y), kind: kinds[Int(kind) - 1], button: Int(button),
            modifiers: MouseEvent.Modifiers(rawValue: Int(mods))))
      case ns_key_resize():
        updateSize()
        last = nil
        return .resize
      case KEY_UP: return .up
      case KEY_DOWN: return .down
      case KEY_LEFT: return .left
      case KEY_RIGHT: return .right
      case KEY_BTAB: return .backTab
      case KEY_ENTER: return .enter
      case KEY_BACKSPACE: return .backspace
      default:
        for n in 1...12 where code == ns_key_f(Int32(n)) { return .function(n) }
        return .other(code)
      }
    }
    switch ch {
    case 9: return .tab
    case 10, 13: return .enter
    case 27: return .escape
    case 127, 8: return .backspace
    default:
      guard let u = Unicode.Scalar(UInt32(ch)) else { return .other(Int32(ch)) }
      return .character(Character(u))
    }
  }

  /// Waits up to `timeoutMs` for a key, or less when `wakeup` rings after generation `seen`:
  /// `poll` on standard input and the wakeup's pipe, then ncurses reads the key that arrived.
  /// A key ncurses has already read ahead comes first; a signal (a resize) ends the wait early.
  public func readKey(timeoutMs: Int, orWakeup wakeup: Wakeup, after seen: UInt64) -> Key? {
    let wakeFd = wakeup.descriptor
    // Empty the pipe before looking at the generation: a ring after this still wakes `poll`.
    wakeup.drain()
    if let key = readKey(timeoutMs: 0) { return key }
    if wakeup.generation != seen || timeoutMs == 0 { return nil }
    guard wakeFd >= 0 else { return readKey(timeoutMs: timeoutMs) }
    var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFd, events: Int16(POLLIN), revents: 0)]
    let ready = poll(&fds, 2, Int32(clamping: timeoutMs < 0 ? -1 : timeoutMs))
    guard ready > 0, fds[0].revents != 0 else { return nil }  // woken, timed out, or a signal
    if let key = readKey(timeoutMs: 0) { return key }
    // Readable without a key: part of a character (the rest comes later), or input closed or
    // failed; then ncurses waits out the frame itself, as before, so the loop cannot spin.
    let closed = fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    return closed ? readKey(timeoutMs: timeoutMs) : nil
  }

  /// Draws `buffer` (sized to the terminal) and refreshes; only changed cells are sent to
  /// ncurses, which in turn sends only what changed on screen.
  public func draw(_ buffer: Buffer) {
    guard active else { return }
    if ns_take_continued() == 1 {
      // Back from SIGSTOP/SIGTSTP: the shell may have reset the modes and written over the
      // screen. Program mode again, and repaint every cell.
      ns_resume_screen()
      ns_mouse_resume()
      last = nil
    }
    let full = last == nil || last!.width != buffer.width || last!.height != buffer.height
    if full { _ = werase(ns_stdscr()) }
    let h = min(buffer.height, height)
    let w = min(buffer.width, width)
    for y in 0..<h {
      for x in 0..<w {
        let c = buffer[x, y]
        if c.isContinuation { continue }
        if !full, let l = last, l[x, y] == c { continue }
        // The bottom-right cell would scroll the screen on some terminals; ncurses errs there, harmlessly.
        _ = ns_put_cell(Int32(y), Int32(x), c.symbol, attributes(c.attributes), pair(c.foreground, c.background))
      }
    }
    last = buffer
    _ = wrefresh(ns_stdscr())
  }

  func attributes(_ a: Attributes) -> attr_t {
    var r = ns_a_normal()
    if a.contains(.bold) { r |= ns_a_bold() }
    if a.contains(.dim) { r |= ns_a_dim() }
    if a.contains(.underline) { r |= ns_a_underline() }
    if a.contains(.reverse) { r |= ns_a_reverse() }
    if a.contains(.italic) { r |= ns_a_italic() }
    return r
  }

  func colorNumber(_ c: Color) -> Int32 {
    switch c {
    case .default: return -1
    case .indexed(let i): return colorMode == .ansi8 ? Int32(i % 8) : Int32(i)
    case .rgb(let r, let g, let b):
      // Nearest entry of the 6×6×6 cube.
      func q(_ v: UInt8) -> Int32 { v < 48 ? 0 : v < 115 ? 1 : Int32((Int(v) - 35) / 40) }
      return 16 + 36 * q(r) + 6 * q(g) + q(b)
    }
  }

  /// An ncurses colour pair for (fg, bg), allocated on demand (`alloc_pair` recycles pairs).
  func pair(_ fg: Color, _ bg: Color) -> Int32 {
    guard colorMode != .mono else { return 0 }
    let f = colorNumber(fg)
    let b = colorNumber(bg)
    if f == -1 && b == -1 { return 0 }
    let key = Int64(f) << 32 | Int64(UInt32(bitPattern: b))
    if let p = pairs[key] { return p }
    let p = alloc_pair(f, b)
    let result = p < 0 ? 0 : p
    pairs[key] = result
    return result
  }
}
