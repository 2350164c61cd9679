#!/usr/bin/env bash
# End-to-end checks of the normscope command line: exit codes, messages, files written.
# Usage: Tests/cli/run.sh path/to/normscope
set -u
bin=${1:?usage: run.sh path/to/normscope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'; }

# expect NAME STATUS PATTERN -- command...   (PATTERN is grep -E over stdout+stderr)
expect() {
  local name=$1 status=$2 pattern=$3
  shift 4
  local out
  out=$("$@" 2>&1)
  local rc=$?
  if [ "$rc" -ne "$status" ]; then bad "$name: exit $rc, expected $status" "$out"; return; fi
  if ! grep -qE -- "$pattern" <<<"$out"; then bad "$name: output lacks /$pattern/" "$out"; return; fi
  ok
}

small=(--data digits --steps 20 --every 10 --sample-every 5)
expect "help lists every option" 0 "--weight-decay" -- "$bin" train --help
expect "trains two variants" 0 "bn .*validation \(eval mode\)" -- "$bin" train "${small[@]}" --model 'plain: linear 32, relu, linear 10' --model 'bn: linear 32, batchnorm, relu, linear 10'
expect "auto-names variants after their norms" 0 "^  layernorm " -- "$bin" train "${small[@]}" --model 'linear 16, layernorm, relu, linear 10'
expect "unknown layer points at the column" 2 "bn:1:13: error: unknown layer 'batchnrom' \(did you mean batchnorm\?\)" -- "$bin" train "${small[@]}" --model 'bn: linear 100, batchnrom, linear 10'
expect "caret under the column" 2 "^                \^" -- "$bin" train "${small[@]}" --model 'bn: linear 100, batchnrom, linear 10'
expect "wrong output size" 2 "ends with 5 outputs but the data has 10 classes" -- "$bin" train "${small[@]}" --model 'linear 5'
expect "unknown optimizer" 64 "optimizer must be sgd, momentum, adam or adamw, got 'adagrad'" -- "$bin" train --optimizer adagrad
expect "adamw trains (decoupled weight decay 0.01 by default)" 0 "bn .*validation \(eval mode\)" -- "$bin" train "${small[@]}" --optimizer adamw --model 'bn: linear 32, batchnorm, relu, linear 10'
expect "nesterov needs momentum" 64 "--nesterov needs momentum" -- "$bin" train --nesterov
expect "bad batch" 64 "--batch must be at least 1" -- "$bin" train --batch 0
expect "too many variants" 64 "at most 4 --model" -- "$bin" train --model 'linear 10' --model 'linear 10' --model 'linear 10' --model 'linear 10' --model 'linear 10'
expect "unknown data" 2 "no built-in data set or file named 'spiral'.*did you mean spirals" -- "$bin" train --data spiral
expect "data parameters" 2 "spirals: unknown parameter 'colour'" -- "$bin" train --data spirals:colour=red
expect "BN batch 1 is an error, not NaN" 1 "Expected more than 1 value per channel when training, got input size torch.Size\(\[1, 8\]\)" -- "$bin" train --data digits --batch 1 --steps 2 --model 'linear 8, batchnorm, relu, linear 10'

printf 'a,b,label\n1,2,0\n3,x,1\n' >"$tmp/bad.csv"
expect "CSV error names line and column" 2 "bad.csv:3:3: 'x' is not a number" -- "$bin" train --data "$tmp/bad.csv"
printf '1,2,0\n3,\033]0;owned\007,1\n' >"$tmp/esc.csv"
out=$("$bin" train --data "$tmp/esc.csv" 2>&1)
if grep -q $'\033' <<<"$out"; then bad "ESC from a CSV field reached the terminal" "$(cat -v <<<"$out")"; else ok; fi
grep -q "esc.csv:2:3: '?\]0;owned?' is not a number" <<<"$out" && ok || bad "CSV error with control characters shown as ?" "$(cat -v <<<"$out")"
printf '1,2,0\n3,4\n' >"$tmp/ragged.csv"
expect "ragged CSV" 2 "ragged.csv:2: expected 3 fields, found 2" -- "$bin" train --data "$tmp/ragged.csv"
: >"$tmp/empty.csv"
expect "empty CSV" 2 "empty.csv: no data rows" -- "$bin" train --data "$tmp/empty.csv"
awk 'BEGIN { srand(3); for (i = 0; i < 200; i++) { x = rand() * 2 - 1; y = rand() * 2 - 1; printf "%f,%f,%d\n", x, y, (x * y > 0) } }' >"$tmp/xor.csv"
expect "CSV trains" 0 "plain .*validation" -- "$bin" train --data "$tmp/xor.csv" --steps 30 --batch 16 --model 'plain: linear 16, relu, linear 2'
printf '\0\0\x08\x03\0\0\0\x02' >"$tmp/short-idx"
expect "IDX without labels" 2 "is an IDX image file: pass its label file with --labels" -- "$bin" train --data "$tmp/short-idx"
printf 'x' >"$tmp/labels"
expect "corrupt IDX" 2 "short-idx: truncated IDX header \(8 bytes, need 16\)" -- "$bin" train --data "$tmp/short-idx" --labels "$tmp/labels"

expect "metrics CSV" 0 "" -- "$bin" train "${small[@]}" --model 'linear 16, relu, linear 10' --metrics "$tmp/m.csv"
if head -1 "$tmp/m.csv" | grep -q "^step,variant,loss,loss_smooth,accuracy,lr,batch,diverged,val_loss,val_accuracy,p15,p50,p85," \
  && [ "$(wc -l <"$tmp/m.csv")" -eq 21 ] && grep -qE '^10,plain,[0-9.e-]+,[0-9.e-]+,[0-9.]+,0\.1,60,0,' "$tmp/m.csv"; then ok; else bad "metrics CSV content" "$(head -3 "$tmp/m.csv")"; fi
expect "instrument summary" 0 "percentiles 15/50/85 of layer \(last hidden\) activation input" -- "$bin" train "${small[@]}" --sample-every 5 --model 'linear 16, batchnorm, sigmoid, linear 10'
expect "single-sample train mode error is reported" 0 "error \(Expected more than 1 value per channel" -- "$bin" train "${small[@]}" --sample-every 5 --model 'linear 16, batchnorm, sigmoid, linear 10'
expect "bad cadence" 64 "--sample-every must be at least 1" -- "$bin" train --sample-every 0
expect "metrics JSONL" 0 "" -- "$bin" train "${small[@]}" --model 'linear 16, relu, linear 10' --metrics "$tmp/m.jsonl"
if python3 -c 'import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; assert len(rows)==20 and rows[9]["val_accuracy"]>=0 and "p50" in rows[4]' "$tmp/m.jsonl" 2>/dev/null \
  || { ! command -v python3 >/dev/null && [ "$(wc -l <"$tmp/m.jsonl")" -eq 20 ]; }; then ok; else bad "metrics JSONL content" "$(head -2 "$tmp/m.jsonl")"; fi
expect "metrics extension" 64 "must name a .csv or .jsonl file" -- "$bin" train --metrics "$tmp/m.txt"
echo keep >"$tmp/keep.csv"
mkdir "$tmp/ro" && echo old >"$tmp/ro/m.csv" && chmod 555 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
  expect "unwritable metrics dir" 1 "cannot write metrics" -- "$bin" train "${small[@]}" --model 'linear 16, relu, linear 10' --metrics "$tmp/ro/m.csv"
  [ "$(cat "$tmp/ro/m.csv")" = old ] && ok || bad "existing metrics file was changed"
fi
chmod 755 "$tmp/ro"

out1=$("$bin" train --data moons --steps 50 --model 'a: linear 8, batchnorm, relu, linear 2' --metrics "$tmp/d1.csv" 2>&1)
out2=$("$bin" train --data moons --steps 50 --model 'a: linear 8, batchnorm, relu, linear 2' --metrics "$tmp/d2.csv" 2>&1)
cmp -s "$tmp/d1.csv" "$tmp/d2.csv" && ok || bad "same seed, different metrics"

# normscope shot
expect "shot writes a dashboard" 0 "" -- "$bin" shot --steps 40 --size 100x30 --output "$tmp/s.txt"
grep -q "Loss (training, smoothed, log scale)" "$tmp/s.txt" && [ "$(wc -l <"$tmp/s.txt")" -eq 30 ] && ok || bad "shot text content" "$(head -3 "$tmp/s.txt")"
"$bin" shot --steps 40 --size 100x30 --output "$tmp/s2.txt" >/dev/null 2>&1
cmp -s "$tmp/s.txt" "$tmp/s2.txt" && ok || bad "shot is not byte-identical across runs"
expect "shot format from extension: svg" 0 "" -- "$bin" shot --steps 10 --output "$tmp/s.svg"
head -c 4 "$tmp/s.svg" | grep -q "<svg" && ok || bad "svg output"
expect "shot ansi to stdout" 0 $'\x1b\\[' -- "$bin" shot --steps 10 --format ansi
expect "shot too small size shows the small-terminal screen" 0 "terminal too small: need 80x24" -- "$bin" shot --steps 1 --size 60x20
expect "shot bad size" 64 "--size must look like 140x45" -- "$bin" shot --size 140by45
expect "shot bad focus" 64 "--focus must be one of .*did you mean heatmap" -- "$bin" shot --focus heatmp
expect "shot surface needs 2-D data" 2 "decision surface needs 2-D data" -- "$bin" shot --steps 1 --focus surface
expect "shot surface on spirals" 0 "Decision regions" -- "$bin" shot --data spirals --steps 20 --focus surface --zoom --size 90x26
echo old >"$tmp/keep.txt"
expect "shot into a missing directory fails cleanly" 1 "cannot write" -- "$bin" shot --steps 1 --output "$tmp/nodir/x.txt"
mkdir -p "$tmp/adir" && echo precious >"$tmp/adir/keep"
expect "a failed write (target is a directory) is an error" 1 "cannot write" -- "$bin" shot --steps 1 --output "$tmp/adir"
[ "$(cat "$tmp/adir/keep")" = precious ] && ! ls -a "$tmp" | grep -q '\.adir\.tmp' && ok || bad "failed write damaged the target or left a temp file" "$(ls -la "$tmp")"
mkdir -p "$tmp/m2.csv" && echo precious >"$tmp/m2.csv/keep"
expect "metrics onto a directory fails without damage" 1 "cannot write .*m2.csv: Is a directory" -- "$bin" train --steps 2 --model 'linear 8, relu, linear 10' --metrics "$tmp/m2.csv"
[ "$(cat "$tmp/m2.csv/keep")" = precious ] && ok || bad "failed metrics write damaged the target"
NO_COLOR=1 "$bin" shot --steps 5 --format ansi --colors 256 >"$tmp/nc.ansi" 2>&1
! grep -q $'\x1b\[[0-9;]*38;5' "$tmp/nc.ansi" && ok || bad "NO_COLOR still produced colours"


# scenes: check, play --headless, flip-book, screenshots, shot --scene
scenes=$(cd "$(dirname "$0")/../../scenes" && pwd)
expect "check accepts the library" 0 "ok: .*tour.scene" -- "$bin" check "$scenes"/*.scene
printf 'title "bad"\ndat digits\nvariant a: linear 10, batchnrom\nrun x\nexpect nope(a) > 1\nscreenshot ../escape\n' >"$tmp/bad.scene"
expect "check reports every error with file:line:col" 2 "bad.scene:2:1: error: unknown statement 'dat' \(did you mean data\?\)" -- "$bin" check "$tmp/bad.scene"
out=$("$bin" check "$tmp/bad.scene" 2>&1)
[ "$(grep -c "error:" <<<"$out")" -ge 5 ] && ok || bad "check shows all errors" "$out"
grep -q "did you mean batchnorm" <<<"$out" && grep -qE '^ +\^$' <<<"$out" && ok || bad "check hints and carets" "$out"
expect "play of an invalid scene exits 2" 2 "unknown statement 'dat'" -- "$bin" play "$tmp/bad.scene" --headless
cat >"$tmp/mini.scene" <<'SCENE'
title "mini"
data moons
variant plain: linear 8, relu, linear 2
variant bn: linear 8, batchnorm, relu, linear 2
caption "start"
run 50
screenshot first
expect step() == 50
expect final_loss(bn) > 0
SCENE
expect "play --headless passes" 0 "^mini: 2 passed, 0 failed$" -- "$bin" play "$tmp/mini.scene" --headless --screenshots "$tmp/shots" --flipbook "$tmp/book.txt"
[ -f "$tmp/shots/first.txt" ] && [ -f "$tmp/shots/first.ansi" ] && ok || bad "scene screenshot files" "$(ls "$tmp/shots")"
[ "$(grep -c '^──── frame' "$tmp/book.txt")" -eq 5 ] && ok || bad "flip-book has a frame per statement" "$(grep '^──── frame' "$tmp/book.txt")"
printf 'expect step() == 49\n' >>"$tmp/mini.scene"
expect "a failing expectation exits 1 with the measured value" 1 "FAIL  line 10 \(step 50\): step\(\) == 49" -- "$bin" play "$tmp/mini.scene" --headless
expect "play --seeds: k/N per expectation" 1 "PASS  line 8: step\(\) == 50   3/3 seeds \(needs all\)" -- "$bin" play "$tmp/mini.scene" --headless --seeds 3
expect "play --seeds: mean ± sd (min–max)" 1 "final_loss\(bn\) = [0-9.]+ ± [0-9.]+ \([0-9.]+–[0-9.]+\)" -- "$bin" play "$tmp/mini.scene" --headless --seeds 3 --jobs 1
expect "play --seeds: summary names the seed count" 1 "^mini: 2 passed, 1 failed over 3 seeds$" -- "$bin" play "$tmp/mini.scene" --headless --seeds 3
expect "play --seeds 0 is refused" 64 "--seeds must be 1 to 100" -- "$bin" play "$tmp/mini.scene" --headless --seeds 0
expect "shot --scene" 0 "" -- "$bin" shot --scene "$tmp/mini.scene" --size 100x30 --output "$tmp/scene-shot.txt"
grep -q "start" "$tmp/scene-shot.txt" && ok || bad "shot --scene shows the caption" "$(head -5 "$tmp/scene-shot.txt")"
ls "$tmp" | grep -q escape && bad "a scene wrote outside its directory" || ok

expect "no arguments without a terminal says how to run headless" 1 "not a terminal.*normscope train" -- "$bin"
expect "live without a terminal too" 1 "not a terminal" -- "$bin" live --data moons
expect "live reports bad flags before anything else" 64 "--speed must be one of" -- "$bin" live --speed 3

# More checks, one file per topic, sharing this script's helpers and variables.
for part in "$(dirname "${BASH_SOURCE[0]}")"/parts/*.sh; do
  [ -f "$part" ] && . "$part"
done

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
