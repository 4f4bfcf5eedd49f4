r"""Runtime ECDFs (COCO style): how many (run, target) pairs each method reached within a budget.

For a target ladder $t_1 > t_2 > \dots > t_m$ on $f - f^*$ and runs $r$, the ECDF at budget $b$
is the fraction of pairs $(r, t_j)$ whose first hit of $f - f^* \le t_j$ came within $b$
gradient evaluations:

$$ F(b) = \frac{1}{|R|\,m} \sum_{r \in R} \sum_{j=1}^{m} [\,\mathrm{evals}_r(t_j) \le b\,]. $$

Aggregated over functions, every function weighs the same (its pairs share $1/|F|$), so a
function with more runs does not dominate. A pair never reached never counts: the curve's
height at the largest budget is the share of pairs solved at all.
"""

from __future__ import annotations

import numpy as np

from .records import grid_shape, methods_of, problem_label, problems_of, runs_by
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors

__all__ = ["ecdf", "ecdf_data"]


def ecdf_data(comparison, method, functions=None):
    """The ECDF of one method over ``functions`` (names or (name, dim) problems; default every
    problem of the study): ``(evals, fraction, budget)``.

    ``evals`` are the sorted runtimes (gradient evaluations) of the pairs reached, ``fraction[i]``
    the ECDF just after ``evals[i]``, and ``budget`` the largest number of evaluations any of
    these runs used (the ECDF stays flat beyond it only because the runs stopped).
    """
    functions = problems_of(comparison) if functions is None else list(functions)
    times, weights, budget = [], [], 0
    used = [f for f in functions if runs_by(comparison, f, method)]
    for f in used:
        runs = runs_by(comparison, f, method)
        pairs = len(runs) * len(comparison.targets)
        for r in runs:
            budget = max(budget, int(r["ngev"]))
            for hit in r["hit_evals"]:
                if hit is not None:
                    times.append(float(hit))
                    weights.append(1.0 / (pairs * len(used)))
    order = np.argsort(times, kind="stable")
    evals = np.asarray(times, dtype=float)[order]
    fraction = np.cumsum(np.asarray(weights, dtype=float)[order])
    return evals, fraction, budget


def _draw(ax, comparison, methods, colors, functions):
    for method in methods:
        evals, fraction, budget = ecdf_data(comparison, method, functions)
        # a log axis cannot show 0 evaluations (a start already within the target): drawn at 1
        x = np.concatenate([[1.0], np.maximum(evals, 1.0), [max(budget, 1.0)]])
        y = np.concatenate([[0.0], fraction, [fraction[-1] if len(fraction) else 0.0]])
        ax.step(x, y, where="post", color=colors[method], linewidth=1.8, label=method)
        ax.plot([x[-1]], [y[-1]], marker="x", color=colors[method], markersize=7, linestyle="")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("gradient evaluations")
    ax.set_ylabel("fraction of (run, target) pairs")
    ax.grid(True, which="major", alpha=0.3)


def ecdf(
    comparison, *, functions=None, per_function=False, ncols=3, ax=None, title=None, figsize=None
):
    """Runtime ECDF of every method: fraction of (run, target) pairs reached against gradient
    evaluations (log axis), × at each method's largest budget.

    Parameters
    ----------
    comparison : Comparison
        A study (``tg.compare``'s result, or ``Comparison.load``'s).
    functions : list, optional
        The functions pooled: names, or (name, dim) pairs (default: every (function, dim) of
        the study, each weighing the same).
    per_function : bool
        One panel per function (per (function, dim) when the study has several dimensions)
        instead of one aggregated panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    functions = problems_of(comparison) if functions is None else list(functions)
    methods = methods_of(comparison)
    colors = method_colors(methods)
    targets = comparison.targets
    span = (
        f"targets {max(targets):g} … {min(targets):g} on f − f*" if len(targets) else "no targets"
    )
    if not per_function:
        if ax is None:
            fig = matplotlib_figure()(figsize=figsize or (6.5, 4.5), layout="constrained")
            ax = fig.subplots()
        else:
            fig = ax.figure
        _draw(ax, comparison, methods, colors, functions)
        ax.legend(fontsize=8, loc="upper left")
        fit_title(ax, title or f"Runtime ECDF over {len(functions)} function(s), {span}")
        return fig
    nrows, ncols = grid_shape(len(functions), ncols)
    fig = matplotlib_figure()(
        figsize=figsize or (4.2 * ncols, 3.4 * nrows + 0.5), layout="constrained"
    )
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for panel, f in zip(axes, functions, strict=False):
        _draw(panel, comparison, methods, colors, [f])
        fit_title(panel, problem_label(f, functions), fontsize=9)
    for panel in axes[len(functions) :]:
        panel.set_visible(False)
    handles = [axes[0].lines[2 * i] for i in range(len(methods))]
    fig.legend(handles, methods, loc="outside lower center", ncols=min(len(methods), 6), fontsize=8,
               frameon=False)  # fmt: skip
    fit_suptitle(fig, title or f"Runtime ECDF per function, {span}", fontsize=11)
    return fig
