"""Where the runs of a comparison ended: one panel per function."""

from __future__ import annotations

import numpy as np

from .paths import contours, mark_minima
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors, method_markers

__all__ = ["comparison"]


def comparison(result, *, ncols=3, levels=25, panel_size=(4.2, 3.6)):
    """One panel per function of a comparison: where each method's runs ended.

    ``result`` holds ``functions`` (TestFunctions), ``rows`` (dicts with function, method,
    success_rate, runs) and ``runs`` (``(function name, method)`` → results with ``.x``). Each
    panel shows f's contours, the global (gold) and local (white) minima, and every run's end
    point in its method's colour and marker; the title gives each method's success rate.
    """
    Figure = matplotlib_figure()
    functions = result.functions
    methods = list(dict.fromkeys(row["method"] for row in result.rows))
    colors, markers = method_colors(methods), method_markers(methods)
    rate = {(r["function"], r["method"]): r["success_rate"] for r in result.rows}
    nrows = -(-len(functions) // ncols)
    ncols = min(ncols, len(functions))
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    handles = {}
    for ax, f in zip(axes, functions, strict=False):
        contours(ax, f, f.domain, levels, resolution=200)
        mark_minima(ax, f, label=False)
        (x0, x1), (y0, y1) = f.domain
        for method in methods:
            ends = np.array([r.x for r in result.runs[(f.name, method)]])
            inside = np.all(np.isfinite(ends), axis=1)
            inside &= (ends[:, 0] >= x0) & (ends[:, 0] <= x1) & (ends[:, 1] >= y0) & (ends[:, 1] <= y1)
            handles[method] = ax.scatter(
                ends[inside, 0], ends[inside, 1], s=28, marker=markers[method],
                c=colors[method], edgecolors="black", linewidths=0.4, zorder=5, alpha=0.9,
            )  # fmt: skip
        rates = " · ".join(f"{m} {100 * rate[(f.name, m)]:.0f}%" for m in methods)
        fit_title(ax, f"{f.title}\n{rates}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(functions):]:
        ax.set_visible(False)
    starts = result.rows[0]["runs"] if result.rows else 0
    fig.legend([handles[m] for m in methods], methods, loc="outside lower center",
               ncols=min(len(methods), 6), fontsize=9, frameon=False)
    fit_suptitle(fig, f"Where {starts} random starts ended, and each method's success rate "
                 f"(★ global, ☆ local minima)", fontsize=11)
    return fig
