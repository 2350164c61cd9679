# Sourced by Tests/e2e/tmux.sh: x exports the metrics so far (issue 15, part 4).
mkdir -p "$tmp/exports"
start "'$bin' live --data moons --model 'tiny: linear 8, relu, linear 2' --screenshot-dir '$tmp/exports'"
check "x: the dashboard is up" "Loss \(training" 20
wait_for "step [1-9][0-9]{2,} " 20
T send-keys -t ns x
check "x says where the metrics went" "metrics so far: .*metrics-1\.csv and \.jsonl \([0-9]+ rows" 10
if head -1 "$tmp/exports/metrics-1.csv" 2>/dev/null | grep -q "^step,variant,loss," \
  && [ "$(wc -l <"$tmp/exports/metrics-1.csv")" -gt 100 ] \
  && head -1 "$tmp/exports/metrics-1.jsonl" 2>/dev/null | grep -q '^{"step":1,"variant":"tiny","loss":'; then
  ok
else
  bad "x writes metrics-1.csv and metrics-1.jsonl from step 1" "$(ls "$tmp/exports"; head -2 "$tmp/exports/metrics-1.csv" 2>&1)"
fi
T send-keys -t ns x
check "x again never overwrites: metrics-2" "metrics-2\.csv" 10
T send-keys -t ns q
check "x: quits" "^exit=0"
