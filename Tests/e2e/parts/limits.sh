# Sourced by Tests/e2e/tmux.sh: holding `l` stops at the learning-rate limit and says so; the
# status bar keeps showing a number (no trap formatting it).
start "'$bin' live --data moons --model 'linear 16, relu, linear 2' --lr 1e5"
check "live starts at lr 100k" "lr 100k "
T send-keys -t ns l l l l l
check "the status bar shows the capped rate" "lr 1M "
T send-keys -t ns l
check "l at the limit says so" "learning rate ×2 → 1M \(the limit, 1M\)"
T send-keys -t ns q
check "quits after the limit" "^exit=0"

# A caption held for 1e300 seconds: the live player holds (no trap converting the time) and
# Enter goes on.
printf 'title "hold"\ndata moons\nvariant plain: linear 8, relu, linear 2\n\nrun 3\ncaption "held for ever" for 1e300s\nrun 3\ncaption "after the hold"\n' >"$tmp/hold.scene"
start "'$bin' play '$tmp/hold.scene'"
check "a 1e300 s hold shows its caption" "held for ever"
sleep 1
T send-keys -t ns Enter
check "Enter ends the hold" "after the hold"
T send-keys -t ns q
check "quits after the hold" "^exit=0"
