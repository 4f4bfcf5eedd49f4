"""The post's problem, one optimizer step per iteration: fx's value, its gradient, an Adam update.

Baselines in the same process: the post's hand-written fx + gfx with a hand-written NumPy Adam
update, and (when installed) PyTorch eager with torch.optim.Adam. Also: backward through chains
of 25,000 to 100,000 ops, to show it is linear in the length.

    python benchmarks/bench_autodiff.py
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds_interleaved, try_import_torch

import tinygrad_opt as tg
from tinygrad_opt import optim


def fx(x):  # the post's function, unchanged
    x1 = x[0]
    x2 = x[1]
    return np.exp((x1) / 5) + 5 * (x1**2) + 3 * (x2**2) - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def gfx(x):  # the post's hand-written gradient
    x1 = x[0]
    x2 = x[1]
    return np.array([np.exp(x1 / 5) / 5 + 10 * x1 - 2 * x2 - 7, 6 * x2 - 2 * x1 - 8])


def hand_written():
    state = {"x": np.array([0.3, 1.2]), "m": np.zeros(2), "v": np.zeros(2), "t": 0}

    def step():
        x = state["x"]
        fx(x)
        g = gfx(x)
        state["t"] += 1
        t = state["t"]
        state["m"] = 0.9 * state["m"] + 0.1 * g
        state["v"] = 0.999 * state["v"] + 0.001 * g * g
        mh = state["m"] / (1 - 0.9**t)
        vh = state["v"] / (1 - 0.999**t)
        state["x"] = x - 1e-3 * mh / (np.sqrt(vh) + 1e-8)

    return step


def ours():
    p = tg.Parameter([0.3, 1.2])
    opt = optim.Adam([p], lr=1e-3)

    def step():
        opt.zero_grad()
        loss = fx(p)
        loss.backward()
        opt.step()

    return step


def ours_value_and_grad():
    f = tg.value_and_grad(fx)
    x = np.array([0.3, 1.2])
    return lambda: f(x)


def pytorch(torch):
    torch.set_num_threads(1)
    p = torch.tensor([0.3, 1.2], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3)

    def step():
        opt.zero_grad()
        x1, x2 = p[0], p[1]
        loss = torch.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5
        loss.backward()
        opt.step()

    return step


def chain_backward_seconds(n):
    p = tg.Parameter(1.0)
    y = p
    for _ in range(n):
        y = y * 1.0000001
    start = time.perf_counter()
    y.backward()
    return time.perf_counter() - start


def main():
    number = 2000
    contenders = {
        "hand-written fx + gfx + NumPy Adam": hand_written(),
        "tinygrad_opt: fx, backward, optim.Adam": ours(),
        "tinygrad_opt: value_and_grad(fx) only": ours_value_and_grad(),
    }
    torch = try_import_torch()
    if torch is not None:
        contenders[f"PyTorch {torch.__version__} eager + torch.optim.Adam"] = pytorch(torch)
    times = median_seconds_interleaved(contenders, number)
    base = times["hand-written fx + gfx + NumPy Adam"]
    print("The post's problem, one step per iteration (median of 9 interleaved runs):")
    for name, seconds in times.items():
        print(f"  {name:<48} {seconds * 1e6:8.1f} µs   {seconds / base:5.1f}x hand-written")
    if torch is not None:
        torch_step = times[f"PyTorch {torch.__version__} eager + torch.optim.Adam"]
        print(
            f"  PyTorch step / tinygrad_opt step: {torch_step / times['tinygrad_opt: fx, backward, optim.Adam']:.1f}x"
        )

    print("\nBackward through a chain of n multiplications (best of 3):")
    for n in (25_000, 50_000, 100_000):
        seconds = min(chain_backward_seconds(n) for _ in range(3))
        print(f"  n = {n:>7,}: {seconds * 1e3:7.1f} ms   {seconds / n * 1e6:5.2f} µs per op")


if __name__ == "__main__":
    main()
