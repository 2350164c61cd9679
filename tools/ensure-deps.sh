#!/usr/bin/env bash
# Installs what NormScope needs and the machine lacks; prints nothing when all is there.
# Usage: tools/ensure-deps.sh [--tests]   (--tests also wants tmux for the end-to-end tests, python3
# for the asciicast replay check, and
# Debian's chromium with the DejaVu fonts for the HTML export's browser check; about 40 s of apt)
set -euo pipefail

want=()
have_header() { [ -f /usr/include/ncursesw/curses.h ] || [ -f /usr/include/ncursesw/ncurses.h ]; }
have_header || want+=(libncurses-dev)
command -v pkg-config >/dev/null 2>&1 || want+=(pkg-config)
if [ "${1:-}" = "--tests" ]; then
  command -v tmux >/dev/null 2>&1 || want+=(tmux)
  # The asciicast checks replay casts with a small Python script (standard library only).
  command -v python3 >/dev/null 2>&1 || want+=(python3)
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || want+=(fonts-dejavu-core)
fi
[ ${#want[@]} -eq 0 ] && exit 0

if ! command -v swift >/dev/null 2>&1; then
  echo "ensure-deps: no 'swift' on PATH; install the Swift toolchain first (swift.org)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-deps: missing ${want[*]} and no apt-get here; install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ensure-deps: need root or sudo to install ${want[*]}" >&2
    exit 1
  fi
fi
echo "ensure-deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq "${want[@]}" >&2
