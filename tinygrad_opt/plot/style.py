"""Shared look of every figure: one colour per method, matplotlib imported on demand, titles that fit.

The palette is Okabe & Ito's colour-blind-safe set, extended with Paul Tol's "muted" set for the
less common optimizers. A method keeps its colour in every figure (SGD is always blue, Adam
always vermillion), so a reader can follow it from the race to the ECDF to the basin map.
"""

from __future__ import annotations

import textwrap

__all__ = ["METHOD_COLORS", "EXTRA_COLORS", "method_colors", "method_color", "matplotlib_figure",
           "fit_title", "fit_suptitle", "MARKERS"]  # fmt: skip

# Okabe & Ito (2008) first, then Tol's muted scheme; yellow goes last among the Okabe–Ito colours
# because it vanishes on white backgrounds
METHOD_COLORS = {
    "sgd": "#0072B2",       # blue
    "adagrad": "#E69F00",   # orange
    "rmsprop": "#009E73",   # bluish green
    "adam": "#D55E00",      # vermillion
    "adamw": "#CC79A7",     # reddish purple
    "nadam": "#56B4E9",     # sky blue
    "radam": "#000000",     # black
    "adamax": "#999933",    # olive
    "adadelta": "#332288",  # indigo
    "rprop": "#117733",     # green
    "asgd": "#882255",      # wine
    "adafactor": "#44AA99",  # teal
    "muon": "#AA4499",      # purple
    "lion": "#CC6677",      # rose
    "lbfgs": "#88CCEE",     # cyan
    "newton": "#DDCC77",    # sand
}  # fmt: skip
# for names outside the table, in this order (never one already used in the same figure)
EXTRA_COLORS = ["#F0E442", "#661100", "#6699CC", "#888888", "#AA4466", "#4477AA", "#228833",
                "#EE6677"]  # fmt: skip
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h", "<", ">", "p", "*", "d", "H", "8", "1"]


def _key(method):
    """The registry name a label starts with: "AdaGrad (i = 562)" → "adagrad"."""
    text = str(method).strip().lower()
    first = text.split()[0] if text.split() else text
    return first.strip("(),:;")


def method_color(method):
    """The fixed colour of a known method (case-insensitive; a label may add words after the
    name, e.g. "Adam (t = 174)"), or None for a name outside the table."""
    return METHOD_COLORS.get(_key(method))


def method_colors(methods):
    """``{method: colour}`` for the methods of one figure.

    Known methods get their fixed colour; any other name (or a second label of the same
    method, such as "adam (lr 0.1)" beside "adam (lr 1)") gets the first colour of
    :data:`EXTRA_COLORS` (then of the main table) not already used in this figure, so two
    labels never share a colour while there are colours left.
    """
    methods = list(dict.fromkeys(methods))
    colors, used = {}, set()
    for m in methods:
        color = method_color(m)
        colors[m] = color if color not in used else None
        used.add(color)
    spare = [c for c in [*EXTRA_COLORS, *METHOD_COLORS.values()] if c not in used]
    for m in methods:
        if colors[m] is None:
            colors[m] = spare.pop(0) if spare else "#777777"
    return colors


def method_markers(methods):
    """``{method: marker}``: the method's index in the colour table picks its marker."""
    order = list(METHOD_COLORS)
    out = {}
    for i, m in enumerate(dict.fromkeys(methods)):
        key = _key(m)
        out[m] = MARKERS[(order.index(key) if key in order else len(order) + i) % len(MARKERS)]
    return out


def matplotlib_figure():
    """matplotlib's ``Figure`` class, or ImportError naming the ``plot`` extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "tinygrad_opt.plot needs matplotlib: pip install 'tinygrad_opt[plot]'"
        ) from None
    return Figure


def fit_title(ax, text, *, fontsize=10, max_lines=3, **kwargs):
    """Set ``ax``'s title, wrapped to the panel's width (and shrunk if it needs more than
    ``max_lines`` lines), so that it never spills over its neighbours."""
    fig = ax.get_figure()
    wrapped, size = _wrap(text, fig.get_figwidth() * ax.get_position().width, fontsize, max_lines)
    return ax.set_title(wrapped, fontsize=size, **kwargs)


def _wrap(text, width_in, fontsize, max_lines):
    size = fontsize
    while True:
        # an average glyph is about 0.55 em wide (DejaVu Sans)
        chars = max(8, int(width_in * 72 / (0.56 * size)))
        lines = []
        for paragraph in str(text).split("\n"):
            lines += textwrap.wrap(paragraph, chars) or [""]
        if len(lines) <= max_lines or size <= 6:
            return "\n".join(lines), size
        size -= 1


def fit_suptitle(fig, text, *, fontsize=11, max_lines=3, **kwargs):
    """The figure's title, wrapped to its width (shrunk past ``max_lines`` lines)."""
    wrapped, size = _wrap(text, fig.get_figwidth() * 0.95, fontsize, max_lines)
    return fig.suptitle(wrapped, fontsize=size, **kwargs)
