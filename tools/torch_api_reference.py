#!/usr/bin/env python3
"""Generates Tests/NormCoreTests/Fixtures/torch_api.json: what NormCore's library API must match
in PyTorch — optimizer trajectories the first fixture lacks (dampening, momentum on plain SGD,
AdamW), the optimizers' argument errors, nn.Sequential's state_dict names and order, and
load_state_dict's error messages.

Run by hand where torch is installed (CI never needs it):
    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch
    /tmp/tv/bin/python tools/torch_api_reference.py
"""
import json, os
import torch
import torch.nn as nn

torch.manual_seed(4321)
here = os.path.dirname(os.path.abspath(__file__))
out_path = os.path.join(here, "..", "Tests", "NormCoreTests", "Fixtures", "torch_api.json")

def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]

p0 = torch.randn(6)
grads = [torch.randn(6) for _ in range(5)]
def trajectory(make):
    p = nn.Parameter(p0.clone())
    opt = make([p])
    for g in grads:
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
    return flat(p)

optimizers = {
    "start": flat(p0), "grads": [flat(g) for g in grads],
    "cases": {
        "sgd_momentum_dampening": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, dampening=0.3)),
        "sgd_momentum_wd": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1)),
        "sgd_nesterov_wd": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        "adam_betas": trajectory(lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
        "adamw": trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.01)),
        "adamw_wd": trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.5)),
    },
}

def error_of(make):
    try:
        make()
    except Exception as e:  # noqa: BLE001
        return str(e)
    return None

dummy = [nn.Parameter(torch.zeros(1))]
optimizer_errors = {
    "sgd_lr": error_of(lambda: torch.optim.SGD(dummy, lr=-1.0)),
    "sgd_momentum": error_of(lambda: torch.optim.SGD(dummy, lr=0.1, momentum=-0.5)),
    "sgd_wd": error_of(lambda: torch.optim.SGD(dummy, lr=0.1, weight_decay=-0.25)),
    "sgd_nesterov": error_of(lambda: torch.optim.SGD(dummy, lr=0.1, nesterov=True)),
    "sgd_nesterov_dampening": error_of(lambda: torch.optim.SGD(dummy, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    "adam_lr": error_of(lambda: torch.optim.Adam(dummy, lr=-0.5)),
    "adam_eps": error_of(lambda: torch.optim.Adam(dummy, eps=-1.0)),
    "adam_beta0": error_of(lambda: torch.optim.Adam(dummy, betas=(1.0, 0.999))),
    "adam_beta1": error_of(lambda: torch.optim.Adam(dummy, betas=(0.9, 1.5))),
    "adamw_wd": error_of(lambda: torch.optim.AdamW(dummy, weight_decay=-0.5)),
}

model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sigmoid(), nn.Linear(3, 2))
state = model.state_dict()
state_keys = list(state.keys())
shapes = {k: list(v.shape) for k, v in state.items()}

def load_error(mutate):
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    mutate(sd)
    m = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sigmoid(), nn.Linear(3, 2))
    try:
        m.load_state_dict(sd)
    except RuntimeError as e:
        return str(e)
    return None

def drop(sd, *keys):
    for k in keys:
        del sd[k]
load_errors = {
    "missing": load_error(lambda sd: drop(sd, "0.weight", "1.running_var")),
    "unexpected": load_error(lambda sd: sd.__setitem__("5.weight", torch.zeros(2))),
    "size": load_error(lambda sd: sd.__setitem__("3.weight", torch.zeros(3, 3))),
}

doc = {"torch": torch.__version__, "optimizers": optimizers, "optimizerErrors": optimizer_errors,
       "stateKeys": state_keys, "stateShapes": shapes, "loadErrors": load_errors}
os.makedirs(os.path.dirname(out_path), exist_ok=True)
with open(out_path, "w") as f:
    json.dump(doc, f, indent=1)
print(json.dumps({k: doc[k] for k in ("optimizerErrors", "stateKeys", "loadErrors")}, indent=1))
