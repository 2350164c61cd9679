#!/usr/bin/env python3
"""Reference timings for `make bench`: PyTorch (CPU, default threads) and numpy, for the same
workloads NormBench runs. Prints one JSON object: {workload: seconds per iteration (median)}.

Workloads (see the performance issue):
  a-plain, a-bn   BN-paper MLP 784-100-100-100-10 sigmoid, batch 60, one SGD step
  b-plain, b-bn   2-16-16-3 ReLU, batch 32, one SGD step
  c-bn, c-gn      convnet on 3x16x16: conv8-norm-relu-pool, conv16-norm-relu-pool, conv32-norm-relu, linear 4; batch 32
  d-N-D           BatchNorm forward + backward alone, training mode, (N, D)
                  torch: autograd of F.batch_norm; numpy: the seed's batch_norm_forward + a hand backward
"""
import json, sys, time

def median_time(fn, iters, reps=7, warm=10):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(iters):
            fn()
        ts.append((time.perf_counter() - t) / iters)
    ts.sort()
    return ts[len(ts) // 2]

out = {}
import numpy as np
rng = np.random.default_rng(0)

def np_bn_forward_backward(x, gamma, beta, dy, eps=1e-5):
    # The seed's batch_norm_forward, and the standard backward.
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    y = gamma * xhat + beta
    m = x.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dx = gamma / (m * np.sqrt(var + eps)) * (m * dy - dbeta - xhat * dgamma)
    return y, dx, dgamma, dbeta

for n in (60, 256, 1024):
    for d in (100, 1024):
        x = rng.standard_normal((n, d)).astype(np.float32)
        dy = rng.standard_normal((n, d)).astype(np.float32)
        g = np.ones(d, np.float32)
        b = np.zeros(d, np.float32)
        out[f"d-{n}-{d}-numpy"] = median_time(lambda: np_bn_forward_backward(x, g, b, dy), max(20, 200000 // (n * d)))

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001
    out["torch"] = None
    out["torch_error"] = str(e)
    print(json.dumps(out))
    sys.exit(0)

torch.manual_seed(0)
out["torch"] = torch.__version__
out["torch_threads"] = torch.get_num_threads()

def step_fn(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    def f():
        opt.zero_grad(set_to_none=True)
        lossf(model(x), y).backward()
        opt.step()
    return f

def mlp(bn):
    layers, d = [], 784
    for _ in range(3):
        layers += [nn.Linear(d, 100)] + ([nn.BatchNorm1d(100)] if bn else []) + [nn.Sigmoid()]
        d = 100
    return nn.Sequential(*layers, nn.Linear(100, 10))

xa, ya = torch.randn(60, 784), torch.randint(0, 10, (60,))
out["a-plain"] = median_time(step_fn(mlp(False), xa, ya), 300)
out["a-bn"] = median_time(step_fn(mlp(True), xa, ya), 300)

def tiny(bn):
    n = (lambda: [nn.BatchNorm1d(16)]) if bn else (lambda: [])
    return nn.Sequential(nn.Linear(2, 16), *n(), nn.ReLU(), nn.Linear(16, 16), *n(), nn.ReLU(), nn.Linear(16, 3))

xb, yb = torch.randn(32, 2), torch.randint(0, 3, (32,))
out["b-plain"] = median_time(step_fn(tiny(False), xb, yb), 1000)
out["b-bn"] = median_time(step_fn(tiny(True), xb, yb), 1000)

def conv(norm):
    def nm(c):
        return nn.BatchNorm2d(c) if norm == "bn" else nn.GroupNorm(4, c)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nm(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nm(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nm(32), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 4 * 4, 4))

xc, yc = torch.randn(32, 3, 16, 16), torch.randint(0, 4, (32,))
out["c-bn"] = median_time(step_fn(conv("bn"), xc, yc), 100)
out["c-gn"] = median_time(step_fn(conv("gn"), xc, yc), 100)

for n in (60, 256, 1024):
    for d in (100, 1024):
        x = torch.randn(n, d, requires_grad=True)
        g = torch.ones(d, requires_grad=True)
        b = torch.zeros(d, requires_grad=True)
        dy = torch.randn(n, d)
        rm, rv = torch.zeros(d), torch.ones(d)
        def f():
            y = F.batch_norm(x, rm, rv, g, b, training=True)
            torch.autograd.grad(y, (x, g, b), dy)
        out[f"d-{n}-{d}-torch"] = median_time(f, max(20, 200000 // (n * d)))

print(json.dumps(out))
