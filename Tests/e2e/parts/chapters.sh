# Chapter navigation in the tour while paused (issue 14): `]` shows the chapter it reached in
# the caption box, a second `]` goes on to the next chapter, `[` goes back exactly one.
start "'$bin'"
check "chapters: the tour opens" "1 · Convergence" 20
T send-keys -t ns ' '
check "chapters: space pauses" "paused" 5
T send-keys -t ns ']'
check "chapters: ] while paused reaches chapter 2" "chapter: 2 · " 5
check "chapters: the caption box heads with chapter 2" "┌─ 2 · " 5
T send-keys -t ns ']'
check "chapters: a second ] reaches chapter 3" "chapter: 3 · " 5
check "chapters: the caption box heads with chapter 3" "┌─ 3 · " 5
T send-keys -t ns '['
check "chapters: [ goes back one, to chapter 2" "chapter: 2 · " 5
check "chapters: the caption box heads with chapter 2 again" "┌─ 2 · " 5
T send-keys -t ns q
check "chapters: quits" "^exit=0"

# A caption's hold says so and how to go on; each claim shows PASS/FAIL with its values live.
start "'$bin'"
check "hold: the status bar says holding and how to go on" "holding [0-9]+s, Enter goes on" 10
T send-keys -t ns Enter
check "live claims: a checked expectation shows PASS with its values" "PASS line [0-9]+: .*\(" 40
T send-keys -t ns q
check "hold: quits" "^exit=0"

# A multi-seed scene live (issue 12): the shown seed's numbers first, then, once the seeds have
# run in the background, mean ± sd over them and the claims that hold.
cat >"$tmp/seeds3.scene" <<'SCENE'
title "three seeds"
seed 4
seeds 3
data moons
variant bn: linear 16, batchnorm, relu, linear 2
lr 0.1
run 200
caption "BN reaches {val_accuracy(bn)|%}"
expect val_accuracy(bn) > 0.5
pause
SCENE
start "'$bin' play '$tmp/seeds3.scene'"
check "seeds: the status bar names the shown seed" "\(seed 4 of 4–6\)" 10
check "seeds: the caption gives mean ± sd once the seeds have run" "BN reaches [0-9.]+ ± [0-9.]+ %" 30
check "seeds: the line under the caption counts the claims over the seeds" "claims: 1 of 1 hold over 3 seeds" 10
T send-keys -t ns q
check "seeds: quits" "^exit=0"

# A scene's sweep live (issue 13): the sweep panel draws the phase diagram as the runs end,
# then the timeline goes on and the claims about it are checked.
cat >"$tmp/sweep.scene" <<'SCENE'
title "a small sweep"
seed 1
seeds 3
data moons
variant plain: linear 8, relu, linear 2
variant bn: linear 8, batchnorm, relu, linear 2
lr 0.1
batch 32
show panel sweep
sweep lr 0.01..3x5 steps 300 target 0.8
expect trainable_max_lr(bn) > 0
SCENE
start "'$bin' play '$tmp/sweep.scene'"
check "sweep: the panel shows the phase diagram" "Sweep: does each variant train\?" 30
check "sweep: each variant's trainable range under it" "bn: trains at lr" 60
check "sweep: the claim on it is checked live" "scene finished: 1 passed, 0 failed" 60
T send-keys -t ns q
check "sweep: quits" "^exit=0"
