#!/usr/bin/env bash
# Installs or removes normscope: the program, its man page and bash/zsh/fish completions (both
# generated from the program's own help), and the scene library.
#
#   tools/install.sh generate BIN DIR       man page and completion scripts into DIR
#   tools/install.sh install BIN PREFIX     PREFIX/bin/normscope, PREFIX/share/...
#   tools/install.sh uninstall PREFIX       removes exactly what install wrote
#
# DESTDIR (environment) is prepended to every installed path, for packagers. The man page needs
# swift-argument-parser's generate-manual tool: GENERATE_MANUAL, else `generate-manual` beside
# BIN (`make install` builds it; it comes with the package's argument-parser dependency).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

# The files install writes, relative to PREFIX, after the scenes.
fixed_files=(
  bin/normscope
  share/man/man1/normscope.1
  share/bash-completion/completions/normscope
  share/zsh/site-functions/_normscope
  share/fish/vendor_completions.d/normscope.fish
)
manifest=share/normscope/installed-files

generate() {
  local bin=$1 out=$2
  mkdir -p "$out"
  "$bin" --generate-completion-script bash >"$out/normscope.bash"
  "$bin" --generate-completion-script zsh >"$out/_normscope"
  "$bin" --generate-completion-script fish >"$out/normscope.fish"
  local gen=${GENERATE_MANUAL:-$(dirname "$bin")/generate-manual}
  if [ ! -x "$gen" ]; then
    echo "install: no generate-manual at $gen (make install builds it; or set GENERATE_MANUAL)" >&2
    return 1
  fi
  # generate-manual runs the program with --experimental-dump-help; this wrapper spells the
  # help's non-ASCII symbols in ASCII first (the generator would drop them).
  local tmp
  tmp=$(mktemp -d)
  local abs_bin
  abs_bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
  printf '#!/bin/sh\n"%s" "$@" | sed -f "%s"\n' "$abs_bin" "$here/man-ascii.sed" >"$tmp/normscope"
  chmod +x "$tmp/normscope"
  # The date of the last commit, so the same source gives the same page.
  local date
  date=$(git -C "$repo" log -1 --format=%cs 2>/dev/null || date +%F)
  mkdir -p "$tmp/man"
  "$gen" "$tmp/normscope" --date "$date" --output-directory "$tmp/man"
  # mdoc wants .Pp, not an empty line, between paragraphs.
  sed 's/^$/.Pp/' "$tmp/man/normscope.1" >"$out/normscope.1"
  rm -rf "$tmp"
}

install_all() {
  local bin=$1 root=${DESTDIR:-}$2
  local gen
  gen=$(mktemp -d)
  trap 'rm -rf "$gen"' RETURN
  generate "$bin" "$gen"
  local listed=()
  put() { # put MODE SOURCE RELATIVE-TARGET
    install -D -m "$1" "$2" "$root/$3"
    listed+=("$3")
  }
  for s in "$repo"/scenes/*.scene; do put 644 "$s" "share/normscope/scenes/$(basename "$s")"; done
  put 755 "$bin" bin/normscope
  put 644 "$gen/normscope.1" share/man/man1/normscope.1
  put 644 "$gen/normscope.bash" share/bash-completion/completions/normscope
  put 644 "$gen/_normscope" share/zsh/site-functions/_normscope
  put 644 "$gen/normscope.fish" share/fish/vendor_completions.d/normscope.fish
  printf '%s\n' "${listed[@]}" >"$root/$manifest"
  echo "installed normscope $("$root/bin/normscope" --version | head -1 | cut -d' ' -f2) into $root (${#listed[@]} files; tools/install.sh uninstall $2 removes them)"
}

uninstall_all() {
  local root=${DESTDIR:-}$1
  local files=()
  if [ -f "$root/$manifest" ]; then
    mapfile -t files <"$root/$manifest"
  else
    files=("${fixed_files[@]}")
    for s in "$repo"/scenes/*.scene; do files+=("share/normscope/scenes/$(basename "$s")"); done
  fi
  local removed=0
  for f in "${files[@]}" "$manifest"; do
    case $f in /* | *..*) echo "uninstall: skipping unexpected path '$f'" >&2; continue ;; esac
    if [ -e "$root/$f" ] || [ -L "$root/$f" ]; then
      rm -f "$root/$f"
      removed=$((removed + 1))
    fi
  done
  # Only directories that are now empty, and only ours.
  rmdir "$root/share/normscope/scenes" "$root/share/normscope" 2>/dev/null || true
  echo "removed $removed files from $root"
}

case "${1:-}" in
  generate) generate "${2:?BIN}" "${3:?DIR}" ;;
  install) install_all "${2:?BIN}" "${3:?PREFIX}" ;;
  uninstall) uninstall_all "${2:?PREFIX}" ;;
  *) echo "usage: tools/install.sh generate BIN DIR | install BIN PREFIX | uninstall PREFIX" >&2; exit 64 ;;
esac
