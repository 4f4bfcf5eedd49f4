"""The pictures and the report drawn from a real study (``tg.compare``, ``tg.basins``), not from
stand-in data: the figures show exactly what the study returned, and a saved and reloaded study
gives the same report."""

import base64
import io
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")
Image = pytest.importorskip("PIL.Image")

import tinygrad_opt as tg  # noqa: E402
from tinygrad_opt import plot  # noqa: E402


@pytest.fixture(scope="module")
def study():
    return tg.compare(["himmelblau", "six_hump_camel"], ["sgd", "adam"], starts=4, seed=3,
                      max_iter=150, lr={"sgd": 0.01, "adam": 0.1})  # fmt: skip


def test_the_basin_map_shows_what_tg_basins_returned():
    result = tg.basins("himmelblau", ["sgd", "adam"], resolution=9, lr={"sgd": 0.01, "adam": 0.1},
                       max_iter=150)  # fmt: skip
    fig = plot.basins(result)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2
    for ax, method in zip(panels, ["sgd", "adam"], strict=True):
        (mesh,) = [c for c in ax.collections if c.__class__.__name__ == "QuadMesh"]
        labels = result.labels[method]
        assert labels.shape == (9, 9)
        assert np.array_equal(np.asarray(mesh.get_array()).reshape(labels.shape), labels)


def test_the_ecdf_of_a_real_study_counts_its_hits(study):
    fig = plot.ecdf(study)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for method in ("sgd", "adam"):
        runs = [r for r in study.runs if r["method"] == method]
        hits = sum(e is not None for r in runs for e in r["hit_evals"])
        pairs = len(runs) * len(study.targets)
        (label,) = [k for k in lines if k.lower().startswith(method)]
        assert np.isclose(np.max(lines[label].get_ydata()), hits / pairs)


def test_a_saved_study_reports_like_the_original(study, tmp_path):
    path = tmp_path / "results.json"
    study.save(path)
    again = tg.Comparison.load(path)
    assert again.summary() == study.summary()
    out = again.report(tmp_path / "report.html", basins=None, races=1, race_frames=6)
    page = out.read_text() if hasattr(out, "read_text") else (tmp_path / "report.html").read_text()
    images = re.findall(r'src="data:image/(?:png|gif);base64,([^"]+)"', page)
    assert images
    for data in images:
        Image.open(io.BytesIO(base64.b64decode(data))).load()
    for row in study.summary():
        assert row["function"] in page
    assert not re.search(r'(?:src|href)="https?://', page)
