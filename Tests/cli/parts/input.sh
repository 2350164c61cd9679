# Silently wrong input (sourced by Tests/cli/run.sh: uses expect, ok, bad, $bin, $tmp).

# Options: the same limits as the scene language (NormLab's Limits), for train, shot and live.
expect "momentum nan" 64 "--momentum must be a number in \[0, 1\), got nan" -- "$bin" train --momentum nan
expect "momentum 1" 64 "--momentum must be a number in \[0, 1\), got 1" -- "$bin" train --momentum 1
expect "negative momentum" 64 "--momentum must be a number in \[0, 1\)" -- "$bin" shot --momentum=-0.5
expect "weight decay inf" 64 "--weight-decay must be a finite number ≥ 0, got inf" -- "$bin" train --weight-decay inf
expect "negative weight decay" 64 "--weight-decay must be a finite number ≥ 0" -- "$bin" shot --weight-decay=-1
expect "huge batch" 64 "--batch must be at least 1 and at most 134217728" -- "$bin" train --batch 1000000000
expect "huge batch (shot)" 64 "--batch must be at least 1 and at most 134217728" -- "$bin" shot --batch 1000000000
expect "lr above the limit" 64 "--lr must be a number from 0 to 1e6" -- "$bin" train --lr 1e7
expect "lr nan" 64 "--lr must be a number from 0 to 1e6" -- "$bin" shot --lr nan
expect "init scale inf" 64 "--init-scale must be a finite number > 0" -- "$bin" train --init-scale inf
expect "val fraction nan" 64 "--val-fraction must be a fraction in \[0, 1\)" -- "$bin" train --val-fraction nan
expect "live checks options before the terminal" 64 "--momentum must be a number in \[0, 1\)" -- "$bin" live --momentum nan
expect "live: huge batch" 64 "--batch must be at least 1 and at most" -- "$bin" live --batch 1000000000

# Variant names: one rule with scenes.
expect "reserved variant name" 64 "'lr' is a reserved word" -- "$bin" train --model 'lr: linear 10'
expect "variant name starting with a digit" 64 "a variant name is letters, digits, - and _, starting with a letter; found '2bn'" -- "$bin" train --model '2bn: linear 10'
expect "auto-name for two norms is a scene name" 0 "^  batchnorm_layernorm " -- "$bin" train --data digits --steps 2 --model 'linear 16, batchnorm, relu, linear 16, layernorm, relu, linear 10'

# CSV: byte-order mark, NUL and other control bytes, old Mac line endings, non-finite values.
awk 'BEGIN { srand(5); for (i = 0; i < 100; i++) { x = rand() * 2 - 1; y = rand() * 2 - 1; printf "%f,%f,%d\n", x, y, (x * y > 0) } }' >"$tmp/plain100.csv"
{ printf '\357\273\277'; cat "$tmp/plain100.csv"; } >"$tmp/bom.csv"
expect "CSV with a BOM keeps its first row" 0 "bom.csv: 80 train / 20 validation" -- "$bin" train --data "$tmp/bom.csv" --steps 2 --model 'linear 4, relu, linear 2'
printf '1,2,0\n3,4\x005,1\n' >"$tmp/nul.csv"
expect "NUL inside a number" 2 "nul.csv:2:4: '4\?5' is not a number: it contains the control character NUL" -- "$bin" train --data "$tmp/nul.csv"
printf '1,2,0\n3,4,1\a\n' >"$tmp/bel.csv"
expect "control byte in a label" 2 "bel.csv:2:6: the control character 0x07 cannot appear in a CSV file" -- "$bin" train --data "$tmp/bel.csv"
tr '\n' '\r' <"$tmp/plain100.csv" >"$tmp/mac.csv"
expect "CR-only CSV loads" 0 "mac.csv: 80 train / 20 validation" -- "$bin" train --data "$tmp/mac.csv" --steps 2 --model 'linear 4, relu, linear 2'
printf 'x,y,label\r1,2,0\r3,x,1\r' >"$tmp/macbad.csv"
expect "CR-only CSV errors name the line" 2 "macbad.csv:3:3: 'x' is not a number" -- "$bin" train --data "$tmp/macbad.csv"
printf '1,2,0\n3,inf,1\n' >"$tmp/inf.csv"
expect "inf feature" 2 "inf.csv:2:3: 'inf' is not finite" -- "$bin" train --data "$tmp/inf.csv"
printf '1,2,0\nnan,4,1\n' >"$tmp/nan.csv"
expect "nan feature" 2 "nan.csv:2:1: 'nan' is not finite" -- "$bin" train --data "$tmp/nan.csv"
printf '1,2,0\n3,1e39,1\n' >"$tmp/over.csv"
expect "feature beyond Float" 2 "over.csv:2:3: '1e39' is too large" -- "$bin" train --data "$tmp/over.csv"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "%s,%d,%d\n", (i % 2 ? "1e30" : "-1e30"), i, i % 2 }' >"$tmp/huge.csv"
expect "huge finite features train without a crash" 0 "huge.csv: 32 train / 8 validation" -- "$bin" train --data "$tmp/huge.csv" --steps 5 --batch 8 --model 'linear 4, relu, linear 2'

# live --freeze norm: the training thread's experiment has γ/β frozen (a recording says so).
# Needs a terminal: script(1) gives the app a pseudo-terminal; skipped without it.
if command -v script >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
  mkdir -p "$tmp/live"
  { sleep 2; printf R; sleep 1; printf R; sleep 1; printf q; sleep 1; } |
    TERM=xterm-256color COLUMNS=140 LINES=45 timeout 30 script -qfec \
      "'$bin' live --data moons --freeze norm --model 'bn: linear 8, batchnorm, relu, linear 2' --screenshot-dir '$tmp/live'" \
      /dev/null >/dev/null 2>&1
  if [ -f "$tmp/live/recording-1.scene" ]; then
    grep -q "^freeze affine$" "$tmp/live/recording-1.scene" && ok \
      || bad "live --freeze norm did not freeze (recording has no 'freeze affine')" "$(cat "$tmp/live/recording-1.scene")"
    expect "the live recording plays back" 0 ": 0 passed, 0 failed" -- "$bin" play "$tmp/live/recording-1.scene" --headless
  else
    bad "live session under script(1) wrote no recording" "$(ls -la "$tmp/live")"
  fi
fi
