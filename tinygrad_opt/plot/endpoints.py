"""Where the runs of a comparison ended: one panel per 2-D function."""

from __future__ import annotations

import numpy as np

from .paths import contours, mark_minima
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors, method_markers

__all__ = ["comparison"]


def _legacy_panels(result):
    """(function, title, ends per method, success rate per method) from a 0.1 comparison."""
    methods = list(dict.fromkeys(row["method"] for row in result.rows))
    rate = {(r["function"], r["method"]): r["success_rate"] for r in result.rows}
    panels = []
    for f in result.functions:
        ends = {
            m: np.array([r.x for r in result.runs[(f.name, m)]], dtype=float).reshape(-1, 2)
            for m in methods
        }
        panels.append((f, ends, {m: rate[(f.name, m)] for m in methods}))
    starts = result.rows[0]["runs"] if result.rows else 0
    return methods, panels, starts


def _record_panels(result):
    """The same from a study's records (``config``, ``runs`` with their final point ``x``,
    ``summary()``): the 2-D problems only."""
    from .. import functions as builtin

    config = result.config
    methods = list(config["methods"])
    if result.runs and "x" not in result.runs[0]:
        raise ValueError("comparison: the runs carry no final point 'x'; draw plot.basins or "
                         "plot.ecdf for this study instead")  # fmt: skip
    problems = config.get("problems") or [
        (name, 2, 0) for name in config["functions"]
        if int(getattr(result, "functions_info", {}).get(name, {}).get("dim", 2)) == 2]  # fmt: skip
    problems = [tuple(p) for p in problems if int(p[1]) == 2]
    rate = {
        (r["function"], r["method"]): r["success_rate"]
        for r in result.summary()
        if r.get("dim", 2) == 2
    }
    panels = []
    for name, dim, instance in problems:
        try:
            f = builtin.get(name, dim, instance)
        except TypeError:  # a functions.get without dimensions and instances
            f = builtin.get(name)
        ends = {}
        for m in methods:
            points = [r["x"] for r in result.runs if r["method"] == m and r.get("x") is not None
                      and (r["function"], r.get("dim", 2), r.get("instance", 0)) == (name, dim, instance)]  # fmt: skip
            ends[m] = np.array(points, dtype=float).reshape(-1, 2)
        panels.append((f, ends, {m: rate.get((name, m), float("nan")) for m in methods}))
    return methods, panels, config.get("starts", 0)


def comparison(result, *, ncols=3, levels=25, panel_size=(4.2, 3.6)):
    """One panel per 2-D function of a comparison: where each method's runs ended.

    ``result`` is a study's Comparison (drawn from its records: ``config``, ``runs`` with their
    final point ``x``, ``summary()``) or a 0.1 comparison (``functions``, ``rows``, ``runs``).
    Each panel shows f's contours, the global (gold) and local (white) minima, and every run's
    end point in its method's colour and marker; the title gives each method's success rate.
    """
    Figure = matplotlib_figure()
    methods, panels, starts = (
        _legacy_panels(result) if hasattr(result, "rows") else _record_panels(result)
    )
    if not panels:
        raise ValueError("comparison: the study has no 2-D function to draw")
    colors, markers = method_colors(methods), method_markers(methods)
    nrows = -(-len(panels) // ncols)
    ncols = min(ncols, len(panels))
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    handles = {}
    for ax, (f, ends, rate) in zip(axes, panels, strict=False):
        contours(ax, f, f.domain, levels, resolution=200)
        mark_minima(ax, f, label=False)
        (x0, x1), (y0, y1) = f.domain
        for method in methods:
            points = ends[method]
            inside = np.all(np.isfinite(points), axis=1)
            inside &= (
                (points[:, 0] >= x0)
                & (points[:, 0] <= x1)
                & (points[:, 1] >= y0)
                & (points[:, 1] <= y1)
            )
            handles[method] = ax.scatter(
                points[inside, 0], points[inside, 1], s=28, marker=markers[method],
                c=colors[method], edgecolors="black", linewidths=0.4, zorder=5, alpha=0.9,
            )  # fmt: skip
        rates = " · ".join(f"{m} {100 * rate[m]:.0f}%" for m in methods)
        fit_title(ax, f"{f.title}\n{rates}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.legend([handles[m] for m in methods], methods, loc="outside lower center",
               ncols=min(len(methods), 6), fontsize=9, frameon=False)  # fmt: skip
    fit_suptitle(fig, f"Where {starts} random starts ended, and each method's success rate "
                      f"(★ global, ☆ local minima)", fontsize=11)  # fmt: skip
    return fig
