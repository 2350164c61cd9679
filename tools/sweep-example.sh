#!/usr/bin/env bash
# `make sweep-example`: runs the README's example sweep (the BN paper's 3×100 sigmoid MLP on
# the digits, with and without BN, 13 learning rates × 5 seeds × 1,000 steps) and writes its
# diagram between the `<!-- sweep-example -->` markers of README.md, with the command that drew it.
#   tools/sweep-example.sh [path/to/normscope]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/normscope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--data digits --init normal:0.1 --lr 0.01..100x13 --seeds 5 --steps 1000 --target 0.85
  --model 'plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10'
  --model 'bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10')
# SWEEP_EXAMPLE_FROM=FILE redraws a kept result file of this sweep instead of running it again.
if [ -n "${SWEEP_EXAMPLE_FROM:-}" ]; then
  cp "$SWEEP_EXAMPLE_FROM" "$tmp/s.jsonl"
  "$bin" sweep "${args[@]}" --output "$tmp/s.jsonl" --no-progress >/dev/null # checks it is this sweep
else
  "$bin" sweep "${args[@]}" --output "$tmp/s.jsonl" --no-progress >/dev/null
fi
[ -n "${SWEEP_EXAMPLE_KEEP:-}" ] && cp "$tmp/s.jsonl" "$SWEEP_EXAMPLE_KEEP"
LANG=C.UTF-8 "$bin" sweep --show "$tmp/s.jsonl" --format txt --glyphs braille >"$tmp/diagram.txt"
{
  echo '```'
  echo '$ normscope sweep --data digits --init normal:0.1 --lr 0.01..100x13 --seeds 5 --steps 1000 --target 0.85 \'
  echo "    --model 'plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10' \\"
  echo "    --model 'bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10' \\"
  echo '    --output s.jsonl'
  cat "$tmp/diagram.txt"
  echo '```'
} >"$tmp/block"
awk -v block="$tmp/block" '
  /<!-- sweep-example/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
  /<!-- \/sweep-example -->/ { skip = 0 }
  !skip { print }
' README.md >"$tmp/README.md"
cp "$tmp/README.md" README.md
echo "sweep-example: README.md updated"
