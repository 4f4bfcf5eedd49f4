"""Every example runs to completion in a fresh folder, prints what it shows, saves its figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))
EXPECTED = {  # something each example must print
    "01_post_function.py": ["iteration 562", "iteration  30", "iteration 174"],
    "02_linear_regression.py": ["largest difference from lstsq"],
    "03_logistic_regression.py": ["training accuracy"],
    "04_mlp_classifier.py": ["SGD", "Adam", "accuracy"],
    "05_multiple_minima.py": ["himmelblau", "most successful method"],
}


def test_every_example_is_listed():
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example, tmp_path):
    pytest.importorskip("matplotlib")
    # the package is importable from the repository even when it is not installed
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    for text in EXPECTED[example.name]:
        assert text in result.stdout
    pngs = list(tmp_path.glob("*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
