"""Reading a Comparison's records (the study's data contract) for the figures.

Only the documented attributes are used: ``config``, ``targets``, ``curve_steps``, ``runs``
(dicts), ``tuning`` (dicts), ``summary()`` and ``functions_info``; so a saved study loaded
later draws the same figures.
"""

from __future__ import annotations

import numpy as np

__all__ = ["functions_of", "problems_of", "problem_label", "methods_of", "runs_by", "summary_rows",
           "grid_shape"]  # fmt: skip


def _unique(values):
    return list(dict.fromkeys(values))


def functions_of(comparison):
    """The functions in the study's order (config first, then any only seen in the runs)."""
    listed = [str(f) for f in (comparison.config or {}).get("functions") or []]
    return _unique([*listed, *(r["function"] for r in comparison.runs)])


def problems_of(comparison):
    """The (function, dim) pairs of the runs, functions in the study's order, dims ascending.

    A study run in several dimensions (``dims=[2, 10]``) has one problem per pair; each is a
    panel of its own and weighs the same as any other in the pooled ECDF.
    """
    order = {f: i for i, f in enumerate(functions_of(comparison))}
    pairs = _unique((r["function"], int(r.get("dim", 2))) for r in comparison.runs)
    return sorted(pairs, key=lambda p: (order[p[0]], p[1]))


def problem_label(problem, problems):
    """ "rosenbrock", or "rosenbrock (10-D)" when the study has rosenbrock in several dimensions."""
    if not isinstance(problem, tuple):
        return str(problem)
    name, dim = problem
    return name if sum(p[0] == name for p in problems) == 1 else f"{name} ({dim}-D)"


def methods_of(comparison):
    """The methods in the study's order (config first, then any only seen in the runs)."""
    listed = [str(m) for m in (comparison.config or {}).get("methods") or []]
    return _unique([*listed, *(r["method"] for r in comparison.runs)])


def runs_by(comparison, function=None, method=None):
    """The runs of one function (a name, or a (name, dim) problem) and/or method (None = all)."""
    name, dim = function if isinstance(function, tuple) else (function, None)
    return [r for r in comparison.runs
            if (name is None or r["function"] == name) and (dim is None or int(r.get("dim", 2)) == dim)
            and (method is None or r["method"] == method)]  # fmt: skip


def summary_rows(comparison):
    """``comparison.summary()`` as a list of dicts."""
    summary = comparison.summary
    return list(summary() if callable(summary) else summary)


def grid_shape(n, ncols):
    """(rows, columns) of a grid of n panels at most ``ncols`` wide."""
    ncols = max(1, min(ncols, n))
    return -(-n // ncols), ncols


def as_float(values):
    """A list with None entries as a float array with +inf in their place (None = never/diverged)."""
    return np.array([np.inf if v is None else float(v) for v in values], dtype=float)
