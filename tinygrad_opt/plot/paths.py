"""Paths over contours and loss curves of single runs.

- :func:`paths`: runs drawn over filled contours of f, with starts and minima marked;
- :func:`losses`: f(x_k) − f* against the iteration k, on a log scale.
"""

from __future__ import annotations

import numpy as np

from .style import fit_title, matplotlib_figure, method_colors, method_markers

__all__ = ["paths", "losses"]


def runs_as_paths(runs):
    """(label, path array (k, 2), values or None) for every run.

    ``runs``: an OptimizeResult, a list of them, or a dict ``{label: OptimizeResult or path}``.
    """
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
            raise ValueError(
                f"plot: a run's path must have shape (k, 2), got {path.shape} for {label!r}"
            )
        out.append((str(label), path, getattr(run, "values", None)))
    return out


def grid_values(f, xs, ys):
    """``X, Y, Z`` with ``Z[i, j] = f((xs[j], ys[i]))``, vectorised when f accepts a (2, ...) array."""
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


def plot_domain(f, runs, domain, margin=0.15):
    """The box drawn: ``domain`` if given, else ``f.domain``, else the runs' extent plus a margin."""
    if domain is not None and not isinstance(domain, str):
        return domain
    if domain is None and hasattr(f, "domain"):
        return f.domain
    pts = np.concatenate([p for _, p, _ in runs])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 0.1)
    return ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))


def contours(ax, f, domain, levels=30, *, log=None, resolution=300, lines=True):
    """Filled contours of f over ``domain``; returns (contour set, colorbar label, log?).

    ``log=None`` chooses log-spaced levels when a quarter of the picture lies in the bottom
    1/30 of f's range (Rosenbrock, Beale, six-hump camel, Goldstein–Price), where linear levels
    would paint it in one colour; ``log=True`` always uses them (levels of f − f* + ε).
    """
    from matplotlib.colors import LogNorm

    (x0, x1), (y0, y1) = domain
    X, Y, Z = grid_values(f, np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    finite = Z[np.isfinite(Z)]
    zmin, zmax = finite.min(), finite.max()
    spread = zmax - zmin
    typical = np.percentile(finite, 25) - zmin
    if log is None:
        log = spread > 0 and spread > 30 * max(typical, 1e-12)
    log = bool(log and spread > 0)
    if log:
        f_star = getattr(f, "minimum", None)
        base = f_star if f_star is not None and f_star <= zmin else zmin
        offset = spread * 1e-5
        shifted = Z - base + offset
        bounds = np.geomspace(zmin - base + offset, zmax - base + offset, levels)
        filled = ax.contourf(X, Y, shifted, levels=bounds, norm=LogNorm(), cmap="viridis")
        if lines:
            ax.contour(X, Y, shifted, levels=bounds[::3], colors="white", linewidths=0.3, alpha=0.5)
        label = "f(x) − f*" if base == f_star else f"f(x) − {base:.3g}"
    else:
        filled = ax.contourf(X, Y, Z, levels=levels, cmap="viridis")
        if lines:
            ax.contour(X, Y, Z, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
        label = "f(x)"
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return filled, label, log


def colorbar(fig, filled, ax, label, log):
    if log:
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        return fig.colorbar(filled, ax=ax, label=label, ticks=LogLocator(),
                            format=LogFormatterSciNotation())  # fmt: skip
    return fig.colorbar(filled, ax=ax, label=label)


def mark_minima(ax, f, label=True):
    """Gold stars on the global minimisers, white ones on known local minimisers."""
    minima = getattr(f, "minima", None)
    if minima is not None and len(minima):
        minima = np.asarray(minima, dtype=float).reshape(-1, 2)
        ax.scatter(
            minima[:, 0],
            minima[:, 1],
            marker="*",
            s=220,
            c="gold",
            edgecolors="black",
            linewidths=0.8,
            zorder=6,
            label="global minimum" if label else None,
        )
    local = getattr(f, "local_minima", None)
    if local is not None and len(local):
        local = np.asarray(local, dtype=float).reshape(-1, 2)
        ax.scatter(
            local[:, 0],
            local[:, 1],
            marker="*",
            s=90,
            c="white",
            edgecolors="black",
            linewidths=0.6,
            zorder=6,
            label="local minimum" if label else None,
        )


def new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig = matplotlib_figure()(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def paths(
    f, runs, *, domain=None, levels=30, title=None, show_steps=True, ax=None, figsize=(7, 5.5)
):
    """Runs drawn over filled contours of ``f``: the post's ``plotLog``, made readable.

    Parameters
    ----------
    f : callable
        The function (a ``tg.functions`` one, or any f of a 2-vector).
    runs : OptimizeResult, list of them, or dict
        ``{label: OptimizeResult or path array of shape (k, 2)}``. A label that starts with an
        optimizer's name ("adam", "AdaGrad (i = 562)") takes that optimizer's colour.
    domain : ((x0, x1), (y0, y1)) or "auto", optional
        The region drawn: default ``f.domain`` if f has one, else (or with "auto") the runs'
        extent plus a margin.
    levels : int
        Number of contour levels (log-spaced where f spans several decades).
    show_steps : bool
        Add each run's number of steps to its label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes(ax, figsize)
    runs = runs_as_paths(runs)
    filled, label, log = contours(ax, f, plot_domain(f, runs, domain), levels)
    colorbar(fig, filled, ax, label, log)
    colors = method_colors([name for name, _, _ in runs])
    markers = method_markers([name for name, _, _ in runs])
    for name, path, _ in runs:
        color = colors[name]
        every = max(1, len(path) // 25)
        ax.plot(path[:, 0], path[:, 1], color=color, linewidth=1.6, marker=markers[name],
                markersize=3.5, markevery=every, zorder=4,
                label=f"{name} ({len(path) - 1} steps)" if show_steps else name)  # fmt: skip
        ax.scatter(*path[0], s=60, facecolors="white", edgecolors=color, linewidths=2, zorder=5)
        ax.scatter(
            *path[-1], s=70, marker="X", c=color, edgecolors="black", linewidths=0.6, zorder=5
        )
    mark_minima(ax, f)
    ax.scatter([], [], s=60, facecolors="white", edgecolors="gray", linewidths=2, label="start")
    ax.scatter([], [], s=70, marker="X", c="gray", edgecolors="black", label="end")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    fit_title(ax, title or getattr(f, "title", "optimizer paths"))
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    return fig


def losses(runs, f_star=None, *, title=None, ax=None, figsize=(7, 4.5)):
    """f(x_k) − f* against the iteration k on a log scale, one line per run.

    ``runs`` as for :func:`paths`, with ``values`` (OptimizeResults carry them). ``f_star``
    defaults to the smallest value any run reached (then the best run touches zero at its end,
    which the log scale clips at 1e-16).
    """
    runs = [(name, values) for name, _, values in runs_as_paths(runs) if values is not None]
    if not runs:
        raise ValueError("losses: the runs carry no values (pass OptimizeResults)")
    if f_star is None:
        f_star = min(np.nanmin(v) for _, v in runs)
    fig, ax = new_axes(ax, figsize)
    colors = method_colors([name for name, _ in runs])
    for name, values in runs:
        gap = np.maximum(np.asarray(values, dtype=float) - f_star, 1e-16)
        ax.semilogy(np.arange(len(gap)), gap, color=colors[name], linewidth=1.8, label=name)
    ax.set_xlabel("iteration k")
    ax.set_ylabel("f(x_k) − f*")
    ax.grid(True, which="major", alpha=0.3)
    fit_title(ax, title or "convergence")
    ax.legend(fontsize=8)
    return fig
