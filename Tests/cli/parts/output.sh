# Hardening: trapping conversions, escapes in titles and names, bounded reads, streamed metrics,
# deep expressions. Sourced by Tests/cli/run.sh (uses its expect/ok/bad, $bin, $tmp).

# Values far beyond Int's range are displayed, never trapped on.
# (A rate of 1e30 is refused by the option limits; widgets are tested with it in HostileValueTests.)
expect "shot with lr 1e30 is refused with the limit" 64 "--lr must be a number from 0 to 1e6" -- "$bin" shot --lr 1e30 --output "$tmp/huge-lr.txt"
awk 'BEGIN { srand(5); for (i = 0; i < 120; i++) printf "%e,%e,%d\n", (rand() - 0.5) * 2e30, (rand() - 0.5) * 2e30, i % 2 }' >"$tmp/huge.csv"
expect "features of 1e30 train and print" 0 "validation" -- "$bin" train --data "$tmp/huge.csv" --steps 10 --model 'linear 8, relu, linear 2'
expect "a shot of features of 1e30" 0 "" -- "$bin" shot --data "$tmp/huge.csv" --steps 10 --model 'linear 8, relu, linear 2' --size 80x24 --output "$tmp/huge-data.txt"

# Escape sequences in a scene's title, captions and variant names never reach the terminal.
printf 'title "T\033]52;c;b3duZWQ=\007\033[2J"\ndata moons\nvariant plain: linear 8, relu, linear 2\n\nrun 5\ncaption "c\033[31m"\nexpect step() == 5\n' >"$tmp/esc-title.scene"
out=$("$bin" play "$tmp/esc-title.scene" --headless 2>&1)
if grep -q $'\033\|\007' <<<"$out"; then bad "ESC/BEL from a scene title reached the terminal" "$(cat -v <<<"$out")"; else ok; fi
grep -q '^scene: T?\]52;c;b3duZWQ=??\[2J$' <<<"$out" && ok || bad "the title is shown with ? for each control character" "$(cat -v <<<"$out")"
mkdir -p "$tmp/dir$(printf '\033')[31m"
esc_file="$tmp/dir$(printf '\033')[31m/x.scene"
cp "$tmp/esc-title.scene" "$esc_file"
out=$("$bin" check "$esc_file" 2>&1)
if grep -q $'\033' <<<"$out"; then bad "ESC in a file name reached the terminal (check)" "$(cat -v <<<"$out")"; else ok; fi
out=$("$bin" play "$esc_file" --headless 2>&1)
if grep -q $'\033' <<<"$out"; then bad "ESC in a file name reached the terminal (play)" "$(cat -v <<<"$out")"; else ok; fi
out=$("$bin" train --data "$tmp/nope$(printf '\033')[2J.csv" 2>&1)
if grep -q $'\033' <<<"$out"; then bad "ESC in a --data path reached the terminal" "$(cat -v <<<"$out")"; else ok; fi
out=$("$bin" train --optimizer "$(printf 'x\033[2J')" 2>&1)
if grep -q $'\033' <<<"$out"; then bad "ESC in a flag value reached the terminal (ArgumentParser message)" "$(cat -v <<<"$out")"; else ok; fi

# check and play read scene files within the same 1 MB limit, without reading more.
head -c 100000000 /dev/zero | tr '\0' 'x' >"$tmp/huge.scene"
start_ns=$(date +%s%N)
expect "check refuses a 100 MB file at once" 2 "huge.scene: larger than 1 MB, the limit for a scene file" -- "$bin" check "$tmp/huge.scene"
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
[ "$elapsed_ms" -lt 3000 ] && ok || bad "check of a 100 MB file took ${elapsed_ms} ms"
out=$("$bin" check "$tmp/huge.scene" 2>&1)
[ "${#out}" -lt 500 ] && ok || bad "check echoes at most a short message for a huge file (${#out} bytes)"
expect "play refuses it the same way" 2 "larger than 1 MB, the limit for a scene file" -- "$bin" play "$tmp/huge.scene" --headless
expect "check of a directory" 2 "is a directory, not a scene file" -- "$bin" check "$tmp"
{ cat "$tmp/esc-title.scene"; printf 'expect '; head -c 200000 /dev/zero | tr '\0' '('; printf '1\n'; } >"$tmp/deep.scene"
expect "deeply nested expression: an error at line:column" 2 "deep.scene:8:[0-9]+: error: expression nested more than 64 levels deep" -- "$bin" check "$tmp/deep.scene"
out=$("$bin" check "$tmp/deep.scene" 2>&1)
[ "${#out}" -lt 1500 ] && ok || bad "the diagnostic of a 200 KB line is short (${#out} bytes)"

# --metrics: created before training, streamed per step.
expect "an unwritable --metrics path fails before training" 1 "cannot write $tmp/no/such/dir/m.csv: No such file or directory" -- "$bin" train --steps 100000 --metrics "$tmp/no/such/dir/m.csv"
"$bin" train --data moons --steps 100000 --every 100000 --metrics "$tmp/stream.jsonl" >/dev/null 2>&1 &
pid=$!
sleep 4
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rows=$(wc -l <"$tmp/stream.jsonl")
[ "$rows" -gt 10 ] && ok || bad "an interrupted run leaves its metrics up to the last step ($rows rows)"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/stream.jsonl" 2>/dev/null && ok || bad "every streamed JSONL line is valid JSON" "$(tail -c 300 "$tmp/stream.jsonl")"
else
  tail -c 1 "$tmp/stream.jsonl" | od -c | grep -q '\\n' && ok || bad "the streamed JSONL ends with a complete line"
fi
