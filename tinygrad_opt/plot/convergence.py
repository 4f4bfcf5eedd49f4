"""Convergence: median and quartiles of the best-so-far f − f* against steps, per method."""

from __future__ import annotations

import numpy as np

from .records import as_float, grid_shape, methods_of, problem_label, problems_of, runs_by
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors

__all__ = ["convergence", "convergence_data"]

FLOOR = 1e-16  # f − f* below this (or below 0, by rounding) is drawn at it on the log axis


def convergence_data(comparison, function, method):
    """``(steps, q25, median, q75)`` of the runs' curves; a diverged run counts as +inf from
    the step it diverged (it is worse than any run that kept going), so a quartile may be inf."""
    runs = runs_by(comparison, function, method)
    steps = np.asarray(comparison.curve_steps, dtype=float)
    if not runs:
        empty = np.full(len(steps), np.nan)
        return steps, empty, empty, empty
    curves = np.stack([as_float(r["curve"]) for r in runs])
    with np.errstate(invalid="ignore"):
        q = np.percentile(curves, [25, 50, 75], axis=0, method="lower")
    return steps, q[0], q[1], q[2]


def convergence(comparison, *, functions=None, ncols=3, title=None):
    """One panel per function (per (function, dim) in a study of several dimensions): the median best-so-far f − f* (line) and its quartiles (band)
    against the step, one colour per method; log axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    functions = problems_of(comparison) if functions is None else list(functions)
    methods = methods_of(comparison)
    colors = method_colors(methods)
    nrows, ncols = grid_shape(len(functions), ncols)
    fig = matplotlib_figure()(figsize=(4.2 * ncols, 3.4 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, f in zip(axes, functions, strict=False):
        for method in methods:
            steps, q25, q50, q75 = convergence_data(comparison, f, method)
            clip = lambda v: np.where(np.isfinite(v), np.maximum(v, FLOOR), np.nan)  # noqa: E731
            ax.plot(steps, clip(q50), color=colors[method], linewidth=1.8, label=method)
            ax.fill_between(
                steps, clip(q25), clip(q75), color=colors[method], alpha=0.2, linewidth=0
            )
        ax.set_xscale("symlog", linthresh=1)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("best f − f* so far")
        ax.grid(True, which="major", alpha=0.3)
        fit_title(ax, problem_label(f, functions), fontsize=9)
    for ax in axes[len(functions) :]:
        ax.set_visible(False)
    handles = [h for h in axes[0].lines if h.get_label() in methods]
    fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center",
               ncols=min(len(handles), 6), fontsize=8, frameon=False)  # fmt: skip
    fit_suptitle(fig, title or "Convergence: median and quartiles over runs", fontsize=11)
    return fig
