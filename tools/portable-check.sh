#!/usr/bin/env bash
# Part of `make test`: the scene library's results do not depend on the CPU flags. Builds a
# portable binary (no -target-cpu, as NORMSCOPE_PORTABLE=1) beside the tuned one and requires
# every scene's headless output, every measured value included, to be byte-identical between
# the two. Where the tuned build has no extra flags (no AVX2/FMA here) there is nothing to compare.
#   tools/portable-check.sh path/to/tuned/normscope
set -euo pipefail
cd "$(dirname "$0")/.."
tuned=$1
SWIFT=${SWIFT:-swift}
if [ -z "$(tools/cpu-flags.sh)" ]; then
  echo "portable-check: this machine's build already is the portable one; nothing to compare"
  exit 0
fi
$SWIFT build -c release --scratch-path .build-portable --product normscope >/dev/null
portable=.build-portable/release/normscope
bad=0
for f in scenes/*.scene; do
  # One seed each: the whole library at its declared seeds already runs in the Swift tests.
  a=$("$tuned" play "$f" --headless --seeds 1 2>&1 || true)
  b=$("$portable" play "$f" --headless --seeds 1 2>&1 || true)
  if [ "$a" != "$b" ]; then
    echo "portable-check: $f differs between the tuned and the portable build:"
    diff <(echo "$a") <(echo "$b") | head -10
    bad=$((bad + 1))
  fi
done
n=$(ls scenes/*.scene | wc -l)
echo "portable-check: $((n - bad)) of $n scenes byte-identical between the tuned ($(tools/cpu-flags.sh)) and the portable build"
[ "$bad" -eq 0 ]
