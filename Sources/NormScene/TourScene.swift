// Generated from scenes/tour.scene (a test checks they match): the built-in default scene.
extension BuiltinScenes {
  /// The text of `scenes/tour.scene`.
  public static let tour = #"""
# The default scene: `normscope` (and `make run`) opens it. A few minutes through the main claims.
title "NormScope tour: what batch norm does, measured"
description "The BN paper's Figure 1 set-up on the UCI digits (3×100 sigmoid, batch 60, W ~ N(0, 0.1²)), with and without batch norm."
seed 1
data digits
variant plain: linear 100, sigmoid, linear 100, sigmoid, linear 100, sigmoid, linear 10
variant bn: linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 100, batchnorm, sigmoid, linear 10
init normal:0.1
lr 0.5
batch 60
show layer 3

chapter "1 · Two networks"
caption "Two copies of the same network start from identical weights and train on identical batches; the blue one normalizes every hidden layer with batch norm. Press ? for the keys, space to pause, ] to skip ahead." for 8s
run 300
expect final_loss(bn) < 0.5 * final_loss(plain)
caption "Loss (top left, log scale): BN is already far ahead." for 5s
run 200

chapter "2 · Covariate shift"
show panel percentiles
caption "Bottom left: the 15th, 50th and 85th percentiles of layer 3's input. Without BN they keep moving as the layers below learn; with BN they hold still (BN paper, Figure 1)." for 10s
run 1000
expect percentile_travel(plain, layer=3) > 3 * percentile_travel(bn, layer=3)

chapter "3 · Train mode vs eval mode"
show panel divergence
set mode train
caption "Inference now in TRAINING mode — the forgotten model.eval(). BN's outputs depend on the batch (right panel); one sample at a time is an error, exactly as in PyTorch." for 10s
run 100
expect eval_gap(bn) > 0 and eval_gap(plain) == 0
expect single_sample_error(bn)
set mode eval

chapter "4 · A much higher learning rate"
show panel loss
set lr 10
caption "Learning rate ×20 (0.5 → 10). Watch which loss survives." for 8s
run 500
expect final_loss(bn) < final_loss(plain)
caption "The end of the tour. The scenes/ folder has one scene per claim: normscope play scenes/small-batch.scene, and so on. Keys still work: explore." for 10s
screenshot tour-end
"""#
}
