# Sourced by Tests/cli/run.sh: `normscope sweep` — runs, JSONL, resume, interruption, shards
# as separate processes, merge, --show and its exports, bad input.
sw=$tmp/sweep
mkdir -p "$sw"
grid=(--data moons --lr 0.01..100x5 --batch 16,32 --seeds 2 --steps 80 --check-every 20 --target 0.8 --no-progress
  --model 'plain: linear 8, relu, linear 2' --model 'bn: linear 8, batchnorm, relu, linear 2')

expect "sweep draws the diagram and the trainable ranges" 0 "bn / plain at batch 16: highest trainable lr" \
  -- "$bin" sweep "${grid[@]}" --output "$sw/u.jsonl" --jobs 2
runs=$(($(wc -l <"$sw/u.jsonl") - 1))
[ "$runs" -eq 40 ] && ok || bad "sweep writes one line per run (40) after the definition" "$(wc -l <"$sw/u.jsonl")"
hash=$(head -1 "$sw/u.jsonl" | sed -n 's/^{"sweep":"\([0-9a-f]*\)".*/\1/p')
[ "$(grep -c "\"sweep\":\"$hash\"" "$sw/u.jsonl")" -eq 41 ] && [ "$(grep -c '"lr":' "$sw/u.jsonl")" -eq 40 ] \
  && [ "$(grep -c '"batch":' "$sw/u.jsonl")" -eq 40 ] && ok || bad "every line carries the hash and the grid parameters" "$(head -2 "$sw/u.jsonl")"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$sw/u.jsonl" && ok || bad "sweep lines are JSON"
fi

# Same command, same output: nothing left to run, the same diagram.
out1=$("$bin" sweep "${grid[@]}" --output "$sw/u.jsonl" 2>&1)
grep -q "resuming .*40 of 40 runs already done" <<<"$out1" && [ "$(wc -l <"$sw/u.jsonl")" -eq 41 ] && ok \
  || bad "rerunning a finished sweep skips every run" "$out1"

# jobs 1 gives the same runs as jobs 2 (lines in cell order after merge).
"$bin" sweep "${grid[@]}" --output "$sw/j1.jsonl" --jobs 1 >/dev/null 2>&1
"$bin" sweep merge "$sw/j1-sorted.jsonl" "$sw/j1.jsonl" >/dev/null 2>&1
"$bin" sweep merge "$sw/u-sorted.jsonl" "$sw/u.jsonl" >/dev/null 2>&1
cmp -s "$sw/j1-sorted.jsonl" "$sw/u-sorted.jsonl" && ok || bad "--jobs 1 and --jobs 2 differ" "$(diff "$sw/j1-sorted.jsonl" "$sw/u-sorted.jsonl" | head -4)"

# Three shards as separate processes, at the same time, merged: the unsharded result.
for i in 1 2 3; do "$bin" sweep "${grid[@]}" --jobs 1 --shard "$i/3" --output "$sw/p$i.jsonl" >"$sw/p$i.out" 2>&1 & done
wait
grep -q "shard 2/3: 13 runs" "$sw/p2.out" && ok || bad "a shard says what it ran" "$(cat "$sw/p2.out")"
expect "merge reports a complete sweep" 0 "40 of 40 runs, 0 duplicates, 0 missing" \
  -- "$bin" sweep merge "$sw/m.jsonl" "$sw/p1.jsonl" "$sw/p2.jsonl" "$sw/p3.jsonl"
cmp -s "$sw/m.jsonl" "$sw/u-sorted.jsonl" && ok || bad "merged shards differ from the unsharded sweep" "$(diff "$sw/m.jsonl" "$sw/u-sorted.jsonl" | head -4)"
"$bin" sweep --show "$sw/m.jsonl" --glyphs ascii >"$sw/m.txt" 2>&1
"$bin" sweep --show "$sw/u.jsonl" --glyphs ascii >"$sw/u.txt" 2>&1
cmp -s "$sw/m.txt" "$sw/u.txt" && grep -q "bn / plain" "$sw/m.txt" && ok || bad "the merged sweep draws like the unsharded one" "$(diff "$sw/m.txt" "$sw/u.txt")"
expect "merge counts duplicates" 0 "40 of 40 runs, 13 duplicates, 0 missing" \
  -- "$bin" sweep merge "$sw/m2.jsonl" "$sw/p1.jsonl" "$sw/p2.jsonl" "$sw/p3.jsonl" "$sw/p2.jsonl"
expect "a partial merge reports the missing cells" 0 "13 cells missing: cell 1 \(plain lr 0.01 batch 16 seed 2\)" \
  -- "$bin" sweep merge "$sw/partial.jsonl" "$sw/p1.jsonl" "$sw/p3.jsonl"
"$bin" sweep --show "$sw/partial.jsonl" --glyphs ascii >"$sw/partial.txt" 2>"$sw/partial.err"
grep -qE '^(plain|bn) .* \. ' "$sw/partial.txt" && grep -q "27 of 40 runs" "$sw/partial.err" && ok \
  || bad "a partial merge draws with the missing cells marked" "$(cat "$sw/partial.txt" "$sw/partial.err")"
"$bin" sweep --data moons --lr 0.1,1 --steps 20 --no-progress --model 'linear 8, relu, linear 2' --output "$sw/other.jsonl" >/dev/null 2>&1
expect "merge refuses another sweep's file" 2 "other.jsonl:1: another sweep" \
  -- "$bin" sweep merge "$sw/x.jsonl" "$sw/p1.jsonl" "$sw/other.jsonl"
[ ! -e "$sw/x.jsonl" ] && ok || bad "a refused merge wrote its output"

# Resuming: a cut-off last line is dropped and reported, then the sweep completes identically.
head -c -25 "$sw/p1.jsonl" >"$sw/cut.jsonl"
expect "a cut-off last line is dropped and reported" 0 "cut.jsonl:[0-9]+: dropped a cut-off last line" \
  -- "$bin" sweep "${grid[@]}" --output "$sw/cut.jsonl"
"$bin" sweep merge "$sw/cut-sorted.jsonl" "$sw/cut.jsonl" >/dev/null 2>&1
cmp -s "$sw/cut-sorted.jsonl" "$sw/u-sorted.jsonl" && ok || bad "a resumed sweep differs from an uninterrupted one"
cp "$sw/p1.jsonl" "$sw/foreign.jsonl"
sed -n 2p "$sw/other.jsonl" >>"$sw/foreign.jsonl"
cp "$sw/foreign.jsonl" "$sw/foreign.orig"
expect "a line from another sweep is an error with file:line" 2 "foreign.jsonl:16: a line from another sweep" \
  -- "$bin" sweep "${grid[@]}" --output "$sw/foreign.jsonl"
cmp -s "$sw/foreign.jsonl" "$sw/foreign.orig" && ok || bad "a refused resume changed the file"
expect "another sweep's output file is not overwritten" 2 "other.jsonl:1: this file holds another sweep" \
  -- "$bin" sweep "${grid[@]}" --output "$sw/other.jsonl"

# Ctrl-C: every finished line is kept; the same command finishes the sweep.
long=(--data moons --lr 0.01..1x4 --seeds 6 --steps 3000 --check-every 500 --target 0.8 --no-progress --jobs 2
  --model 'plain: linear 8, relu, linear 2' --model 'bn: linear 8, batchnorm, relu, linear 2')
"$bin" sweep "${long[@]}" --output "$sw/int.jsonl" >"$sw/int.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -f "$sw/int.jsonl" ] && [ "$(wc -l <"$sw/int.jsonl")" -ge 4 ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
kept=$(($(wc -l <"$sw/int.jsonl") - 1))
[ "$rc" -eq 130 ] && grep -q "interrupted (SIGINT): $kept of 48 runs are in" "$sw/int.out" && [ "$kept" -ge 3 ] && [ "$kept" -lt 48 ] \
  && [ "$(tail -c 1 "$sw/int.jsonl" | od -An -c | tr -d ' ')" = '\n' ] && ok \
  || bad "Ctrl-C keeps the finished lines and says how to resume (exit $rc, $kept lines)" "$(cat "$sw/int.out")"
expect "the interrupted sweep resumes" 0 "resuming .*: $kept of 48 runs already done" -- "$bin" sweep "${long[@]}" --output "$sw/int.jsonl"
[ "$(($(wc -l <"$sw/int.jsonl") - 1))" -eq 48 ] && ok || bad "the resumed sweep has every run once"

# --show and its exports.
expect "show: svg export" 0 "" -- "$bin" sweep --show "$sw/u.jsonl" --format svg -o "$sw/d.svg"
head -c 4 "$sw/d.svg" | grep -q "<svg" && ok || bad "sweep --show svg"
expect "show: html from the extension" 0 "" -- "$bin" sweep --show "$sw/u.jsonl" -o "$sw/d.html"
grep -q '<meta charset="utf-8"/>' "$sw/d.html" && ok || bad "sweep --show html"
expect "show: ansi has colour" 0 $'\x1b\\[' -- "$bin" sweep --show "$sw/u.jsonl" --format ansi
LANG=C "$bin" sweep --show "$sw/u.jsonl" >"$sw/c.txt" 2>&1
! LC_ALL=C grep -q '[^ -~]' "$sw/c.txt" && grep -q "x diverged" "$sw/c.txt" && ok || bad "LANG=C draws in ASCII" "$(cat "$sw/c.txt")"
NO_COLOR=1 "$bin" sweep --show "$sw/u.jsonl" --format ansi >"$sw/nc.ansi" 2>&1
! grep -q $'\x1b\[[0-9;]*[34]8;5' "$sw/nc.ansi" && ok || bad "NO_COLOR still produced colours"
printf '{"sweep":"%s","cells":3,"defin' "$hash" >"$sw/head-only.jsonl"
expect "show: a file without a definition line" 2 "no sweep definition line" -- "$bin" sweep --show "$sw/head-only.jsonl"
expect "show: a missing file" 2 "nope.jsonl: cannot read the file" -- "$bin" sweep --show "$sw/nope.jsonl"

# Bad input: clear messages, non-zero exit, before anything runs.
m=(--model 'linear 8, relu, linear 2' --data moons)
expect "inverted range" 64 "--lr 100..0.01x13: the range is inverted" -- "$bin" sweep "${m[@]}" --lr 100..0.01x13
expect "empty range" 64 "the range is empty" -- "$bin" sweep "${m[@]}" --lr 1..1x4
expect "range from 0" 64 "must start above 0" -- "$bin" sweep "${m[@]}" --lr 0..1x4
expect "range without a count" 64 "a range is A..BxN" -- "$bin" sweep "${m[@]}" --lr 0.01..100
expect "lr over the limit" 64 "--lr values must each be a number from 0 to 1e6" -- "$bin" sweep "${m[@]}" --lr 1,1e9
expect "grid over the limits" 64 "the limit is 200000" -- "$bin" sweep "${m[@]}" --lr 0.001..1000x100 --batch 100..1000x40 --seeds 100
expect "too many values on an axis" 64 "at most 100 values per axis" -- "$bin" sweep "${m[@]}" --lr 0.01..100x101
expect "no model" 64 "needs at least one --model" -- "$bin" sweep --lr 0.1
expect "bad shard" 64 "--shard i/n needs i from 1 to n" -- "$bin" sweep "${m[@]}" --shard 4/3
expect "bad target" 64 "--target must be an accuracy in \(0, 1\]" -- "$bin" sweep "${m[@]}" --target 90
expect "output must be jsonl" 64 "--output must name a .jsonl file" -- "$bin" sweep "${m[@]}" --output "$sw/s.txt"
expect "bad model spec" 2 "unknown layer 'batchnrom'" -- "$bin" sweep --data moons --model 'linear 8, batchnrom, linear 2'
expect "merge needs parts" 64 "" -- "$bin" sweep merge "$sw/only.jsonl"
expect "momentum with adam" 64 "--momentum applies to sgd and momentum" -- "$bin" sweep "${m[@]}" --optimizer adam --momentum 0,0.9

# A samples budget: every batch size sees the same data (⌈N / batch⌉ steps each).
expect "--samples: the budget in samples, named" 0 "640 samples" \
  -- "$bin" sweep --data moons --lr 0.3 --batch 2,32 --samples 640 --target 0.7 --no-progress \
  --model 'bn: linear 8, batchnorm, relu, linear 2' --output "$sw/samples.jsonl"
grep -q '"batch":2,.*"steps":320,' "$sw/samples.jsonl" && grep -q '"batch":32,.*"steps":20,' "$sw/samples.jsonl" && ok \
  || bad "--samples: each line states its own steps" "$(cat "$sw/samples.jsonl")"
expect "--steps with --samples is refused" 64 "give --steps or --samples, not both" \
  -- "$bin" sweep --data moons --lr 0.3 --steps 10 --samples 640 --model 'bn: linear 8, batchnorm, relu, linear 2'

# shot --sweep: the dashboard with the sweep panel focused on a file (every variant and rate).
expect "shot --sweep draws the file in the sweep panel" 0 "Sweep: does each variant train\? \(40 runs\)" \
  -- "$bin" shot --data moons --steps 5 --model 'relu: linear 8, relu, linear 2' --sweep "$sw/u.jsonl" --size 140x45
expect "shot --sweep on a missing file: exit 2, the file named" 2 "nope.jsonl: cannot read the file" \
  -- "$bin" shot --steps 1 --sweep "$sw/nope.jsonl"
expect "shot --focus sweep without a file says what it needs" 2 "the sweep panel needs --sweep FILE" \
  -- "$bin" shot --steps 1 --focus sweep
expect "live --sweep with a bad file fails before the screen opens" 2 "nope.jsonl: cannot read the file" \
  -- "$bin" live --sweep "$sw/nope.jsonl"
expect "--samples too large for the smallest batch: a clear error, no crash" 64 "--samples must be 1 to" \
  -- "$bin" sweep --data moons --lr 0.3 --batch 2,32 --samples 9223372036854775807 --model 'bn: linear 8, batchnorm, relu, linear 2'
