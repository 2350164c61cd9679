#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer + AddressSanitizer (`make fuzz`; docs/fuzzing.md).
#
#   tools/fuzz.sh [TARGET…]      TARGET: spec csv idx format scene (default: all, in that order;
#                                the slow scene target last)
#
# Builds the fuzz-TARGET products (fuzz/, Package.swift) into .build-libfuzz with
# -sanitize=fuzzer,address, then runs each target alone (one process, one job) from its seed
# corpus in Tests/Fuzz/libfuzzer/TARGET with its dictionary. Exits 1 if any target crashes,
# times out, runs out of memory or does not finish its runs.
#
# Environment: FUZZ_RUNS (default 1000000), FUZZ_TIMEOUT seconds per input (10),
# FUZZ_RSS_MB (2048), FUZZ_SEED (1), FUZZ_KEEP_CORPUS=1 to keep growing the previous run's
# corpus (default: start again from the committed seeds, so figures are reproducible),
# FUZZ_BUILD_ONLY=1, FUZZ_ARGS (extra libFuzzer flags).
# Outputs: .build-libfuzz/fuzz/TARGET/{log,corpus/,crash-*,timeout-*,oom-*}.
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
RUNS=${FUZZ_RUNS:-1000000}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS=${FUZZ_RSS_MB:-2048}
SEED=${FUZZ_SEED:-1}
SCRATCH=.build-libfuzz
SEEDS=Tests/Fuzz/libfuzzer
OUT=$SCRATCH/fuzz
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(spec csv idx format scene)

max_len() {
  case $1 in
    scene) echo 4096 ;;  # the seed scenes are 1–3 kB
    spec) echo 512 ;;
    csv | idx) echo 4096 ;;
    format) echo 1024 ;;
  esac
}
dict() {
  case $1 in
    scene) echo "-dict=$SEEDS/scene.dict" ;;
    spec) echo "-dict=$SEEDS/spec.dict" ;;
    csv) echo "-dict=$SEEDS/csv.dict" ;;
  esac
}

for t in "${TARGETS[@]}"; do
  case $t in spec | csv | idx | format | scene) ;; *) echo "fuzz.sh: unknown target '$t'" >&2; exit 2 ;; esac
done

# shellcheck disable=SC2046
CPUFLAGS=$(tools/cpu-flags.sh)
for t in "${TARGETS[@]}"; do
  echo "fuzz: building fuzz-$t (-sanitize=fuzzer,address)"
  # shellcheck disable=SC2086
  if ! $SWIFT build -c release $CPUFLAGS --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER --product "fuzz-$t" 2>&1 |
    grep -v "Cannot export local symbol '__asan_extra_spill_area'" | grep -E "error|warning|complete"; then
    echo "fuzz: build of fuzz-$t failed" >&2
    exit 1
  fi
  [ -x "$SCRATCH/release/fuzz-$t" ] || { echo "fuzz: no $SCRATCH/release/fuzz-$t" >&2; exit 1; }
done
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# Swift's own backtracer would race ASan's reports; libFuzzer and ASan print the stack instead.
# Deterministic hashing makes a Set/Dictionary iterate in the same order in every process, so
# an input saved by one run reproduces in the next.
export SWIFT_BACKTRACE=enable=no SWIFT_DETERMINISTIC_HASHING=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_stack_use_after_return=0}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || echo /opt/swift/usr/bin/llvm-symbolizer)}

failed=0
summary=()
for t in "${TARGETS[@]}"; do
  dir=$OUT/$t
  mkdir -p "$dir/corpus"
  [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || find "$dir/corpus" -type f -delete
  log=$dir/log
  echo "fuzz: fuzz-$t: $RUNS runs, max_len $(max_len "$t"), timeout ${TIMEOUT} s, rss limit ${RSS} MB (log: $log)"
  start=$(date +%s.%N)
  # shellcheck disable=SC2046,SC2086
  "$SCRATCH/release/fuzz-$t" -runs="$RUNS" -max_len="$(max_len "$t")" -timeout="$TIMEOUT" -rss_limit_mb="$RSS" \
    -seed="$SEED" -print_final_stats=1 -artifact_prefix="$dir/" $(dict "$t") ${FUZZ_ARGS:-} \
    "$dir/corpus" "$SEEDS/$t" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(echo "$end - $start" | bc)
  cov=$(sed -E -n 's/.* cov: ([0-9]+) .*/\1/p' <<<"$done_line")
  ft=$(sed -E -n 's/.* ft: ([0-9]+) .*/\1/p' <<<"$done_line")
  corp=$(sed -E -n 's/.* corp: ([0-9]+\/[0-9A-Za-z]+) .*/\1/p' <<<"$done_line")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
  rate=$(echo "${execs:-0} / $secs" | bc)
  status=ok
  if [ $rc -ne 0 ] || [ -z "$done_line" ] || [ "${execs:-0}" -lt "$RUNS" ]; then
    status="FAILED (exit $rc)"
    failed=1
    grep -E "ERROR: libFuzzer|ERROR: AddressSanitizer|Fatal error|runtime failure|out-of-memory|timeout after|Test unit written" "$log" | head -8 | sed 's/^/    /'
  fi
  line=$(printf "%-7s %-9s execs %10s  time %7.0f s  exec/s %6s  cov %6s  ft %7s  corpus %-10s  peak rss %5s MB  slowest %3s s" \
    "$t" "$status" "${execs:-?}" "$secs" "$rate" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "${slowest:-?}")
  echo "fuzz: $line"
  summary+=("$line")
done

echo
echo "fuzz summary ($(uname -m), $(nproc) cores, $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), seed $SEED):"
printf '  %s\n' "${summary[@]}"
[ $failed -eq 0 ] || { echo "fuzz: FAILED (reproducers in $OUT/TARGET/)"; exit 1; }
echo "fuzz: every target ran $RUNS inputs: no crash, timeout or out-of-memory"
