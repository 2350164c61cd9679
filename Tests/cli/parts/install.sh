# Sourced by Tests/cli/run.sh: --version, shell completions, the man page, make install's
# script (tools/install.sh) and finding library scenes by name.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)

expect "--version names the version" 0 "^normscope [0-9]+\.[0-9]+\.[0-9]+$" -- "$bin" --version
expect "--version names the build" 0 "^built with Swift 6\.[0-9]+.*, (release|debug), for " -- "$bin" --version
ver=$(grep -oE 'version = "[^"]+"' "$repo/Sources/normscope/Version.swift" | cut -d'"' -f2)
[ "$("$bin" --version | head -1)" = "normscope $ver" ] && ok || bad "--version is Version.swift's ($ver)" "$("$bin" --version)"

# Completion scripts: produced for each shell, syntactically valid where the shell is installed,
# and completing a fixed-value option's values.
c=$tmp/completions
mkdir -p "$c"
for sh in bash zsh fish; do
  if "$bin" --generate-completion-script "$sh" >"$c/$sh" 2>"$c/$sh.err" && [ -s "$c/$sh" ]; then ok; else
    bad "completion script for $sh" "$(cat "$c/$sh.err")"
  fi
  grep -q "truecolor" "$c/$sh" && grep -q "inference-mode" "$c/$sh" && ok || bad "$sh completion lists values and options"
done
bash -n "$c/bash" && ok || bad "bash completion parses (bash -n)"
got=$(PATH="$(dirname "$bin"):$PATH" bash -c '
  source "$1"
  COMP_WORDS=(normscope shot --colors ""); COMP_CWORD=3; COMP_LINE="normscope shot --colors "; COMP_POINT=${#COMP_LINE}
  _normscope normscope "" --colors; printf "%s\n" "${COMPREPLY[@]}"' _ "$c/bash" 2>&1)
[ "$(sort <<<"$got" | tr '\n' ' ')" = "256 8 mono truecolor " ] && ok || bad "bash completes shot --colors" "$got"
if command -v zsh >/dev/null; then zsh -n "$c/zsh" && ok || bad "zsh completion parses (zsh -n)"; else
  echo "note: zsh not installed; zsh -n skipped"
fi
if command -v fish >/dev/null; then
  fish -n "$c/fish" && ok || bad "fish completion parses (fish -n)"
  got=$(fish -c "source '$c/fish'; complete -C 'normscope live --glyphs '" 2>&1 | cut -f1 | sort | tr '\n' ' ')
  [ "$got" = "ascii blocks braille " ] && ok || bad "fish completes live --glyphs" "$got"
else
  echo "note: fish not installed; fish -n skipped"
fi

# Library scenes by name, from anywhere, through NORMSCOPE_SCENES.
mkdir -p "$tmp/lib"
cp "$tmp/mini.scene" "$tmp/lib/tiny.scene"
expect "play finds a library scene by name" 1 "^tiny: 2 passed, 1 failed$" -- env NORMSCOPE_SCENES="$tmp/lib" "$bin" play tiny --headless
expect "check finds it with .scene too" 0 "^ok: tiny.scene" -- env NORMSCOPE_SCENES="$tmp/lib" "$bin" check tiny.scene
expect "an unknown name lists the library with a hint" 2 "tinyy: no such scene file or library scene \(library: .*tiny.*\) \(did you mean tiny\?\)" -- env NORMSCOPE_SCENES="$tmp/lib" "$bin" play tinyy --headless

# tools/install.sh (what make install runs): every file, a working man page, the installed
# program plays library scenes from another directory, and uninstall removes exactly that.
gen=${GENERATE_MANUAL:-$(dirname "$bin")/generate-manual}
if [ -x "$gen" ]; then
  p=$tmp/prefix
  mkdir -p "$p/share/man/man1"
  echo keep >"$p/share/man/man1/other.1" # someone else's file: uninstall leaves it
  out=$("$repo/tools/install.sh" install "$bin" "$p" 2>&1) && ok || bad "install.sh install" "$out"
  for f in bin/normscope share/man/man1/normscope.1 share/bash-completion/completions/normscope \
    share/zsh/site-functions/_normscope share/fish/vendor_completions.d/normscope.fish \
    share/normscope/scenes/small-batch.scene share/normscope/scenes/tour.scene; do
    [ -s "$p/$f" ] && ok || bad "installed $f"
  done
  [ -x "$p/bin/normscope" ] && ok || bad "installed program is executable"
  man=$(MANWIDTH=100 man -l "$p/share/man/man1/normscope.1" 2>&1)
  grep -q "^NAME" <<<"$man" && grep -q -- "--cast" <<<"$man" && grep -q "truecolor, 256, 8 or mono" <<<"$man" && ok \
    || bad "man page renders with every option" "$(head -20 <<<"$man")"
  grep -q "3x100 sigmoid" <<<"$man" && ok || bad "man page keeps 3x100 (symbols spelled in ASCII)" "$(grep -n sigmoid <<<"$man" | head -3)"
  ! grep -q "mdoc warning" <<<"$man" && ok || bad "man page without mdoc warnings" "$(grep 'mdoc warning' <<<"$man" | head -3)"
  # Every non-ASCII symbol of the help is spelled out (generate-manual would drop it).
  left=$("$bin" --experimental-dump-help | sed -f "$repo/tools/man-ascii.sed" | LC_ALL=C grep -o '[^ -~]' | sort -u | tr -d '\n')
  [ -z "$left" ] && ok || bad "tools/man-ascii.sed covers every non-ASCII byte in the help" "$left"
  expect "installed program plays a library scene by name from elsewhere" 0 "^init-sensitivity: " -- \
    sh -c "cd '$tmp' && '$p/bin/normscope' check init-sensitivity >/dev/null && '$p/bin/normscope' play init-sensitivity --headless --seeds 1 | tail -1"
  out=$("$repo/tools/install.sh" uninstall "$p" 2>&1) && ok || bad "install.sh uninstall" "$out"
  left=$(cd "$p" && find . -type f | sort)
  [ "$left" = "./share/man/man1/other.1" ] && ok || bad "uninstall removes exactly what install wrote" "$left"
else
  echo "note: no generate-manual beside $bin (make test builds it); install checks skipped"
fi
abs_bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
expect "the built-in tour plays by name without a library" 0 "^ok: tour" -- sh -c "cd '$tmp' && NORMSCOPE_SCENES= '$abs_bin' check tour"
grep -qF "normscope $ver" "$repo/README.md" && ok || bad "README's --version example shows the version ($ver)"
