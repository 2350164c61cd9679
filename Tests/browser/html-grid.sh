#!/usr/bin/env bash
# Checks an HTML screenshot in a real browser: headless Chromium lays the page out, a script
# measures where every box-drawing character lands (a DOM Range per character, so a glyph from
# a wider fallback font moves the ones after it), and each row's right-most border must sit at
# the same x as every other row's (within 1 px). Also writes a PNG of the page for people to look at.
# Usage: Tests/browser/html-grid.sh page.html [screenshot.png] [min-rows]
#   min-rows: rows that must have a border character measured (default 3)
# Exit 0: aligned; 1: not aligned (the rows are listed); 77: no chromium here (skipped, reason printed).
set -u
page=${1:?usage: html-grid.sh page.html [screenshot.png]}
png=${2:-}
min_rows=${3:-3}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "skip: no chromium on PATH (Debian: apt-get install chromium); the HTML grid was not checked in a browser"
  exit 77
fi
page=$(realpath "$page")
[ -n "$png" ] && png=$(realpath -m "$png")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The page plus a script that writes its measurements into the DOM (read back with --dump-dom).
cp "$page" "$work/page.html"
cat >>"$work/page.html" <<'JS'
<script>
(function () {
  var rows = {};
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var range = document.createRange();
  var node;
  while ((node = walker.nextNode())) {
    if (node.parentNode && node.parentNode.nodeName === 'SCRIPT') continue;
    var s = node.nodeValue;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x2500 || c > 0x257f) continue;
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      var r = range.getBoundingClientRect();
      if (r.width === 0) continue;
      var y = Math.round(r.top);
      if (!(y in rows) || r.left > rows[y]) rows[y] = r.left;
    }
  }
  var ys = Object.keys(rows).map(Number).sort(function (a, b) { return a - b; });
  var out = document.createElement('div');
  out.id = 'grid-check';
  out.textContent = 'GRID ' + ys.map(function (y) { return y + ':' + rows[y].toFixed(2); }).join(' ') + ' END';
  document.body.appendChild(out);
})();
</script>
JS
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1900,1200)
dom=$(timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$work/page.html" 2>/dev/null)
if [ -n "$png" ]; then
  timeout 60 "$browser" "${flags[@]}" --screenshot="$png" "file://$page" >/dev/null 2>&1
fi
line=$(grep -o 'GRID [0-9][^E]*END' <<<"$dom" | head -1)
if [ -z "$line" ]; then
  echo "FAIL: chromium gave no measurements"
  exit 1
fi
# Rows: "y:x" pairs. Aligned when max(x) - min(x) <= 1 over the rows that have a border.
awk -v line="$line" -v want="$min_rows" 'BEGIN {
  n = split(line, f, " "); min = 1e9; max = -1e9; rows = 0
  for (i = 2; i < n; i++) { split(f[i], p, ":"); x = p[2] + 0; xs[p[1]] = x; rows++
    if (x < min) min = x; if (x > max) max = x }
  if (rows < want) { print "FAIL: only " rows " rows with borders measured, want " want; exit 1 }
  if (max - min > 1) {
    printf "FAIL: right-hand borders spread over %.1f px (%d rows):", max - min, rows
    for (y in xs) if (xs[y] > min + 1) printf " y=%s x=%.1f", y, xs[y]
    printf " (most at x=%.1f)\n", min; exit 1 }
  printf "ok: right-hand borders of %d rows at x=%.2f (spread %.2f px)\n", rows, min, max - min }'
