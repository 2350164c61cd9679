// The C side of NormScope's terminal: what Swift cannot import from ncurses directly
// (macros, mutable globals, attribute constants) and async-signal-safe signal handling.
#ifndef NORMSCOPE_CNCURSES_SHIM_H
#define NORMSCOPE_CNCURSES_SHIM_H

// SwiftPM drops pkg-config's -D_XOPEN_SOURCE=600; define what the wide-character API needs.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <errno.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline WINDOW *ns_stdscr(void) { return stdscr; }
static inline int ns_lines(void) { return LINES; }
static inline int ns_cols(void) { return COLS; }
static inline int ns_colors(void) { return COLORS; }
static inline int ns_color_pairs(void) { return COLOR_PAIRS; }
static inline int ns_key_resize(void) { return KEY_RESIZE; }
static inline int ns_key_code_yes(void) { return KEY_CODE_YES; }
static inline int ns_err(void) { return ERR; }
static inline attr_t ns_a_normal(void) { return A_NORMAL; }
static inline attr_t ns_a_bold(void) { return A_BOLD; }
static inline attr_t ns_a_dim(void) { return A_DIM; }
static inline attr_t ns_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ns_a_reverse(void) { return A_REVERSE; }
#ifdef A_ITALIC
static inline attr_t ns_a_italic(void) { return A_ITALIC; }
#else
static inline attr_t ns_a_italic(void) { return A_NORMAL; }
#endif
static inline int ns_key_f(int n) { return KEY_F(n); }

/// Draws one cell: a UTF-8 grapheme (converted to wide characters), attributes and an
/// extended colour pair (ncurses' int pair via setcchar's opts). Returns ERR on failure.
static inline int ns_put_cell(int y, int x, const char *utf8, attr_t attrs, int pair) {
  wchar_t wide[8];
  mbstate_t st;
  memset(&st, 0, sizeof st);
  const char *src = utf8;
  size_t n = mbsrtowcs(wide, &src, 7, &st);
  if (n == (size_t)-1 || n == 0) { wide[0] = L'?'; n = 1; }
  wide[n] = 0;
  cchar_t c;
  if (setcchar(&c, wide, attrs, (short)(pair < 32767 ? pair : 0), &pair) == ERR) return ERR;
  return mvwadd_wch(stdscr, y, x, &c);
}

/// Whether the current locale's character set is UTF-8.
static inline int ns_locale_is_utf8(void) {
  const char *cs = nl_langinfo(CODESET);
  return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

// MARK: Signals
//
// Every signal whose default action ends the process must leave the terminal usable: not in
// raw mode, not on the alternate screen, cursor visible. Two kinds of handler do it:
//
// - "Polite" signals (INT, TERM, HUP, QUIT, PIPE, USR1, USR2, ALRM, VTALRM, PROF, XCPU, XFSZ,
//   and on Linux IO/POLL, STKFLT, PWR and the real-time signals) only record which signal came.
//   The live loop polls `ns_pending_signal()`, leaves curses mode through ncurses and exits with
//   a message (status 128+N). A signal the process inherited as ignored stays ignored (nohup).
// - Crash signals (SEGV, BUS, ILL, FPE, ABRT, TRAP, SYS; a Swift runtime trap is SIGILL or
//   SIGTRAP) cannot return to the program. Their handler restores the terminal on its own:
//   it writes the exit sequences saved at start (sgr0, cnorm, rmkx, rmcup from terminfo) and
//   puts back the termios saved before curses changed it. Then it calls the handler that was
//   there before (the Swift runtime's backtracer prints its report on the restored screen),
//   resets the signal to SIG_DFL and lets it take its course: a fault raised by an instruction
//   recurs when the handler returns; anything else (kill, abort, seccomp, int3) is re-raised,
//   blocked until the handler returns. Either way the process dies of that signal (exit
//   status, core dump).
// - SIGCONT (after SIGSTOP or SIGTSTP and `fg`) sets a flag; the terminal then re-enters
//   program mode and redraws everything (the shell may have changed the modes and written
//   job lines over the screen).
//
// Handlers call only async-signal-safe functions (POSIX.1-2017 2.4.3: write, tcsetattr,
// sigaction, raise), store only to volatile sig_atomic_t, and read buffers only while
// ns_screen_active says they are complete (they are filled with it at 0). errno is preserved.
// The previous handler they chain to (the Swift backtracer) is that handler's own business. All state below is `static` in this header, which only
// NormTerm's Terminal.swift uses (one translation unit, so one copy in the process).

static volatile sig_atomic_t ns_signal_received = 0;
static volatile sig_atomic_t ns_continued = 0;
/// 1 while curses owns the terminal: the crash handler restores it only then.
static volatile sig_atomic_t ns_screen_active = 0;
static volatile sig_atomic_t ns_have_termios = 0;
static int ns_tty_fd = 1;
static struct termios ns_saved_termios = {0};
static char ns_exit_sequence[512] = {0};
static volatile sig_atomic_t ns_exit_sequence_length = 0;
static struct sigaction ns_previous_action[NSIG] = {{{0}}};

static inline void ns_polite_handler(int s) { ns_signal_received = s; }
static inline void ns_continue_handler(int s) { (void)s; ns_continued = 1; }

// MARK: Mouse
//
// ncurses is asked for every button event (mousemask) with no click resolution
// (mouseinterval 0: a press is reported at once, never held back to see if a click follows).
// On top of what ncurses sends for the terminal type (its XM string for xterm, else mode 1000),
// modes 1000 (press and release) and 1006 (SGR reports, no 223-column limit) are set here, so
// every terminal that takes mode 1000 reports in SGR (not 1002 or 1003: the app has no use for
// drags or motion, which would only add reports); where ncurses' terminfo entry expects
// X10 reports (kmous=\E[M: screen, tmux-256color), Terminal.swift decodes SGR itself.
// Every exit turns both off again: restore, the crash handler (ns_mouse_off_sequence first),
// and a SIGTSTP stop (ncurses' endwin turns its mode off; SIGCONT turns ours on again).

/// Writes all of `p` to `fd` at once (no stdio buffer: `putp` would hold it in stdout's
/// buffer, behind ncurses' own output, until exit). Async-signal-safe.
static inline void ns_write_all(int fd, const char *p, size_t left) {
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= (size_t)n;
  }
}

static const char ns_mouse_on_sequence[] = "\033[?1000h\033[?1006h";
/// The sequence that turns reporting off (1006 first: a terminal never reports X10 after it).
static const char ns_mouse_off_sequence[] = "\033[?1006l\033[?1000l";
static volatile sig_atomic_t ns_mouse_active = 0;

static struct sigaction ns_tstp_previous = {{0}};

/// SIGTSTP (Ctrl-Z) while the mouse is on: mouse reporting off, then ncurses' own handler
/// (endwin, stop; on `fg` back to program mode), then reporting on again. That handler returns
/// once the process runs again: after `fg`, or at once when no shell does job control (the
/// kernel drops a stop for an orphaned process group). ncurses turns its own mode back on.
static inline void ns_tstp_handler(int s) {
  int saved_errno = errno;
  if (ns_mouse_active) ns_write_all(ns_tty_fd, ns_mouse_off_sequence, sizeof ns_mouse_off_sequence - 1);
  if (ns_tstp_previous.sa_handler != SIG_DFL && ns_tstp_previous.sa_handler != SIG_IGN) {
    if (ns_tstp_previous.sa_flags & SA_SIGINFO) ns_tstp_previous.sa_sigaction(s, NULL, NULL);
    else ns_tstp_previous.sa_handler(s);
  }
  if (ns_mouse_active) ns_write_all(ns_tty_fd, ns_mouse_on_sequence, sizeof ns_mouse_on_sequence - 1);
  errno = saved_errno;
}

/// Turns mouse reporting on; 1 when the terminal type has a mouse (ncurses knows how to ask
/// for it), 0 when it has none (vt100, dumb-ish types): then nothing is sent. Wraps the SIGTSTP
/// handler ncurses installed (only that one: with job control off or SIGTSTP ignored there
/// is nothing to wrap, and no stop).
static inline int ns_mouse_on(void) {
  if (mousemask(ALL_MOUSE_EVENTS, NULL) == 0) return 0;
  mouseinterval(0);
  ns_write_all(1, ns_mouse_on_sequence, sizeof ns_mouse_on_sequence - 1);
  ns_mouse_active = 1;
  struct sigaction current;
  if (sigaction(SIGTSTP, NULL, &current) == 0 && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN
      && current.sa_handler != ns_tstp_handler) {
    ns_tstp_previous = current;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = ns_tstp_handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTSTP, &sa, NULL);
  }
  return 1;
}

/// Turns mouse reporting off (ncurses' mode and ours), and gives SIGTSTP back to ncurses.
/// Idempotent.
static inline void ns_mouse_off(void) {
  struct sigaction current;
  if (sigaction(SIGTSTP, NULL, &current) == 0 && current.sa_handler == ns_tstp_handler)
    sigaction(SIGTSTP, &ns_tstp_previous, NULL);
  if (!ns_mouse_active) return;
  ns_mouse_active = 0;
  ns_write_all(1, ns_mouse_off_sequence, sizeof ns_mouse_off_sequence - 1);
  mousemask(0, NULL);
}

/// After SIGCONT: the shell may have reset the terminal's modes; ask for the mouse again.
static inline void ns_mouse_resume(void) {
  if (ns_mouse_active) ns_write_all(1, ns_mouse_on_sequence, sizeof ns_mouse_on_sequence - 1);
}

/// The mouse event ncurses decoded (after KEY_MOUSE): cell, kind (1 press, 2 release,
/// 3 double click, 4 wheel up, 5 wheel down, 0 other), button 1-3 (0: none), and modifiers
/// (1 shift, 2 alt, 4 ctrl). Returns ERR when there is no event.
static inline int ns_get_mouse(int *x, int *y, int *kind, int *button, int *mods) {
  MEVENT e;
  if (getmouse(&e) != OK) return ERR;
  *x = e.x;
  *y = e.y;
  *kind = 0;
  *button = 0;
  mmask_t b = e.bstate;
  if (b & BUTTON4_PRESSED) *kind = 4;
  else if (b & BUTTON5_PRESSED) *kind = 5;
  else {
    const mmask_t pressed[3] = {BUTTON1_PRESSED, BUTTON2_PRESSED, BUTTON3_PRESSED};
    const mmask_t released[3] = {BUTTON1_RELEASED, BUTTON2_RELEASED, BUTTON3_RELEASED};
    const mmask_t clicked[3] = {BUTTON1_CLICKED, BUTTON2_CLICKED, BUTTON3_CLICKED};
    const mmask_t doubled[3] = {BUTTON1_DOUBLE_CLICKED, BUTTON2_DOUBLE_CLICKED, BUTTON3_DOUBLE_CLICKED};
    for (int i = 0; i < 3 && *kind == 0; i++) {
      if (b & (pressed[i] | clicked[i])) *kind = 1;
      else if (b & released[i]) *kind = 2;
      else if (b & doubled[i]) *kind = 3;
      if (*kind) *button = i + 1;
    }
  }
  *mods = ((b & BUTTON_SHIFT) ? 1 : 0) | ((b & BUTTON_ALT) ? 2 : 0) | ((b & BUTTON_CTRL) ? 4 : 0);
  return OK;
}

static inline int ns_key_mouse(void) { return KEY_MOUSE; }

/// Writes the saved exit sequences and the saved termios to the terminal. Async-signal-safe.
static inline void ns_emergency_restore(void) {
  if (!ns_screen_active) return;
  ns_screen_active = 0;
  if (ns_mouse_active) {
    ns_mouse_active = 0;
    ns_write_all(ns_tty_fd, ns_mouse_off_sequence, sizeof ns_mouse_off_sequence - 1);
  }
  const char *p = ns_exit_sequence;
  size_t left = (size_t)ns_exit_sequence_length;
  while (left > 0) {
    ssize_t n = write(ns_tty_fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= (size_t)n;
  }
  if (ns_have_termios) tcsetattr(ns_tty_fd, TCSANOW, &ns_saved_termios);
}

static inline void ns_crash_handler(int s, siginfo_t *info, void *context) {
  int saved_errno = errno;
  ns_emergency_restore();
  // A handler that was there before ours (the Swift runtime's backtracer) runs now, on the
  // restored terminal, with the original signal information.
  struct sigaction previous = ns_previous_action[s];
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    if (previous.sa_flags & SA_SIGINFO) previous.sa_sigaction(s, info, context);
    else previous.sa_handler(s);
  }
  // Then the default action, so the process dies of this signal (status, core dump).
  struct sigaction fallback;
  memset(&fallback, 0, sizeof fallback);
  sigemptyset(&fallback.sa_mask);
  fallback.sa_handler = SIG_DFL;
  sigaction(s, &fallback, NULL);
  int refaults = info != NULL && info->si_code > 0 && (s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE);
  if (!refaults) raise(s);
  errno = saved_errno;
}

static inline void ns_install(int s, struct sigaction *sa, int keep_ignored) {
  if (s <= 0 || s >= NSIG) return;
  struct sigaction old;
  if (sigaction(s, NULL, &old) != 0) return;
  if (keep_ignored && old.sa_handler == SIG_IGN) return;
  if (old.sa_handler == sa->sa_handler) return;  // ours already (a second Terminal): keep the true previous
  ns_previous_action[s] = old;
  sigaction(s, sa, NULL);
}

/// Saves the terminal's modes (before curses changes them) and installs every handler.
static inline void ns_install_signal_handlers(void) {
  if (tcgetattr(1, &ns_saved_termios) == 0) {
    ns_tty_fd = 1;
    ns_have_termios = 1;
  } else if (tcgetattr(0, &ns_saved_termios) == 0) {
    ns_tty_fd = 0;
    ns_have_termios = 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: the key read returns at once, so the loop sees the signal within a frame.
  sa.sa_handler = ns_polite_handler;
  const int polite[] = {
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
#ifdef __linux__
    SIGIO,
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
#ifdef SIGPWR
    SIGPWR,
#endif
#endif
  };
  for (size_t i = 0; i < sizeof polite / sizeof polite[0]; i++) ns_install(polite[i], &sa, 1);
#ifdef __linux__
  for (int s = SIGRTMIN; s <= SIGRTMAX; s++) ns_install(s, &sa, 1);
#endif

  // Crash handlers on an alternate stack (so a stack overflow on this thread still restores).
  static char alternate_stack[64 * 1024];
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
    stack_t ss;
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof alternate_stack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
  }
  struct sigaction crash;
  memset(&crash, 0, sizeof crash);
  sigemptyset(&crash.sa_mask);
  crash.sa_sigaction = ns_crash_handler;
  crash.sa_flags = SA_SIGINFO | SA_ONSTACK;
  const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) ns_install(fatal[i], &crash, 0);

  struct sigaction cont;
  memset(&cont, 0, sizeof cont);
  sigemptyset(&cont.sa_mask);
  cont.sa_handler = ns_continue_handler;
  cont.sa_flags = SA_RESTART;
  ns_install(SIGCONT, &cont, 1);
}

/// Appends terminfo capability `name` to the exit sequence, without padding (`$<5>`).
static inline void ns_append_capability(const char *name) {
  const char *s = tigetstr(name);
  if (s == NULL || s == (const char *)-1) return;
  size_t n = (size_t)ns_exit_sequence_length;
  for (; *s && n < sizeof ns_exit_sequence; s++) {
    if (s[0] == '$' && s[1] == '<') {
      const char *close = strchr(s, '>');
      if (close) {
        s = close;
        continue;
      }
    }
    ns_exit_sequence[n++] = *s;
  }
  ns_exit_sequence_length = (sig_atomic_t)n;
}

/// Called once curses owns the terminal: records the current terminal's way back (what endwin
/// sends: reset attributes, show the cursor, keypad off, leave the alternate screen).
static inline void ns_enter_screen(void) {
  ns_screen_active = 0;
  ns_exit_sequence_length = 0;
  ns_append_capability("sgr0");
  ns_append_capability("cnorm");
  ns_append_capability("rmkx");
  ns_append_capability("rmcup");
  ns_screen_active = 1;
}

/// Curses mode is over (endwin done): the crash handler has nothing left to restore. The
/// polite and SIGCONT handlers go back to what was there before, so a later Ctrl-C acts at once.
static inline void ns_leave_screen(void) {
  ns_screen_active = 0;
  for (int s = 1; s < NSIG; s++) {
    struct sigaction current;
    if (sigaction(s, NULL, &current) == 0
        && (current.sa_handler == ns_polite_handler || current.sa_handler == ns_continue_handler))
      sigaction(s, &ns_previous_action[s], NULL);
  }
}

static inline int ns_pending_signal(void) { return ns_signal_received; }

/// 1 once after each SIGCONT.
static inline int ns_take_continued(void) {
  if (!ns_continued) return 0;
  ns_continued = 0;
  return 1;
}

/// After SIGCONT: the terminal modes curses set, and a full repaint at the next refresh.
static inline void ns_resume_screen(void) {
  reset_prog_mode();
  clearok(curscr, TRUE);
}

/// Whether TERM names a terminal a full-screen app can drive: 1 yes; 0 no cursor addressing
/// (dumb, hardcopy); -1 no terminfo entry. Sends nothing to the terminal.
static inline int ns_terminal_usable(void) {
  int err = 0;
  if (setupterm(NULL, 1, &err) != OK) return -1;
  const char *cup = tigetstr("cup");
  int usable = cup != NULL && cup != (const char *)-1 && tigetflag("hc") <= 0 && tigetflag("gn") <= 0;
  del_curterm(cur_term);
  return usable;
}

static inline int ns_isatty(int fd) { return isatty(fd); }
/// newterm on the process's own stdout/stdin (Swift 6 cannot read the C globals).
static inline SCREEN *ns_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline void ns_flush_stdout(void) { fflush(stdout); }

#endif
