"""The command line and the figures (matplotlib comes with the dev extra)."""

import json
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_opt as tg
from tinygrad_opt import cli
from tinygrad_opt import functions as F

matplotlib = pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def test_post_experiment_table_and_figure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for expected in ("AdaGrad", "i = 562", "RMSProp", "i = 30", "Adam", "t = 174", "|x − x*|"):
        assert expected in out
    assert (tmp_path / "post_paths.png").read_bytes().startswith(PNG)


def test_post_experiment_with_the_hand_written_gradient(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--gradient", "hand-written", "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "i = 562" in out and "t = 174" in out
    assert not (tmp_path / "post_paths.png").exists()


def test_compare_table_json_csv_save_and_figure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["compare", "--functions", "himmelblau", "six_hump_camel", "--methods", "adam", "sgd",
            "--starts", "4", "--max-iter", "100", "--lr", "adam=0.1", "sgd=0.01"]  # fmt: skip
    assert cli.main([*args, "--save", "study.json"]) == 0
    out = capsys.readouterr().out
    assert "himmelblau" in out and "six_hump_camel" in out and "success" in out and "ERT" in out
    assert (tmp_path / "compare.png").read_bytes().startswith(PNG)
    saved = tg.Comparison.load(tmp_path / "study.json")
    assert saved.config["lr"] == {"adam": 0.1, "sgd": 0.01} and len(saved.runs) == 16
    assert cli.main([*args, "--json", "--no-plot"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["function"], r["method"]) for r in rows] == [
        ("himmelblau", "adam"),
        ("himmelblau", "sgd"),
        ("six_hump_camel", "adam"),
        ("six_hump_camel", "sgd"),
    ]
    assert cli.main([*args, "--csv", "--no-plot"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("function,dim,instances,method")


def test_compare_flags_reach_the_study(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["compare", "--functions", "sphere", "--methods", "sgd", "--dim", "3", "--instances", "2",
            "--noise", "0.1", "--tune", "suite", "--targets", "1", "0.01", "--starts", "2",
            "--max-iter", "20", "--n-jobs", "1", "--save", "s.csv", "--no-plot"]  # fmt: skip
    assert cli.main(args) == 0
    c = tg.Comparison.load(tmp_path / "s.csv")
    assert c.config["dims"] == [3] and c.config["instances"] == [0, 1] and c.config["noise"] == 0.1
    assert c.config["tune_by"] == "suite" and c.targets == [1.0, 0.01] and c.config["lr"] == "tune"
    assert cli.main(["compare", "--functions", "himmelblau", "--dim", "3", "--no-plot"]) == 2
    assert "2 dimensions only" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["compare", "--starts", "0"], ["compare", "--functions", "nope"], ["compare", "--methods", "nope"],
    ["compare", "--json", "--csv"], ["--gradient", "numeric"], ["frobnicate"], ["compare", "--noise", "-1"],
    ["compare", "--lr", "0"], ["compare", "--lr", "0.1", "adam=0.2"], ["compare", "--n-jobs", "0"],
    ["compare", "--tune", "never"], ["compare", "--targets", "-1"],
])  # fmt: skip
def test_bad_arguments_exit_with_2(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_missing_matplotlib_and_unwritable_figure_exit_with_1(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_have_matplotlib", lambda: False)
    assert cli.main([]) == 1
    assert "pip install" in capsys.readouterr().err
    assert cli.main(["--no-plot"]) == 0
    monkeypatch.undo()
    assert cli.main(["--output", str(tmp_path / "missing" / "x.png")]) == 1


def test_help_and_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_opt", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "compare" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_opt", "compare", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--starts" in result.stdout


def test_importing_the_package_does_not_import_matplotlib():
    code = "import sys, tinygrad_opt; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_figures(tmp_path):
    from tinygrad_opt import plot

    runs = [
        tg.minimize(F.himmelblau, [0.5, -4.5], method=m, lr=lr)
        for m, lr in [("sgd", 0.01), ("adam", 0.1)]
    ]
    for name, fig in [
        ("paths", plot.paths(F.himmelblau, runs)),
        ("dict", plot.paths(F.post, {"a": runs[0].path}, domain="auto")),
        ("callable", plot.paths(lambda x: (x[0] - 1) ** 2 + x[1] ** 2, runs[:1])),
        ("losses", plot.losses(runs, f_star=0.0)),
        ("rosenbrock", plot.paths(F.rosenbrock, tg.minimize(F.rosenbrock, [-1.5, 2], lr=0.05))),
    ]:
        path = tmp_path / f"{name}.png"
        fig.savefig(path)
        assert path.read_bytes().startswith(PNG)
    with pytest.raises(ValueError, match=r"shape \(k, 2\)"):
        plot.paths(F.post, {"bad": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="no values"):
        plot.losses({"a": np.zeros((3, 2))})


def test_rosenbrock_contours_are_log_spaced():
    from matplotlib.colors import LogNorm

    from tinygrad_opt import plot

    fig = plot.paths(F.rosenbrock, {"a": np.array([[0.0, 0.0], [0.5, 0.5]])})
    assert any(isinstance(getattr(c, "norm", None), LogNorm) for c in fig.axes[0].collections)
    fig = plot.paths(F.post, {"a": np.array([[0.0, 0.0], [0.5, 0.5]])}, domain="auto")
    assert not any(isinstance(getattr(c, "norm", None), LogNorm) for c in fig.axes[0].collections)


def test_console_script():
    import shutil

    script = shutil.which("tinygrad-opt")
    if script is None:
        pytest.skip("the package is not installed, so neither is its console script")
    result = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "post" in result.stdout
