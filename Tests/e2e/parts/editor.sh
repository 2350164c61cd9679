# The experiment editor (issue 15): normscope → m → spirals with noise, the second variant
# GroupNorm after the activation, lr 0.37, Enter, both train, w writes a scene that checks,
# plays and holds the edited settings. Then live --edit: inline errors, a resize, Esc.
mkdir -p "$tmp/editor"
start "cd '$tmp/editor' && '$bin'"
check "editor: the tour opens" "1 · Convergence" 20
T send-keys -t ns m
check "editor: m opens the form" "Enter applies" 5
T send-keys -t ns Right
check "editor: data -> spirals" "> data +< spirals >" 5
T send-keys -t ns Tab
T send-keys -t ns -l 0.3
check "editor: noise typed" "> noise +0\.3_" 5
for _ in $(seq 13); do T send-keys -t ns Tab; done
check "editor: the second variant's norm" "> norm +< batchnorm >" 5
T send-keys -t ns Right Right
check "editor: GroupNorm" "> norm +< groupnorm >" 5
T send-keys -t ns Tab Right
check "editor: after the activation" "> place +< after the activation >" 5
check "editor: the spec follows" "linear 100, sigmoid, groupnorm 4, linear 100" 5
for _ in $(seq 19); do T send-keys -t ns Tab; done
check "editor: the learning rate field" "> learning rate +0\.5_" 5
T send-keys -t ns BSpace BSpace BSpace
T send-keys -t ns -l 0.37
check "editor: lr typed exactly" "> learning rate +0\.37_" 5
T send-keys -t ns Enter
check "editor: Enter applies" "lr 0\.37 " 5
check "editor: restarted from step 0" "experiment applied: training from step 0" 5
# Training goes on from step 0 (the tour's 10 background seeds are cancelled, so it soon runs).
check "editor: training runs after Apply" "step [1-9][0-9]* .*lr 0\.37 " 20
check "editor: both variants have a loss" "● plain [0-9.]+ +■ bn [0-9.]+" 10
T send-keys -t ns w
check "editor: w writes the edited session" "recorded .*recording-1.scene" 5
T send-keys -t ns q
check "editor: quits" "^exit=0"
scene="$tmp/editor/recording-1.scene"
if [ -f "$scene" ] && grep -q "^data spirals noise=0.3$" "$scene" && grep -q "^lr 0.37$" "$scene" \
  && grep -q "^variant bn: linear 100, sigmoid, groupnorm 4, linear 100, sigmoid, groupnorm 4, linear 100, sigmoid, groupnorm 4, linear 3$" "$scene" \
  && grep -q "^variant plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 3$" "$scene" \
  && grep -q "^init normal:0.1$" "$scene"; then ok; else bad "editor: the scene holds the edited settings" "$(cat "$scene" 2>&1 | head -20)"; fi
if "$bin" check "$scene" >/dev/null 2>&1; then ok; else bad "editor: normscope check accepts the scene" "$("$bin" check "$scene" 2>&1)"; fi
if "$bin" play "$scene" --headless >/dev/null 2>&1; then ok; else bad "editor: the scene plays headless" "$("$bin" play "$scene" --headless 2>&1 | tail -5)"; fi

start "'$bin' live --data moons --edit --paused"
check "editor: --edit opens the form on start" "Enter applies" 20
T send-keys -t ns Tab
T send-keys -t ns -l x
check "editor: the data loader's message inline, marked by !" "! moons: noise must be a number ≥ 0, got 'x'" 5
check "editor: the status says Enter is refused" "1 problem: fix it to apply" 5
T send-keys -t ns Enter
check "editor: Enter on an invalid draft keeps the form" "> noise +x_" 5
T resize-window -t ns -x 80 -y 24
check "editor: a resize keeps the draft" "> noise +x_" 5
T resize-window -t ns -x 140 -y 45
T send-keys -t ns Escape
check "editor: Esc changes nothing" "nothing changed" 5
if cap | grep -q "Enter applies"; then bad "editor: the form closed on Esc" "$(cap)"; else ok; fi
T send-keys -t ns q
check "editor: quits after --edit" "^exit=0"
