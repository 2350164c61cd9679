# Sourced by Tests/e2e/tmux.sh: every terminating signal leaves the terminal usable, SIGSTOP and
# SIGCONT redraw the dashboard, terminals that cannot run it are refused, long status messages
# are cut to fit, and the live app's screenshots and recordings never replace a file.

# pane_flag NAME: a tmux pane variable (alternate_on: 1 on the alternate screen; cursor_flag: 1
# when the cursor is visible).
pane_flag() { T display -p -t ns "#{$1}" 2>/dev/null; }
# wait_gone PATTERN [SECONDS]: poll until the pane no longer matches.
wait_gone() {
  local i=0 limit=$(( ${2:-5} * 20 ))
  while [ $i -lt $limit ]; do
    cap | grep -qE -- "$1" || return 0
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}
# restored NAME: the app has exited and the terminal is back: normal screen, cursor shown,
# echo and canonical input on.
restored() {
  check "$1 restores echo and icanon" "^echo icanon <modes"
  [ "$(pane_flag alternate_on)" = 0 ] && ok || bad "$1 leaves the alternate screen" "$(cap)"
  [ "$(pane_flag cursor_flag)" = 1 ] && ok || bad "$1 shows the cursor again"
}
sig_live="'$bin' live --data moons --model 'linear 16, relu, linear 2'"

# Signals that used to kill the app in raw mode: handled like SIGINT (exit 128+N, one line).
for sig in USR1 PIPE ALRM USR2 VTALRM XCPU; do
  start "$sig_live"
  if wait_for "Loss \(training" 20; then
    kill -s "$sig" "$(app_pid)"
    code=$((128 + $(kill -l "$sig")))
    check "SIG$sig exits $code" "^exit=$code"
    check "SIG$sig says so in one line" "^normscope: SIG$sig at step [0-9]+; terminal restored"
    restored "SIG$sig"
  else
    bad "SIG$sig: the app did not start" "$(cap)"
  fi
done

# Crash signals: the emergency handler restores the terminal, then the signal takes its course
# (the shell sees death by that signal: 128+N). The Swift runtime's backtracer, which ran
# before as the previous handler, reports on the restored screen; it asks for a key on a tty.
start "$sig_live"
if wait_for "Loss \(training" 20; then
  kill -s SEGV "$(app_pid)"
  if wait_for "Program crashed|^exit=139" 10; then
    [ "$(pane_flag alternate_on)" = 0 ] && ok || bad "SIGSEGV: the crash report is shown on the alternate screen"
    cap | grep -q "Loss (training" && bad "SIGSEGV: the crash report is drawn over the dashboard" "$(cap)" || ok
    wait_for "Press space to interact|^exit=139" 10 && cap | grep -q "Press space to interact" && T send-keys -t ns q
    check "SIGSEGV with the backtracer still ends with status 139" "^exit=139" 10
    restored "SIGSEGV with the backtracer"
  else
    bad "SIGSEGV: no crash report and no exit" "$(cap)"
  fi
else
  bad "SIGSEGV: the app did not start" "$(cap)"
fi
for sig in SEGV ILL ABRT BUS FPE TRAP SYS; do
  start "SWIFT_BACKTRACE=enable=no $sig_live"
  if wait_for "Loss \(training" 20; then
    kill -s "$sig" "$(app_pid)"
    code=$((128 + $(kill -l "$sig")))
    check "SIG$sig still ends the app with its own status $code" "^exit=$code"
    restored "SIG$sig"
    cap | grep -q "Loss (training" && bad "SIG$sig left the dashboard on screen" "$(cap)" || ok
  else
    bad "SIG$sig: the app did not start" "$(cap)"
  fi
done

# SIGSTOP, text written over the screen while stopped (what a shell's job lines do), SIGCONT:
# the dashboard is drawn again in full. Paused, so nothing would repaint those cells otherwise.
start "$sig_live --paused"
if wait_for "Loss \(training" 20; then
  pid=$(app_pid)
  kill -STOP "$pid"
  sleep 0.3
  printf '\r\n[1]+  Stopped      normscope live STRAY-JOB-LINE\r\n$ fg\r\n' >"$(pane_flag pane_tty)"
  if wait_for "STRAY-JOB-LINE" 3; then
    kill -CONT "$pid"
    if wait_gone "STRAY-JOB-LINE|^\\$ fg" 3; then ok; else bad "SIGCONT: the shell's lines stay over the dashboard" "$(cap)"; fi
    status | grep -qE "^ NormScope +step 0 " && ok || bad "SIGCONT: the status bar is back on the first line" "$(cap)"
    check "SIGCONT: the panels are back" "Covariate shift"
    T send-keys -t ns n
    check "keys work after SIGCONT" "step 1 "
  else
    bad "SIGSTOP: could not write to the pane's terminal" "$(cap)"
    kill -CONT "$pid"
  fi
  T send-keys -t ns q
  check "quits after SIGSTOP/SIGCONT" "^exit=0"
  restored "quit after SIGCONT"
else
  bad "SIGSTOP: the app did not start" "$(cap)"
fi

# Terminals that cannot run a full-screen app, and input that is not a terminal.
start "TERM=dumb $sig_live"
check "TERM=dumb is refused with the reason" "normscope: error: TERM=dumb cannot move the cursor"
check "TERM=dumb suggests running headless" "normscope shot"
check "TERM=dumb exits 1" "^exit=1"
check "TERM=dumb leaves echo and icanon" "^echo icanon <modes"
start "$sig_live </dev/null"
check "stdin from /dev/null names standard input" "normscope: error: standard input is not a terminal, so"
check "stdin from /dev/null exits 1" "^exit=1"

# A status message wider than the terminal is cut with "…", never blanks the bar. The screenshot
# directory vanishes under the app, so `s` fails with a long, one-line reason.
gone="$tmp/a-screenshot-directory-with-a-rather-long-name-that-is-about-to-be-removed"
mkdir -p "$gone"
start "$sig_live --paused --screenshot-dir '$gone'"
if wait_for "Loss \(training" 20; then
  T resize-window -t ns -x 80 -y 24
  check "80x24 dashboard" "space  pause" 5
  rmdir "$gone"
  T send-keys -t ns s
  check "a failed screenshot says why, cut to the bar's width" "screenshot failed: cannot write /.*…"
  status | grep -q "Error Domain" && bad "raw Foundation error in the status bar" "$(status)" || ok
  [ "$(status | wc -m)" -le 81 ] && ok || bad "status bar wider than the terminal" "$(status)"
  T send-keys -t ns q
  check "then quits" "^exit=0"
else
  bad "long message: the app did not start" "$(cap)"
fi

# Screenshots and recordings take a new name; a planted symlink is never written through.
shots="$tmp/shots-live"
mkdir -p "$shots"
echo precious >"$tmp/victim"
ln -s "$tmp/victim" "$shots/normscope-step0.txt"
echo other >"$shots/normscope-step0-2.ansi"
echo mine >"$shots/recording-1.scene"
start "$sig_live --paused --screenshot-dir '$shots'"
if wait_for "Loss \(training" 20; then
  T send-keys -t ns s
  check "s skips names already taken (even by a symlink)" "screenshot: .*normscope-step0-3.txt .ansi .svg .html"
  T send-keys -t ns s
  check "a second s takes the next name" "screenshot: .*normscope-step0-4.txt .ansi .svg .html"
  T send-keys -t ns R n n R
  check "a recording takes the next free number" "recorded .*recording-2.scene"
  T send-keys -t ns q
  check "quits" "^exit=0"
fi
[ "$(cat "$tmp/victim")" = precious ] && [ "$(cat "$shots/normscope-step0-2.ansi")" = other ] \
  && [ "$(cat "$shots/recording-1.scene")" = mine ] && ok || bad "an existing file or a symlink's target was changed" "$(ls -la "$shots")"
grep -q "Loss (training" "$shots/normscope-step0-3.txt" 2>/dev/null && [ -s "$shots/normscope-step0-3.ansi" ] \
  && ok || bad "the screenshot pair is complete" "$(ls -la "$shots")"
ls -a "$shots" | grep -q '\.tmp-' && bad "temporary files left behind" "$(ls -la "$shots")" || ok
