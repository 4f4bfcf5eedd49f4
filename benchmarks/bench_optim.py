"""One Adam step on 4,000,000 float32 parameters.

Compared in the same process with torch.optim.Adam on one thread (when PyTorch is installed),
with Adam written as whole-array NumPy expressions, and with the memory-bandwidth floor: copying
the bytes an ideal fused step moves (parameter, gradient and both moments read; parameter and
moments written).

    python benchmarks/bench_optim.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds_interleaved, try_import_torch

import tinygrad_opt as tg
from tinygrad_opt import optim

N = 4_000_000


def ours(param, grad):
    p = tg.Parameter(param)
    p.grad = tg.Tensor(grad)
    opt = optim.Adam([p], lr=1e-3)
    return opt.step


def whole_array_numpy(param, grad):
    state = {"p": param.copy(), "m": np.zeros_like(param), "v": np.zeros_like(param), "t": 0}

    def step():
        state["t"] += 1
        t = state["t"]
        state["m"] = 0.9 * state["m"] + 0.1 * grad
        state["v"] = 0.999 * state["v"] + 0.001 * grad * grad
        denom = np.sqrt(state["v"]) / (1 - 0.999**t) ** 0.5 + 1e-8
        state["p"] -= (1e-3 / (1 - 0.9**t)) * state["m"] / denom

    return step


def bandwidth_floor(param, grad):
    # read p, g, m, v and write p, m, v: the same bytes as copying three arrays and reading one
    src = np.stack([param, grad, param])
    dst = np.empty_like(src)
    return lambda: (np.copyto(dst, src), grad.sum())


def pytorch(torch, param, grad):
    torch.set_num_threads(1)
    p = torch.tensor(param, requires_grad=True)
    p.grad = torch.tensor(grad)
    opt = torch.optim.Adam([p], lr=1e-3)
    return opt.step


def main():
    rng = np.random.default_rng(0)
    param = rng.normal(size=N).astype(np.float32)
    grad = rng.normal(size=N).astype(np.float32)
    contenders = {
        "tinygrad_opt optim.Adam (blocked)": ours(param, grad),
        "Adam as whole-array NumPy expressions": whole_array_numpy(param, grad),
        "memory-bandwidth floor (copy of the bytes)": bandwidth_floor(param, grad),
    }
    torch = try_import_torch()
    if torch is not None:
        contenders[f"torch.optim.Adam, 1 thread ({torch.__version__})"] = pytorch(torch, param, grad)
    times = median_seconds_interleaved(contenders, 5, repeat=11)
    ref_name = list(times)[-1] if torch is not None else "tinygrad_opt optim.Adam (blocked)"
    ref = times[ref_name]
    print(f"One Adam step on {N:,} float32 parameters (median of 11 interleaved runs of 5 steps):")
    for name, seconds in times.items():
        print(f"  {name:<46} {seconds * 1e3:7.2f} ms   {seconds / ref:5.2f}x {'PyTorch' if torch else 'ours'}")


if __name__ == "__main__":
    main()
