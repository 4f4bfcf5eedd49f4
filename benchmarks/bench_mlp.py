"""One training step of a small MLP classifier: forward, cross-entropy, backward, Adam.

Two sizes, float32: 64→128→10 with batch 64 (per-operation overhead dominates) and
64→1024→10 with batch 256 (the arithmetic dominates). Baselines in the same process:
hand-written NumPy backpropagation with a hand-written Adam, and PyTorch eager when installed.

    python benchmarks/bench_mlp.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds_interleaved, try_import_torch

from tinygrad_opt import nn, optim

CASES = [(64, 128, 10, 64), (64, 1024, 10, 256)]
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8


def data(d_in, d_out, batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, d_in)).astype(np.float32), rng.integers(0, d_out, size=batch)


def hand_written(d_in, hidden, d_out, batch):
    x, y = data(d_in, d_out, batch)
    rng = np.random.default_rng(1)

    def init(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    params = [init((hidden, d_in), d_in), init(hidden, d_in), init((d_out, hidden), hidden), init(d_out, hidden)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rows = np.arange(batch)
    t = [0]

    def step():
        w1, b1, w2, b2 = params
        pre = x @ w1.T + b1
        h = np.maximum(pre, 0)
        logits = h @ w2.T + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(total[:, 0]) - shifted[rows, y])  # noqa: F841 - computed, as a step would
        d = e / total
        d[rows, y] -= 1
        d /= batch
        dh = d @ w2
        dh *= pre > 0
        grads = [dh.T @ x, dh.sum(axis=0), d.T @ h, d.sum(axis=0)]
        t[0] += 1
        c1, c2 = 1 - BETA1 ** t[0], np.sqrt(1 - BETA2 ** t[0])
        for p, g, mi, vi in zip(params, grads, m, v, strict=True):
            mi *= BETA1
            mi += (1 - BETA1) * g
            vi *= BETA2
            vi += (1 - BETA2) * g * g
            p -= (LR / c1) * mi / (np.sqrt(vi) / c2 + EPS)

    return step


def ours(d_in, hidden, d_out, batch):
    x, y = data(d_in, d_out, batch)
    model = nn.Sequential(nn.Linear(d_in, hidden, rng=1, dtype=np.float32), nn.ReLU(),
                          nn.Linear(hidden, d_out, rng=2, dtype=np.float32))
    opt = optim.Adam(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        nn.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def pytorch(torch, d_in, hidden, d_out, batch):
    x, y = data(d_in, d_out, batch)
    x, y = torch.tensor(x), torch.tensor(y)
    model = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, d_out))
    opt = torch.optim.Adam(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def main():
    torch = try_import_torch()
    for d_in, hidden, d_out, batch in CASES:
        number = 300 if hidden <= 128 else 60
        contenders = {
            "hand-written NumPy backprop + Adam": hand_written(d_in, hidden, d_out, batch),
            "tinygrad_opt nn + optim.Adam": ours(d_in, hidden, d_out, batch),
        }
        if torch is not None:
            contenders[f"PyTorch {torch.__version__} eager"] = pytorch(torch, d_in, hidden, d_out, batch)
        times = median_seconds_interleaved(contenders, number)
        base = times["hand-written NumPy backprop + Adam"]
        print(f"MLP {d_in}→{hidden}→{d_out}, batch {batch}, float32, one training step (median of 9):")
        for name, seconds in times.items():
            print(f"  {name:<40} {seconds * 1e6:9.1f} µs   {seconds / base:5.2f}x hand-written")
        print()


if __name__ == "__main__":
    main()
