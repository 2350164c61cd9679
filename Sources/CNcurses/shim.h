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

#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

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

// Signals: the handler only records which signal came; the main loop sees it, leaves curses
// mode and exits with a message.
static volatile sig_atomic_t ns_signal_received = 0;
static inline void ns_signal_handler(int s) { ns_signal_received = s; }
static inline void ns_install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ns_signal_handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
}
static inline int ns_pending_signal(void) { return ns_signal_received; }
static inline int ns_isatty(int fd) { return isatty(fd); }
/// newterm on the process's own stdout/stdin (Swift 6 cannot read the C globals).
static inline SCREEN *ns_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline void ns_flush_stdout(void) { fflush(stdout); }

#endif
