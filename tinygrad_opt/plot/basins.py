"""Basin-of-attraction maps: which minimum each start of a grid led to, one panel per method."""

from __future__ import annotations

import numpy as np

from .records import grid_shape
from .style import fit_suptitle, fit_title, matplotlib_figure, method_colors

__all__ = ["basins", "MINIMUM_COLORS", "NO_MINIMUM_COLOR", "DIVERGED_COLOR"]

# Paul Tol's "bright" and "light" schemes: distinct from each other and for colour-blind readers
MINIMUM_COLORS = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#EE8866",
                  "#44BB99", "#99DDFF", "#BBCC33", "#FFAABB", "#77AADD"]  # fmt: skip
NO_MINIMUM_COLOR = "#DDDDDD"  # label −1: ended in no known minimum
DIVERGED_COLOR = "#222222"  # label −2: diverged


def _share(fraction):
    """A share for the legend: "<1%" rather than a misleading "0%" for a few starts."""
    return "<1%" if 0 < fraction < 0.005 else f"{100 * fraction:.0f}%"


def _point(x):
    return "(" + ", ".join(f"{v:.3g}" for v in x) + ")"


def _title(name):
    """A built-in function's display name ("Six-hump camel"), else the name itself."""
    from .. import functions

    try:
        return functions.get(name).title
    except (ValueError, KeyError, TypeError, AttributeError):
        return str(name)


def label_names(minima):
    """``{label: legend text}`` for −2 (diverged), −1 (no known minimum) and every minimum."""
    names = {-2: "diverged", -1: "no known minimum"}
    names.update({i: f"minimum {i} {_point(m)}" for i, m in enumerate(minima)})
    return names


def basins(result, *, methods=None, ncols=3, panel_size=(3.8, 3.4), title=None, function=None):
    """One panel per method: each start of the grid coloured by the minimum it reached.

    Parameters
    ----------
    result : Basins
        ``tg.basins(...)``'s result: ``function``, ``xs``, ``ys``, ``minima`` (k, 2), ``labels``
        (method → int array (len(ys), len(xs)); −1 no known minimum, −2 diverged), ``lr``,
        ``share(method)``.
    methods : list of str, optional
        The panels (default: every method of ``result``).
    function : callable, optional
        Unused for drawing; its ``title`` (if any) names the figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Each panel's legend gives the share of starts per minimum (and per "no known minimum" and
    "diverged" where any start ended so); the minima are marked with numbered stars.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    methods = list(result.labels) if methods is None else list(methods)
    minima = np.asarray(result.minima, dtype=float).reshape(-1, 2)
    k = len(minima)
    palette = [
        DIVERGED_COLOR,
        NO_MINIMUM_COLOR,
        *(MINIMUM_COLORS[i % len(MINIMUM_COLORS)] for i in range(k)),
    ]
    cmap = ListedColormap(palette)
    norm = BoundaryNorm(np.arange(-2.5, k), cmap.N)  # label L gets palette[L + 2]
    names = label_names(minima)
    method_color = method_colors(methods)
    nrows, ncols = grid_shape(len(methods), ncols)
    fig = matplotlib_figure()(figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.8),
                              layout="constrained")  # fmt: skip
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    xs, ys = np.asarray(result.xs, dtype=float), np.asarray(result.ys, dtype=float)
    for ax, method in zip(axes, methods, strict=False):
        labels = np.asarray(result.labels[method])
        if labels.shape != (len(ys), len(xs)):
            raise ValueError(f"basins: labels[{method!r}] has shape {labels.shape}, expected "
                             f"(len(ys), len(xs)) = {(len(ys), len(xs))}")  # fmt: skip
        ax.pcolormesh(xs, ys, labels, cmap=cmap, norm=norm, shading="nearest", rasterized=True)
        ax.scatter(minima[:, 0], minima[:, 1], marker="*", s=160, c="white", edgecolors="black",
                   linewidths=0.8, zorder=5)  # fmt: skip
        for i, m in enumerate(minima):
            ax.annotate(str(i), m, xytext=(5, 5), textcoords="offset points", fontsize=8,
                        color="black", fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8})  # fmt: skip
        share = {int(key): float(v) for key, v in result.share(method).items()}
        shown = [i for i in range(k)] + [lab for lab in (-1, -2) if share.get(lab, 0) > 0]
        handles = [Patch(facecolor=palette[lab + 2], edgecolor="black", linewidth=0.4,
                         label=f"{names[lab]}: {_share(share.get(lab, 0.0))}") for lab in shown]  # fmt: skip
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7,
                  ncols=1, frameon=False)  # fmt: skip
        lr = getattr(result, "lr", {}).get(method)
        fit_title(ax, f"{method}" + (f" (lr {lr:g})" if lr is not None else ""), fontsize=10,
                  color=method_color[method])  # fmt: skip
        ax.set_aspect("auto")
        ax.tick_params(labelsize=7)
    for ax in axes[len(methods) :]:
        ax.set_visible(False)
    name = getattr(function, "title", None) or _title(result.function)
    fit_suptitle(fig, title or f"Basins of attraction on {name}: the minimum each start reached "
                 f"({len(xs)}×{len(ys)} starts, at most {result.max_iter} steps)", fontsize=11)  # fmt: skip
    return fig
