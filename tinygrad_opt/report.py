"""One self-contained HTML report of a comparison study (Jinja2 template beside this module).

:func:`write_report` turns a Comparison (fresh from ``tg.compare`` or loaded from a saved
study) into ONE HTML file that needs nothing else: the configuration and manifest, the summary
table with its confidence intervals (sortable by clicking a column), and every figure of
:mod:`tinygrad_opt.plot` embedded as a base64 PNG, with the races as playable animations. No
file, font or script is fetched from the network, so the report can be mailed or archived.

Jinja2 and matplotlib come with the ``plot`` extra and are imported only when a report is made.
"""

from __future__ import annotations

import base64
import datetime
import inspect
import io
import json
import math
from pathlib import Path

__all__ = ["write_report", "render_report", "summary_table_html"]

TEMPLATES = Path(__file__).parent / "templates"


def _jinja():
    try:
        import jinja2
    except ImportError:
        raise ImportError(
            "the HTML report needs Jinja2: pip install 'tinygrad_opt[plot]'"
        ) from None
    return jinja2


def _environment():
    jinja2 = _jinja()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    return env


def _num(value, digits=3):
    """A number for the table: '∞' for None/inf, '—' for NaN, else ``digits`` significant digits."""
    if value is None:
        return "∞"
    value = float(value)
    if math.isinf(value):
        return "∞"
    if math.isnan(value):
        return "—"
    return f"{value:.{digits}g}"


def _pct(value):
    return "—" if value is None else f"{100 * float(value):.0f}%"


def _sort_key(value):
    """The ``data-sort`` value of a cell: numbers sort numerically, None (infinite) last."""
    if value is None:
        return "Infinity"
    if isinstance(value, (int, float)):
        return repr(float(value))
    return str(value)


def _png(fig, dpi):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _interval(ci, fmt):
    if ci is None:
        return ""
    lo, hi = ci
    return f"[{fmt(lo)}, {fmt(hi)}]"


def summary_rows_for_table(comparison):
    """The summary as display rows: a list of cells ``(text, sort value)`` per (function, method)."""
    from .plot.records import summary_rows

    rows = []
    for r in summary_rows(comparison):
        share = r.get("minima_share") or {}
        shares = ", ".join(f"{k}: {_pct(v)}" for k, v in share.items())
        rows.append([
            (r["function"], r["function"]),
            (str(r.get("dim", "")), r.get("dim", 0)),
            (r["method"], r["method"]),
            (_num(r.get("lr")), r.get("lr")),
            (str(r.get("n", "")), r.get("n", 0)),
            (f"{_pct(r['success_rate'])} {_interval(r.get('success_ci'), _pct)}", r["success_rate"]),
            (f"{_num(r.get('ert'))} {_interval(r.get('ert_ci'), _num) if r.get('ert') is not None else ''}".strip(),
             r.get("ert")),
            (_pct(r.get("divergence_rate")), r.get("divergence_rate")),
            (shares, shares),
            (_num(r.get("median_delta_f")), r.get("median_delta_f")),
        ])  # fmt: skip
    return [[(text, _sort_key(key)) for text, key in row] for row in rows]


SUMMARY_HEADER = ["function", "dim", "method", "lr", "runs", "success [95% CI]", "ERT [95% CI]",
                  "diverged", "minima reached", "median f − f*"]  # fmt: skip


def summary_table_html(comparison):
    """The summary table alone as an HTML fragment (what ``Comparison._repr_html_`` can show)."""
    return (
        _environment()
        .get_template("summary_table.html.j2")
        .render(header=SUMMARY_HEADER, rows=summary_rows_for_table(comparison), table_id="summary")
    )


def _builtin_function(name, dim=2, instance=0):
    """``tg.functions.get`` for a study's function, or None when it is not a built-in one."""
    from . import functions

    try:
        try:
            return functions.get(name, dim=dim, instance=instance)
        except TypeError:  # a get() without dimensions and instances
            return functions.get(name) if not instance else None
    except (ValueError, KeyError):
        return None


def _two_dimensional(comparison):
    """The study's 2-D functions, those with several minima first."""
    from .plot.records import functions_of

    info = getattr(comparison, "functions_info", {}) or {}
    names = [f for f in functions_of(comparison) if int(info.get(f, {}).get("dim", 2)) == 2]
    return sorted(names, key=lambda f: len(info.get(f, {}).get("minima", [])) < 2)


def _chosen_lr(comparison, function):
    from .plot.records import summary_rows

    return {r["method"]: r["lr"] for r in summary_rows(comparison) if r["function"] == function}


def _races(comparison, count, frames, dpi, notes):
    """Up to ``count`` races: each method from the study's first start on a 2-D function, with the
    learning rate the study used there."""
    from .plot import race
    from .plot.records import methods_of, runs_by

    out = []
    for name in _two_dimensional(comparison)[:count]:
        runs = runs_by(comparison, (name, 2))
        f = _builtin_function(name, 2, int(runs[0].get("instance", 0)) if runs else 0)
        if f is None or not runs:
            notes.append(f"no race for {name}: not a built-in function, so it cannot be rerun")
            continue
        x0 = runs[0]["x0"]
        lr = _chosen_lr(comparison, name)
        methods = [m for m in methods_of(comparison) if m in lr]
        max_iter = int((comparison.config or {}).get("max_iter", 1000))
        animation = race(f, x0, methods, lr=lr, max_iter=max_iter,
                         tol=float((comparison.config or {}).get("tol", 1e-5)), frames=frames,
                         figsize=(6.0, 5.2))  # fmt: skip
        out.append({"title": f"Race on {getattr(f, 'title', name)}",
                    "caption": f"Every method from the start {_point(x0)} with the learning rate the study "
                               f"used ({', '.join(f'{m} {lr[m]:g}' for m in methods)}); "
                               f"{animation.frames} frames, every {max(1, animation.steps[1])} step(s).",
                    "html": animation.to_jshtml(fps=10, dpi=dpi)})  # fmt: skip
        animation.figure.clear()
    return out


def _point(x):
    return "(" + ", ".join(f"{float(v):.3g}" for v in x) + ")"


def _auto_basins(comparison, count, resolution, notes):
    """``tg.basins`` on up to ``count`` 2-D functions with several minima, if the study has it."""
    try:
        from . import basins as make_basins
    except ImportError:
        notes.append("no basin maps: this version of tinygrad_opt has no tg.basins")
        return []
    from .plot.records import methods_of

    info = getattr(comparison, "functions_info", {}) or {}
    names = [f for f in _two_dimensional(comparison) if len(info.get(f, {}).get("minima", [])) > 1]
    parameters = inspect.signature(make_basins).parameters
    out = []
    for name in names[:count]:
        lr = _chosen_lr(comparison, name)
        kwargs = {"resolution": resolution}
        if "lr" in parameters:
            kwargs["lr"] = lr
        if "max_iter" in parameters:
            kwargs["max_iter"] = int((comparison.config or {}).get("max_iter", 1000))
        out.append(make_basins(name, [m for m in methods_of(comparison) if m in lr], **kwargs))
    return out


def render_report(
    comparison, *, basins="auto", races=2, race_frames=40, basin_resolution=41, title=None, dpi=90
):
    """The report as HTML text (see :func:`write_report`)."""
    from .plot import basins as basin_map
    from .plot import convergence, ecdf, performance_profile, sensitivity
    from .plot.records import functions_of, methods_of

    notes = []
    figures = []

    def add(title, caption, make):
        fig = make()
        figures.append({"title": title, "caption": caption, "src": _png(fig, dpi)})
        fig.clear()

    add("Runtime ECDF, all functions",
        "Share of (run, target) pairs reached within a number of gradient evaluations, pooled over "
        "the functions (each function weighs the same); × marks the largest budget used.",
        lambda: ecdf(comparison))  # fmt: skip
    add("Runtime ECDF per function", "The same, one panel per function.",
        lambda: ecdf(comparison, per_function=True))  # fmt: skip
    add("Performance profiles of ERT",
        "For each method, the share of functions on which its ERT is within a factor τ of the best "
        "method's; the height at τ = 1 is how often it was the fastest.",
        lambda: performance_profile(comparison))  # fmt: skip
    add("Convergence", "Median (line) and quartiles (band) of the best f − f* so far, per method.",
        lambda: convergence(comparison))  # fmt: skip
    if getattr(comparison, "tuning", None):
        add("Learning-rate sensitivity",
            "What tuning saw on the lr grid: success rate and ERT per learning rate; ○ marks the lr used.",
            lambda: sensitivity(comparison))  # fmt: skip
    else:
        notes.append("no learning-rate sensitivity: the learning rates were given, not tuned")
    if isinstance(basins, str) and basins == "auto":
        basins = _auto_basins(comparison, 2, basin_resolution, notes)
    for b in basins or []:
        add(f"Basins of attraction on {b.function}",
            "Each start of a grid coloured by the minimum its run reached (grey: no known minimum, "
            "black: diverged); the legend gives each minimum's share of the starts.",
            lambda b=b: basin_map(b))  # fmt: skip
    animations = _races(comparison, races, race_frames, 72, notes) if races else []

    config = dict(comparison.config or {})
    manifest = dict(getattr(comparison, "manifest", {}) or {})
    return _environment().get_template("report.html.j2").render(
        title=title or f"Comparison of {', '.join(methods_of(comparison))} on {len(functions_of(comparison))} function(s)",
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        header=SUMMARY_HEADER, rows=summary_rows_for_table(comparison), table_id="summary",
        figures=figures, animations=animations, notes=notes,
        config=[(k, _show(v)) for k, v in config.items()],
        manifest=[(k, _show(v)) for k, v in manifest.items()],
    )  # fmt: skip


def _show(value):
    return value if isinstance(value, str) else json.dumps(value, default=str)


def write_report(
    comparison,
    path,
    *,
    basins="auto",
    races=2,
    race_frames=40,
    basin_resolution=41,
    title=None,
    dpi=90,
):
    """Write the study's self-contained HTML report to ``path``; returns the path.

    Parameters
    ----------
    comparison : Comparison
        ``tg.compare``'s result or ``Comparison.load("results.json")``.
    path : str or Path
        The HTML file to write (its folder must exist).
    basins : "auto", list of Basins, or None
        Basin maps to include: "auto" runs ``tg.basins`` (``basin_resolution`` starts a side)
        on up to two 2-D functions of the study with several minima, with the learning rates
        the study used; a list draws the given grids; None leaves them out.
    races : int
        How many 2-D functions get an animated race (every method from the study's first start,
        with its lr); 0 for none.
    race_frames : int
        The most frames per race (a 1000-step race then shows every 26th step).
    dpi : int
        Resolution of the still figures.
    """
    path = Path(path)
    if not path.parent.exists():
        raise FileNotFoundError(f"write_report: the folder {str(path.parent)!r} does not exist")
    html = render_report(comparison, basins=basins, races=races, race_frames=race_frames,
                         basin_resolution=basin_resolution, title=title, dpi=dpi)  # fmt: skip
    path.write_text(html, encoding="utf-8")
    return path
