"""The command line: ``python -m tinygrad_opt`` (also installed as ``tinygrad-opt``).

- no command: the post's experiment from (0, 0) with its hyperparameters; prints a table and
  saves ``post_paths.png``;
- ``compare``: the multi-minima study (learning rates tuned per method, fixed targets, confidence
  intervals); prints a table (or JSON/CSV), ``--save`` writes every run's record, and it saves
  ``compare.png`` (``--report report.html`` also writes the HTML report);
- ``report``: the self-contained HTML report of a saved study (``results.json``);
- ``animate``: the post's three loops (or a race of any methods on a test function) as a movie,
  a GIF or an HTML player.

Exit codes: 0 success, 1 failure while running (for example a figure that cannot be written, or
matplotlib missing without ``--no-plot``), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time

import numpy as np

from . import classic, functions
from .autodiff import grad
from .minimize import METHODS
from .study import compare

__all__ = ["main"]


def _post_experiment(gradient):
    """The post's three calls from (0, 0): [(name, x, counter, log, seconds)]."""
    f = functions.post
    gfx = f.gradient if gradient == "hand-written" else grad(f)
    x0 = np.array([0, 0])
    calls = [
        ("AdaGrad", "i", lambda: classic.adagrad(f, gfx, x0, ir=1000)),
        ("RMSProp", "i", lambda: classic.rmsprop(f, gfx, x0, rho=0.8, ir=1000)),
        ("Adam", "t", lambda: classic.adam(gfx, x0, alpha=0.1)),
    ]
    rows = []
    for name, counter, call in calls:
        start = time.perf_counter()
        x, count, log = call()
        rows.append((name, counter, x, count, log, time.perf_counter() - start))
    return rows


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)) for c in [header]
    ]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _save(figure_factory, path):
    from . import plot  # matplotlib is needed only here

    figure = figure_factory(plot)
    figure.savefig(path, dpi=150)
    return path


def _have_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _run_post(args):
    f = functions.post
    rows = _post_experiment(args.gradient)
    table = []
    for name, counter, x, count, _, seconds in rows:
        table.append([
            name, f"{counter} = {count}", f"({x[0]:.6f}, {x[1]:.6f})", f"{float(f(x)):.10f}",
            f"{np.linalg.norm(x - f.minimiser):.2e}", f"{seconds * 1e3:.1f} ms",
        ])  # fmt: skip
    print(f"The post's experiment: minimise fx from (0, 0), gradient: {args.gradient}")
    print(f"x* = ({f.minimiser[0]:.10f}, {f.minimiser[1]:.10f}), f(x*) = {f.minimum:.10f}\n")
    print(_table(["optimizer", "iterations", "final x", "f(x)", "|x − x*|", "time"], table))
    if not args.no_plot:
        runs = {f"{name} ({counter} = {count})": log for name, counter, _, count, log, _ in rows}
        path = _save(
            lambda plot: plot.paths(
                f,
                runs,
                domain="auto",
                show_steps=False,
                title="The post's experiment: paths from (0, 0)",
            ),
            args.output,
        )
        print(f"\nsaved {path}")
    return 0


def _run_compare(args):
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        result = compare(args.functions, args.methods, starts=args.starts, seed=args.seed,
                         max_iter=args.max_iter, tol=args.tol, lr=args.lr, tune_by=args.tune,
                         targets=args.targets, noise=args.noise, n_jobs=args.n_jobs,
                         progress=progress, dim=args.dim, instances=args.instances)  # fmt: skip
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    info = sys.stderr if (args.json or args.csv) else sys.stdout
    if args.json:
        print(json.dumps(result.summary(), indent=1))
    elif args.csv:
        print(_summary_csv(result.summary()), end="")
    else:
        c = result.config
        lr = (
            "tuned per function"
            if c["tune_by"] == "function"
            else "tuned per method over the suite"
        )
        print(f"{args.starts} random starts per function (seed {args.seed}); lr {lr if args.lr == 'tune' else 'given'};"
              f" success = f − f* ≤ {args.tol:g} within {args.max_iter} steps\n")  # fmt: skip
        print(result.table())
    if args.save:
        result.save(args.save)
        print(f"\nsaved {args.save}", file=info)
    if not args.no_plot:
        path = _save(lambda plot: plot.comparison(result), args.output)
        print(f"\nsaved {path}", file=info)
    if getattr(args, "report", None):
        return _report_of(result, args.report, info)
    return 0


def _summary_csv(rows):
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()}
            )
    return buffer.getvalue()


def _learning_rate(text):
    """--lr: 'tune', one number for every method, or method=number pairs."""
    if text == "tune":
        return text
    if "=" in text:
        name, _, value = text.partition("=")
        return {name.strip().lower(): _positive_float(value)}
    return _positive_float(text)


def _lr_argument(values):
    if values is None or values == ["tune"]:
        return "tune"
    parsed = [_learning_rate(v) for v in values]
    if len(parsed) == 1 and not isinstance(parsed[0], dict):
        return parsed[0]
    if not all(isinstance(p, dict) for p in parsed):
        raise argparse.ArgumentTypeError("--lr takes 'tune', one number, or method=lr pairs")
    return {k: v for p in parsed for k, v in p.items()}


def _float_type(what, accepts):
    """An argparse type: a finite float that ``accepts``, or an error saying it is ``what``."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (accepts(value) and value < float("inf")):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


_positive_float = _float_type("a positive number", lambda v: v > 0)
_non_negative_float = _float_type("a number >= 0", lambda v: v >= 0)


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-zero integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1: every core), got 0")
    return value


def _report_of(comparison, output, stream, **options):
    """Write the HTML report of a comparison; exit code 1 when it lacks the study's records."""
    if not (
        callable(getattr(comparison, "summary", None))
        and isinstance(getattr(comparison, "runs", None), list)
    ):
        print("error: the report needs the statistical study's records (Comparison.summary() and "
              "runs); this comparison has none", file=sys.stderr)  # fmt: skip
        return 1
    try:
        from .report import write_report

        path = write_report(comparison, output, **options)
    except ImportError as exc:  # Jinja2 or Pillow missing
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote the report {path}", file=stream)
    return 0


def _load_comparison(path):
    """A saved study: ``tg.Comparison.load(path)``."""
    from . import study

    cls = getattr(study, "Comparison", None)
    if cls is None or not hasattr(cls, "load"):
        raise RuntimeError(
            "this version of tinygrad_opt cannot load a saved study (no Comparison.load)"
        )
    return cls.load(path)


def _run_report(args):
    try:
        comparison = _load_comparison(args.results)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        print(f"error: cannot read {args.results}: {exc}", file=sys.stderr)
        return 1
    return _report_of(comparison, args.output, sys.stdout, basins=None if args.no_basins else "auto",
                      races=args.races, race_frames=args.frames)  # fmt: skip


def _run_animate(args):
    from . import plot

    if args.function is None:
        f = functions.post
        runs = {f"{name} ({counter} = {count})": log
                for name, counter, _, count, log, _ in _post_experiment(args.gradient)}  # fmt: skip
        movie = plot.animate_paths(f, runs, frames=args.frames, domain="auto",
                                   title="The post's experiment: AdaGrad, RMSProp and Adam from (0, 0)")  # fmt: skip
    else:
        f = functions.get(args.function)
        start = (
            args.start
            if args.start is not None
            else [0.5 * (lo + hi) + 0.3 * (hi - lo) for lo, hi in f.domain]
        )
        movie = plot.race(f, start, args.methods or ["sgd", "adagrad", "rmsprop", "adam"], lr=args.lr,
                          max_iter=args.max_iter, frames=args.frames)  # fmt: skip
    try:
        path = movie.save(args.output, fps=args.fps)
    except ImportError as exc:  # Pillow missing
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"saved {path} ({movie.frames} frames, steps {movie.steps[0]} to {movie.steps[-1]})")
    return 0


def _count(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _frames(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"an animation needs at least 2 frames, got {value}")
    return value


def _movie_file(text):
    if not text.lower().endswith((".gif", ".html", ".htm")):
        raise argparse.ArgumentTypeError(f"the movie is written as .gif or .html, got {text!r}")
    return text


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_opt",
        description="The post's experiment: AdaGrad, RMSProp and Adam on its fx from (0, 0), with "
                    "its hyperparameters. Prints a table and saves the paths as a PNG.",
        epilog="Run 'python -m tinygrad_opt compare --help' for the multi-minima study. "
               "Exit codes: 0 success, 1 failure while running, 2 bad arguments.",
    )  # fmt: skip
    parser.add_argument(
        "--gradient",
        choices=["autodiff", "hand-written"],
        default="autodiff",
        help="where the gradient comes from: tg.grad(fx) or the post's gfx (default: autodiff)",
    )
    parser.add_argument(
        "--output", default="post_paths.png", help="the figure's file (default: post_paths.png)"
    )
    parser.add_argument("--no-plot", action="store_true", help="print the table only")
    parser.set_defaults(run=_run_post)

    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    study = commands.add_parser(
        "compare", help="compare the optimizers on test functions with several minima",
        description="The multi-minima study: every method from the same random starts on each "
                    "function, its learning rate tuned on other starts; prints success rates with "
                    "95%% intervals, expected running times, which minima were found and final "
                    "gaps, and saves a figure of where the runs ended.",
        epilog="Exit codes: 0 success, 1 failure while running, 2 bad arguments.",
    )  # fmt: skip
    study.add_argument(
        "--functions",
        nargs="+",
        choices=functions.names(2),
        metavar="NAME",
        help=f"test functions (default: all in --dim dimensions): {', '.join(functions.names(2))}",
    )
    study.add_argument(
        "--methods",
        nargs="+",
        choices=list(METHODS),
        metavar="NAME",
        help=f"optimizers (default: every first-order one): {', '.join(METHODS)}",
    )
    study.add_argument(
        "--starts", type=_positive_int, default=20, help="random starts per function (default: 20)"
    )
    study.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        help="seed for starts, tuning and noise (default: 0)",
    )
    study.add_argument(
        "--max-iter", type=_positive_int, default=1000, help="steps per run at most (default: 1000)"
    )
    study.add_argument(
        "--tol", type=_positive_float, default=1e-5, help="success: f − f* ≤ tol (default: 1e-5)"
    )
    study.add_argument(
        "--dim",
        type=_positive_int,
        default=None,
        help=f"dimension (default 2; other dimensions for {', '.join(functions.SCALABLE)})",
    )
    study.add_argument(
        "--instances",
        type=_positive_int,
        default=1,
        help="instances per function: 0 (textbook), 1, ... (shifted and rotated; default: 1)",
    )
    study.add_argument(
        "--noise",
        type=_non_negative_float,
        default=0.0,
        help="σ of Gaussian noise added to every gradient (default: 0)",
    )
    study.add_argument(
        "--tune",
        choices=["function", "suite"],
        default="function",
        help="tune the lr per function (DeepOBS) or per method over the suite (COCO)",
    )
    study.add_argument(
        "--lr",
        nargs="+",
        default=None,
        metavar="LR",
        help="'tune' (default), one lr for all, or method=lr pairs (skips tuning)",
    )
    study.add_argument(
        "--targets",
        nargs="+",
        type=_positive_float,
        default=None,
        metavar="T",
        help="targets on f − f* (default: 1e1 1e0 ... 1e-8)",
    )
    study.add_argument(
        "--n-jobs", type=_n_jobs, default=1, help="worker processes (joblib; -1: every core)"
    )
    study.add_argument(
        "--save", default=None, metavar="PATH", help="save every run's record (.json or .csv)"
    )
    output = study.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the summary as JSON")
    output.add_argument("--csv", action="store_true", help="print the summary as CSV")
    study.add_argument(
        "--output", default="compare.png", help="the figure's file (default: compare.png)"
    )
    study.add_argument("--no-plot", action="store_true", help="no figure")
    study.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    study.add_argument(
        "--report", metavar="HTML", help="also write the study's HTML report to this file"
    )
    study.set_defaults(run=_run_compare)

    report = commands.add_parser(
        "report", help="write the self-contained HTML report of a saved study",
        description="Read a study saved with Comparison.save (JSON) and write ONE HTML file: the "
                    "configuration, the summary table with confidence intervals, runtime ECDFs, "
                    "performance profiles, convergence, lr sensitivity, basin maps and races.",
        epilog="Exit codes: 0 success, 1 failure while running, 2 bad arguments.",
    )  # fmt: skip
    report.add_argument("results", help="the saved study (results.json)")
    report.add_argument(
        "-o", "--output", default="report.html", help="the HTML file (default: report.html)"
    )
    report.add_argument(
        "--races", type=_count, default=2, help="functions with an animated race (default: 2)"
    )
    report.add_argument(
        "--frames", type=_frames, default=40, help="frames per race at most (default: 40)"
    )
    report.add_argument(
        "--no-basins", action="store_true", help="leave out the basin maps (faster)"
    )
    report.set_defaults(run=_run_report, no_plot=False)

    animate = commands.add_parser(
        "animate", help="the post's three loops (or a race on a test function) as a movie",
        description="Without --function: the post's AdaGrad, RMSProp and Adam from (0, 0), step by "
                    "step (tg.classic). With --function: a race of --methods from --start.",
        epilog="Exit codes: 0 success, 1 failure while running, 2 bad arguments.",
    )  # fmt: skip
    animate.add_argument(
        "-o",
        "--output",
        type=_movie_file,
        default="post_race.gif",
        help="the movie: .gif or .html (default: post_race.gif)",
    )
    animate.add_argument(
        "--frames", type=_frames, default=100, help="frames at most (default: 100)"
    )
    animate.add_argument(
        "--fps", type=_positive_int, default=12, help="frames per second (default: 12)"
    )
    animate.add_argument(
        "--gradient",
        choices=["autodiff", "hand-written"],
        default="autodiff",
        help="the post's loops: where the gradient comes from (default: autodiff)",
    )
    animate.add_argument(
        "--function",
        choices=list(functions.ALL),
        metavar="NAME",
        help=f"race on this test function instead: {', '.join(functions.ALL)}",
    )
    animate.add_argument(
        "--methods",
        nargs="+",
        choices=list(METHODS),
        metavar="NAME",
        help="the race's optimizers (default: sgd adagrad rmsprop adam)",
    )
    animate.add_argument(
        "--start", nargs=2, type=float, metavar=("X1", "X2"), help="the race's start"
    )
    animate.add_argument(
        "--lr", type=float, help="one learning rate for every method (default: 0.1)"
    )
    animate.add_argument(
        "--max-iter", type=_positive_int, default=1000, help="steps at most (default: 1000)"
    )
    animate.set_defaults(run=_run_animate, no_plot=False)
    return parser


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def main(argv=None):
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is _run_compare:
        try:
            args.lr = _lr_argument(args.lr)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"argument --lr: {exc}")
    if not args.no_plot and not _have_matplotlib():
        print(
            "error: figures need matplotlib: pip install 'tinygrad_opt[plot]' (or pass --no-plot)",
            file=sys.stderr,
        )
        return 1
    try:
        return args.run(args)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
