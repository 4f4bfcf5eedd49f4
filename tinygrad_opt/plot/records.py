"""Reading a Comparison's records (the study's data contract) for the figures.

Only the documented attributes are used: ``config``, ``targets``, ``curve_steps``, ``runs``
(dicts), ``tuning`` (dicts), ``summary()`` and ``functions_info``; so a saved study loaded
later draws the same figures.
"""

from __future__ import annotations

import numpy as np

__all__ = ["functions_of", "methods_of", "runs_by", "summary_rows", "grid_shape"]


def _unique(values):
    return list(dict.fromkeys(values))


def functions_of(comparison):
    """The functions in the study's order (config first, then any only seen in the runs)."""
    listed = [str(f) for f in (comparison.config or {}).get("functions") or []]
    return _unique([*listed, *(r["function"] for r in comparison.runs)])


def methods_of(comparison):
    """The methods in the study's order (config first, then any only seen in the runs)."""
    listed = [str(m) for m in (comparison.config or {}).get("methods") or []]
    return _unique([*listed, *(r["method"] for r in comparison.runs)])


def runs_by(comparison, function=None, method=None):
    """The runs of one function and/or method (None = all)."""
    return [r for r in comparison.runs
            if (function is None or r["function"] == function) and (method is None or r["method"] == method)]  # fmt: skip


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
