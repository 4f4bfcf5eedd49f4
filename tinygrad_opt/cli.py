"""The command line: ``python -m tinygrad_opt`` (also installed as ``tinygrad-opt``).

- no command: the post's experiment from (0, 0) with its hyperparameters; prints a table and
  saves ``post_paths.png``;
- ``compare``: the multi-minima study; prints a table (or JSON/CSV) and saves ``compare.png``.

Exit codes: 0 success, 1 failure while running (for example a figure that cannot be written, or
matplotlib missing without ``--no-plot``), 2 bad arguments.
"""

from __future__ import annotations

import argparse
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
    result = compare(args.functions, args.methods, starts=args.starts, seed=args.seed,
                     max_iter=args.max_iter, tol=args.tol, progress=progress)
    if args.json:
        print(result.to_json())
    elif args.csv:
        print(result.to_csv(), end="")
    else:
        print(f"{args.starts} random starts per function (seed {args.seed}); success = ended within "
              f"1e-3 of a global minimiser\n")
        print(result.table())
    if not args.no_plot:
        path = _save(lambda plot: plot.comparison(result), args.output)
        print(f"\nsaved {path}", file=sys.stderr if (args.json or args.csv) else sys.stdout)
    return 0


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
                    "function; prints success rates, which minima were found, median steps and "
                    "final gaps, and saves a figure of where the runs ended.",
        epilog="Exit codes: 0 success, 1 failure while running, 2 bad arguments.",
    )  # fmt: skip
    study.add_argument("--functions", nargs="+", choices=list(functions.ALL), metavar="NAME",
                       help=f"test functions (default: all): {', '.join(functions.ALL)}")
    study.add_argument("--methods", nargs="+", choices=list(METHODS), metavar="NAME",
                       help=f"optimizers (default: sgd adagrad rmsprop adam adamw): {', '.join(METHODS)}")
    study.add_argument("--starts", type=_positive_int, default=20, help="random starts per function (default: 20)")
    study.add_argument("--seed", type=int, default=0, help="seed for the starts (default: 0)")
    study.add_argument("--max-iter", type=_positive_int, default=1000, help="steps per run at most (default: 1000)")
    study.add_argument("--tol", type=float, default=1e-5, help="stop when sum |Δx| < tol (default: 1e-5)")
    output = study.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the results as JSON")
    output.add_argument("--csv", action="store_true", help="print the results as CSV")
    study.add_argument("--output", default="compare.png", help="the figure's file (default: compare.png)")
    study.add_argument("--no-plot", action="store_true", help="no figure")
    study.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="show a progress bar (default: when stderr is a terminal)")
    study.set_defaults(run=_run_compare)
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit code."""
    args = _parser().parse_args(argv)
    if not args.no_plot and not _have_matplotlib():
        print("error: figures need matplotlib: pip install 'tinygrad_opt[plot]' (or pass --no-plot)",
              file=sys.stderr)
        return 1
    try:
        return args.run(args)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
