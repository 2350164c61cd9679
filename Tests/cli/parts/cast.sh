# Sourced by Tests/cli/run.sh: `play --headless --cast` writes asciicast v2 that replays to the
# scene's last screen, deterministically, timed by the stated pace.
k=$tmp/cast
mkdir -p "$k"
cat >"$k/c.scene" <<'SCENE'
title "cast check"
data moons
variant plain: linear 8, relu, linear 2
variant bn: linear 8, batchnorm, relu, linear 2
caption "start"
run 50
caption "wide: 全角 and braille ⣿" for 1s
run 7
expect step() == 57
SCENE
expect "play --cast says what it wrote" 0 "^cast: $k/a.cast \(14 frames, 4\.4 s at 30 fps, 5 steps per frame\)$" -- "$bin" play "$k/c.scene" --headless --size 90x28 --cast "$k/a.cast"
expect "play --cast again" 0 "^cast-check|c: 1 passed" -- "$bin" play "$k/c.scene" --headless --size 90x28 --cast "$k/b.cast"
cmp -s "$k/a.cast" "$k/b.cast" && ok || bad "the same scene and seed give the same cast, byte for byte"
expect "shot --scene: the last screen" 0 "" -- "$bin" shot --scene "$k/c.scene" --size 90x28 --output "$k/last.txt"
# Every line is JSON; the header states the size; the events replayed into a screen give the
# scene's last screen (the screenshot of the same scene) exactly.
check_cast() { # check_cast FILE WIDTH HEIGHT LAST-TIME EXPECTED-TEXT
  python3 "$(dirname "${BASH_SOURCE[0]}")/../cast_replay.py" "$1" --size "$2x$3" --last-time "$4" >"$1.screen" \
    && diff "$1.screen" "$5" >&2
}
# 0 s: step 0; 1/30 s: "start" (held 3 s, its reading time); 10 frames of 5 steps; the second
# caption (held 1 s); 2 frames for 7 steps: 3 + 1 + 13/30 s.
out=$(check_cast "$k/a.cast" 90 28 4.433333 "$k/last.txt" 2>&1) && ok || bad "cast: JSON lines, header size, timing, replay = last screen" "$out"
# At 10 fps and 10 steps per frame: 0 s, "start" at 0.1 s (held 3 s), 5 frames of 10 steps (the
# last reaching the second caption, held 1 s), then one frame of 7 steps: 4.7 s.
expect "--cast-fps and --cast-speed set the pace" 0 "\(8 frames, 4\.7 s at 10 fps, 10 steps per frame\)" -- "$bin" play "$k/c.scene" --headless --size 90x28 --cast "$k/slow.cast" --cast-fps 10 --cast-speed 10
out=$(check_cast "$k/slow.cast" 90 28 4.7 "$k/last.txt" 2>&1) && ok || bad "paced cast replays to the last screen" "$out"
expect "--seeds: the cast is the first seed's" 0 "^cast: .*\(seed 1\)$" -- "$bin" play "$k/c.scene" --headless --size 90x28 --cast "$k/seeds.cast" --seeds 2 --jobs 1
cmp -s "$k/a.cast" "$k/seeds.cast" && ok || bad "the first seed's cast equals the single-seed cast"
expect "--cast-fps 0 is refused" 64 "--cast-fps must be 1 to 120, got 0" -- "$bin" play "$k/c.scene" --headless --cast "$k/x.cast" --cast-fps 0
expect "--cast-speed 3 is refused" 64 "--cast-speed must be one of 1, 2, 5, .* or 1000, got 3" -- "$bin" play "$k/c.scene" --headless --cast "$k/x.cast" --cast-speed 3
expect "an unwritable --cast fails before playing" 1 "cannot write $k/no/such/dir.cast" -- "$bin" play "$k/c.scene" --headless --cast "$k/no/such/dir.cast"
ln -s "$k/a.cast" "$k/link.cast"
expect "--cast never writes through a symlink" 1 "cannot write $k/link.cast: it is a symbolic link" -- "$bin" play "$k/c.scene" --headless --cast "$k/link.cast"
cmp -s "$k/a.cast" "$k/b.cast" && ok || bad "the symlink's target is untouched"
expect "live --cast that cannot be written fails before the screen opens" 1 "cannot write $k/no/such/live.cast" -- "$bin" live --data moons --cast "$k/no/such/live.cast"
expect "live --cast without a terminal" 1 "not a terminal" -- "$bin" live --data moons --cast "$k/never.cast"
[ ! -e "$k/never.cast" ] && ok || bad "a live --cast that never started leaves no file"
if [ -w /dev/full ]; then
  expect "a cast that cannot be written (disk full) fails with the reason" 1 "cannot write /dev/full: No space left on device" -- "$bin" play "$k/c.scene" --headless --cast /dev/full
fi
if [ -w /dev/full ]; then
  expect "live --cast /dev/full without a terminal" 1 "not a terminal" -- "$bin" live --data moons --cast /dev/full
  [ -c /dev/full ] && ok || bad "a device given as --cast is never removed"
fi
