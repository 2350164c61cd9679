#!/usr/bin/env bash
# Live-app benchmark through tmux: frames per second drawn (the app's own count, --stats) and
# key-to-screen latency (send a key, poll capture-pane until the status bar shows its effect).
# Usage: benchmarks/tmux-live.sh path/to/normscope
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v tmux >/dev/null || { echo "tmux-live: tmux not installed, skipped"; exit 0; }
export TERM=${TERM:-xterm-256color}
sock="normscope-bench-$$"
T() { tmux -L "$sock" "$@"; }
trap 'T kill-server 2>/dev/null' EXIT
T start-server
T new-session -d -s b -x 140 -y 45 "'$bin' live --stats; sleep 30"
for _ in $(seq 200); do T capture-pane -t b -p 2>/dev/null | grep -q "Loss (training" && break; sleep 0.05; done
sleep 5
# Latency: alternate l (lr ×2) and L (lr ÷2); the status bar's "lr X" changes when the frame lands.
lat=()
for i in $(seq 30); do
  before=$(T capture-pane -t b -p | head -1 | grep -o 'lr [0-9.e-]*')
  key=$([ $((i % 2)) = 1 ] && echo l || echo L)
  t0=$(date +%s%N)
  T send-keys -t b "$key"
  while :; do
    now=$(T capture-pane -t b -p | head -1 | grep -o 'lr [0-9.e-]*')
    [ "$now" != "$before" ] && break
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 2000 ] && break
  done
  lat+=($(( ($(date +%s%N) - t0) / 1000 )))
  sleep 0.1
done
T send-keys -t b q
sleep 0.5
stats=$(T capture-pane -t b -p | grep -E "^frames ")
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
n=${#sorted[@]}
echo "live app, 140x45 in tmux, default experiment at 5 steps/frame: $stats"
printf 'key-to-screen latency over %d keys: median %.1f ms, p90 %.1f ms (includes tmux send-keys and capture-pane polling)\n' \
  "$n" "$(echo "${sorted[$((n / 2))]} / 1000" | bc -l)" "$(echo "${sorted[$((n * 9 / 10))]} / 1000" | bc -l)"
