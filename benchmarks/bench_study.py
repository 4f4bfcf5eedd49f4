"""The default study's cost: every built-in 2-D function, every first-order method, 20 starts,
the learning rate tuned on 16 values (10 tuning starts), 1000 steps at most.

Timed with ``n_jobs=1`` and ``n_jobs=2`` (joblib); the records must be identical. Reports wall
time, this process's CPU time, the machine's load average (the machine is shared, so a loaded
machine inflates wall time), and the ratio of the two wall times.

    PYTHONPATH=. python benchmarks/bench_study.py [--quick]

``--quick`` runs 6 functions instead of all (a smoke run).
"""

import os
import sys
import time

import tinygrad_opt as tg
from tinygrad_opt.study import functions


def run(n_jobs, names):
    start, cpu = time.perf_counter(), time.process_time()
    result = tg.compare(names, starts=20, n_jobs=n_jobs, progress=False)
    return result, time.perf_counter() - start, time.process_time() - cpu


def main():
    names = functions.names(2)
    if "--quick" in sys.argv:
        names = names[:6]
    print(
        f"{len(names)} functions, methods {tg.study.runner.default_methods()} (coinciding ones once), "
        f"20 starts, lr grid of 16, 10 tuning starts, max_iter 1000"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    one, wall1, cpu1 = run(1, names)
    print(
        f"n_jobs=1: {wall1:6.1f} s wall, {cpu1:6.1f} s CPU; {len(one.runs)} runs, "
        f"methods {one.config['methods']}, tuning budget {one.tuning_budget()}"
    )
    two, wall2, _ = run(2, names)
    print(f"n_jobs=2: {wall2:6.1f} s wall ({wall1 / wall2:.2f}x faster than n_jobs=1)")
    print(f"identical records: {one.runs == two.runs and one.tuning == two.tuning}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
