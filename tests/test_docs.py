"""The documentation runs: the tutorial's code, the generated API reference, docstrings, the site."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)


def test_the_tutorial_has_at_least_ten_code_blocks():
    assert len(_python_blocks(DOCS / "tutorial.md")) >= 10


def test_the_tutorial_runs_top_to_bottom_in_an_empty_folder(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "tutorial"}
    for i, block in enumerate(_python_blocks(DOCS / "tutorial.md")):
        try:
            exec(compile(block, f"tutorial.md block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"tutorial.md block {i + 1} failed: {exc!r}\n{block}") from exc
    assert (tmp_path / "post_paths.png").exists() and (tmp_path / "checkpoint.npz").exists()


def _generator():
    spec = importlib.util.spec_from_file_location("generate_api", DOCS / "generate_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_a_docstring():
    assert _generator().missing_docstrings() == []


def test_the_api_reference_is_up_to_date():
    assert (DOCS / "api.md").read_text() == _generator().render(), (
        "docs/api.md is out of date: run python docs/generate_api.py")


def test_readme_and_guides_show_existing_images():
    for page in [ROOT / "README.md", DOCS / "tutorial.md", DOCS / "optimizers.md", DOCS / "index.md"]:
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / image).exists(), f"{page.name} shows a missing image {image}"


def test_the_site_builds_without_warnings(tmp_path):
    if shutil.which("mkdocs") is None and importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (the docs extra)")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first, *others = _python_blocks(ROOT / "README.md")
    exec(compile(first, "README.md", "exec"), {"__name__": "readme"})
    assert "[-6.8 -8. ]" in capsys.readouterr().out
    if others:  # the race (needs the plot extra)
        pytest.importorskip("matplotlib")
        pytest.importorskip("PIL")
        for block in others:
            exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
        assert (tmp_path / "race.gif").stat().st_size > 0
