"""Animated races: several optimizers from one start, drawn step by step over the contours.

A :class:`Race` holds a matplotlib animation whose frames are every ``stride``-th step (so a
race of 1000 steps has at most ``frames`` frames). It saves as a GIF (Pillow) or as a
self-contained HTML/JS player (matplotlib's ``to_jshtml``, with its icon font replaced by
plain characters so that nothing is fetched from the network), and shows itself in Jupyter.
"""

from __future__ import annotations

import base64
import io
import math
import re
import tempfile
from pathlib import Path

import numpy as np

from .paths import colorbar, contours, mark_minima, plot_domain, runs_as_paths
from .style import fit_title, matplotlib_figure, method_colors, method_markers

__all__ = ["Race", "race", "animate_paths", "offline_player", "frame_steps"]

# the player's buttons, as characters instead of Font Awesome icons (fetched from a CDN)
_ICONS = {
    "fa-minus": "−", "fa-fast-backward": "⏮", "fa-step-backward": "⏴︎|", "fa-flip-horizontal": "◀",
    "fa-pause": "⏸", "fa-play": "▶", "fa-step-forward": "|⏵︎", "fa-fast-forward": "⏭", "fa-plus": "+",
}  # fmt: skip


def offline_player(html):
    """matplotlib's ``to_jshtml`` output with its external stylesheet removed and the icon-font
    buttons replaced by Unicode characters: the player then works without a network."""
    html = re.sub(r"<link[^>]*>", "", html)

    def icon(match):
        classes = match.group(1).split()
        for name in ("fa-flip-horizontal", *_ICONS):  # a flipped play button is "play backwards"
            if name in classes:
                return f'<span class="anim-icon" aria-hidden="true">{_ICONS[name]}</span>'
        return ""

    return re.sub(r'<i class="([^"]*)"></i>', icon, html)


def frame_steps(n_steps, frames):
    """The steps shown: 0, stride, 2·stride, ..., always ending at ``n_steps``; at most
    ``frames`` of them (stride = ⌈n_steps / (frames − 1)⌉)."""
    if frames < 2:
        raise ValueError(f"frames must be at least 2, got {frames}")
    stride = max(1, math.ceil(n_steps / (frames - 1)))
    steps = list(range(0, n_steps + 1, stride))
    if steps[-1] != n_steps:
        steps.append(n_steps)
    return steps


def _values(f, path, values):
    if values is not None and len(values) == len(path):
        return np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        try:
            out = np.asarray(f(path.T), dtype=float).reshape(len(path))
        except Exception:  # a function of one point at a time
            out = np.array([float(np.asarray(f(p))) for p in path])
    return out


class Race:
    """An animation of optimizer paths (made by :func:`race` or :func:`animate_paths`).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    animation : matplotlib.animation.FuncAnimation
    steps : list of int
        The optimizer step drawn in each frame (``len(steps)`` frames).
    labels : list of str
        One per run, in drawing order.
    colors : dict
        label → colour (the method's colour, as in every other figure).
    gaps : dict
        label → array of f(x_k) − f* along that run.
    lines : dict
        label → the Line2D of its path (its data is the path up to the current frame's step).
    """

    def __init__(self, figure, animation, steps, labels, colors, gaps, lines, dynamic=()):
        self.figure, self.animation, self.steps = figure, animation, steps
        self.labels, self.colors, self.gaps, self.lines = labels, colors, gaps, lines
        self._dynamic = list(dynamic)  # the artists a frame changes (the rest is background)

    @property
    def frames(self):
        """The number of frames."""
        return len(self.steps)

    def save(self, path, *, fps=12, dpi=80):
        """Write the animation: ``.gif`` through Pillow, ``.html`` as a standalone player page."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".gif":
            images = list(self.palette_frames(dpi))
            images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps),
                           loop=0)  # fmt: skip
        elif suffix in (".html", ".htm"):
            page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>race</title></head>"
                    f"<body>{self.to_jshtml(fps=fps, dpi=dpi)}</body></html>\n")  # fmt: skip
            path.write_text(page, encoding="utf-8")
        else:
            raise ValueError(
                f"Race.save: unknown format {path.suffix!r} for {str(path)!r}; use .gif or .html"
            )
        return path

    def render_frames(self, dpi=80):
        """Every frame as an RGBA array (height, width, 4).

        The background (contours, colour bar, axes) is drawn once and each frame only redraws
        the artists that move, which is several times faster than redrawing the whole figure.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = self.figure
        old_dpi, old_canvas = fig.dpi, fig.canvas
        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        try:
            for artist in self._dynamic:
                artist.set_animated(True)
            canvas.draw()
            background = canvas.copy_from_bbox(fig.bbox)
            for frame in range(self.frames):
                self.animation._func(frame)
                canvas.restore_region(background)
                for artist in self._dynamic:
                    fig.draw_artist(artist)
                yield np.asarray(canvas.buffer_rgba()).copy()
        finally:
            for artist in self._dynamic:
                artist.set_animated(False)
            fig.set_dpi(old_dpi)
            fig.set_canvas(old_canvas)

    def palette_frames(self, dpi=80):
        """Every frame as a Pillow image with one shared 256-colour palette.

        The palette comes from the first frame, which already shows every colour (the contours
        and each method's marker); without dithering, consecutive frames then differ only where
        the paths moved, which GIF and PNG store compactly.
        """
        try:
            from PIL import Image
        except ImportError:
            raise ImportError("animations need Pillow: pip install 'tinygrad_opt[plot]'") from None
        first = None
        for frame in self.render_frames(dpi):
            image = Image.fromarray(frame[..., :3])
            if first is None:
                first = image.quantize(
                    256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
                )
                yield first
            else:
                yield image.quantize(palette=first, dither=Image.Dither.NONE)

    def to_jshtml(self, fps=12, dpi=80, default_mode="loop"):
        """The HTML/JS player of matplotlib's ``to_jshtml`` (frames embedded as palette PNGs),
        made usable offline (:func:`offline_player`)."""
        from matplotlib.animation import HTMLWriter

        # matplotlib's player, fed with the frames drawn here (a background drawn once, palette
        # PNGs) instead of one full savefig per frame
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "race.html"
            writer = HTMLWriter(fps=fps, embed_frames=True, default_mode=default_mode)
            writer.setup(self.figure, out, dpi)
            frames = []
            for image in self.palette_frames(dpi):
                buffer = io.BytesIO()
                image.save(buffer, format="png", optimize=False)
                frames.append(base64.encodebytes(buffer.getvalue()).decode("ascii"))
            writer._saved_frames = frames  # what HTMLWriter.grab_frame would have collected
            writer.frame_format = "png"
            writer.finish()
            html = out.read_text(encoding="utf-8")
        if html.count("data:image/png;base64,") != len(frames):
            # a matplotlib whose HTMLWriter works otherwise: its own, slower, to_jshtml
            import matplotlib

            with matplotlib.rc_context({"savefig.dpi": dpi, "animation.embed_limit": 50}):
                html = self.animation.to_jshtml(fps=fps, default_mode=default_mode)
        return offline_player(html)

    def _repr_html_(self):
        return self.to_jshtml()


def animate_paths(
    f,
    runs,
    *,
    frames=100,
    domain=None,
    levels=30,
    title=None,
    f_star=None,
    figsize=(6.4, 5.4),
    interval=80,
):
    """Animate given paths over log-scaled contours of ``f`` (see :func:`race`).

    Parameters
    ----------
    f : callable
        The function (a ``tg.functions`` one, or any f of a 2-vector).
    runs : dict or list
        As for :func:`~tinygrad_opt.plot.paths`: ``{label: OptimizeResult or path (k, 2)}``.
    frames : int
        The most frames: every ``stride``-th step is drawn, stride = ⌈longest run / (frames − 1)⌉.
    f_star : float, optional
        The minimum value; default ``f.minimum``, else the smallest value any run reached.

    Returns
    -------
    Race
    """
    from matplotlib.animation import FuncAnimation

    runs = runs_as_paths(runs)
    if not runs:
        raise ValueError("animate_paths: no runs given")
    values = {name: _values(f, path, vals) for name, path, vals in runs}
    if f_star is None:
        f_star = getattr(f, "minimum", None)
    if f_star is None:
        f_star = min(float(np.nanmin(v)) for v in values.values())
    gaps = {name: v - f_star for name, v in values.items()}
    labels = [name for name, _, _ in runs]
    colors, markers = method_colors(labels), method_markers(labels)
    steps = frame_steps(max(len(p) for _, p, _ in runs) - 1, frames)

    fig = matplotlib_figure()(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    filled, label, log = contours(
        ax, f, plot_domain(f, runs, domain), levels, log=True, resolution=200
    )
    colorbar(fig, filled, ax, label, log)
    mark_minima(ax, f, label=False)
    lines, heads = {}, {}
    for name, path, _ in runs:
        ax.scatter(
            *path[0], s=60, facecolors="white", edgecolors=colors[name], linewidths=2, zorder=5
        )
        (lines[name],) = ax.plot(path[:1, 0], path[:1, 1], color=colors[name], linewidth=1.8, zorder=4,
                                 label=name)  # fmt: skip
        (heads[name],) = ax.plot(path[:1, 0], path[:1, 1], marker=markers[name], markersize=8,
                                 color=colors[name], markeredgecolor="black", zorder=6, linestyle="")  # fmt: skip
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", ha="left", fontsize=9,
                      bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})  # fmt: skip
    # one column: the labels grow by their f − f* after the layout is frozen
    legend = fig.legend(
        loc="outside lower center", ncols=1 if len(runs) <= 4 else 2, fontsize=8, frameon=False
    )
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    fit_title(ax, title or f"{getattr(f, 'title', 'f')}: a race from {_point(runs[0][1][0])}")
    paths = {name: path for name, path, _ in runs}

    def draw(frame):
        step = steps[frame]
        counter.set_text(f"step {step} / {steps[-1]}")
        for text, name in zip(legend.get_texts(), labels, strict=True):
            path, gap = paths[name], gaps[name]
            k = min(step, len(path) - 1)
            lines[name].set_data(path[: k + 1, 0], path[: k + 1, 1])
            heads[name].set_data(path[k : k + 1, 0], path[k : k + 1, 1])
            stopped = " (stopped)" if k < step else ""
            text.set_text(f"{name}: f − f* = {gap[k]:.2e}{stopped}")
        return [*lines.values(), *heads.values(), counter]

    draw(0)
    # lay the figure out once, then freeze it: constrained layout would otherwise be solved
    # again for every frame, which costs more than drawing the frame itself
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    animation = FuncAnimation(fig, draw, frames=len(steps), interval=interval, blit=False,
                              repeat=True, cache_frame_data=False)  # fmt: skip
    # a Race may be written by render_frames alone, which never starts matplotlib's event loop:
    # without this, matplotlib would warn that the animation was "deleted without rendering"
    animation._draw_was_started = True
    dynamic = [*lines.values(), *heads.values(), counter, legend]
    return Race(fig, animation, steps, labels, colors, gaps, lines, dynamic)


def _point(x):
    return "(" + ", ".join(f"{v:.3g}" for v in x) + ")"


def race(
    f,
    x0,
    methods=("sgd", "adagrad", "rmsprop", "adam"),
    *,
    lr=None,
    max_iter=1000,
    tol=1e-5,
    frames=100,
    hyperparameters=None,
    **kwargs,
):
    """Race several optimizers from the same start ``x0`` on ``f`` (runs ``tg.minimize``).

    Parameters
    ----------
    f : callable
        The function, e.g. ``tg.functions.himmelblau``.
    x0 : array_like, shape (2,)
        The common start.
    methods : sequence of str
        Optimizer names as ``tg.minimize`` knows them.
    lr : float or dict, optional
        One learning rate for all, or ``{method: lr}``; default ``tg.minimize``'s (0.1).
    hyperparameters : dict, optional
        ``{method: {name: value}}`` passed on to each optimizer.
    frames : int
        The most frames (a 1000-step race at the default 100 draws every 10th step).
    **kwargs
        Passed to :func:`animate_paths` (``domain``, ``levels``, ``title``, ``figsize``, ...).

    Returns
    -------
    Race
        ``race.save("race.gif")``, ``race.save("race.html")``, or display it in Jupyter.
    """
    from ..minimize import minimize

    runs = {}
    for method in methods:
        hyper = dict((hyperparameters or {}).get(method, {}))
        rate = lr.get(method) if isinstance(lr, dict) else lr
        if rate is not None:
            hyper["lr"] = rate
        runs[method] = minimize(f, x0, method=method, max_iter=max_iter, tol=tol, **hyper)
    return animate_paths(f, runs, frames=frames, **kwargs)
