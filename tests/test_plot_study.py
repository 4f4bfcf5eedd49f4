"""The study's figures, checked on their data: built from a Comparison-shaped fixture
(tests/study_fixtures.py) that follows the study's data contract attribute by attribute."""

import numpy as np
import pytest

from tests.study_fixtures import TARGETS, make_basins, make_comparison

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from tinygrad_opt import plot
from tinygrad_opt.plot import style
from tinygrad_opt.plot.ecdf import ecdf_data
from tinygrad_opt.plot.profiles import profile_data

METHODS = ["sgd", "adam", "rmsprop"]


@pytest.fixture(scope="module")
def study():
    return make_comparison(methods=tuple(METHODS))


def line_colors(ax):
    return {
        line.get_label(): to_hex(line.get_color())
        for line in ax.lines
        if not line.get_label().startswith("_")
    }


def test_every_method_keeps_its_colour_and_colours_are_distinct():
    known = list(style.METHOD_COLORS)
    assert len(set(style.METHOD_COLORS.values())) == len(known)
    colors = style.method_colors(["adam", "mystery", "sgd", "other"])
    assert (
        colors["adam"] == style.METHOD_COLORS["adam"]
        and colors["sgd"] == style.METHOD_COLORS["sgd"]
    )
    assert len(set(colors.values())) == 4
    # labels made of a method's name and more take that method's colour; a second label of the
    # same method gets another one
    assert style.method_color("AdaGrad (i = 562)") == style.METHOD_COLORS["adagrad"]
    twin = style.method_colors(["adam (lr 0.1)", "adam (lr 1)"])
    assert twin["adam (lr 0.1)"] == style.METHOD_COLORS["adam"] != twin["adam (lr 1)"]


def test_the_same_method_has_the_same_colour_in_every_figure(study):
    figures = [plot.ecdf(study), plot.performance_profile(study), plot.convergence(study)]
    for fig in figures:
        assert line_colors(fig.axes[0]) == {m: style.METHOD_COLORS[m].lower() for m in METHODS}


def test_ecdf_counts_the_pairs_reached(study):
    for method in METHODS:
        evals, fraction, budget = ecdf_data(study, method)
        # independently: each function weighs 1/3, each of its pairs 1/(runs·targets)
        expected = 0.0
        for f in study.config["functions"]:
            runs = [r for r in study.runs if r["function"] == f and r["method"] == method]
            hits = sum(h is not None for r in runs for h in r["hit_evals"])
            expected += hits / (len(runs) * len(TARGETS)) / 3
        assert fraction[-1] == pytest.approx(expected)
        assert np.all(np.diff(evals) >= 0) and np.all(np.diff(fraction) > 0)
        assert budget == max(r["ngev"] for r in study.runs if r["method"] == method)
    fig = plot.ecdf(study)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    steps = [line for line in ax.lines if line.get_label() in METHODS]
    assert [line.get_label() for line in steps] == METHODS
    for line in steps:
        assert line.get_ydata()[-1] == pytest.approx(ecdf_data(study, line.get_label())[1][-1])


def test_ecdf_per_function_has_one_panel_per_function(study):
    fig = plot.ecdf(study, per_function=True)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == study.config["functions"]
    himmelblau = ecdf_data(study, "adam", ["himmelblau"])[1][-1]
    adam = next(line for line in visible[0].lines if line.get_label() == "adam")
    assert adam.get_ydata()[-1] == pytest.approx(himmelblau)


def test_performance_profile_ratios(study):
    problems, methods, ratios = profile_data(study)
    assert methods == METHODS and [p[0] for p in problems] == study.config["functions"]
    finite = np.isfinite(ratios)
    assert np.all(ratios[finite] >= 1)
    for p, row in enumerate(ratios):  # the best solver of a solved problem has ratio 1
        if finite[p].any():
            assert np.nanmin(row) == 1.0
    ert = {(r["function"], r["method"]): r["ert"] for r in study.summary()}
    for (f, _), row in zip(problems, ratios, strict=True):
        for s, m in enumerate(methods):
            assert np.isinf(row[s]) == (ert[(f, m)] is None)
    fig = plot.performance_profile(study)
    for line in fig.axes[0].lines:
        s = methods.index(line.get_label())
        # ρ(τ) at the right edge: the share of functions the method solved at all
        assert line.get_ydata()[-1] == pytest.approx(np.isfinite(ratios[:, s]).mean())


def test_sensitivity_draws_what_tuning_saw(study):
    fig = plot.sensitivity(study)
    tops = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel() == "success rate"]
    assert [ax.get_title() for ax in tops] == study.config["functions"]
    for ax, f in zip(tops, study.config["functions"], strict=True):
        for line in (ln for ln in ax.lines if ln.get_label() in METHODS):
            rows = sorted((r for r in study.tuning if r["function"] == f and r["method"] == line.get_label()),
                          key=lambda r: r["lr"])  # fmt: skip
            assert list(line.get_xdata()) == [r["lr"] for r in rows]
            assert list(line.get_ydata()) == [r["success_rate"] for r in rows]
    suite = make_comparison(tune_by="suite")
    assert [
        ax.get_title() for ax in plot.sensitivity(suite).axes if ax.get_ylabel() == "success rate"
    ] == ["whole suite"]
    hopeless = make_comparison(functions=("rastrigin",))
    for row in hopeless.tuning:
        row["success_rate"], row["ert"] = 0.0, None
    fig = plot.sensitivity(hopeless)
    assert [t.get_text() for t in fig.axes[1].texts] == ["no success at any lr"]
    study_without = make_comparison()
    study_without.tuning = []
    with pytest.raises(ValueError, match="no tuning records"):
        plot.sensitivity(study_without)


def test_convergence_median_and_quartiles(study):
    fig = plot.convergence(study)
    ax = fig.axes[0]
    adam = next(line for line in ax.lines if line.get_label() == "adam")
    curves = [
        r["curve"] for r in study.runs if r["function"] == "himmelblau" and r["method"] == "adam"
    ]
    median = np.percentile(np.array(curves, dtype=float), 50, axis=0, method="lower")
    assert np.allclose(adam.get_ydata(), np.maximum(median, 1e-16))
    assert list(adam.get_xdata()) == study.curve_steps
    assert len(ax.collections) == len(METHODS)  # one quartile band per method
    # a diverged run counts as +inf from then on: sgd's upper quartile is then not drawn
    sgd = [r for r in study.runs if r["function"] == "himmelblau" and r["method"] == "sgd"]
    assert any(r["diverged"] for r in sgd)


def test_basin_map_shows_the_labels_it_was_given():
    result = make_basins(methods=("sgd", "adam"))
    fig = plot.basins(result)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(" (")[0] for ax in panels] == ["sgd", "adam"]
    for ax, method in zip(panels, ["sgd", "adam"], strict=True):
        (mesh,) = [c for c in ax.collections if c.__class__.__name__ == "QuadMesh"]
        labels = result.labels[method]
        assert np.array_equal(np.asarray(mesh.get_array()).reshape(labels.shape), labels)
        # the colour of each label: minima from the palette, −1 grey, −2 black
        rgba = mesh.to_rgba(np.array([-2, -1, 0, 1, 2, 3]))
        assert to_hex(rgba[0]) == plot.basins.__globals__["DIVERGED_COLOR"].lower()
        assert to_hex(rgba[1]) == plot.basins.__globals__["NO_MINIMUM_COLOR"].lower()
        assert len({to_hex(c) for c in rgba}) == 6
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        share = result.share(method)
        for i in range(len(result.minima)):
            assert legend[i].startswith(f"minimum {i} ") and legend[i].endswith(
                f": {100 * share[i]:.0f}%"
            )
        assert any(t.startswith("diverged") for t in legend) == (-2 in share)
        assert any(t.startswith("no known minimum") for t in legend) == (-1 in share)
        stars = [c for c in ax.collections if c.__class__.__name__ == "PathCollection"]
        assert np.allclose(stars[0].get_offsets(), result.minima)
    assert "Himmelblau" in fig.texts[0].get_text()  # the suptitle names the function by its title
    rare = make_basins(resolution=(21, 21))
    rare.labels["adam"][:] = 0
    rare.labels["adam"][0, 0] = -1  # 1 start in 441
    legend = [t.get_text() for t in plot.basins(rare).axes[1].get_legend().get_texts()]
    assert legend[-1] == "no known minimum: <1%"
    with pytest.raises(ValueError, match="expected"):
        bad = make_basins()
        bad.labels["sgd"] = bad.labels["sgd"][:, :-1]
        plot.basins(bad)


def test_surface_lifts_the_paths_onto_f():
    from tinygrad_opt import functions as F
    from tinygrad_opt import minimize

    run = minimize(F.himmelblau, [0.0, 0.0], method="adam", max_iter=50)
    fig = plot.surface(F.himmelblau, {"adam": run})
    ax = fig.axes[0]
    assert ax.name == "3d"
    (line,) = [ln for ln in ax.lines if ln.get_label() == "adam"]
    x, _, z = line.get_data_3d()
    assert np.allclose(x, run.path[:, 0]) and np.allclose(z, run.values)


def test_titles_never_overflow_their_panel():
    from tinygrad_opt.plot.style import fit_suptitle, fit_title, matplotlib_figure

    fig = matplotlib_figure()(figsize=(9, 3), layout="constrained")
    axes = fig.subplots(1, 3)
    long = (
        "Six-hump camel · sgd 100% · adagrad 95% · rmsprop 80% · adam 100% · adamw 100% · nadam 97%"
    )
    titles = [fit_title(ax, long, fontsize=10) for ax in axes]
    sup = fit_suptitle(fig, long * 2)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax, title in zip(axes, titles, strict=True):
        assert "\n" in title.get_text()
        assert (
            title.get_window_extent(renderer).width <= ax.get_window_extent(renderer).width * 1.02
        )
    assert sup.get_window_extent(renderer).width <= fig.bbox.width


def test_comparison_from_records_draws_each_run_end(study):
    from tinygrad_opt import functions as F

    for r in study.runs:  # the study's records may carry each run's final point
        f = F.get(r["function"])
        r["x"] = None if r["diverged"] else f.minima[r["minimum"]].tolist()
    fig = plot.comparison(study)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(panels) == 3
    adam = [c for c in panels[0].collections if c.__class__.__name__ == "PathCollection"
            and to_hex(c.get_facecolor()[0]) == style.METHOD_COLORS["adam"].lower()]  # fmt: skip
    ends = [r["x"] for r in study.runs if r["function"] == "himmelblau" and r["method"] == "adam"]
    assert len(adam) == 1 and np.allclose(adam[0].get_offsets(), ends)
    for r in study.runs:
        del r["x"]
    with pytest.raises(ValueError, match="final point"):
        plot.comparison(study)


def test_importing_plot_and_report_imports_no_optional_dependency():
    import subprocess
    import sys

    code = ("import sys, tinygrad_opt.plot, tinygrad_opt.report; "
            "print(sorted(m for m in ('matplotlib', 'jinja2', 'PIL') if m in sys.modules))")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_missing_matplotlib_names_the_plot_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"tinygrad_opt\[plot\]"):
        plot.ecdf(make_comparison())


def test_a_study_in_two_dimensions_gets_a_panel_per_function_and_dim():
    study = make_comparison(functions=("rosenbrock", "himmelblau"), methods=("adam",))
    more = [{**r, "dim": 10} for r in study.runs if r["function"] == "rosenbrock"]
    for r in more:
        r["hit_evals"] = [None] * len(r["hit_evals"])  # never reaches a target in 10-D
    study.runs += more
    fig = plot.ecdf(study, per_function=True)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["rosenbrock (2-D)", "rosenbrock (10-D)", "himmelblau"]
    assert [ax.get_title() for ax in plot.convergence(study).axes if ax.get_visible()] == titles
    # pooled, the 10-D problem weighs a third and reaches nothing
    two_d = ecdf_data(study, "adam", [("rosenbrock", 2), ("himmelblau", 2)])[1][-1]
    assert ecdf_data(study, "adam")[1][-1] == pytest.approx(two_d * 2 / 3)
