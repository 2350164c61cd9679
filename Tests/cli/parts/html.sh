# HTML screenshots keep their grid in a real browser: headless Chromium lays each page out and
# Tests/browser/html-grid.sh checks that every row's right-hand border lands at the same x
# (within 1 px). Skipped, with the reason printed, where chromium is not installed.
# Sourced by Tests/cli/run.sh (uses its ok/bad, $bin, $tmp).
html_grid="$(dirname "${BASH_SOURCE[0]}")/../../browser/html-grid.sh"
html_case() {
  local name=$1 rows=$2
  shift 2
  if ! "$bin" shot "$@" --output "$tmp/$name.html" >"$tmp/$name.log" 2>&1; then
    bad "html shot $name" "$(cat "$tmp/$name.log")"
    return
  fi
  local out rc
  out=$("$html_grid" "$tmp/$name.html" "$tmp/$name.png" "$rows" 2>&1)
  rc=$?
  case $rc in
    0) ok ;;
    77) echo "$out" ;;
    *) bad "HTML grid in chromium: $name" "$out" ;;
  esac
}
html_case grid-140x45 40 --steps 60 --size 140x45
html_case grid-200x60-four 55 --steps 60 --size 200x60 --data spirals \
  --model 'plain: linear 16, relu, linear 3' --model 'bn: linear 16, batchnorm, relu, linear 3' \
  --model 'ln: linear 16, layernorm, relu, linear 3' --model 'gn: linear 16, groupnorm 4, relu, linear 3'
html_case grid-help-80x24 20 --steps 20 --size 80x24 --help-overlay --glyphs blocks
