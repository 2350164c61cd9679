# Sourced by Tests/e2e/tmux.sh: the mouse. tmux's own mouse option is off, so SGR reports sent
# with `send-keys -l` reach the app as the bytes a terminal would send; tmux's pane flags say
# whether the app has mouse reporting on (any: mode 1000, sgr: mode 1006).
mflags() { T display -p -t ns '#{mouse_any_flag} #{mouse_sgr_flag}'; }
# sgr B X Y [m]: the report of button code B at 1-based column X, row Y (M press, m release).
sgr() { T send-keys -t ns -l "$(printf '\033[<%s;%s;%s%s' "$1" "$2" "$3" "${4:-M}")"; }
click() { sgr 0 "$1" "$2"; sgr 0 "$1" "$2" m; }
flags_are() { if [ "$(mflags)" = "$2" ]; then ok; else bad "$1: pane mouse flags '$(mflags)', expected '$2'"; fi; }
two_layers="'linear 16, relu, linear 16, relu, linear 2'"

# At 140x45 (default TERM in tmux: screen, whose terminfo expects X10 reports: the app decodes
# SGR itself): loss top left, histograms top right (columns 71-140, rows 2-22), key bar row 45.
scenes=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../scenes" && pwd)
start "NORMSCOPE_SCENES='$scenes' '$bin' live --data moons --model $two_layers"
check "mouse: dashboard" "Loss \(training" 20
flags_are "mouse reporting on (1000 and SGR 1006) while running" "1 1"
click 101 6
check "a click on the histograms focuses them" "panel: histograms"
sgr 65 101 10
check "the wheel over the histograms chooses layer 1" "layer 1/2"
sgr 64 20 35
check "the wheel over the percentiles chooses layer 2 again" "layer 2/2"
sleep 0.5
click 101 6
click 101 6
check "a double click zooms" "zoomed: histograms"
click 50 20
click 50 20
check "a double click again returns" "all panels"
click 3 45
check "a click on the key bar's space item pauses" "paused \(space resumes"
click 70 0 2>/dev/null
click 300 300
sgr 0 9999 9999
check "clicks off the screen do nothing harmful" "paused"
# Past column 223, where the old X10 reports end: 250 columns give three panel columns, the
# heatmap on the right.
T resize-window -t ns -x 250 -y 45
check "250 columns: the heatmap shows" "activation input over time" 5
for _ in $(seq 100); do status | grep -qE '[0-9]+x[0-9]+' || break; sleep 0.05; done
click 230 6
check "a click at column 230 focuses the heatmap" "panel: heatmap"
sgr 65 230 10
check "the wheel over the heatmap chooses layer 1" "layer 1/2"
sgr 64 230 10
check "and back to layer 2" "layer 2/2"
T resize-window -t ns -x 140 -y 45
check "back to 140x45" "Covariate shift" 5
T send-keys -t ns '?'
check "help opens" "lines 1-[0-9]+ of"
sgr 65 70 20
sgr 65 70 20
check "the wheel scrolls help" "lines 3-[0-9]+ of"
T send-keys -t ns '?' o
check "the scene browser opens" "Enter plays"
sgr 65 70 20
# The library: the built-in tour, then the scenes folder's files by name.
check "the wheel moves the browser's choice" "> alternatives"
T send-keys -t ns Escape
for _ in $(seq 60); do cap | grep -q "Enter plays" || break; sleep 0.05; done
click 3 45
check "the key bar's space resumes" "running"
# The column of ` q  quit ` in the key bar, counted in characters (`←→` comes before it).
bar=$(cap | tail -1)
q_col=""
case $bar in *" q  quit "*) q_col=$(LC_ALL=C.UTF-8 bash -c 'printf %s "${#1}"' _ "${bar%% q  quit *}") ;; esac
# The press alone: the app quits on it, and a release sent after that would be typed into
# the shell (send-keys sends it even with reporting off; a terminal would not).
if [ -n "$q_col" ]; then sgr 0 $((q_col + 2)) 45; else T send-keys -t ns q; bad "the key bar shows q quit" "$(cap | tail -1)"; fi
check "a click on the key bar's q quits" "^exit=0"
flags_are "mouse reporting off after q" "0 0"

# TERM=xterm-256color: ncurses decodes the SGR reports itself.
start "TERM=xterm-256color '$bin' live --data moons --model $two_layers"
check "xterm-256color: dashboard" "Loss \(training" 20
flags_are "xterm-256color: mouse reporting on" "1 1"
click 101 6
check "xterm-256color: a click focuses the histograms" "panel: histograms"
sgr 65 101 10
check "xterm-256color: the wheel chooses layer 1" "layer 1/2"
T send-keys -t ns q
check "xterm-256color: quits" "^exit=0"
flags_are "xterm-256color: mouse reporting off after q" "0 0"

# --no-mouse, and a terminal type without a mouse: nothing asked for, and reports that come
# anyway are swallowed (never typed as the digits in them: 1 would choose layer 1).
for how in "live --no-mouse" "TERM=vt100 live"; do
  env=""; args=$how
  case $how in TERM=*) env=${how%% *}; args=${how#* } ;; esac
  start "$env '$bin' $args --data moons --model $two_layers"
  check "$how: dashboard" "Loss \(training" 20
  flags_are "$how: no mouse reporting" "0 0"
  click 101 6
  sgr 65 101 10
  T send-keys -t ns n
  check "$how: the keys after the reports still work" "single step"
  if cap | grep -qE "panel: histograms|layer 1/2"; then bad "$how: a mouse report acted" "$(cap | head -3)"; else ok; fi
  T send-keys -t ns q
  check "$how: quits" "^exit=0"
done
start "'$bin' --no-mouse"
check "normscope --no-mouse plays the tour" "1 · Convergence" 20
flags_are "normscope --no-mouse: no mouse reporting" "0 0"
T send-keys -t ns q

# Ctrl-Z: reporting off while stopped, on again after fg (an interactive shell, for job
# control); without job control (start's shell) the stop is dropped and reporting stays on.
start "'$bin' live --data moons --model $two_layers"
check "mouse: dashboard for Ctrl-Z without job control" "Loss \(training" 20
T send-keys -t ns C-z
sleep 0.5
flags_are "Ctrl-Z without job control: mouse reporting still on" "1 1"
click 101 6
check "Ctrl-Z without job control: a click still focuses" "panel: histograms"
T send-keys -t ns q
check "Ctrl-Z without job control: quits" "^exit=0"
T kill-session -t ns 2>/dev/null
sleep 0.1
T new-session -d -s ns -x 140 -y 45
T send-keys -t ns "cd '$tmp' && '$bin' live --data moons --model $two_layers" Enter
check "mouse: dashboard in an interactive shell" "Loss \(training" 20
T send-keys -t ns C-z
check "Ctrl-Z stops the app" "Stopped"
flags_are "stopped: mouse reporting off" "0 0"
T send-keys -t ns fg Enter
check "fg brings the dashboard back" "Loss \(training" 10
flags_are "after fg: mouse reporting on again" "1 1"
click 101 6
check "after fg: a click focuses" "panel: histograms"
T send-keys -t ns q
check "quits after fg" "normscope: quit at step"
flags_are "mouse reporting off after q (after fg)" "0 0"

# The experiment editor open (`live --edit`): the mouse does nothing, the form stays.
start "'$bin' live --edit --data moons --model $two_layers"
check "mouse: the editor opens on start" "Esc cancels" 20
click 101 6
sgr 65 101 10
click 3 45
sleep 0.5
if cap | grep -qE "panel: |layer 1/2|paused \(space"; then bad "a click with the editor open acted" "$(cap | head -3)"; else ok; fi
check "the editor stays open under clicks" "Esc cancels"
T send-keys -t ns Escape
check "Esc closes the editor" "Covariate shift" 5
T send-keys -t ns q
check "quits after the editor" "^exit=0"

# A signal: reporting off too.
start "'$bin' live --data moons --model $two_layers"
if wait_for "Loss \(training" 20; then
  kill -s TERM "$(app_pid)"
  check "mouse: SIGTERM exits 143" "^exit=143"
  flags_are "mouse reporting off after SIGTERM" "0 0"
else
  bad "mouse: the app did not start for SIGTERM" "$(cap)"
fi
