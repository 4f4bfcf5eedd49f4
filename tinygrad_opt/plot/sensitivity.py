"""Learning-rate sensitivity: what tuning saw, success rate and ERT against the lr grid."""

from __future__ import annotations

import numpy as np

from .records import functions_of, methods_of, summary_rows
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors, method_markers

__all__ = ["sensitivity"]


def sensitivity(comparison, *, ncols=4, title=None):
    """Success rate (top) and ERT (bottom) against the learning rate, per method, for every
    tuning scope (each function, or the whole suite when tuned by suite). The lr the study then
    used is ringed on the success-rate curve.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the comparison has no tuning records (its learning rates were given, not tuned).
    """
    tuning = list(comparison.tuning or [])
    if not tuning:
        raise ValueError("sensitivity: this comparison has no tuning records (lr was not tuned)")
    methods = methods_of(comparison)
    colors, markers = method_colors(methods), method_markers(methods)
    order = functions_of(comparison)
    scopes = list(dict.fromkeys(r["function"] for r in tuning))
    scopes.sort(key=lambda s: (s is not None, order.index(s) if s in order else len(order)))
    chosen = {}
    for row in summary_rows(comparison):
        chosen.setdefault((row["function"], row["method"]), row["lr"])
    ncols = max(1, min(ncols, len(scopes)))
    blocks = -(-len(scopes) // ncols)
    fig = matplotlib_figure()(figsize=(3.8 * ncols, 5.2 * blocks + 0.4), layout="constrained")
    axes = fig.subplots(2 * blocks, ncols, squeeze=False)
    for i, scope in enumerate(scopes):
        top, bottom = axes[2 * (i // ncols), i % ncols], axes[2 * (i // ncols) + 1, i % ncols]
        for method in methods:
            rows = sorted((r for r in tuning if r["function"] == scope and r["method"] == method),
                          key=lambda r: r["lr"])  # fmt: skip
            if not rows:
                continue
            lr = np.array([r["lr"] for r in rows], dtype=float)
            rate = np.array([r["success_rate"] for r in rows], dtype=float)
            ert = np.array([np.nan if r["ert"] is None else r["ert"] for r in rows], dtype=float)
            top.plot(
                lr, rate, color=colors[method], marker=markers[method], markersize=4, label=method
            )
            bottom.plot(lr, ert, color=colors[method], marker=markers[method], markersize=4)
            picks = {
                chosen[k] for k in chosen if k[1] == method and (scope is None or k[0] == scope)
            }
            for pick in picks:
                at = np.flatnonzero(np.isclose(lr, pick))
                if at.size:
                    top.plot(lr[at], rate[at], marker="o", markersize=11, markerfacecolor="none",
                             markeredgecolor=colors[method], markeredgewidth=1.5, linestyle="")  # fmt: skip
        top.set_xscale("log")
        bottom.set_xscale("log")
        if any(np.isfinite(line.get_ydata()).any() for line in bottom.lines):
            bottom.set_yscale("log")
        else:  # no method succeeded at any lr: a log axis would have nothing to scale
            bottom.text(0.5, 0.5, "no success at any lr", transform=bottom.transAxes, ha="center",
                        va="center", color="#555555")  # fmt: skip
        top.set_ylim(-0.03, 1.03)
        top.set_ylabel("success rate")
        bottom.set_ylabel("ERT (gradient evaluations)")
        bottom.set_xlabel("learning rate")
        for a in (top, bottom):
            a.grid(True, which="major", alpha=0.3)
        fit_title(top, "whole suite" if scope is None else str(scope), fontsize=9)
    for i in range(len(scopes), blocks * ncols):
        axes[2 * (i // ncols), i % ncols].set_visible(False)
        axes[2 * (i // ncols) + 1, i % ncols].set_visible(False)
    handles = {}
    for a in axes[::2].ravel():
        for h in a.lines:
            if h.get_label() in methods:
                handles.setdefault(h.get_label(), h)
    handles = [handles[m] for m in methods if m in handles]
    fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center",
               ncols=min(len(handles), 6), fontsize=8, frameon=False)  # fmt: skip
    fit_suptitle(fig, title or "Learning-rate sensitivity: what tuning saw (○ = lr used; missing ERT = no success)",
                 fontsize=11)  # fmt: skip
    return fig
