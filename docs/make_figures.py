"""Make the figures in docs/images/ (shown by the README and the guides).

    python docs/make_figures.py            # all of them
    python docs/make_figures.py race basins   # only those whose names are given

Needs the plot extra (matplotlib, Pillow). Every figure comes from the library's own functions,
so running this again after a change redraws them all. The study's figures (ECDF, profiles,
basins) need the statistical study (``tg.compare`` returning records, ``tg.basins``); they are
skipped, with a message, by a version of the library without it.
"""

import sys
from pathlib import Path

import numpy as np

import tinygrad_opt as tg
from tinygrad_opt import classic, functions, optim, plot

IMAGES = Path(__file__).parent / "images"


def post_paths():
    f = functions.post
    start = np.array([0, 0])
    runs = {
        "AdaGrad (i = 562)": classic.adagrad(f, f.gradient, start, ir=1000)[2],
        "RMSProp (i = 30)": classic.rmsprop(f, f.gradient, start, rho=0.8, ir=1000)[2],
        "Adam (t = 174)": classic.adam(f.gradient, start, alpha=0.1)[2],
    }
    return plot.paths(
        f, runs, domain="auto", show_steps=False, title="The post's experiment: paths from (0, 0)"
    )


def post_convergence():
    """f(x_k) − f* for the post's three variants and PyTorch's defaults at the same lr."""
    f = functions.post
    runs = {
        "post's AdaGrad (h₀ = 0.1, no eps)": tg.minimize(
            f, [0, 0], "adagrad", lr=0.1, eps=0.0, initial_accumulator_value=0.1, max_iter=600
        ),
        "post's RMSProp (ρ = 0.8, h₀ = 0.1, no eps)": tg.minimize(
            f,
            [0, 0],
            "rmsprop",
            lr=0.1,
            alpha=0.8,
            eps=0.0,
            initial_accumulator_value=0.1,
            max_iter=600,
        ),
        "post's Adam (eps = 1e-7)": tg.minimize(f, [0, 0], "adam", lr=0.1, eps=1e-7, max_iter=600),
        "RMSProp, PyTorch defaults (α = 0.99)": tg.minimize(
            f, [0, 0], "rmsprop", lr=0.1, max_iter=600
        ),
        "SGD, momentum 0.9": tg.minimize(f, [0, 0], "sgd", lr=0.02, momentum=0.9, max_iter=600),
    }
    return plot.losses(
        runs, f_star=f.minimum, title="The post's fx from (0, 0), learning rate 0.1 (SGD 0.02)"
    )


def himmelblau_paths():
    f = functions.himmelblau
    runs = {
        m: tg.minimize(f, [-0.3, -0.9], method=m, lr=lr)
        for m, lr in [("sgd", 0.01), ("adagrad", 1.0), ("rmsprop", 0.03), ("adam", 0.1)]
    }
    return plot.paths(f, runs, title="Himmelblau from (−0.3, −0.9): four minima compete")


def rosenbrock_paths():
    f = functions.rosenbrock
    runs = {
        "adam (lr 0.05)": tg.minimize(f, [-1.5, 2.0], "adam", lr=0.05, max_iter=3000),
        "rmsprop (lr 0.01)": tg.minimize(f, [-1.5, 2.0], "rmsprop", lr=0.01, max_iter=3000),
        "sgd + momentum (lr 1e-3)": tg.minimize(
            f, [-1.5, 2.0], optim.SGD, lr=1e-3, momentum=0.9, max_iter=3000
        ),
    }
    return plot.paths(f, runs, title="Rosenbrock's valley, 3000 steps at most")


def comparison():
    return plot.comparison(tg.compare(starts=20, seed=0))


HIMMELBLAU_RACE = {"sgd": 0.01, "adagrad": 1.0, "rmsprop": 0.03, "adam": 0.1}


def himmelblau_race():
    """The README's animation: four optimizers from (−0.3, −0.9) on Himmelblau."""
    return plot.race(functions.himmelblau, [-0.3, -0.9], list(HIMMELBLAU_RACE), lr=HIMMELBLAU_RACE,
                     frames=80, title="Himmelblau from (−0.3, −0.9): SGD takes another minimum")  # fmt: skip


_STUDY = {}


def _study():
    """A small study of the methods on the multi-minima functions (None without the records)."""
    if "study" not in _STUDY:
        result = tg.compare(["himmelblau", "six_hump_camel", "rosenbrock", "rastrigin"],
                            ["sgd", "adagrad", "rmsprop", "adam"], starts=20, seed=0)  # fmt: skip
        _STUDY["study"] = result if callable(getattr(result, "summary", None)) else None
    return _STUDY["study"]


def himmelblau_basins():
    if not hasattr(tg, "basins"):
        return None
    grid = tg.basins("himmelblau", list(HIMMELBLAU_RACE), resolution=61, lr=HIMMELBLAU_RACE)
    return plot.basins(grid, ncols=4, panel_size=(3.4, 3.3))


def study_ecdf():
    study = _study()
    return None if study is None else plot.ecdf(study)


def study_profile():
    study = _study()
    return None if study is None else plot.performance_profile(study)


def main(names=None):
    IMAGES.mkdir(exist_ok=True)
    figures = {"post_paths": post_paths, "post_convergence": post_convergence,
               "himmelblau_paths": himmelblau_paths, "rosenbrock_paths": rosenbrock_paths,
               "compare": comparison, "himmelblau_race": himmelblau_race,
               "himmelblau_basins": himmelblau_basins, "study_ecdf": study_ecdf,
               "study_profile": study_profile}  # fmt: skip
    for name, make in figures.items():
        if names and not any(n in name for n in names):
            continue
        made = make()
        if made is None:
            print(f"skipped {name}: this version of tinygrad_opt has no statistical study")
        elif isinstance(made, plot.Race):
            path = made.save(IMAGES / f"{name}.gif", fps=12, dpi=72)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {made.frames} frames)")
        else:
            path = IMAGES / f"{name}.png"
            made.savefig(path, dpi=110)
            print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
