# Sourced by Tests/e2e/tmux.sh: `live --sweep FILE` (issue 13) — the sweep panel opens on a
# sweep file and fills in while a sweep running in another process appends to it.
sweepgrid=(--data moons --lr 0.01,0.3 --seeds 2 --steps 40 --check-every 20 --target 0.8 --no-progress
  --model 'tiny: linear 8, relu, linear 2')
"$bin" sweep "${sweepgrid[@]}" --output "$tmp/full.jsonl" --jobs 1 >/dev/null 2>&1
# The first half of the runs, as a sweep still running would have written them.
head -3 "$tmp/full.jsonl" >"$tmp/growing.jsonl"
start "'$bin' live --data moons --model 'tiny: linear 8, relu, linear 2' --sweep '$tmp/growing.jsonl'"
check "live --sweep: the sweep panel opens focused on the file" "Sweep: does each variant train\? \(2 of 4 runs so far\)" 20
tail -2 "$tmp/full.jsonl" >>"$tmp/growing.jsonl"
check "live --sweep: the panel fills in as the file grows" "Sweep: does each variant train\? \(4 runs\)" 10
check "live --sweep: every rate drawn" "0\.01 .*0\.3"
T send-keys -t ns q
check "live --sweep: quits" "^exit=0"
