"""The documentation runs and renders: its code, its notebooks, its docstrings, the built site."""

import functools
import html as html_module
import http.server
import importlib
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "examples" / "notebooks"
PAGES = sorted(DOCS.glob("*.md"))


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_blocks(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": path.stem}
    for i, block in enumerate(_python_blocks(path)):
        try:
            exec(compile(block, f"{path.name} block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"{path.name} block {i + 1} failed: {exc!r}\n{block}") from exc


def test_the_tutorial_has_at_least_ten_code_blocks():
    assert len(_python_blocks(DOCS / "tutorial.md")) >= 10


def test_the_tutorial_runs_top_to_bottom_in_an_empty_folder(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    _run_blocks(DOCS / "tutorial.md", tmp_path, monkeypatch)
    assert (tmp_path / "post_paths.png").exists() and (tmp_path / "checkpoint.npz").exists()


@pytest.mark.parametrize(
    "page",
    [p for p in PAGES if p.name != "tutorial.md" and _python_blocks(p)],
    ids=lambda p: p.name,
)
def test_the_code_of_every_guide_runs_top_to_bottom(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    _run_blocks(page, tmp_path, monkeypatch)


def _public_namespaces():
    """``tinygrad_opt`` and the modules it exports by name (``tg.optim``, ``tg.nn``, ...), with
    the modules those export in turn (``tg.optim.lr_scheduler``)."""
    sys.path.insert(0, str(ROOT))
    try:
        namespaces = [importlib.import_module("tinygrad_opt")]
    finally:
        sys.path.remove(str(ROOT))
    for namespace in namespaces:
        for name in namespace.__all__:
            obj = getattr(namespace, name)
            if inspect.ismodule(obj) and obj not in namespaces:
                namespaces.append(obj)
    return namespaces


def test_every_public_name_has_a_docstring():
    missing = []
    for namespace in _public_namespaces():
        if not inspect.getdoc(namespace):
            missing.append(namespace.__name__)
        for name in namespace.__all__:
            obj = getattr(namespace, name)
            if callable(obj) and not inspect.getdoc(obj):
                missing.append(f"{namespace.__name__}.{name}")
            if inspect.isclass(obj):
                for method, member in vars(obj).items():
                    documented = inspect.isfunction(member) or isinstance(member, property)
                    if documented and not method.startswith("_") and not member.__doc__:
                        missing.append(f"{namespace.__name__}.{name}.{method}")
    assert missing == []


def test_readme_and_guides_show_existing_images():
    for page in [ROOT / "README.md", *PAGES]:
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / image).exists(), f"{page.name} shows a missing image {image}"


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


def test_the_readme_says_how_to_build_the_site():
    readme = (ROOT / "README.md").read_text()
    assert 'python -m pip install -e ".[docs]" && mkdocs build --strict' in readme
    # .ci/run takes the first line starting with "pip install -e" as the test command
    assert (
        re.search(r"^pip install -e .*", readme, flags=re.M).group(0).endswith("python -m pytest")
    )


# ---------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with --strict (a warning fails the build)."""
    for module in ["mkdocs", "material", "mkdocstrings_handlers.python", "pymdownx", "mathjax"]:
        pytest.importorskip(module, reason="the docs extra is not installed")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_site_builds_without_warnings(site):
    assert (site / "index.html").exists()


def test_every_update_rule_is_typeset(site):
    html = (site / "optimizers" / "index.html").read_text()
    blocks = re.findall(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', html, flags=re.DOTALL)
    for rule in [r"\theta_t = \theta_{t-1} - \eta\, d_t", r"s_t &= s_{t-1} + d_t^2",
                 r"v_t &= \alpha\, v_{t-1}", r"\hat m_t &= \frac{m_t}{1 - \beta_1^t}",
                 r"\theta_{t-1}\, (1 - \eta \lambda)"]:  # fmt: skip
        assert any(rule in html_module.unescape(block) for block in blocks), rule
    # no Unicode update rules left behind
    assert "←" not in html and "θ" not in html


def test_mathjax_is_served_from_the_site_and_nothing_is_fetched(site):
    assert (site / "javascripts" / "mathjax" / "tex-mml-chtml.js").stat().st_size > 100_000
    assert list((site / "javascripts" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'<script[^>]*src="(https?:)?//', html), page
        assert not re.search(r'<link[^>]*rel="stylesheet"[^>]*href="(https?:)?//', html), page
        if "arithmatex" in html:
            assert "javascripts/mathjax/tex-mml-chtml.js" in html, page


def test_a_browser_typesets_every_formula_of_the_optimizer_guide(site):
    browser = next(
        filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None
    )
    if browser is None:
        pytest.skip("no Chromium to render the page with")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/optimizers/"
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    formulas = dom.count('class="arithmatex"')
    assert formulas > 40
    assert dom.count("<mjx-container") == formulas  # MathJax typeset every one of them
    assert "<mjx-merror" not in dom  # and none is a TeX error


def test_the_api_reference_documents_every_public_name(site):
    api = "".join(p.read_text() for p in (site / "api").rglob("*.html"))
    for namespace in _public_namespaces():
        for name in namespace.__all__:
            obj = getattr(namespace, name)
            if inspect.ismodule(obj):
                target = obj.__name__
            elif inspect.isfunction(obj) or inspect.isclass(obj):
                target = f"{obj.__module__}.{obj.__qualname__}"
            else:
                continue  # data (test functions, a table of learning rates) is in its module's text
            assert f'id="{target}"' in api, f"{namespace.__name__}.{name} ({target})"
    # signatures are shown, with their annotations
    nn = (site / "api" / "tinygrad_opt.nn" / "index.html").read_text()
    assert "in_features" in nn and "out_features" in nn and "doc-signature" in nn


def test_the_gallery_shows_every_figure_with_its_code(site):
    figures = _hooks().figures()
    assert {"post_paths", "compare"} <= {name for name, _, _ in figures}
    html = (site / "gallery" / "index.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)  # the code blocks' text, without the highlighting
    for name, _, source in figures:
        assert f'src="../images/{name}.png"' in html or f'src="../images/{name}.gif"' in html, name
        assert source.splitlines()[0] in text, name


# ---------------------------------------------------------------- the notebooks


PAIRED = [
    (DOCS / "tutorial.md", NOTEBOOKS / "tutorial.ipynb"),
    (DOCS / "post.md", NOTEBOOKS / "post.ipynb"),
]


@pytest.mark.parametrize("markdown, notebook", PAIRED, ids=lambda p: p.name)
def test_each_notebook_is_its_page_paired_by_jupytext(markdown, notebook):
    jupytext = pytest.importorskip("jupytext")
    page, saved = jupytext.read(markdown), jupytext.read(notebook)
    assert saved.metadata["jupytext"]["formats"] == "docs//md,examples/notebooks//ipynb"
    assert [(c.cell_type, c.source) for c in saved.cells] == [
        (c.cell_type, c.source) for c in page.cells
    ], (
        f"{notebook.name} differs from {markdown.name}: run jupytext --sync {markdown.relative_to(ROOT)}"
    )


@pytest.mark.parametrize("markdown, notebook", PAIRED, ids=lambda p: p.name)
def test_each_notebook_executes_top_to_bottom(markdown, notebook, tmp_path, monkeypatch):
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # the kernel is a new process: it finds this checkout's package, and draws into files
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    assert list(tmp_path.glob("*.png"))
