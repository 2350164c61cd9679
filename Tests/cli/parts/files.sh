# Sourced by Tests/cli/run.sh: files are replaced atomically with their permissions kept, never
# written through a symlink, and every write failure is one plain line.

# one_line NAME STATUS LINE -- command...: exits STATUS and prints exactly LINE (nothing else).
one_line() {
  local name=$1 status=$2 line=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$status" ]; then bad "$name: exit $rc, expected $status" "$out"; return; fi
  if [ "$out" != "$line" ]; then bad "$name: expected exactly one line: $line" "$(cat -v <<<"$out")"; return; fi
  ok
}
# quiet command...: only its standard error.
quiet() { "$@" >/dev/null; }
f=$tmp/files
mkdir -p "$f"

# Replacing keeps the file's permission bits; a new file gets 0644 less the umask.
echo old >"$f/private.txt" && chmod 600 "$f/private.txt"
expect "shot over a 0600 file" 0 "" -- "$bin" shot --steps 1 --size 80x24 --output "$f/private.txt"
[ "$(stat -c %a "$f/private.txt")" = 600 ] && grep -q "Loss (training" "$f/private.txt" && ok \
  || bad "a replaced 0600 file is no longer 0600" "$(ls -l "$f/private.txt")"
echo old >"$f/group.txt" && chmod 640 "$f/group.txt"
"$bin" shot --steps 1 --size 80x24 --output "$f/group.txt" >/dev/null 2>&1
[ "$(stat -c %a "$f/group.txt")" = 640 ] && ok || bad "a replaced 0640 file is no longer 0640" "$(ls -l "$f/group.txt")"
(umask 027 && "$bin" shot --steps 1 --size 80x24 --output "$f/new.txt" >/dev/null 2>&1)
[ "$(stat -c %a "$f/new.txt")" = 640 ] && ok || bad "a new file under umask 027 is not 0640" "$(ls -l "$f/new.txt")"

# A symlink at the output is replaced by the file, never written through.
echo precious >"$f/victim"
ln -s "$f/victim" "$f/link.txt"
expect "shot onto a symlink" 0 "" -- "$bin" shot --steps 1 --size 80x24 --output "$f/link.txt"
[ "$(cat "$f/victim")" = precious ] && [ ! -L "$f/link.txt" ] && grep -q "Loss (training" "$f/link.txt" && ok \
  || bad "shot wrote through a symlink" "$(ls -l "$f")"

# Several processes writing one file at once: it ends up as one of them, complete.
for s in 1 2 3 4; do "$bin" shot --steps $s --size 80x24 --output "$f/ref-$s.txt" >/dev/null 2>&1; done
for s in 1 2 3 4; do "$bin" shot --steps $s --size 80x24 --output "$f/race.txt" >/dev/null 2>&1 & done
wait
same=0
for s in 1 2 3 4; do cmp -s "$f/race.txt" "$f/ref-$s.txt" && same=1; done
[ "$same" = 1 ] && ok || bad "concurrent writers left a mixed file" "$(head -2 "$f/race.txt")"

# Every failure: one plain line naming the file, status 1, no temporary file left behind.
one_line "shot into a missing directory" 1 "normscope: error: cannot write $f/nodir/x.txt: No such file or directory" \
  -- "$bin" shot --steps 1 --size 80x24 --output "$f/nodir/x.txt"
mkdir -p "$f/adir"
one_line "shot onto a directory" 1 "normscope: error: cannot write $f/adir: Is a directory" \
  -- "$bin" shot --steps 1 --size 80x24 --output "$f/adir"
one_line "shot under a file" 1 "normscope: error: cannot write $f/private.txt/x.txt: Not a directory" \
  -- "$bin" shot --steps 1 --size 80x24 --output "$f/private.txt/x.txt"
one_line "control characters in the name are shown as ?" 1 \
  "normscope: error: cannot write $f/nodir/?]0;owned?.txt: No such file or directory" \
  -- "$bin" shot --steps 1 --size 80x24 --output "$f/nodir/"$'\033]0;owned\007'".txt"
if ! touch /sys/normscope-probe 2>/dev/null; then
  one_line "a directory nobody may write" 1 "normscope: error: cannot write /sys/x.txt: Permission denied" \
    -- "$bin" shot --steps 1 --size 80x24 --output /sys/x.txt
fi
cat >"$f/one.scene" <<'SCENE'
title "one"
data moons
variant a: linear 8, relu, linear 2
run 5
screenshot first
SCENE
one_line "flip-book into a missing directory" 1 "normscope: error: cannot write $f/nodir/book.txt: No such file or directory" \
  -- quiet "$bin" play "$f/one.scene" --headless --flipbook "$f/nodir/book.txt"
mkdir -p "$f/shots/first.txt"
out=$("$bin" play "$f/one.scene" --headless --screenshots "$f/shots" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -qxE "normscope: error: (screenshot not written: )?cannot write $f/shots/first.txt: Is a directory" <<<"$out" \
  && [ "$(grep -c "error" <<<"$out")" = 1 ] \
  && ok || bad "a scene screenshot that cannot be written: one line, exit 1 (got $rc)" "$out"
mkdir -p "$f/m.csv"
out=$("$bin" train --steps 2 --model 'linear 8, relu, linear 10' --metrics "$f/m.csv" 2>&1 | grep "error")
[ "$(wc -l <<<"$out")" = 1 ] && grep -q "cannot write .*m.csv: Is a directory" <<<"$out" && ! grep -q "Domain" <<<"$out" \
  && ok || bad "metrics write failure is one plain line" "$out"
ls -aR "$f" | grep -q '\.tmp-' && bad "temporary files left behind" "$(ls -aR "$f" | grep '\.tmp-')" || ok

# The live app without a terminal says which side is not one.
expect "live with stdin from /dev/null names standard input" 1 "standard input is not a terminal \(nor is standard output\), so the live dashboard cannot open" \
  -- "$bin" live --data moons </dev/null
