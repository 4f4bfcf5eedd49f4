"""One training step of a small MLP classifier: forward, cross-entropy, backward, Adam.

Two sizes, float32: 64→128→10 with batch 64 (per-operation overhead dominates) and
64→1024→10 with batch 256 (the arithmetic dominates). Ours twice: through the fused
``nn.Linear`` and written with raw ops, ``(x @ W1 + b1).relu() @ W2 + b2``. Baselines in the
same process: hand-written NumPy backpropagation with a hand-written Adam, and PyTorch eager when
installed. The times are medians of interleaved runs; the peak memory column is the peak resident
set size of a separate process that builds one contender and runs it for ``--steps`` steps.

    python benchmarks/bench_mlp.py [--steps 4000] [--no-memory] [--cpu-time]
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# single-threaded BLAS for every contender (set before NumPy loads it): on a shared machine,
# BLAS threads waiting for each other would measure the load, not the code
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds_interleaved, try_import_torch  # noqa: E402

from tinygrad_opt import Parameter, nn, optim  # noqa: E402

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

    params = [
        init((hidden, d_in), d_in),
        init(hidden, d_in),
        init((d_out, hidden), hidden),
        init(d_out, hidden),
    ]
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
    model = nn.Sequential(
        nn.Linear(d_in, hidden, rng=1, dtype=np.float32),
        nn.ReLU(),
        nn.Linear(hidden, d_out, rng=2, dtype=np.float32),
    )
    opt = optim.Adam(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        nn.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def ours_raw_ops(d_in, hidden, d_out, batch):
    x, y = data(d_in, d_out, batch)
    rng = np.random.default_rng(1)

    def init(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return Parameter(rng.uniform(-bound, bound, shape).astype(np.float32))

    w1, b1, w2, b2 = (
        init((d_in, hidden), d_in),
        init(hidden, d_in),
        init((hidden, d_out), hidden),
        init(d_out, hidden),
    )
    opt = optim.Adam([w1, b1, w2, b2], lr=LR)

    def step():
        opt.zero_grad()
        logits = (x @ w1 + b1).relu() @ w2 + b2
        nn.cross_entropy(logits, y).backward()
        opt.step()

    return step


def pytorch(torch, d_in, hidden, d_out, batch):
    x, y = data(d_in, d_out, batch)
    x, y = torch.tensor(x), torch.tensor(y)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(d_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, d_out)
    )
    opt = torch.optim.Adam(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


HAND = "hand-written NumPy backprop + Adam"


def contenders(torch, d_in, hidden, d_out, batch):
    found = {
        HAND: lambda: hand_written(d_in, hidden, d_out, batch),
        "tinygrad_opt nn.Linear + optim.Adam": lambda: ours(d_in, hidden, d_out, batch),
        "tinygrad_opt raw ops + optim.Adam": lambda: ours_raw_ops(d_in, hidden, d_out, batch),
    }
    if torch is not None:
        found[f"PyTorch {torch.__version__} eager"] = lambda: pytorch(
            torch, d_in, hidden, d_out, batch
        )
    return found


def peak_rss_mib(case, name, steps):
    """Peak resident set size of a fresh process running ``steps`` steps of one contender."""
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_mlp as b; "
        f"b._run_alone({case!r}, {name!r}, {steps})"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def _run_alone(case, name, steps):
    torch = try_import_torch() if name.startswith("PyTorch") else None  # torch alone is ~300 MiB
    step = contenders(torch, *case)[name]()
    for _ in range(steps):
        step()
    print(_peak_rss_kib() / 1024)


def _peak_rss_kib():
    # VmHWM belongs to this program's memory map; getrusage's ru_maxrss would include the
    # parent's (it survives fork and exec)
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4000, help="steps for the peak-memory runs")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU clock instead of the wall clock",
    )
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu_time else time.perf_counter
    torch = try_import_torch()
    for case in CASES:
        d_in, hidden, d_out, batch = case
        number = 300 if hidden <= 128 else 60
        steps = {name: make() for name, make in contenders(torch, *case).items()}
        times = median_seconds_interleaved(steps, number, args.repeat, clock)
        base = times[HAND]
        memory = {}
        if not args.no_memory:
            memory = {name: peak_rss_mib(case, name, args.steps) for name in steps}
        print(
            f"MLP {d_in}→{hidden}→{d_out}, batch {batch}, float32, one training step "
            f"(median of {args.repeat} interleaved runs, {'CPU' if args.cpu_time else 'wall'} time):"
        )
        for name, seconds in times.items():
            line = f"  {name:<40} {seconds * 1e6:9.1f} µs   {seconds / base:5.2f}x hand-written"
            if memory:
                line += f"   peak RSS {memory[name]:7.1f} MiB ({memory[name] / memory[HAND]:4.2f}x)"
            print(line)
        print()


if __name__ == "__main__":
    main()
