"""Optimizer steps on 4,000,000 float32 parameters, against PyTorch (single-threaded).

First one Adam step in detail: compared in the same process with torch.optim.Adam on one
thread (when PyTorch is installed), with Adam written as whole-array NumPy expressions, and
with the memory-bandwidth floor: copying the bytes an ideal fused step moves (parameter,
gradient and both moments read; parameter and moments written). Then every optimizer against
PyTorch's best implementation of it (for-loop, foreach and, where the class has one, the fused
CPU kernel), ratios printed.

    PYTHONPATH=. python benchmarks/bench_optim.py            # everything
    PYTHONPATH=. python benchmarks/bench_optim.py nadam lion # the table for some optimizers

Where a rule is not blocked like Adam's: Adafactor needs the norms of θ and of the whole update
before it can write any element (two global reductions, so whole-array passes); Muon's step is
matrix products (Newton–Schulz on the momentum matrix, emulating PyTorch's bfloat16 with float32
products rounded to bfloat16), timed on a 512×512 matrix because PyTorch's bfloat16 matmul on
a CPU without bfloat16 instructions takes minutes at 2000×2000. LBFGS and Newton need a closure
and flat vectors (Newton an n×n Hessian): they are not timed here.
"""

import inspect
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


TORCH_NAMES = {
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "nadam": "NAdam",
    "radam": "RAdam",
    "asgd": "ASGD",
    "adamw": "AdamW",
    "sgd": "SGD",
    "adam": "Adam",
    "adamax": "Adamax",
    "adadelta": "Adadelta",
    "rprop": "Rprop",
    "adafactor": "Adafactor",
    "muon": "Muon",
}
HYPER = {"sgd": {"lr": 1e-3, "momentum": 0.9}}
NAMES = [
    "sgd",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "nadam",
    "radam",
    "adamax",
    "adadelta",
    "rprop",
    "asgd",
    "lion",
    "adafactor",
    "muon",
]


def shape(name):
    return {"muon": (512, 512), "adafactor": (2000, 2000)}.get(name, (N,))


def ours_step(name, param, grad):
    p = tg.Parameter(param.copy())
    p.grad = tg.Tensor(grad)
    opt = optim.get(name)([p], **HYPER.get(name, {}))
    return opt.step


def theirs(torch, name, param, grad, flags):
    p = torch.tensor(param.copy(), requires_grad=True)
    p.grad = torch.tensor(grad)
    opt = getattr(torch.optim, TORCH_NAMES[name])([p], **HYPER.get(name, {}), **flags)
    return opt.step


def variants(torch, name):
    if name not in TORCH_NAMES:
        return {}
    params = inspect.signature(getattr(torch.optim, TORCH_NAMES[name])).parameters
    out = {}
    if "foreach" in params:
        out["for-loop"] = {"foreach": False}
        out["foreach"] = {"foreach": True}
    else:
        out["default"] = {}
    if "fused" in params:
        out["fused"] = {"fused": True}
    return out


def every_optimizer(names):
    torch = try_import_torch()
    if torch is not None:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(
        f"\nOne step on float32 parameters (shape shown), median of interleaved runs; ratio = ours / "
        f"torch's best (single thread, {torch.__version__ if torch else 'no torch'})"
    )
    for name in names:
        param = rng.normal(size=shape(name)).astype(np.float32)
        grad = rng.normal(size=shape(name)).astype(np.float32)
        contenders = {"ours": ours_step(name, param, grad)}
        if torch is not None:
            for label, flags in variants(torch, name).items():
                try:
                    step = theirs(torch, name, param, grad, flags)
                    step()
                except (RuntimeError, ValueError) as exc:  # e.g. fused not on CPU for this class
                    print(f"  {name}: torch {label} unavailable ({str(exc)[:60]})")
                    continue
                contenders[f"torch {label}"] = step
        heavy = name == "muon"
        times = median_seconds_interleaved(contenders, 1 if heavy else 5, repeat=3 if heavy else 7)
        best = min((t, k) for k, t in times.items() if k != "ours") if len(times) > 1 else None
        parts = "  ".join(f"{k} {t * 1e3:8.2f} ms" for k, t in times.items())
        ratio = f"{times['ours'] / best[0]:5.2f}x vs {best[1]}" if best else "(no torch)"
        size = "x".join(map(str, shape(name)))
        print(f"{name:10s} {size:>9s} {ratio:28s} {parts}")


def adam_in_detail():
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
        contenders[f"torch.optim.Adam, 1 thread ({torch.__version__})"] = pytorch(
            torch, param, grad
        )
    times = median_seconds_interleaved(contenders, 5, repeat=11)
    ref_name = list(times)[-1] if torch is not None else "tinygrad_opt optim.Adam (blocked)"
    ref = times[ref_name]
    print(f"One Adam step on {N:,} float32 parameters (median of 11 interleaved runs of 5 steps):")
    for name, seconds in times.items():
        print(
            f"  {name:<46} {seconds * 1e3:7.2f} ms   {seconds / ref:5.2f}x {'PyTorch' if torch else 'ours'}"
        )


def tiny_step():
    """The post's Adam step on 2 parameters: the optimizer's overhead over the bare arithmetic."""
    g = np.array([0.3, -0.2])
    hand = {"x": np.zeros(2), "m": np.zeros(2), "v": np.zeros(2), "t": 1}

    def hand_written():  # the post's update, as it writes it
        m = 0.9 * hand["m"] + (1 - 0.9) * g
        v = 0.999 * hand["v"] + (1 - 0.999) * g**2
        mh = m / (1 - 0.9 ** hand["t"])
        vh = v / (1 - 0.999 ** hand["t"])
        hand["x"] = hand["x"] - 0.1 * mh / (vh ** (1 / 2) + 10e-8)
        hand["m"], hand["v"], hand["t"] = m, v, hand["t"] + 1

    p, m, v, b = np.zeros(2), np.zeros(2), np.zeros(2), np.empty(2)

    def ufuncs_only():  # the 13 ufunc calls adam_update makes, with nothing around them
        np.subtract(g, m, out=b), np.multiply(b, 0.1, out=b), np.add(m, b, out=m)
        np.multiply(v, 0.999, out=v), np.multiply(g, 0.001, out=b), np.multiply(b, g, out=b)
        np.add(v, b, out=v), np.sqrt(v, out=b), np.divide(b, 0.5, out=b), np.add(b, 1e-7, out=b)
        np.divide(m, b, out=b), np.multiply(b, 0.1, out=b), np.subtract(p, b, out=p)

    def update_function():
        optim.adam_update(p, g, m, v, 3, lr=0.1, eps=1e-7)

    param = tg.Parameter(np.zeros(2))
    param.grad = tg.Tensor(g)
    opt = optim.Adam([param], lr=0.1, eps=1e-7)
    contenders = {
        "the post's update, hand-written": hand_written,
        "its 13 ufunc calls alone": ufuncs_only,
        "optim.adam_update": update_function,
        "optim.Adam.step()": opt.step,
    }
    times = median_seconds_interleaved(contenders, 2000, repeat=9)
    ref = times["the post's update, hand-written"]
    print("\nThe post's Adam step on 2 parameters (median of 9 interleaved runs of 2000):")
    for name, seconds in times.items():
        print(f"  {name:<34} {seconds * 1e6:7.2f} us   {seconds / ref:5.2f}x hand-written")


def main():
    names = sys.argv[1:]
    if not names:
        adam_in_detail()
        tiny_step()
    every_optimizer(names or NAMES)


if __name__ == "__main__":
    main()
