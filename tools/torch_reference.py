#!/usr/bin/env python3
"""Generates Tests/NormCoreTests/Fixtures/torch_reference.json: reference values from PyTorch
for every norm (forward output, input/γ/β gradients, running statistics after 3 training steps,
eval output), the error messages NormScope must reproduce, and optimizer trajectories.

Run by hand where torch is installed (CI never needs it):
    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch numpy
    /tmp/tv/bin/python tools/torch_reference.py
Inputs are drawn from a fixed torch seed and stored in the fixture, so the Swift tests read
exactly the values torch saw.
"""
import json, os, sys
import torch
import torch.nn as nn

torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)
here = os.path.dirname(os.path.abspath(__file__))
out_path = os.path.join(here, "..", "Tests", "NormCoreTests", "Fixtures", "torch_reference.json")

def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]

def case(name, module, shape, spec, steps=3, scale=2.0, shift=0.5):
    """Three training forwards (running stats), then one training forward+backward on a fresh
    input with a random upstream gradient, then an eval forward on another input."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if p.dim() >= 1 and p is getattr(module, "weight", None) else 0.0))
    init = {n: flat(p) for n, p in module.named_parameters()}
    module.train()
    step_inputs = []
    for _ in range(steps):
        x = torch.randn(*shape) * scale + shift
        step_inputs.append(flat(x))
        with torch.no_grad():
            module(x)
    running = {}
    for b in ("running_mean", "running_var", "num_batches_tracked"):
        v = getattr(module, b, None)
        if v is not None:
            running[b] = flat(v.float()) if b != "num_batches_tracked" else int(v)
    x = (torch.randn(*shape) * scale + shift).requires_grad_(True)
    y = module(x)
    dy = torch.randn(*shape)
    y.backward(dy)
    grads = {n: flat(p.grad) for n, p in module.named_parameters()}
    module.eval()
    xe = torch.randn(*shape) * scale + shift
    with torch.no_grad():
        ye = module(xe)
    return {
        "name": name, "spec": spec, "shape": list(shape), "params": init, "stepInputs": step_inputs,
        "running": running, "x": flat(x), "y": flat(y), "dy": flat(dy), "dx": flat(x.grad),
        "paramGrads": grads, "evalX": flat(xe), "evalY": flat(ye),
    }

cases = [
    case("bn1d_ND", nn.BatchNorm1d(5), (8, 5), "batchnorm"),
    case("bn1d_NCL", nn.BatchNorm1d(3), (4, 3, 6), "batchnorm"),
    case("bn2d_NCHW", nn.BatchNorm2d(4), (3, 4, 5, 5), "batchnorm"),
    case("bn_momentum_none", nn.BatchNorm1d(5, momentum=None), (8, 5), "batchnorm momentum=none"),
    case("bn_momentum_0.3_eps_1e-3", nn.BatchNorm1d(5, momentum=0.3, eps=1e-3), (6, 5), "batchnorm momentum=0.3 eps=1e-3"),
    case("bn_no_affine", nn.BatchNorm1d(4, affine=False), (7, 4), "batchnorm affine=false"),
    case("bn_no_track", nn.BatchNorm1d(4, track_running_stats=False), (7, 4), "batchnorm track=false"),
    case("ln_ND", nn.LayerNorm(10), (6, 10), "layernorm"),
    case("ln_CHW", nn.LayerNorm([3, 4, 4]), (2, 3, 4, 4), "layernorm"),
    case("gn_NCHW", nn.GroupNorm(2, 6), (3, 6, 4, 4), "groupnorm 2"),
    case("gn_ND", nn.GroupNorm(2, 8), (5, 8), "groupnorm 2"),
    case("in_default", nn.InstanceNorm2d(3), (2, 3, 4, 4), "instancenorm"),
    case("in_affine_track", nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (4, 3, 7), "instancenorm affine=true track=true"),
    case("in_track_momentum_none", nn.InstanceNorm1d(3, track_running_stats=True, momentum=None), (4, 3, 7), "instancenorm track=true momentum=none"),
    case("rms_ND", nn.RMSNorm(10), (6, 10), "rmsnorm"),
    case("rms_CHW_eps", nn.RMSNorm([3, 4, 4], eps=1e-5), (2, 3, 4, 4), "rmsnorm eps=1e-5"),
]

# All rows equal: x̂ = 0, y = β, running_var ← 0.9·1 + 0.1·0.
bn = nn.BatchNorm1d(3)
with torch.no_grad():
    bn.bias.copy_(torch.tensor([0.5, -1.0, 2.0]))
xc = torch.tensor([[1.0, 2.0, 3.0]] * 4)
yc = bn(xc)
constant = {"x": flat(xc), "y": flat(yc), "runningMean": flat(bn.running_mean), "runningVar": flat(bn.running_var)}

def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).strip().splitlines()[0]
    return None

errors = {
    "bn_one_value": message(lambda: nn.BatchNorm1d(3).train()(torch.randn(1, 3))),
    "bn_no_track_eval_one_value": message(lambda: nn.BatchNorm1d(3, track_running_stats=False).eval()(torch.randn(1, 3))),
    "bn_eps_zero": message(lambda: nn.BatchNorm1d(3, eps=0.0).train()(torch.randn(4, 3))),
    "gn_one_value": message(lambda: nn.GroupNorm(4, 4).eval()(torch.randn(1, 4))),
    "in_one_spatial": message(lambda: nn.InstanceNorm1d(3).train()(torch.randn(2, 3, 1))),
    "gn_divisible": message(lambda: nn.GroupNorm(4, 6)),
}
bn_eval_one = nn.BatchNorm1d(3).eval()
eval_single_ok = bn_eval_one(torch.randn(1, 3)).shape == (1, 3)

# Linear, conv, maxpool, RNN and cross-entropy: forward and gradients.
def layer_case(name, module, shape, spec):
    x = torch.randn(*shape, requires_grad=True)
    y = module(x)
    if isinstance(y, tuple):
        y = y[1][-1]  # nn.RNN: last hidden state
    dy = torch.randn_like(y)
    y.backward(dy)
    return {"name": name, "spec": spec, "shape": list(shape), "params": {n: flat(p) for n, p in module.named_parameters()},
            "x": flat(x), "y": flat(y), "yShape": list(y.shape), "dy": flat(dy), "dx": flat(x.grad),
            "paramGrads": {n: flat(p.grad) for n, p in module.named_parameters()}}

layers = [
    layer_case("linear", nn.Linear(7, 5), (4, 7), "linear 5"),
    layer_case("conv_s2_p1", nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 7), "conv 4 k=3 s=2 p=1"),
    layer_case("conv_k5", nn.Conv2d(2, 3, 5), (2, 2, 8, 8), "conv 3 k=5"),
    layer_case("maxpool2", nn.MaxPool2d(2), (2, 3, 6, 6), "maxpool 2"),
    layer_case("rnn", nn.RNN(4, 6, batch_first=True), (3, 5, 4), "rnn 6"),
]
logits = torch.randn(6, 4, requires_grad=True)
labels = torch.tensor([0, 3, 1, 1, 2, 0])
ce = nn.functional.cross_entropy(logits, labels)
ce.backward()
cross_entropy = {"logits": flat(logits), "labels": labels.tolist(), "loss": float(ce), "dlogits": flat(logits.grad)}
out = torch.randn(5, 3, requires_grad=True)
tgt = torch.randn(5, 3)
mse = nn.functional.mse_loss(out, tgt)
mse.backward()
mse_case = {"out": flat(out), "target": flat(tgt), "loss": float(mse), "dout": flat(out.grad)}

# Optimizers: 4 steps from the same start with a fixed gradient sequence.
p0 = torch.randn(6)
grads = [torch.randn(6) for _ in range(4)]
def trajectory(make):
    p = nn.Parameter(p0.clone())
    opt = make([p])
    for g in grads:
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
    return flat(p)
optim = {
    "start": flat(p0), "grads": [flat(g) for g in grads],
    "sgd": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "sgd_wd": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01)),
    "momentum": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "nesterov": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
    "adam": trajectory(lambda ps: torch.optim.Adam(ps, lr=0.01)),
    "adam_wd": trajectory(lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1)),
}

doc = {"torch": torch.__version__, "norms": cases, "constant": constant, "errors": errors,
       "evalSingleSampleWorks": bool(eval_single_ok), "layers": layers, "crossEntropy": cross_entropy,
       "mse": mse_case, "optimizers": optim}
os.makedirs(os.path.dirname(out_path), exist_ok=True)
with open(out_path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"wrote {out_path} (torch {torch.__version__}); errors: {json.dumps(errors, indent=1)}")
