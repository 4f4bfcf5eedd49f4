"""The command line: ``python -m tinygrad_opt`` (also installed as ``tinygrad-opt``).

- no command: the post's experiment from (0, 0) with its hyperparameters; prints a table and
  saves ``post_paths.png``;
- ``compare``: the multi-minima study (learning rates tuned per method, fixed targets, confidence
  intervals); prints a table (or JSON/CSV), ``--save`` writes every run's record, and it saves
  ``compare.png``.

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
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)) for c in [header]]
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
        path = _save(lambda plot: plot.paths(f, runs, domain="auto", show_steps=False,
                                             title="The post's experiment: paths from (0, 0)"),
                     args.output)
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
        lr = "tuned per function" if c["tune_by"] == "function" else "tuned per method over the suite"
        print(f"{args.starts} random starts per function (seed {args.seed}); lr {lr if args.lr == 'tune' else 'given'};"
              f" success = f − f* ≤ {args.tol:g} within {args.max_iter} steps\n")  # fmt: skip
        print(result.table())
    if args.save:
        result.save(args.save)
        print(f"\nsaved {args.save}", file=info)
    if not args.no_plot:
        path = _save(lambda plot: plot.comparison(result), args.output)
        print(f"\nsaved {path}", file=info)
    return 0


def _summary_csv(rows):
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
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


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not (value >= 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-zero integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1: every core), got 0")
    return value


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
    parser.add_argument("--gradient", choices=["autodiff", "hand-written"], default="autodiff",
                        help="where the gradient comes from: tg.grad(fx) or the post's gfx (default: autodiff)")
    parser.add_argument("--output", default="post_paths.png", help="the figure's file (default: post_paths.png)")
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
    study.add_argument("--functions", nargs="+", choices=functions.names(2), metavar="NAME",
                       help=f"test functions (default: all in --dim dimensions): {', '.join(functions.names(2))}")
    study.add_argument("--methods", nargs="+", choices=list(METHODS), metavar="NAME",
                       help=f"optimizers (default: every first-order one): {', '.join(METHODS)}")
    study.add_argument("--starts", type=_positive_int, default=20, help="random starts per function (default: 20)")
    study.add_argument("--seed", type=_non_negative_int, default=0, help="seed for starts, tuning and noise (default: 0)")
    study.add_argument("--max-iter", type=_positive_int, default=1000, help="steps per run at most (default: 1000)")
    study.add_argument("--tol", type=_positive_float, default=1e-5, help="success: f − f* ≤ tol (default: 1e-5)")
    study.add_argument("--dim", type=_positive_int, default=None,
                       help=f"dimension (default 2; other dimensions for {', '.join(functions.SCALABLE)})")
    study.add_argument("--instances", type=_positive_int, default=1,
                       help="instances per function: 0 (textbook), 1, ... (shifted and rotated; default: 1)")
    study.add_argument("--noise", type=_non_negative_float, default=0.0,
                       help="σ of Gaussian noise added to every gradient (default: 0)")
    study.add_argument("--tune", choices=["function", "suite"], default="function",
                       help="tune the lr per function (DeepOBS) or per method over the suite (COCO)")
    study.add_argument("--lr", nargs="+", default=None, metavar="LR",
                       help="'tune' (default), one lr for all, or method=lr pairs (skips tuning)")
    study.add_argument("--targets", nargs="+", type=_positive_float, default=None, metavar="T",
                       help="targets on f − f* (default: 1e1 1e0 ... 1e-8)")
    study.add_argument("--n-jobs", type=_n_jobs, default=1, help="worker processes (joblib; -1: every core)")
    study.add_argument("--save", default=None, metavar="PATH", help="save every run's record (.json or .csv)")
    output = study.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the summary as JSON")
    output.add_argument("--csv", action="store_true", help="print the summary as CSV")
    study.add_argument("--output", default="compare.png", help="the figure's file (default: compare.png)")
    study.add_argument("--no-plot", action="store_true", help="no figure")
    study.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="show a progress bar (default: when stderr is a terminal)")
    study.set_defaults(run=_run_compare)
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
        print("error: figures need matplotlib: pip install 'tinygrad_opt[plot]' (or pass --no-plot)",
              file=sys.stderr)
        return 1
    try:
        return args.run(args)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
