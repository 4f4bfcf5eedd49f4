"""The comparison study: protocol, records, statistics, save/load, workers, basins, bad input."""

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import functions as F
from tinygrad_opt import optim
from tinygrad_opt.minimize import optimizer_class
from tinygrad_opt.study import runner, stats
from tinygrad_opt.study.records import Comparison

SMALL = dict(starts=4, seed=1, max_iter=150, lr_grid=[0.003, 0.03, 0.3], tune_starts=3)
RUN_KEYS = {"function", "dim", "instance", "start", "x0", "x", "method", "lr", "seed", "nit", "ngev",
            "fun", "delta_f", "minimum", "diverged", "success", "hit_steps", "hit_evals",
            "success_step", "curve"}  # fmt: skip


@pytest.fixture(scope="module")
def study():
    return tg.compare(["himmelblau", "six_hump_camel"], ["sgd", "adam"], **SMALL)


def test_records_follow_the_data_contract(study):
    assert study.config["functions"] == ["himmelblau", "six_hump_camel"]
    assert study.config["methods"] == ["sgd", "adam"]
    for key in (
        "starts",
        "seed",
        "max_iter",
        "tol",
        "lr",
        "lr_grid",
        "tune_starts",
        "tune_by",
        "targets",
        "noise",
        "dims",
        "instances",
    ):
        assert key in study.config
    assert study.targets == [10.0**-k for k in range(-1, 9)]
    assert study.curve_steps == [0, 1, 2, 4, 8, 16, 32, 64, 128, 150]
    assert {"version", "numpy", "python", "created", "seeds"} <= set(study.manifest)
    assert len(study.runs) == 2 * 2 * 4
    for r in study.runs:
        assert set(r) == RUN_KEYS
        assert len(r["hit_steps"]) == len(r["hit_evals"]) == len(study.targets)
        assert len(r["curve"]) == len(study.curve_steps)
        f = F.get(r["function"])
        if not r["diverged"]:
            assert r["fun"] == pytest.approx(float(f(np.array(r["x"]))), rel=1e-12, abs=1e-12)
            assert r["delta_f"] == r["fun"] - f.minimum
        # first hits: monotone in the target, consistent with the best-so-far curve
        steps = [h for h in r["hit_steps"] if h is not None]
        assert steps == sorted(steps) and all(h <= r["nit"] for h in steps)
        for t, h in zip(study.targets, r["hit_steps"], strict=True):
            for s, c in zip(study.curve_steps, r["curve"], strict=True):
                if c is not None and s <= r["nit"]:
                    assert (c <= t) == (h is not None and h <= s)
        assert r["success"] == (r["success_step"] is not None)
        if r["minimum"] is not None:
            assert np.linalg.norm(np.array(r["x"]) - f.all_minima[r["minimum"]]) < 0.1
    info = study.functions_info["himmelblau"]
    assert (
        info["f_star"] == 0.0 and len(info["minima"]) == 4 and info["domain"] == [[-5, 5], [-5, 5]]
    )


def test_the_same_starts_for_every_method_and_a_separate_tuning_stream(study):
    for name in ("himmelblau", "six_hump_camel"):
        x0 = {
            m: [r["x0"] for r in study.runs if r["function"] == name and r["method"] == m]
            for m in ("sgd", "adam")
        }
        assert x0["sgd"] == x0["adam"]
        f = F.get(name)
        tuning = runner.draw_starts(f, 4, 1, runner.TUNING)
        assert not np.allclose(tuning, np.array(x0["sgd"]).T)


def test_tuning_chooses_by_success_rate_then_ert(study):
    assert len(study.tuning) == 2 * 2 * 3  # (function, method, lr)
    for name in ("himmelblau", "six_hump_camel"):
        for m in ("sgd", "adam"):
            rows = [t for t in study.tuning if t["function"] == name and t["method"] == m]
            chosen = [t for t in rows if t["chosen"]]
            assert len(chosen) == 1
            best = max(t["success_rate"] for t in rows)
            assert chosen[0]["success_rate"] == best
            tied = [t["ert"] for t in rows if t["success_rate"] == best and t["ert"] is not None]
            if tied and chosen[0]["ert"] is not None:
                assert chosen[0]["ert"] == min(tied)
            assert all(t["runs"] == 3 for t in rows)
            assert {r["lr"] for r in study.runs if r["function"] == name and r["method"] == m} == {
                chosen[0]["lr"]
            }
    budget = study.tuning_budget()
    assert budget["runs"] == 36 and budget["ngev"] > 0


def test_summary_statistics(study):
    rows = study.summary()
    assert [(s["function"], s["method"]) for s in rows] == [
        ("himmelblau", "sgd"),
        ("himmelblau", "adam"),
        ("six_hump_camel", "sgd"),
        ("six_hump_camel", "adam"),
    ]
    for s in rows:
        runs = [
            r for r in study.runs if r["function"] == s["function"] and r["method"] == s["method"]
        ]
        k = sum(r["success"] for r in runs)
        assert s["n"] == 4 and s["successes"] == k and s["success_ci"] == stats.wilson(k, 4)
        cost = [r["success_step"] if r["success"] else r["nit"] for r in runs]
        assert s["ert"] == stats.ert(cost, [r["success"] for r in runs])
        assert math.isclose(sum(s["minima_share"].values()), 1.0)
        if s["ert"] is not None:
            lo, hi = s["ert_ci"]
            assert lo <= s["ert"] and (hi is None or s["ert"] <= hi)
    assert study.summary() == rows  # the bootstrap is seeded
    text = study.table()
    assert "himmelblau" in text and "ERT" in text and "95%" in text
    assert "<table>" in study._repr_html_()


def test_pairwise_exact_mcnemar(study):
    p = study.pairwise("sgd", "adam")
    assert p["n"] == 8 and p["both"] + p["neither"] + p["a_only"] + p["b_only"] == 8
    a = [r["success"] for r in study.runs if r["method"] == "sgd"]
    b = [r["success"] for r in study.runs if r["method"] == "adam"]
    assert p["p_value"] == stats.mcnemar(a, b)["p_value"]
    assert study.pairwise("sgd", "adam", function="himmelblau")["n"] == 4
    with pytest.raises(ValueError, match="unknown method 'rmsprop'"):
        study.pairwise("sgd", "rmsprop")


@pytest.mark.parametrize("ext", ["json", "csv"])
def test_save_and_load_give_an_equal_object(study, tmp_path, ext):
    path = tmp_path / f"study.{ext}"
    study.save(path)
    loaded = Comparison.load(path)
    assert loaded == study
    assert loaded.summary() == study.summary()
    assert [p.name for p in tmp_path.iterdir()] == [f"study.{ext}"]  # no temporary file left


def test_load_refuses_corrupt_or_foreign_files_and_save_writes_nothing_half_way(study, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a saved comparison"):
        Comparison.load(bad)
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="format 'something else'"):
        Comparison.load(bad)
    bad.write_text(json.dumps({"format": "tinygrad_opt.comparison/1", "runs": []}))
    with pytest.raises(ValueError, match="incomplete"):
        Comparison.load(bad)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a saved comparison"):
        Comparison.load(csv_file)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not a saved comparison"):
        Comparison.load(binary)
    with pytest.raises(ValueError, match=r"\.json or \.csv"):
        study.save(tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        study.save(tmp_path / "missing" / "x.json")
    # a failure while writing leaves neither the file nor a temporary one
    study.runs.append({"function": "himmelblau", "fun": float("nan")})
    try:
        with pytest.raises(ValueError):
            study.save(tmp_path / "half.json")
    finally:
        study.runs.pop()
    assert not (tmp_path / "half.json").exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp")]


def test_reproducible_and_independent_of_workers():
    pytest.importorskip("joblib")
    args = (["himmelblau", "rastrigin"], ["sgd", "adam"])
    kwargs = dict(SMALL, noise=0.5)
    one = tg.compare(*args, **kwargs, n_jobs=1)
    two = tg.compare(*args, **kwargs, n_jobs=2)
    assert one.runs == two.runs and one.tuning == two.tuning
    quiet = tg.compare(*args, **dict(SMALL), n_jobs=1)
    assert quiet.runs != one.runs  # the noise changes the runs
    assert tg.compare(*args, **dict(SMALL, seed=2)).runs != quiet.runs


def test_dask_cluster_gives_the_same_records():
    distributed = pytest.importorskip("distributed")
    joblib = pytest.importorskip("joblib")
    kwargs = dict(SMALL, max_iter=60)
    local = tg.compare(["himmelblau"], ["sgd", "adam"], **kwargs)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):  # fmt: skip
        with joblib.parallel_config(backend="dask"):
            remote = tg.compare(["himmelblau"], ["sgd", "adam"], **kwargs, n_jobs=2)
    assert remote.runs == local.runs


def test_fixed_learning_rates_skip_tuning():
    c = tg.compare(
        ["himmelblau"], ["sgd", "adam"], starts=3, max_iter=50, lr={"adam": 0.05, "sgd": 0.01}
    )
    assert c.tuning == [] and {(r["method"], r["lr"]) for r in c.runs} == {
        ("sgd", 0.01),
        ("adam", 0.05),
    }
    c = tg.compare(["himmelblau"], ["sgd", "adam"], starts=3, max_iter=50, lr={"adam": 0.05},
                   lr_grid=[0.001, 0.01], tune_starts=2)  # fmt: skip
    assert {t["method"] for t in c.tuning} == {"sgd"}
    assert tg.compare(["himmelblau"], ["sgd"], starts=2, max_iter=20, lr=0.07).runs[0]["lr"] == 0.07


def test_suite_tuning_gives_one_lr_per_method():
    c = tg.compare(["himmelblau", "booth"], ["sgd"], tune_by="suite", **SMALL)
    assert len({r["lr"] for r in c.runs}) == 1
    assert all(t["function"] is None for t in c.tuning) and len(c.tuning) == 3
    assert all(t["runs"] == 6 for t in c.tuning)  # tuning runs pooled over the suite


def test_weight_decay_off_by_default_and_coinciding_methods_listed_once():
    assert runner.hyperparameters_for(optim.AdamW) == {"weight_decay": 0.0}
    assert runner.hyperparameters_for(optim.AdamW, {"weight_decay": 0.1}) == {"weight_decay": 0.1}
    assert runner.hyperparameters_for(optim.Adam) == {}
    resolved, coincide, left_out = runner._methods(None, None)
    names = [r[0] for r in resolved]
    assert "adamw" not in names and coincide == {"adamw": "adam"}
    assert set(left_out) <= {"newton", "lbfgs", "adafactor", "muon"}
    c = tg.compare(["sphere"], ["adam", "adamw"], starts=3, max_iter=400, lr=0.1)
    assert [s["success_rate"] for s in c.summary()] == [1.0, 1.0]  # AdamW now reaches f's minimum
    assert c.config["hyperparameters"]["adamw"] == {"weight_decay": 0.0}


def test_divergence_is_recorded_not_averaged():
    c = tg.compare(["rosenbrock"], ["sgd"], starts=4, max_iter=50, lr=1.0)
    for r in c.runs:
        assert r["diverged"] and r["fun"] is None and r["delta_f"] is None and r["minimum"] is None
        assert not r["success"]
        k = r["nit"]
        assert all(v is None for s, v in zip(c.curve_steps, r["curve"], strict=True) if s >= k)
    s = c.summary()[0]
    assert s["divergence_rate"] == 1.0 and s["median_delta_f"] is None and s["ert"] is None
    assert s["minima_share"] == {"diverged": 1.0}


def test_leaving_the_bound_is_divergence():
    # f decreases towards its infimum 0 far away: descent walks out of the box [-3, 3]²
    f = F.custom(
        lambda x: 1 / (1 + x[0] ** 2 + x[1] ** 2), [(-1, 1), (-1, 1)], f_star=0.0, name="hill"
    )
    c = tg.compare([f], ["sgd"], starts=3, max_iter=100, lr=20.0)
    assert all(r["diverged"] and r["nit"] < 100 for r in c.runs)


def test_batched_columns_equal_single_runs_and_coupled_optimizers_fall_back():
    f = F.himmelblau
    X0 = runner.draw_starts(f, 3, 0, runner.STARTS)
    lrs = np.array([0.001, 0.01, 0.03])
    common = dict(max_iter=80, thresholds=[1e-8], sample_at=[0, 80])
    batch = runner.descent(f, optim.Adam, {}, X0, lrs, **common)
    for c in range(3):
        alone = runner.descent(f, optim.Adam, {}, X0[:, [c]], float(lrs[c]), **common)
        np.testing.assert_allclose(batch["x"][:, c], alone["x"][:, 0], rtol=1e-12)
        assert batch["nit"][c] == alone["nit"][0] and batch["ngev"][c] == alone["ngev"][0]

    class Normalized(optim.SGD):
        """SGD on the gradient divided by the whole parameter's norm: couples the columns."""

        def _update(self, param, grad, state, group):
            super()._update(param, grad / (np.linalg.norm(grad) + 1e-12), state, group)

    assert runner.batch_mode(optim.Adam, ()) == "array"
    assert runner.batch_mode(Normalized, ()) == "params"  # per-parameter norms: each run alone
    c = tg.compare(["himmelblau"], [Normalized], starts=3, max_iter=40, lr=0.05)
    singles = [runner.descent(f, Normalized, {}, np.array(r["x0"])[:, None], 0.05, max_iter=40,
                              thresholds=[1e-1, 1e-8], sample_at=[0])["x"][:, 0] for r in c.runs]  # fmt: skip
    np.testing.assert_allclose([r["x"] for r in c.runs], singles, rtol=1e-12)
    assert c.runs[0]["method"] == "normalized"

    class GlobalNorm(optim.SGD):
        """SGD on the gradient divided by the norm over every parameter: couples all of them."""

        def step(self, closure=None):
            if closure is not None:
                closure()
            params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
            total = np.sqrt(sum(float(np.sum(p.grad.data**2)) for p in params)) + 1e-12
            for p in params:
                p.grad = p.grad.data / total
            return super().step()

    assert runner.batch_mode(GlobalNorm, ()) == "single"
    c = tg.compare(["himmelblau"], [GlobalNorm], starts=3, max_iter=40, lr=0.05)
    singles = [runner.descent(f, GlobalNorm, {}, np.array(r["x0"])[:, None], 0.05, max_iter=40,
                              thresholds=[1e-1, 1e-8], sample_at=[0])["x"][:, 0] for r in c.runs]  # fmt: skip
    np.testing.assert_allclose([r["x"] for r in c.runs], singles, rtol=1e-12)


def test_gradient_evaluations_count_line_search_calls():
    class TwoCalls(optim.SGD):
        """Asks the closure twice per step, as a line search would."""

        def step(self, closure=None):
            closure()
            return super().step(closure)

    r = runner.descent(F.sphere, TwoCalls, {}, np.array([[1.0], [2.0]]), 0.01, max_iter=10,
                       thresholds=[1e-30], sample_at=[0], mode="single")  # fmt: skip
    assert (
        r["nit"][0] == 10 and r["ngev"][0] == 11 + 10
    )  # one evaluation per point, one more per step


def test_instances_dims_noise_and_custom_functions():
    c = tg.compare(
        ["sphere", "rastrigin"], ["adam"], dim=5, instances=2, starts=2, max_iter=30, lr=0.1
    )
    assert {(r["function"], r["dim"], r["instance"]) for r in c.runs} == {
        (n, 5, i) for n in ("sphere", "rastrigin") for i in (0, 1)
    }
    assert all(len(r["x0"]) == 5 for r in c.runs)
    assert {s["function"]: s["instances"] for s in c.summary()} == {
        "sphere": [0, 1],
        "rastrigin": [0, 1],
    }
    assert set(c.functions_info) == {"sphere-5d", "rastrigin-5d", "sphere-5d-i1", "rastrigin-5d-i1"}
    bowl = F.custom(
        lambda x: (x[0] - 1) ** 2 + (x[1] - 2) ** 2,
        [(-4, 4), (-4, 4)],
        minima=[(1, 2)],
        name="bowl",
    )
    c = tg.compare([bowl], ["sgd"], starts=3, max_iter=200, lr=0.1)
    assert all(r["success"] and r["minimum"] == 0 for r in c.runs)
    default = tg.compare(methods=["sgd"], dim=10, starts=1, max_iter=2, lr=0.01)
    assert sorted(default.config["functions"]) == sorted(F.SCALABLE)


@pytest.mark.parametrize("kwargs, message", [
    (dict(functions=["nope"]), r"unknown test function 'nope'.*himmelblau"),
    (dict(methods=["nope"]), r"unknown method 'nope'.*adam"),
    (dict(starts=0), "starts must be an integer >= 1, got 0"),
    (dict(tune_starts=0), "tune_starts must be an integer >= 1"),
    (dict(noise=-1.0), "noise must be a number >= 0, got -1.0"),
    (dict(lr_grid=[]), "lr_grid is empty"),
    (dict(lr_grid=[0.1, -1]), "lr_grid must hold positive"),
    (dict(lr=-0.1), "lr must be 'tune', a positive number"),
    (dict(lr="fast"), "lr must be 'tune'"),
    (dict(lr={"rmsprop": 0.1}), "lr names the method 'rmsprop', which is not compared"),
    (dict(lr={"sgd": 0}), r"lr\['sgd'\] must be a positive number"),
    (dict(tune_by="method"), "tune_by must be 'function' or 'suite'"),
    (dict(targets=[]), "targets must be a non-empty list"),
    (dict(tol=0), "tol must be a positive number"),
    (dict(max_iter=0), "max_iter must be an integer >= 1"),
    (dict(n_jobs=0), "n_jobs must be a non-zero integer"),
    (dict(dim=0), "dim must be an integer >= 1, got 0"),
    (dict(dim=3), "himmelblau is defined in 2 dimensions only"),
    (dict(instances=0), "instances must be >= 1"),
    (dict(functions=["sphere", "sphere"]), "listed twice"),
    (dict(functions=[F.custom(lambda x: x[0] ** 2, [(-1, 1)])]), "has no known minimum"),
])  # fmt: skip
def test_bad_input_is_named(kwargs, message):
    args = dict(
        functions=["himmelblau"],
        methods=["sgd"],
        starts=1,
        max_iter=1,
        lr_grid=[0.1],
        tune_starts=1,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        tg.compare(**args)


def test_basins_label_every_start():
    b = tg.basins(
        "himmelblau", ["sgd", "adam"], resolution=9, lr={"sgd": 0.01, "adam": 0.1}, max_iter=300
    )
    assert b.function == "himmelblau" and b.xs.shape == b.ys.shape == (9,)
    assert b.minima.shape == (4, 2) and b.lr == {"sgd": 0.01, "adam": 0.1}
    for m in ("sgd", "adam"):
        labels = b.labels[m]
        assert labels.shape == (9, 9) and labels.min() >= -2 and labels.max() <= 3
        assert math.isclose(sum(b.share(m).values()), 1.0)
    # the start nearest a minimum is labelled by it: (3, 2) is on the grid's x-line 3.75? check by runs
    f = F.himmelblau
    for i in (0, 4, 8):
        for j in (0, 4, 8):
            r = runner.descent(f, optim.SGD, {}, np.array([[b.xs[j]], [b.ys[i]]]), 0.01, max_iter=300,
                               thresholds=[1e-5], sample_at=[0])  # fmt: skip
            assert runner.classify(f, r["x"], r["diverged"])[0] == b.labels["sgd"][i, j]
    tuned = tg.basins(
        "booth", ["sgd"], resolution=3, max_iter=50, lr_grid=[0.01, 0.1], tune_starts=2
    )
    assert tuned.lr["sgd"] in (0.01, 0.1)
    with pytest.raises(ValueError, match="must be 2-D"):
        tg.basins(F.get("sphere", dim=3), ["sgd"], lr=0.1)
    with pytest.raises(ValueError, match="resolution must be an integer >= 2"):
        tg.basins("booth", ["sgd"], resolution=1, lr=0.1)


@settings(max_examples=8)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["sgd", "adagrad", "rmsprop", "adam"]),
    st.sampled_from(["himmelblau", "six_hump_camel", "booth"]),
)
def test_every_column_follows_its_own_run(seed, method, name):
    """A block's columns (starts × lrs, with noise) equal the runs made one at a time."""
    f, cls = F.get(name), optimizer_class(method)
    rng = np.random.default_rng(seed)
    X0 = runner.draw_starts(f, 3, seed % 1000, runner.STARTS)
    lrs = 10.0 ** rng.uniform(-3, -0.5, 3)
    noise = 0.1 * rng.standard_normal((41, 2, 3))
    common = dict(max_iter=40, thresholds=[1.0, 1e-8], sample_at=[0, 8, 40], noise=noise)
    batch = runner.descent(f, cls, {}, X0, lrs, noise_columns=np.arange(3), **common)
    for c in range(3):
        alone = runner.descent(
            f, cls, {}, X0[:, [c]], float(lrs[c]), noise_columns=np.array([c]), **common
        )
        for key in ("nit", "ngev", "diverged", "hit_steps"):
            np.testing.assert_array_equal(batch[key][..., c], alone[key][..., 0])
        np.testing.assert_allclose(batch["x"][:, c], alone["x"][:, 0], rtol=1e-9, atol=1e-12)


def test_progress_bar_runs():
    pytest.importorskip("tqdm")
    c = tg.compare(["booth"], ["sgd"], starts=2, max_iter=10, lr=0.01, progress=True)
    assert len(c.runs) == 2
