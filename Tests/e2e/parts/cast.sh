# `live --cast FILE` records the session in asciicast v2 as it is drawn: a resize is an "r"
# event, and replaying the events gives the screen the terminal showed when q was pressed.
replay=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../cli" && pwd)/cast_replay.py
start "'$bin' live --paused --data moons --model 'plain: linear 16, relu, linear 2' --model 'bn: linear 16, batchnorm, relu, linear 2' --cast '$tmp/live.cast'"
check "cast: the dashboard opens while recording" "Loss \(training" 20
T send-keys -t ns n
check "cast: n steps once" "step 1 " 5
T send-keys -t ns l
check "cast: l doubles the learning rate" "lr 0.2 " 5
T resize-window -t ns -x 100 -y 30
check "cast: the resize shows" "100x30" 5
# Let the flash messages expire (4 s at most), so the screen holds still, then take it.
sleep 4.5
cap | sed 's/ *$//' >"$tmp/pane.txt"
T send-keys -t ns q
check "cast: quits with status 0" "^exit=0" 10
check "cast: says what it wrote" "cast: .*live.cast \([0-9]+ frames; play it with .asciinema play" 5
if python3 "$replay" "$tmp/live.cast" >"$tmp/replayed.txt" 2>"$tmp/replay.err"; then ok; else
  bad "cast: the live recording is valid asciicast v2" "$(cat "$tmp/replay.err")"
fi
head -1 "$tmp/live.cast" | grep -q '^{"version": 2, "width": 140, "height": 45, ' && ok || bad "cast: the header has the terminal's size" "$(head -c 200 "$tmp/live.cast")"
grep -q '^\[[0-9.]*, "r", "100x30"\]$' "$tmp/live.cast" && ok || bad "cast: the resize is an r event" "$(grep -c '"r"' "$tmp/live.cast") r events"
sed 's/ *$//' "$tmp/replayed.txt" | diff - "$tmp/pane.txt" >"$tmp/cast.diff" && ok || bad "cast: replaying the events gives the screen tmux showed" "$(head -12 "$tmp/cast.diff")"

# `play NAME --cast` records interactive scene playback; the built-in tour plays by name anywhere.
start "'$bin' play tour --cast '$tmp/tour.cast'"
check "cast: play tour opens the tour" "1 · Convergence" 20
T send-keys -t ns q
check "cast: play quits with status 0" "^exit=0" 10
if python3 "$replay" "$tmp/tour.cast" --size 140x45 >"$tmp/tour.txt" 2>"$tmp/replay.err" && grep -q "1 · Convergence" "$tmp/tour.txt"; then ok; else
  bad "cast: play --cast records the scene" "$(cat "$tmp/replay.err")"
fi
head -1 "$tmp/tour.cast" | grep -q '"title": "NormScope tour: ' && ok || bad "cast: the scene's title is the cast's" "$(head -c 200 "$tmp/tour.cast")"

# A recording that cannot be written once the screen is open (a full disk): the terminal is
# restored, the reason is printed and the status is 1.
if [ -w /dev/full ]; then
  start "'$bin' live --data moons --model 'linear 16, relu, linear 2' --cast /dev/full"
  check "cast: a full disk ends with status 1" "^exit=1" 15
  check "cast: and says why" "cannot write /dev/full: No space left on device" 5
  check "cast: with the terminal restored" "^echo icanon <modes" 5
fi

# `c` in the live app: records the screen from the moment it is pressed until c again, as
# normscope-N.cast in --screenshot-dir; replaying it gives the screen at the second c.
mkdir -p "$tmp/ccast"
start "'$bin' live --paused --data moons --model 'plain: linear 16, relu, linear 2' --screenshot-dir '$tmp/ccast'"
check "c: the dashboard opens" "Loss \(training" 20
T send-keys -t ns c
check "c: says it records, and where" "recording the screen to .*normscope-1\.cast \(c again stops\)" 5
T send-keys -t ns n
check "c: n steps once while recording" "step 1 " 5
# Let the flash expire so the screen holds still, take it, then stop.
sleep 6.5
cap | sed 's/ *$//' >"$tmp/ccast/pane.txt"
T send-keys -t ns c
check "c again: says what it wrote" "cast: .*normscope-1\.cast \([0-9]+ frames" 5
T send-keys -t ns q
check "c: quits with status 0" "^exit=0" 10
if python3 "$replay" "$tmp/ccast/normscope-1.cast" >"$tmp/ccast/replayed.txt" 2>"$tmp/ccast/replay.err"; then ok; else
  bad "c: the recording is valid asciicast v2" "$(cat "$tmp/ccast/replay.err")"
fi
# The last frame recorded is the one before c's own flash: the still screen taken above.
sed 's/ *$//' "$tmp/ccast/replayed.txt" | diff - "$tmp/ccast/pane.txt" >"$tmp/ccast/diff" && ok \
  || bad "c: replaying the recording gives the screen before c stopped it" "$(head -12 "$tmp/ccast/diff")"
