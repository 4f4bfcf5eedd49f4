r"""Dolan–Moré performance profiles of the expected running time (ERT) across functions.

For each function $p$ and method $s$ let $t_{p,s}$ be the ERT (gradient evaluations per
success; $\infty$ when the method never succeeded). The ratio to the best method is
$r_{p,s} = t_{p,s} / \min_{s'} t_{p,s'}$, and the profile of $s$ is

$$ \rho_s(\tau) = \frac{|\{p : r_{p,s} \le \tau\}|}{|P|}, $$

the share of functions on which $s$ is within a factor $\tau$ of the best: $\rho_s(1)$ is how
often it was the fastest, and $\rho_s(\infty)$ how often it succeeded at all.
"""

from __future__ import annotations

import numpy as np

from .records import functions_of, methods_of, summary_rows
from .style import fit_title, matplotlib_figure, method_colors

__all__ = ["performance_profile", "profile_data"]


def profile_data(comparison):
    """``(problems, methods, ratios)``: ratios[p, s] = ERT / best ERT on problem p (inf if never
    solved). A problem is a (function, dim) pair of the summary."""
    rows = summary_rows(comparison)
    methods = methods_of(comparison)
    order = {f: i for i, f in enumerate(functions_of(comparison))}
    problems = sorted({(r["function"], r.get("dim")) for r in rows},
                      key=lambda p: (order.get(p[0], len(order)), p[0], p[1] or 0))  # fmt: skip
    if not problems:
        raise ValueError("performance_profile: the comparison's summary has no rows")
    ert = np.full((len(problems), len(methods)), np.inf)
    for r in rows:
        if r["method"] in methods and r.get("ert") is not None:
            ert[problems.index((r["function"], r.get("dim"))), methods.index(r["method"])] = float(
                r["ert"]
            )
    best = ert.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(np.isfinite(ert), ert / best, np.inf)
    return problems, methods, ratios


def performance_profile(comparison, *, tau_max=None, ax=None, title=None, figsize=(6.5, 4.5)):
    """Performance profiles ρ(τ) of ERT, one line per method, τ on a log₂ axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    problems, methods, ratios = profile_data(comparison)
    colors = method_colors(methods)
    if ax is None:
        fig = matplotlib_figure()(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    finite = ratios[np.isfinite(ratios)]
    if tau_max is None:
        tau_max = max(2.0, float(finite.max()) * 1.5) if finite.size else 2.0
    for s, method in enumerate(methods):
        r = np.sort(ratios[:, s])
        r = r[np.isfinite(r)]
        x = np.concatenate([[1.0], r, [tau_max]])
        y = np.concatenate(
            [[0.0], np.arange(1, len(r) + 1) / len(problems), [len(r) / len(problems)]]
        )
        ax.step(x, y, where="post", color=colors[method], linewidth=1.8, label=method)
    ax.set_xscale("log", base=2)
    ax.set_xlim(1, tau_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("τ: within a factor τ of the best ERT")
    ax.set_ylabel(f"share of the {len(problems)} function(s)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fit_title(ax, title or "Performance profiles of ERT (Dolan–Moré)")
    return fig
