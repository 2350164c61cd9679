# Four variants at 80x24 (issue 14): panels too small for every variant show one, say which,
# and v / V step through them; NO_COLOR with LANG=C the same in ASCII.
four="--data spirals --lr 0.3 --batch 32 --model 'plain: linear 32, relu, linear 32, relu, linear 3' --model 'bn: linear 32, batchnorm, relu, linear 32, batchnorm, relu, linear 3' --model 'ln: linear 32, layernorm, relu, linear 32, layernorm, relu, linear 3' --model 'gn: linear 32, groupnorm 4, relu, linear 32, groupnorm 4, relu, linear 3'"
start "'$bin' live $four --paused"
T resize-window -t ns -x 80 -y 24
check "variants: 80x24 with four variants shows the first in the histograms" "● plain \(1/4\) · v: next variant" 20
check "variants: the train-vs-eval panel lists every variant" "◆ gn now [0-9]+%" 5
T send-keys -t ns v
check "variants: v shows the second" "■ bn \(2/4\) · v: next variant" 5
T send-keys -t ns V V
check "variants: V twice goes back past the first to the last" "◆ gn \(4/4\) · v: next variant" 5
T send-keys -t ns q
check "variants: quits" "^exit=0"

start "NO_COLOR=1 LANG=C LC_ALL=C '$bin' live $four --paused"
T resize-window -t ns -x 80 -y 24
check "variants: ASCII at 80x24 says which variant too" "\* plain \(1/4\) \| v: next variant" 20
T send-keys -t ns v
check "variants: ASCII v shows the second" "\+ bn \(2/4\) \| v: next variant" 5
T send-keys -t ns q
check "variants: ASCII quits" "^exit=0"
