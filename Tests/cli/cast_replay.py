#!/usr/bin/env python3
"""Checks an asciicast v2 file and prints the screen its events leave, as text.

Usage: cast_replay.py FILE [--size WxH] [--last-time SECONDS]

Every line must be JSON: a header object (version 2, width, height, no timestamp), then
[time, "o"|"r", string] events with times that never go back. The events are replayed into a
screen of the header's size with the subset of ECMA-48 NormScope sends (cursor position, erase
display, SGR, private modes); anything else, a control character or text past the edge is an
error. The final screen is printed one row per line, trailing spaces trimmed, as
`normscope shot --format txt` writes it. Exit status 1 with the reason on any error.
"""
import json
import sys
import unicodedata


def fail(message):
    sys.exit("cast_replay: " + message)


def main():
    args = sys.argv[1:]
    if not args:
        fail("usage: cast_replay.py FILE [--size WxH] [--last-time SECONDS]")
    path, size, last_time = args[0], None, None
    if "--size" in args:
        size = args[args.index("--size") + 1]
    if "--last-time" in args:
        last_time = float(args[args.index("--last-time") + 1])
    lines = open(path, encoding="utf-8").read().split("\n")
    if lines[-1] != "":
        fail("the file does not end with a newline")
    header = json.loads(lines[0])
    if header.get("version") != 2 or not isinstance(header.get("width"), int) or not isinstance(header.get("height"), int):
        fail(f"bad header {lines[0][:200]}")
    if "timestamp" in header:
        fail("the header has a timestamp (recordings are deterministic)")
    if size and f'{header["width"]}x{header["height"]}' != size:
        fail(f'header size {header["width"]}x{header["height"]}, expected {size}')
    events = []
    for n, line in enumerate(lines[1:-1], start=2):
        e = json.loads(line)
        if not (isinstance(e, list) and len(e) == 3 and isinstance(e[0], (int, float)) and e[1] in ("o", "r") and isinstance(e[2], str)):
            fail(f"line {n} is not an event: {line[:120]}")
        events.append(e)
    times = [e[0] for e in events]
    if times != sorted(times):
        fail("event times go back")
    if last_time is not None and (not times or abs(times[-1] - last_time) > 1e-6):
        fail(f"last event at {times[-1] if times else None}, expected {last_time}")

    W, H = header["width"], header["height"]
    screen = [[" "] * W for _ in range(H)]
    x = y = 0
    for _, code, data in events:
        if code == "r":
            W, H = (int(v) for v in data.split("x"))
            screen = [[" "] * W for _ in range(H)]
            x = y = 0
            continue
        i = 0
        while i < len(data):
            ch = data[i]
            if ch == "\x1b":
                if data[i + 1 : i + 2] != "[":
                    fail("ESC not followed by [")
                j = i + 2
                while j < len(data) and not ("@" <= data[j] <= "~"):
                    j += 1
                if j == len(data):
                    fail("unterminated escape sequence")
                params, final = data[i + 2 : j], data[j]
                if final == "H":
                    parts = (params.split(";") + ["1", "1"])[:2] if params else ["1", "1"]
                    y, x = int(parts[0] or 1) - 1, int(parts[1] or 1) - 1
                elif final == "J":
                    if params != "2":
                        fail("erase display " + params)
                    screen = [[" "] * W for _ in range(H)]
                elif final in "lh":
                    if not params.startswith("?"):
                        fail("mode " + params + final)
                elif final != "m":
                    fail("unexpected escape sequence " + params + final)
                i = j + 1
                continue
            if ord(ch) < 32 or ord(ch) == 127:
                fail(f"control character {ord(ch)} in output")
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if y >= H or x + w > W:
                fail(f"text past the edge at column {x}, row {y}")
            screen[y][x] = ch
            if w == 2:
                screen[y][x + 1] = ""
            x += w
            i += 1
    sys.stdout.write("".join("".join(row).rstrip(" ") + "\n" for row in screen))


main()
