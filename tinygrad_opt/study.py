"""The comparison study the post wished for: optimizers on functions with several minima.

``compare`` runs every method from the same random starts in each function's domain and
reports, per function and method, the success rate (ended within ``success_radius`` of a
global minimiser), which minimum each run found, the median number of steps, the median final
gap f − f*, and the time taken.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time

import numpy as np

from . import functions as _functions
from .minimize import descend, method_name

# the study's default methods (any name of optim.available() may be asked for)
DEFAULT_METHODS = ("sgd", "adagrad", "rmsprop", "adam", "adamw")

__all__ = ["compare", "Comparison", "LEARNING_RATES"]

# Default learning rates per function and method: the best of 1e-3, 3e-3, ..., 1 on 20 starts
# drawn with seed 1 (the study's default seed is 0), judged by success rate, then by the
# median final gap. See benchmarks/tune_learning_rates.py.
LEARNING_RATES = {
    "post": {"sgd": 0.1, "adagrad": 1.0, "rmsprop": 0.3, "adam": 1.0, "adamw": 1.0},
    "rosenbrock": {"sgd": 1e-3, "adagrad": 0.3, "rmsprop": 0.01, "adam": 1.0, "adamw": 0.03},
    "himmelblau": {"sgd": 0.01, "adagrad": 1.0, "rmsprop": 0.03, "adam": 1.0, "adamw": 1.0},
    "rastrigin": {"sgd": 3e-3, "adagrad": 0.3, "rmsprop": 0.3, "adam": 1.0, "adamw": 0.1},
    "ackley": {"sgd": 0.1, "adagrad": 0.03, "rmsprop": 1e-3, "adam": 0.01, "adamw": 3e-3},
    "beale": {"sgd": 0.03, "adagrad": 0.3, "rmsprop": 0.1, "adam": 1.0, "adamw": 0.3},
    "styblinski_tang": {"sgd": 0.03, "adagrad": 1.0, "rmsprop": 1.0, "adam": 1.0, "adamw": 1.0},
    "six_hump_camel": {"sgd": 0.03, "adagrad": 1.0, "rmsprop": 0.3, "adam": 0.3, "adamw": 0.3},
    "goldstein_price": {"sgd": 3e-3, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.3, "adamw": 0.3},
}
FALLBACK_LR = 0.01


def _label(point):
    return "(" + ", ".join(f"{v:.4g}" for v in point) + ")"


class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    rows : list of dict
        One per (function, method): ``function, method, lr, runs, success_rate, found``
        (minimum label → count, with ``"elsewhere"``), ``median_iterations``, ``median_gap``,
        ``seconds``.
    runs : dict
        ``(function, method)`` → the list of OptimizeResult, one per start.
    starts : dict
        function name → array of the starts, shape (starts, 2).
    functions : list of TestFunction
    """

    def __init__(self, rows, runs, starts, functions):
        self.rows, self.runs, self.starts, self.functions = rows, runs, starts, functions

    def table(self):
        """The rows as an aligned text table."""
        header = ["function", "method", "lr", "success", "found (global / local / elsewhere)",
                  "median steps", "median f − f*", "time"]  # fmt: skip
        lines = []
        for row in self.rows:
            kinds = row["found_kinds"]
            lines.append([
                row["function"], row["method"], f"{row['lr']:g}",
                f"{100 * row['success_rate']:.0f}%",
                f"{kinds['global']} / {kinds['local']} / {kinds['elsewhere']}",
                f"{row['median_iterations']:g}", f"{row['median_gap']:.3g}",
                f"{row['seconds']:.2f}s",
            ])  # fmt: skip
        widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
        rule = "  ".join("-" * w for w in widths)
        out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines]
        return "\n".join(out)

    __str__ = table

    def to_json(self, **kwargs):
        """The rows as JSON text (``kwargs`` go to ``json.dumps``)."""
        return json.dumps(self.rows, **{"indent": 2, **kwargs})

    def to_csv(self):
        """The rows as CSV text; ``found`` becomes one ``label=count`` list."""
        buffer = io.StringIO()
        fields = ["function", "method", "lr", "runs", "success_rate", "global", "local",
                  "elsewhere", "median_iterations", "median_gap", "seconds", "found"]  # fmt: skip
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            flat = {k: row[k] for k in fields if k in row}
            flat.update(row["found_kinds"])
            flat["found"] = "; ".join(f"{k}={v}" for k, v in row["found"].items())
            writer.writerow(flat)
        return buffer.getvalue()


def _learning_rate(lr, function, method):
    if lr is None:
        return LEARNING_RATES.get(function, {}).get(method, FALLBACK_LR)
    if isinstance(lr, dict):
        for key in ((function, method), method, function):
            if key in lr:
                return lr[key]
        return LEARNING_RATES.get(function, {}).get(method, FALLBACK_LR)
    return lr


def _classify(f, x, success_radius, found_radius):
    """('global' | 'local' | 'elsewhere', label) for a final point."""
    d_global = np.linalg.norm(f.minima - x, axis=1)
    i = int(np.argmin(d_global))
    if d_global[i] < success_radius:
        return "global", _label(f.minima[i])
    candidates = [(d, "global", m) for d, m in zip(d_global, f.minima, strict=True)]
    if len(f.local_minima):
        d_local = np.linalg.norm(f.local_minima - x, axis=1)
        candidates += [(d, "local", m) for d, m in zip(d_local, f.local_minima, strict=True)]
    d, kind, m = min(candidates, key=lambda c: c[0])
    if d < found_radius:
        return kind, _label(m)
    return "elsewhere", "elsewhere"


def _progress(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="compare", unit="run", leave=False)


def compare(functions=None, methods=None, starts=20, seed=0, max_iter=1000, tol=1e-5, lr=None,
            success_radius=1e-3, found_radius=0.05, progress=False):
    """Compare optimizers on test functions from the same random starts.

    Parameters
    ----------
    functions : list of str or TestFunction, optional
        Default: every function in ``tg.functions.ALL``. A custom TestFunction must evaluate
        the columns of a (2, S) input independently, as the built-in ones do.
    methods : list of str or Optimizer class, optional
        Default: sgd, adagrad, rmsprop, adam, adamw (each with its class's defaults but ``lr``).
    starts : int
        Random starts per function, uniform in its domain; the same for every method.
    seed : int
        Seed of the NumPy Generator that draws the starts.
    max_iter, tol
        As for :func:`minimize` (tol is the post's Σ|Δx| stopping rule).
    lr : float, dict or None
        Learning rates: None for the per-function defaults (``LEARNING_RATES``), a number for
        all, or a dict keyed by method, by function, or by (function, method).
    success_radius : float
        A run succeeds when it ends within this distance of a global minimiser.
    found_radius : float
        A run "found" a listed (global or local) minimum when it ends within this distance.
    progress : bool
        Show a progress bar (needs ``tqdm``, installed with the ``plot`` extra).

    Returns a :class:`Comparison`; raises ValueError for unknown functions or methods, or for
    ``starts`` < 1.
    """
    fs = [_functions.get(f) for f in (functions or list(_functions.ALL))]
    ms = list(methods or DEFAULT_METHODS)
    names = [method_name(m) for m in ms]  # validates
    if not isinstance(starts, int) or starts < 1:
        raise ValueError(f"compare: starts must be a positive int, got {starts!r}")
    rng = np.random.default_rng(seed)
    rows, runs, all_starts = [], {}, {}
    bar = _progress(len(fs) * len(ms), progress)
    for f in fs:
        (lo0, hi0), (lo1, hi1) = f.domain
        x0 = np.stack([rng.uniform(lo0, hi0, starts), rng.uniform(lo1, hi1, starts)])
        all_starts[f.name] = x0.T.copy()
        for method, name in zip(ms, names, strict=True):
            rate = _learning_rate(lr, f.name, name)
            begin = time.perf_counter()
            results = descend(f, x0.copy(), method, max_iter, tol, {"lr": rate})
            seconds = time.perf_counter() - begin
            runs[(f.name, name)] = results
            kinds = {"global": 0, "local": 0, "elsewhere": 0}
            found = {}
            successes = 0
            for r in results:
                kind, label = _classify(f, r.x, success_radius, found_radius)
                r.found = label
                kinds[kind] += 1
                found[label] = found.get(label, 0) + 1
                successes += np.min(np.linalg.norm(f.minima - r.x, axis=1)) < success_radius
            gaps = [r.fun - f.minimum if math.isfinite(r.fun) else math.inf for r in results]
            rows.append({
                "function": f.name, "method": name, "lr": rate, "runs": starts,
                "success_rate": successes / starts, "found_kinds": kinds,
                "found": dict(sorted(found.items(), key=lambda kv: -kv[1])),
                "median_iterations": float(np.median([r.nit for r in results])),
                "median_gap": float(np.median(gaps)), "seconds": seconds,
            })  # fmt: skip
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return Comparison(rows, runs, all_starts, fs)
