"""The surface of f in 3-D, with optimizer paths drawn on it (mpl_toolkits.mplot3d)."""

from __future__ import annotations

import numpy as np

from .paths import grid_values, plot_domain, runs_as_paths
from .race import _values
from .style import fit_title, matplotlib_figure, method_colors

__all__ = ["surface"]


def surface(
    f,
    runs=None,
    *,
    domain=None,
    resolution=80,
    log=False,
    title=None,
    figsize=(7, 5.5),
    elev=35,
    azim=-60,
):
    """f over ``domain`` as a 3-D surface, each run's path lifted onto it.

    ``runs`` as for :func:`~tinygrad_opt.plot.paths` (optional). ``log=True`` draws
    log₁₀(f − min f + 1e-3) instead of f, which shows the floor of steep functions.

    Returns
    -------
    matplotlib.figure.Figure
    """
    runs = runs_as_paths(runs) if runs is not None else []
    (x0, x1), (y0, y1) = plot_domain(f, runs, domain)
    X, Y, Z = grid_values(f, np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    zmin = float(np.nanmin(Z))

    def height(z):
        return np.log10(z - zmin + 1e-3) if log else z

    fig = matplotlib_figure()(figsize=figsize, layout="constrained")
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(X, Y, height(Z), cmap="viridis", linewidth=0, antialiased=True, alpha=0.75)
    colors = method_colors([name for name, _, _ in runs])
    for name, path, values in runs:
        z = height(_values(f, path, values))
        ax.plot(path[:, 0], path[:, 1], z, color=colors[name], linewidth=2, label=name, zorder=10)
        ax.scatter(*path[-1], z[-1], color=colors[name], s=30, edgecolors="black", depthshade=False)
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_zlabel("log₁₀(f − min f + 10⁻³)" if log else "f(x)")
    if runs:
        ax.legend(fontsize=8)
    fit_title(ax, title or getattr(f, "title", "f"))
    return fig
