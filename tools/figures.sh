#!/usr/bin/env bash
# `make figures`: plays every scene headless with its declared seeds and writes each scene's
# figure lines into README.md's scene table (the third column of the scene's row, between the
# `<!-- figures -->` markers). The scene-library test fails when a row differs from what the
# build measures, so a figure in that table cannot go stale.
#   tools/figures.sh [path/to/normscope]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/normscope}
readme=README.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in scenes/*.scene; do
  name=$(basename "$f" .scene)
  out=$("$bin" play "$f" --headless --summary) || { echo "figures: $f does not pass; fix it first" >&2; echo "$out" >&2; exit 1; }
  summary=$(grep '^SUMMARY: ' <<<"$out" | sed 's/^SUMMARY: //')
  # A scene without figure lines keeps its hand-written row.
  [ -n "$summary" ] || continue
  printf '%s\t%s\n' "$name" "$summary" >>"$tmp/rows"
  echo "figures: $name: $summary"
done
[ -f "$tmp/rows" ] || { echo "figures: no scene has a figure line" >&2; exit 1; }
awk -F'\t' -v rows="$tmp/rows" '
  BEGIN { while ((getline line < rows) > 0) { split(line, p, "\t"); fig[p[1]] = p[2] } }
  /<!-- figures/ { inside = 1 }
  /<!-- \/figures -->/ { inside = 0 }
  inside && /^\| `[a-z0-9-]+` \|/ {
    name = $0; sub(/^\| `/, "", name); sub(/`.*/, "", name)
    if (name in fig) {
      n = split($0, cols, " \\| ")
      # cols[1] = "| `name`", cols[2] = claim, cols[3..] = the old figures
      print cols[1] " | " cols[2] " | " fig[name] " |"
      next
    }
  }
  { print }
' "$readme" >"$tmp/README.md"
cp "$tmp/README.md" "$readme"
echo "figures: README.md updated"
