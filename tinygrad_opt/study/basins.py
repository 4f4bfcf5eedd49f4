"""Basins of attraction: which minimum each method reaches from every start of a grid.

``basins(f, methods)`` runs each method from every point of a ``resolution × resolution`` grid
over a 2-D function's domain (all points at once, as the columns of one descent) and labels
each start by the index of the known minimum its run ended in (−1: none, −2: diverged). The
result is data; the pictures draw it.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import functions as _functions
from .runner import _class_and_name, _methods, compare, curve_steps, hyperparameters_for, run_blocks

__all__ = ["basins", "Basins"]


class Basins:
    """The labelled start grids of :func:`basins`.

    Attributes
    ----------
    function : str
        The function's name.
    xs, ys : ndarray
        The grid's coordinates (``resolution`` each); start (i, j) is (xs[j], ys[i]).
    minima : ndarray, shape (k, 2)
        The known minima (global then local), which the labels index.
    labels : dict
        method → int array (len(ys), len(xs)): the minimum reached, −1 none, −2 diverged.
    lr : dict
        method → the learning rate used.
    max_iter, tol
        The budget and the success threshold on f − f*.
    """

    def __init__(self, function, xs, ys, minima, labels, lr, max_iter, tol):
        self.function, self.xs, self.ys, self.minima = function, xs, ys, minima
        self.labels, self.lr, self.max_iter, self.tol = labels, lr, max_iter, tol

    def __repr__(self):
        return f"<Basins {self.function}: {len(self.ys)}×{len(self.xs)} starts, methods {list(self.labels)}>"

    def share(self, method):
        """label → the fraction of the grid's starts with that label, for ``method``."""
        if method not in self.labels:
            raise ValueError(
                f"share: unknown method {method!r}; choose from {', '.join(self.labels)}"
            )
        values, counts = np.unique(self.labels[method], return_counts=True)
        total = self.labels[method].size
        return {int(v): c / total for v, c in zip(values, counts, strict=True)}

    def to_dict(self):
        """JSON-ready data."""
        return {
            "function": self.function, "xs": self.xs.tolist(), "ys": self.ys.tolist(),
            "minima": self.minima.tolist(), "labels": {m: v.tolist() for m, v in self.labels.items()},
            "lr": self.lr, "max_iter": self.max_iter, "tol": self.tol,
        }  # fmt: skip


def basins(function, methods=None, resolution=101, lr="tune", max_iter=1000, tol=1e-5, seed=0,
           n_jobs=1, progress=None, *, lr_grid=None, tune_starts=10, hyperparameters=None):  # fmt: skip
    """Label every start of a grid over ``function``'s domain by the minimum each method reaches.

    Parameters
    ----------
    function : str or TestFunction
        A 2-D function (a name, a ``tg.functions.get(...)`` instance or a custom one).
    methods : list, optional
        As for :func:`compare` (default: every first-order method).
    resolution : int
        Grid points per axis (>= 2).
    lr : "tune", float or dict
        "tune" chooses each method's lr as :func:`compare` does (on ``tune_starts`` random
        tuning starts, from ``seed``); or a number, or ``{method: lr}``.
    max_iter, tol
        The budget, and the f − f* at which a run stops.
    n_jobs, progress
        As for :func:`compare`: one block per method.
    """
    f = _functions.get(function) if not isinstance(function, _functions.TestFunction) else function
    if f.dim != 2:
        raise ValueError(f"basins: the function must be 2-D, got {f.name} with dim={f.dim}")
    if f.minimum is None:
        raise ValueError(f"basins: {f.name} has no known minima to label the starts with")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"basins: resolution must be an integer >= 2, got {resolution!r}")
    resolved, _, _ = _methods(methods, hyperparameters)
    names = [r[0] for r in resolved]
    rates = _learning_rates(
        f, names, lr, max_iter, tol, seed, lr_grid, tune_starts, hyperparameters, n_jobs
    )
    (x0, x1), (y0, y1) = f.domain
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    grid = np.stack([X.ravel(), Y.ravel()])
    settings = {"max_iter": max_iter, "thresholds": [float(tol)], "noise": 0.0, "seed": seed,
                "sample_at": curve_steps(max_iter)[-1:], "history": False}  # fmt: skip
    tasks = [(f, cls, hyperparameters_for(cls, (hyperparameters or {}).get(name)), [rates[name]], None, grid, settings)
             for name, cls, _ in resolved]  # fmt: skip
    results = run_blocks(tasks, n_jobs, progress)
    labels = {name: res["minimum"][1][0].reshape(resolution, resolution)
              for name, res in zip(names, results, strict=True)}  # fmt: skip
    return Basins(f.name, xs, ys, f.all_minima.copy(), labels, rates, max_iter, float(tol))


def _learning_rates(
    f, names, lr, max_iter, tol, seed, lr_grid, tune_starts, hyperparameters, n_jobs
):
    if isinstance(lr, dict):
        rates = {_class_and_name(k)[1]: float(v) for k, v in lr.items()}
        missing = [n for n in names if n not in rates]
    elif lr == "tune":
        rates, missing = {}, names
    else:
        rates = {n: lr for n in names}
        missing = []
    if missing:
        study = compare([f], missing, starts=1, seed=seed, max_iter=max_iter, tol=tol, lr="tune",
                        lr_grid=lr_grid, tune_starts=tune_starts, n_jobs=n_jobs, progress=False,
                        hyperparameters=hyperparameters)  # fmt: skip
        rates.update({r["method"]: r["lr"] for r in study.runs})
    for name, value in rates.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise ValueError(f"basins: lr for {name} must be a positive number, got {value!r}")
    return {n: float(rates[n]) for n in names}
