# Issue 15's "Done means" in one session, without leaving the app: normscope → m (spirals with
# noise, the second variant GroupNorm after the activation, lr 0.37) → Enter → both train → a
# click on the histograms and the wheel to layer 1 → w (scene) → s (SVG among the
# screenshots) → c (cast) → o, small-batch, Enter (it plays) → c stops → q.
mkdir -p "$tmp/explore"
replay=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../cli" && pwd)/cast_replay.py
xsgr() { T send-keys -t ns -l "$(printf '\033[<%s;%s;%s%s' "$1" "$2" "$3" "${4:-M}")"; }
scenes=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../scenes" && pwd)
start "cd '$tmp/explore' && NORMSCOPE_SCENES='$scenes' '$bin'"
check "explore: the tour opens" "1 · Convergence" 20
T send-keys -t ns m
check "explore: m opens the editor" "Enter applies" 5
T send-keys -t ns Right Tab
T send-keys -t ns -l 0.2
for _ in $(seq 13); do T send-keys -t ns Tab; done
T send-keys -t ns Right Right Tab Right
check "explore: the second variant is GroupNorm after the activation" "> place +< after the activation >" 5
for _ in $(seq 19); do T send-keys -t ns Tab; done
T send-keys -t ns BSpace BSpace BSpace
T send-keys -t ns -l 0.37
check "explore: lr 0.37 typed" "> learning rate +0\.37_" 5
T send-keys -t ns Enter
check "explore: both train at lr 0.37" "step [1-9][0-9]* .*lr 0\.37 " 20
xsgr 0 101 6; xsgr 0 101 6 m
check "explore: a click focuses the histograms" "panel: histograms" 5
# The wheel down over the histograms steps the layer down: from layer 3 of 3 to layer 1.
for _ in 1 2 3; do cap | grep -q "layer 1/3" && break; xsgr 65 101 10; sleep 0.3; done
check "explore: the wheel chooses layer 1" "layer 1/3" 5
T send-keys -t ns w
check "explore: w saves the session as a scene" "recorded .*recording-1\.scene" 5
T send-keys -t ns s
check "explore: s writes the screenshots" "screenshot: .*\.txt \.ansi \.svg \.html" 5
T send-keys -t ns c
check "explore: c starts a cast" "recording the screen to .*normscope-1\.cast" 5
T send-keys -t ns o
check "explore: o opens the scene browser" "Enter plays" 5
found=0
for _ in $(seq 40); do
  if cap | grep -qE "> +small-batch|> Small batches"; then found=1; break; fi
  T send-keys -t ns Down
  sleep 0.1
done
[ "$found" = 1 ] && ok || bad "explore: small-batch in the browser" "$(cap)"
T send-keys -t ns Enter
check "explore: small-batch plays in the app" "Small batches break BN" 20
# Let the scene's first messages ("playing …") pass, so c's answer is not replaced by them.
check "explore: small-batch trains" "Small batches break BN.* step [1-9][0-9]{2,} " 30
T send-keys -t ns c
check "explore: c stops the cast" "cast: .*normscope-1\.cast \([0-9]+ frames" 5
T send-keys -t ns q
check "explore: quits" "^exit=0" 10
grep -q "^data spirals noise=0.2$" "$tmp/explore/recording-1.scene" 2>/dev/null && grep -q "^lr 0.37$" "$tmp/explore/recording-1.scene" \
  && grep -q "groupnorm" "$tmp/explore/recording-1.scene" && ok || bad "explore: the scene holds the edits" "$(head -20 "$tmp/explore/recording-1.scene" 2>&1)"
ls "$tmp"/explore/normscope-step*.svg >/dev/null 2>&1 && grep -q "<svg" "$tmp"/explore/normscope-step*.svg && ok || bad "explore: an SVG was written" "$(ls "$tmp/explore")"
if command -v python3 >/dev/null && [ -f "$tmp/explore/normscope-1.cast" ]; then
  python3 "$replay" "$tmp/explore/normscope-1.cast" >"$tmp/explore/cast.txt" 2>&1 && grep -q "Small batches break BN" "$tmp/explore/cast.txt" && ok \
    || bad "explore: the cast replays to the small-batch screen" "$(tail -5 "$tmp/explore/cast.txt")"
fi
