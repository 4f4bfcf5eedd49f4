"""Figures of optimizer runs (matplotlib, from the ``plot`` extra; imported only when called).

- :func:`paths`: runs drawn over filled contours of f, with starts and minima marked;
- :func:`losses`: f(x_k) − f* against the iteration k, on a log scale;
- :func:`comparison`: one panel per function of the comparison study, where each run ended.

Each returns a matplotlib ``Figure`` (shown by Jupyter; ``fig.savefig("name.png")`` saves it)
and accepts ``ax=`` to draw into axes of your own where that makes sense.
"""

from __future__ import annotations

import numpy as np

__all__ = ["paths", "losses", "comparison"]

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h"]


def _matplotlib():
    try:
        from matplotlib.colors import LogNorm
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "tinygrad_opt.plot needs matplotlib: pip install 'tinygrad_opt[plot]'"
        ) from None
    return Figure, LogNorm


def _runs(runs):
    """(label, path array (k, 2), values or None) for every run."""
    if isinstance(runs, dict):
        items = list(runs.items())
    elif hasattr(runs, "path"):
        items = [(getattr(runs, "method", "run"), runs)]
    else:
        items = [(getattr(r, "method", f"run {i + 1}"), r) for i, r in enumerate(runs)]
    out = []
    for label, run in items:
        path = np.asarray(getattr(run, "path", run), dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"plot: a run's path must have shape (k, 2), got {path.shape} for {label!r}")
        out.append((str(label), path, getattr(run, "values", None)))
    return out


def _grid_values(f, xs, ys):
    X, Y = np.meshgrid(xs, ys)
    points = np.stack([X, Y])
    with np.errstate(all="ignore"):
        try:
            Z = np.asarray(f(points), dtype=float)
            if Z.shape != X.shape:
                raise ValueError
        except Exception:  # a function that takes one point at a time
            Z = np.array([[float(np.asarray(f(points[:, i, j]))) for j in range(X.shape[1])]
                          for i in range(X.shape[0])])  # fmt: skip
    return X, Y, Z


def _domain(f, runs, domain, margin=0.15):
    if domain is not None and domain != "auto":
        return domain
    if domain is None and hasattr(f, "domain"):
        return f.domain
    pts = np.concatenate([p for _, p, _ in runs])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 0.1)
    return ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))


def _contours(ax, f, domain, levels, LogNorm, resolution=300):
    """Filled contours of f over ``domain``; returns (contour set, colorbar label, log?)."""
    (x0, x1), (y0, y1) = domain
    X, Y, Z = _grid_values(f, np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    finite = Z[np.isfinite(Z)]
    zmin, zmax = finite.min(), finite.max()
    spread = zmax - zmin
    typical = np.percentile(finite, 25) - zmin
    # log levels when a quarter of the picture lies in the bottom 1/30 of the range (the case of
    # Rosenbrock, Beale, six-hump camel, Goldstein–Price): linear levels would paint it one colour
    log = spread > 0 and spread > 30 * max(typical, 1e-12)
    if log:
        f_star = getattr(f, "minimum", None)
        base = f_star if f_star is not None and f_star <= zmin else zmin
        offset = spread * 1e-5
        shifted = Z - base + offset
        bounds = np.geomspace(zmin - base + offset, zmax - base + offset, levels)
        filled = ax.contourf(X, Y, shifted, levels=bounds, norm=LogNorm(), cmap="viridis")
        ax.contour(X, Y, shifted, levels=bounds[::3], colors="white", linewidths=0.3, alpha=0.5)
        label = "f(x) − f*" if base == f_star else f"f(x) − {base:.3g}"
    else:
        filled = ax.contourf(X, Y, Z, levels=levels, cmap="viridis")
        ax.contour(X, Y, Z, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
        label = "f(x)"
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return filled, label, log


def _mark_minima(ax, f, label=True):
    minima = getattr(f, "minima", None)
    if minima is not None and len(minima):
        ax.scatter(minima[:, 0], minima[:, 1], marker="*", s=220, c="gold", edgecolors="black",
                   linewidths=0.8, zorder=6, label="global minimum" if label else None)
    local = getattr(f, "local_minima", None)
    if local is not None and len(local):
        ax.scatter(local[:, 0], local[:, 1], marker="*", s=90, c="white", edgecolors="black",
                   linewidths=0.6, zorder=6, label="local minimum" if label else None)


def paths(f, runs, *, domain=None, levels=30, title=None, show_steps=True, ax=None,
          figsize=(7, 5.5)):
    """Runs drawn over filled contours of ``f``: the post's ``plotLog``, made readable.

    Parameters
    ----------
    f : callable
        The function (a ``tg.functions`` one, or any f of a 2-vector).
    runs : OptimizeResult, list of them, or dict
        ``{label: OptimizeResult or path array of shape (k, 2)}``.
    domain : ((x0, x1), (y0, y1)) or "auto", optional
        The region drawn: default ``f.domain`` if f has one, else (or with "auto") the runs'
        extent plus a margin.
    levels : int
        Number of contour levels (log-spaced where f spans several decades).
    show_steps : bool
        Add each run's number of steps to its label.
    """
    Figure, LogNorm = _matplotlib()
    runs = _runs(runs)
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    filled, label, log = _contours(ax, f, _domain(f, runs, domain), levels, LogNorm)
    if log:
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        fig.colorbar(filled, ax=ax, label=label, ticks=LogLocator(), format=LogFormatterSciNotation())
    else:
        fig.colorbar(filled, ax=ax, label=label)
    for i, (name, path, _) in enumerate(runs):
        color = _COLORS[i % len(_COLORS)]
        every = max(1, len(path) // 25)
        ax.plot(path[:, 0], path[:, 1], color=color, linewidth=1.6, marker=_MARKERS[i % len(_MARKERS)],
                markersize=3.5, markevery=every, label=f"{name} ({len(path) - 1} steps)" if show_steps else name, zorder=4)
        ax.scatter(*path[0], s=60, facecolors="white", edgecolors=color, linewidths=2, zorder=5)
        ax.scatter(*path[-1], s=70, marker="X", c=color, edgecolors="black", linewidths=0.6, zorder=5)
    _mark_minima(ax, f)
    ax.scatter([], [], s=60, facecolors="white", edgecolors="gray", linewidths=2, label="start")
    ax.scatter([], [], s=70, marker="X", c="gray", edgecolors="black", label="end")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title or getattr(f, "title", "optimizer paths"))
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    return fig


def losses(runs, f_star=None, *, title=None, ax=None, figsize=(7, 4.5)):
    """f(x_k) − f* against the iteration k on a log scale, one line per run.

    ``runs`` as for :func:`paths`, with ``values`` (OptimizeResults carry them). ``f_star``
    defaults to the smallest value any run reached (then the best run touches zero at its end,
    which the log scale clips at 1e-16).
    """
    Figure, _ = _matplotlib()
    runs = [(name, values) for name, _, values in _runs(runs) if values is not None]
    if not runs:
        raise ValueError("losses: the runs carry no values (pass OptimizeResults)")
    if f_star is None:
        f_star = min(np.nanmin(v) for _, v in runs)
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    for i, (name, values) in enumerate(runs):
        gap = np.maximum(np.asarray(values, dtype=float) - f_star, 1e-16)
        ax.semilogy(np.arange(len(gap)), gap, color=_COLORS[i % len(_COLORS)], linewidth=1.8, label=name)
    ax.set_xlabel("iteration k")
    ax.set_ylabel("f(x_k) − f*")
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(title or "convergence")
    ax.legend(fontsize=8)
    return fig


def comparison(result, *, ncols=3, levels=25, panel_size=(4.2, 3.6)):
    """One panel per function of a ``tg.compare`` result: where each method's runs ended.

    Drawn from the records only (``config``, ``runs``, ``summary()``), so a saved study draws
    the same figure. Each panel shows f's contours, the global (gold) and local (white) minima,
    and every run's end point in its method's colour and marker; the title gives each method's
    success rate.
    """
    from .study import functions as study_functions

    Figure, LogNorm = _matplotlib()
    problems = [tuple(p) for p in result.config["problems"] if p[1] == 2]
    methods = list(result.config["methods"])
    rate = {(r["function"], r["method"]): r["success_rate"] for r in result.summary() if r["dim"] == 2}
    nrows = -(-len(problems) // ncols)
    ncols = min(ncols, len(problems))
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    handles = {}
    for ax, (name, dim, instance) in zip(axes, problems, strict=False):
        f = study_functions.get(name, dim, instance)
        _contours(ax, f, f.domain, levels, LogNorm, resolution=200)
        _mark_minima(ax, f, label=False)
        (x0, x1), (y0, y1) = f.domain
        for j, method in enumerate(methods):
            ends = np.array([r["x"] for r in result.runs if r["method"] == method and r["x"] is not None
                             and (r["function"], r["dim"], r["instance"]) == (name, dim, instance)],
                            dtype=float).reshape(-1, 2)  # fmt: skip
            inside = (ends[:, 0] >= x0) & (ends[:, 0] <= x1) & (ends[:, 1] >= y0) & (ends[:, 1] <= y1)
            handles[method] = ax.scatter(
                ends[inside, 0], ends[inside, 1], s=28, marker=_MARKERS[j % len(_MARKERS)],
                c=_COLORS[j % len(_COLORS)], edgecolors="black", linewidths=0.4, zorder=5, alpha=0.9,
            )  # fmt: skip
        rates = " · ".join(f"{m} {100 * rate[(name, m)]:.0f}%" for m in methods)
        ax.set_title(f"{f.title}\n{rates}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(problems):]:
        ax.set_visible(False)
    fig.legend([handles[m] for m in methods], methods, loc="outside lower center",
               ncols=len(methods), fontsize=9, frameon=False)
    fig.suptitle(f"Where {result.config['starts']} random starts ended, and each method's success "
                 f"rate (★ global, ☆ local minima)", fontsize=11)
    return fig
