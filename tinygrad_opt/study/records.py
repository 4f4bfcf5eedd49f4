"""``Comparison``: a study's records, their summary statistics, and saving and loading them.

Everything a figure or a report needs is data here (plain lists, dicts, numbers and None), so
a saved study can be summarised, plotted and reported later, and ``Comparison.load`` of a
saved file gives an object equal to the one saved.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import math
import os
import platform
import tempfile

import numpy as np

from . import stats

__all__ = ["Comparison", "FORMAT"]

FORMAT = "tinygrad_opt.comparison/1"  # written into every file; load refuses anything else
_FIELDS = ("config", "manifest", "targets", "curve_steps", "runs", "tuning", "functions_info")
_RUN_LISTS = ("x0", "hit_steps", "hit_evals", "curve")  # list-valued run fields (JSON in CSV cells)


def _manifest(config):
    from .. import __version__

    return {
        "format": FORMAT, "library": "tinygrad_opt", "version": __version__,
        "numpy": np.__version__, "python": platform.python_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seeds": {"seed": config.get("seed"), "starts": [config.get("seed"), 0],
                  "tuning": [config.get("seed"), 1], "noise": [config.get("seed"), 2],
                  "bootstrap": config.get("seed")},
    }  # fmt: skip


class Comparison:
    """The result of :func:`~tinygrad_opt.compare`: one record per run, and what they mean.

    Attributes
    ----------
    config : dict
        The study's full configuration (functions, methods, starts, seed, max_iter, tol, lr as
        given, lr_grid, tune_starts, tune_by, targets, noise, dims, instances, ...).
    manifest : dict
        Library, NumPy and Python versions, creation time, seeds.
    targets : list of float
        The targets on f − f*, descending; ``hit_steps`` and ``hit_evals`` align with them.
    curve_steps : list of int
        The steps at which each run's ``curve`` (best-so-far f − f*) is sampled.
    runs : list of dict
        One per run: function, dim, instance, start, x0, method, lr, seed, nit, ngev, fun,
        delta_f, minimum, diverged, success, hit_steps, hit_evals, success_step, curve.
    tuning : list of dict
        One per (scope, method, grid lr): function (None for the suite), dim, method, lr,
        success_rate, ert, runs, ngev, chosen.
    functions_info : dict
        name → title, dim, instance, domain, minima (global then local), n_global, values,
        f_star, constrained.
    """

    def __init__(self, config, runs, tuning, functions_info, targets, curve_steps, manifest=None):
        self.config = config
        self.runs = runs
        self.tuning = tuning
        self.functions_info = functions_info
        self.targets = list(targets)
        self.curve_steps = list(curve_steps)
        self.manifest = manifest if manifest is not None else _manifest(config)

    def __eq__(self, other):
        if not isinstance(other, Comparison):
            return NotImplemented
        return all(_same(getattr(self, k), getattr(other, k)) for k in _FIELDS)

    def __repr__(self):
        c = self.config
        return (f"<Comparison: {len(c['functions'])} function(s) × {len(c['methods'])} method(s), "
                f"{len(self.runs)} runs>")  # fmt: skip

    # -- statistics -------------------------------------------------------------------------------

    def _groups(self):
        groups = {}
        for r in self.runs:
            groups.setdefault((r["function"], r["dim"], r["method"]), []).append(r)
        return groups

    def summary(self):
        """One dict per (function, dim, method): the statistics of its runs.

        Keys: function, dim, instances, method, lr, n, successes, success_rate, success_ci
        (Wilson 95%), ert (steps, None when no run succeeded), ert_ci (bootstrap 95%, None for
        an infinite end), divergence_rate, minima_share ({index or "none" or "diverged":
        fraction}), median_delta_f (runs that did not diverge; None if none), median_ngev.
        """
        rng = np.random.default_rng(self.config.get("seed", 0))
        rows = []
        for (function, dim, method), runs in self._groups().items():
            n = len(runs)
            ok = [r["success"] for r in runs]
            cost = [r["success_step"] if r["success"] else r["nit"] for r in runs]
            share = {}
            for r in runs:
                label = (
                    "diverged"
                    if r["diverged"]
                    else ("none" if r["minimum"] is None else str(r["minimum"]))
                )
                share[label] = share.get(label, 0) + 1
            kept = [r["delta_f"] for r in runs if not r["diverged"] and r["delta_f"] is not None]
            lrs = sorted({r["lr"] for r in runs})
            rows.append({
                "function": function, "dim": dim, "instances": sorted({r["instance"] for r in runs}),
                "method": method, "lr": lrs[0] if len(lrs) == 1 else lrs, "n": n,
                "successes": int(sum(ok)), "success_rate": sum(ok) / n,
                "success_ci": stats.wilson(int(sum(ok)), n), "ert": stats.ert(cost, ok),
                "ert_ci": stats.ert_bootstrap(cost, ok, rng),
                "divergence_rate": sum(r["diverged"] for r in runs) / n,
                "minima_share": {k: v / n for k, v in sorted(share.items(), key=_share_order)},
                "median_delta_f": float(np.median(kept)) if kept else None,
                "median_ngev": float(np.median([r["ngev"] for r in runs])),
            })  # fmt: skip
        return rows

    def pairwise(self, a, b, function=None):
        """Exact McNemar test: do methods ``a`` and ``b`` succeed equally often on shared starts?

        Pairs the runs of a and b from the same (function, dim, instance, start), over every
        function or only ``function``. Returns a dict: a, b, n, both, neither, a_only, b_only,
        p_value, a_rate, b_rate.
        """
        methods = self.config["methods"]
        for m in (a, b):
            if m not in methods:
                raise ValueError(
                    f"pairwise: unknown method {m!r}; this study compared {', '.join(methods)}"
                )
        if function is not None and function not in self.config["functions"]:
            raise ValueError(f"pairwise: unknown function {function!r}; this study has "
                             f"{', '.join(dict.fromkeys(self.config['functions']))}")  # fmt: skip

        def key(r):
            return (r["function"], r["dim"], r["instance"], r["start"])

        def pick(m):
            return {
                key(r): r["success"]
                for r in self.runs
                if r["method"] == m and (function is None or r["function"] == function)
            }

        ra, rb = pick(a), pick(b)
        shared = sorted(set(ra) & set(rb))
        result = stats.mcnemar([ra[k] for k in shared], [rb[k] for k in shared])
        result.update(
            a=a, b=b, a_rate=_rate([ra[k] for k in shared]), b_rate=_rate([rb[k] for k in shared])
        )
        return result

    def tuning_budget(self):
        """What tuning spent: ``{"runs": ..., "ngev": ...}`` summed over every grid lr."""
        return {
            "runs": sum(t["runs"] for t in self.tuning),
            "ngev": sum(t["ngev"] for t in self.tuning),
        }

    def ecdf(self, method, budgets=None, function=None):
        """COCO's runtime ECDF for ``method``: fraction of (run, target) pairs hit by each budget."""
        budgets = self.curve_steps if budgets is None else budgets
        hits = [
            r["hit_steps"]
            for r in self.runs
            if r["method"] == method and (function is None or r["function"] == function)
        ]
        return stats.ecdf(hits, budgets)

    # -- text and HTML ----------------------------------------------------------------------------

    def _table_rows(self):
        header = ["function", "method", "lr", "success [95% CI]", "ERT [95% CI]", "diverged",
                  "minima (share)", "median f − f*"]  # fmt: skip
        rows = []
        for s in self.summary():
            lo, hi = s["success_ci"]
            shares = ", ".join(f"{k}:{100 * v:.0f}%" for k, v in s["minima_share"].items())
            lr = s["lr"] if not isinstance(s["lr"], list) else s["lr"][0]
            name = s["function"] + (f" ({s['dim']}-D)" if s["dim"] != 2 else "")
            rows.append([
                name, s["method"], f"{lr:.3g}",
                f"{100 * s['success_rate']:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]",
                _ert_text(s["ert"], s["ert_ci"]), f"{100 * s['divergence_rate']:.0f}%", shares,
                "—" if s["median_delta_f"] is None else f"{s['median_delta_f']:.2g}",
            ])  # fmt: skip
        return header, rows

    def table(self):
        """The summary as an aligned text table."""
        header, rows = self._table_rows()
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
                 "  ".join("-" * w for w in widths)]  # fmt: skip
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(lines)

    __str__ = table

    def _repr_html_(self):
        header, rows = self._table_rows()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
        )
        c = self.config
        caption = (f"{c['starts']} starts per function, seed {c['seed']}, success: f − f* ≤ {c['tol']:g} "
                   f"within {c['max_iter']} steps")  # fmt: skip
        return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")  # fmt: skip

    def report(self, path, **options):
        """Write the self-contained HTML report of this study to ``path``; returns the path.

        The same as ``python -m tinygrad_opt report``: see
        :func:`tinygrad_opt.report.write_report` for the options. Needs the ``plot`` extra
        (matplotlib, Pillow, Jinja2).
        """
        # imported here: the report draws on the study, not the other way round
        from ..report import write_report

        return write_report(self, path, **options)

    # -- saving and loading -----------------------------------------------------------------------

    def to_dict(self):
        """Everything, as JSON-ready data."""
        return {"format": FORMAT, **{k: getattr(self, k) for k in _FIELDS}}

    def save(self, path):
        """Write the study to ``path``: ``.json`` (everything) or ``.csv`` (one row per run).

        A CSV file starts with ``#`` comment lines holding the manifest, configuration, tuning
        and functions as JSON, so it also loads back whole. The file is written to a temporary
        file in the same folder and renamed, so a failure never leaves half a file.
        """
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext == ".json":
            text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        elif ext == ".csv":
            text = self._csv()
        else:
            raise ValueError(f"Comparison.save: path must end in .json or .csv, got {path!r}")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"Comparison.save: the folder {folder!r} does not exist")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=ext)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    def _csv(self):
        buffer = io.StringIO()
        head = {k: getattr(self, k) for k in _FIELDS if k != "runs"}
        buffer.write(f"# {FORMAT}\n")
        for key, value in head.items():
            buffer.write(f"# {key}: {json.dumps(value, allow_nan=False)}\n")
        fields = list(self.runs[0]) if self.runs else ["function"]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in self.runs:
            writer.writerow({k: json.dumps(v, allow_nan=False) for k, v in r.items()})
        return buffer.getvalue()

    @classmethod
    def load(cls, path):
        """Read a study saved by :meth:`save` (``.json`` or ``.csv``).

        Raises ValueError naming the file when it is not a saved comparison (corrupt, foreign
        or from another format version).
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            raise ValueError(
                f"Comparison.load: {path!r} is not a saved comparison (not text)"
            ) from None
        try:
            data = _parse_csv(text) if path.lower().endswith(".csv") else json.loads(text)
        except (ValueError, KeyError, csv.Error) as exc:
            raise ValueError(
                f"Comparison.load: {path!r} is not a saved comparison ({exc})"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"Comparison.load: {path!r} is not a saved comparison "
                             f"(format {found!r}, expected {FORMAT!r})")  # fmt: skip
        missing = [k for k in _FIELDS if k not in data]
        if missing:
            raise ValueError(
                f"Comparison.load: {path!r} is incomplete (missing {', '.join(missing)})"
            )
        return cls(config=data["config"], runs=data["runs"], tuning=data["tuning"],
                   functions_info=data["functions_info"], targets=data["targets"],
                   curve_steps=data["curve_steps"], manifest=data["manifest"])  # fmt: skip


def _parse_csv(text):
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != f"# {FORMAT}":
        found = lines[0].strip()[:60] if lines else ""
        return {"format": found}
    data = {"format": FORMAT}
    i = 1
    while i < len(lines) and lines[i].startswith("# "):
        key, _, value = lines[i][2:].partition(": ")
        data[key] = json.loads(value)
        i += 1
    reader = csv.DictReader(io.StringIO("".join(lines[i:])))
    data["runs"] = [{k: json.loads(v) for k, v in row.items()} for row in reader]
    return data


def _same(a, b):
    """Equality of nested data, where NaN equals NaN and tuples equal lists."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return a == b
    return type(a) is type(b) and a == b


def _share_order(item):
    key = item[0]
    return (0, int(key)) if key.isdigit() else (1 if key == "none" else 2, 0)


def _rate(values):
    return sum(values) / len(values) if values else None


def _ert_text(value, ci):
    if value is None:
        return "∞"
    lo, hi = ci
    return (
        f"{value:.0f} [{'∞' if lo is None else f'{lo:.0f}'}, {'∞' if hi is None else f'{hi:.0f}'}]"
    )
