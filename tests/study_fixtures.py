"""Small stand-ins for the study's Comparison and Basins, shaped exactly as the data contract
says (attributes only), so that the figures and the report are tested without running a study."""

from __future__ import annotations

import numpy as np

from tinygrad_opt import functions as F

TARGETS = [1e1, 1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]


class FakeComparison:
    """config, manifest, targets, curve_steps, runs, tuning, summary(), functions_info."""

    def __init__(
        self, config, manifest, targets, curve_steps, runs, tuning, summary, functions_info
    ):
        self.config, self.manifest, self.targets = config, manifest, targets
        self.curve_steps, self.runs, self.tuning = curve_steps, runs, tuning
        self._summary, self.functions_info = summary, functions_info

    def summary(self):
        return [dict(row) for row in self._summary]


def curve_steps(max_iter):
    steps, k = [0], 1
    while k < max_iter:
        steps.append(k)
        k *= 2
    return [*steps, max_iter]


def make_comparison(
    functions=("himmelblau", "six_hump_camel", "rosenbrock"),
    methods=("sgd", "adam", "rmsprop"),
    starts=6,
    max_iter=64,
    seed=0,
    tune_by="function",
):
    """A synthetic study: each method has its own speed (hits spaced by ``speed`` evaluations per
    decade); some runs never reach the small targets and one per (function, method) diverges."""
    rng = np.random.default_rng(seed)
    steps = curve_steps(max_iter)
    runs, summary, tuning = [], [], []
    lr_grid = [1e-3, 1e-2, 1e-1, 1.0]
    for fi, name in enumerate(functions):
        f = F.get(name)
        for mi, method in enumerate(methods):
            speed = 2 + 3 * mi + fi
            ok = []
            for s in range(starts):
                diverged = s == starts - 1 and mi == 0
                reach = len(TARGETS) if s % 2 == 0 else 4  # odd starts stall at 1e-3
                hits = [None] * len(TARGETS)
                if not diverged:
                    for j in range(reach):
                        hits[j] = (
                            int(speed * (j + 1) + s) if speed * (j + 1) + s <= max_iter else None
                        )
                last = max([h for h in hits if h is not None], default=max_iter)
                nit = max_iter if diverged else min(max_iter, last + 1)
                delta = (
                    None
                    if diverged
                    else (TARGETS[reach - 1] / 2 if hits[reach - 1] is not None else 5.0)
                )
                curve = []
                for t in steps:
                    if diverged:
                        curve.append(100.0 / (t + 1) if t < max_iter // 2 else None)
                    else:
                        reached = [
                            TARGETS[j] / 2 for j, h in enumerate(hits) if h is not None and h <= t
                        ]
                        curve.append(min(reached) if reached else 50.0 / (t + 1) + 10.0)
                x0 = [float(v) for v in rng.uniform(-2, 2, size=2)]
                success = bool(delta is not None and delta <= 1e-5)
                ok.append(success)
                runs.append({
                    "function": name, "dim": 2, "instance": 0, "start": s, "x0": x0, "method": method,
                    "lr": lr_grid[(fi + mi) % len(lr_grid)], "seed": seed + s, "nit": nit, "ngev": nit + 1,
                    "fun": None if diverged else f.minimum + delta, "delta_f": delta,
                    "minimum": None if diverged else s % len(f.minima), "diverged": diverged,
                    "success": success, "hit_steps": hits, "hit_evals": hits, "curve": curve,
                })  # fmt: skip
            n_ok = sum(ok)
            evals = sum(r["ngev"] for r in runs if r["function"] == name and r["method"] == method)
            summary.append({
                "function": name, "dim": 2, "instance": 0, "method": method,
                "lr": lr_grid[(fi + mi) % len(lr_grid)], "n": starts, "successes": n_ok,
                "success_rate": n_ok / starts, "success_ci": [max(0.0, n_ok / starts - 0.2), min(1.0, n_ok / starts + 0.2)],
                "ert": evals / n_ok if n_ok else None,
                "ert_ci": [evals / n_ok * 0.8, evals / n_ok * 1.3] if n_ok else [None, None],
                "divergence_rate": (1 / starts) if mi == 0 else 0.0,
                "minima_share": {"0": 0.5, "1": 0.5 - (1 / starts if mi == 0 else 0.0), **({"diverged": 1 / starts} if mi == 0 else {})},
                "median_delta_f": 1e-6 if n_ok else None,
            })  # fmt: skip
    scopes = [None] if tune_by == "suite" else list(functions)
    for scope in scopes:
        for mi, method in enumerate(methods):
            for li, lr in enumerate(lr_grid):
                rate = [0.0, 0.5, 1.0, 0.25][(li + mi) % 4]
                tuning.append({"function": scope, "method": method, "lr": lr, "success_rate": rate,
                               "ert": None if rate == 0 else 40.0 / rate, "runs": 4, "ngev": 160})  # fmt: skip
    info = {}
    for name in functions:
        f = F.get(name)
        info[name] = {"title": f.title, "domain": [list(p) for p in f.domain],
                      "minima": f.minima.tolist(), "f_star": f.minimum, "dim": 2}  # fmt: skip
    config = {"functions": list(functions), "methods": list(methods), "starts": starts, "seed": seed,
              "max_iter": max_iter, "tol": 1e-5, "lr": "tune", "lr_grid": lr_grid, "tune_starts": 4,
              "tune_by": tune_by, "targets": TARGETS, "noise": 0.0, "dims": [2], "instances": 1}  # fmt: skip
    manifest = {"version": "0.2.0", "numpy": np.__version__, "python": "3.11", "created": "2026-01-01T00:00:00",
                "seeds": [seed]}  # fmt: skip
    return FakeComparison(config, manifest, TARGETS, steps, runs, tuning, summary, info)


class FakeBasins:
    """function, xs, ys, minima, labels, lr, max_iter, tol, share(method)."""

    def __init__(self, function, xs, ys, minima, labels, lr, max_iter=100, tol=1e-5):
        self.function, self.xs, self.ys, self.minima = function, xs, ys, minima
        self.labels, self.lr, self.max_iter, self.tol = labels, lr, max_iter, tol

    def share(self, method):
        labels = self.labels[method]
        values, counts = np.unique(labels, return_counts=True)
        return {int(v): c / labels.size for v, c in zip(values, counts, strict=True)}


def make_basins(methods=("sgd", "adam"), resolution=(9, 7)):
    """Himmelblau's four minima as quadrants (x ≷ 0, y ≷ 0); sgd diverges in one corner, adam ends
    in no known minimum on one row."""
    f = F.himmelblau
    (x0, x1), (y0, y1) = f.domain
    xs, ys = np.linspace(x0, x1, resolution[0]), np.linspace(y0, y1, resolution[1])
    X, Y = np.meshgrid(xs, ys)
    nearest = np.argmin(np.stack([np.hypot(X - mx, Y - my) for mx, my in f.minima]), axis=0)
    labels = {}
    for i, m in enumerate(methods):
        lab = nearest.copy()
        if i == 0:
            lab[0, 0] = -2
        else:
            lab[-1, :] = -1
        labels[m] = lab
    return FakeBasins(
        "himmelblau",
        xs,
        ys,
        f.minima.copy(),
        labels,
        {m: 0.01 * (i + 1) for i, m in enumerate(methods)},
    )
