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
  python3 - "$@" <<'PY'
import json, sys, unicodedata
path, width, height, last_time, expected = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
lines = open(path, encoding="utf-8").read().split("\n")
assert lines[-1] == "", "ends with a newline"
header = json.loads(lines[0])
assert header["version"] == 2 and header["width"] == width and header["height"] == height, header
assert "timestamp" not in header, "no clock in the header"
events = [json.loads(l) for l in lines[1:-1]]
times = [e[0] for e in events]
assert all(isinstance(e, list) and len(e) == 3 and e[1] == "o" and isinstance(e[2], str) for e in events)
assert times == sorted(times) and times[0] == 0 and abs(times[-1] - last_time) < 1e-6, times
W, H = width, height
screen = [[" "] * W for _ in range(H)]
x = y = 0
def width_of(ch):
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1
for _, _, data in events:
    i = 0
    while i < len(data):
        ch = data[i]
        if ch == "\x1b":
            assert data[i + 1] == "["
            j = i + 2
            while not ("@" <= data[j] <= "~"):
                j += 1
            params, final = data[i + 2:j], data[j]
            if final == "H":
                r, c = (params.split(";") + ["1"])[:2] if params else ("1", "1")
                y, x = int(r) - 1, int(c) - 1
            elif final == "J":
                screen = [[" "] * W for _ in range(H)]
            else:
                assert final in "mlh", "unexpected CSI " + params + final
            i = j + 1
            continue
        assert ord(ch) >= 32, "control character in output"
        w = width_of(ch)
        assert x + w <= W and y < H, ("past the edge", x, y)
        screen[y][x] = ch
        if w == 2:
            screen[y][x + 1] = ""
        x += w
        i += 1
text = "".join("".join(row).rstrip(" ") + "\n" for row in screen)
want = open(expected, encoding="utf-8").read()
if text != want:
    for n, (a, b) in enumerate(zip(text.split("\n"), want.split("\n"))):
        if a != b:
            sys.exit(f"row {n} differs:\n  cast: {a}\n  shot: {b}")
    sys.exit("different")
PY
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
