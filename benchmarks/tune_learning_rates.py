"""Choose the comparison study's default learning rates (tinygrad_opt.study.LEARNING_RATES).

For every test function and method, tries lr in 1e-3, 3e-3, ..., 1 on 20 starts drawn with
seed 1 (the study itself defaults to seed 0) and keeps the best by success rate, then by the
median final gap f − f*, then by the median number of steps. Takes about a minute.

    python benchmarks/tune_learning_rates.py
"""

import numpy as np

from tinygrad_opt import functions
from tinygrad_opt.minimize import descend
from tinygrad_opt.study import DEFAULT_METHODS as METHODS

RATES = [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]


def main():
    rng = np.random.default_rng(1)
    table = {}
    for f in functions.ALL.values():
        (lo0, hi0), (lo1, hi1) = f.domain
        starts = np.stack([rng.uniform(lo0, hi0, 20), rng.uniform(lo1, hi1, 20)])
        table[f.name] = {}
        for method in METHODS:
            best = None
            for lr in RATES:
                with np.errstate(all="ignore"):
                    runs = descend(f, starts.copy(), method, 1000, 1e-5, {"lr": lr})
                rate = np.mean([np.min(np.linalg.norm(f.minima - r.x, axis=1)) < 1e-3 for r in runs])
                gap = np.median([r.fun - f.minimum for r in runs])
                steps = np.median([r.nit for r in runs])
                key = (rate, -gap, -steps)
                if best is None or key > best[0]:
                    best = (key, lr)
            table[f.name][method] = best[1]
            print(f"{f.name:<16} {method:<8} lr={best[1]:<6g} success={best[0][0]:.0%}", flush=True)
    print("\nLEARNING_RATES = {")
    for name, rates in table.items():
        print(f"    {name!r}: {rates!r},")
    print("}")


if __name__ == "__main__":
    main()
