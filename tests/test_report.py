"""The HTML report: parsed with the standard library, every image decoded, the players present,
nothing fetched from the network; and (when Chromium is installed) opened in a real browser.

The browser test needs Debian's ``chromium`` package (``apt-get install chromium``); it is
skipped when no Chromium is found.
"""

import base64
import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from tests.study_fixtures import make_basins, make_comparison

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")
Image = pytest.importorskip("PIL.Image")

from tinygrad_opt import cli  # noqa: E402
from tinygrad_opt.report import SUMMARY_HEADER, summary_table_html, write_report  # noqa: E402


class Page(HTMLParser):
    """Every tag with its attributes, the text of each table cell, and the scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.cells, self.scripts, self._cell, self._script = [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._cell = []
        if tag == "script":
            self._script = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._script is not None:
            self._script.append(data)


def parse(text):
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report at the default settings (two races of 40 frames at most), with one basin map."""
    study = make_comparison(max_iter=1000)
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(study, path, basins=[make_basins()])
    return study, path


def test_a_default_report_stays_under_30_mb(report):
    assert report[1].stat().st_size < 30e6


def test_the_report_is_one_valid_self_contained_page(report):
    _, path = report
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    tags = [t for t, _ in page.tags]
    assert tags[0] == "html" and "body" in tags and "table" in tags
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), (
                f"<{tag} {key}={value[:60]}> leaves the file"
            )
        assert tag != "link", "no stylesheet is linked"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text) and "@import" not in text


def test_every_figure_decodes_to_an_image(report):
    _, path = report
    page = parse(path.read_text(encoding="utf-8"))
    images = [a["src"] for t, a in page.tags if t == "img" and "src" in a]
    # ECDF, ECDF per function, performance profile, convergence, sensitivity, one basin map
    assert len(images) == 6
    for src in images:
        header, data = src.split(",", 1)
        assert header == "data:image/png;base64"
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            image.verify()
            assert image.size[0] > 200 and image.size[1] > 150


def test_the_race_player_is_there_with_its_frames(report):
    _, path = report
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    players = [a for t, a in page.tags if t == "img" and a.get("id", "").startswith("_anim_img")]
    assert len(players) == 2  # the two 2-D functions with the most minima
    buttons = [a for t, a in page.tags if t == "button"]
    assert len(buttons) == 18 and all(a.get("onclick", "").startswith("anim") for a in buttons)
    frames = re.findall(
        r'frames\[(\d+)\] = "data:image/png;base64,([^"]+)"', text.replace("\\\n", "")
    )
    indices = [int(i) for i, _ in frames]
    first = indices.index(0, 1)  # where the second player's frames start
    for player in (indices[:first], indices[first:]):
        assert player == list(range(len(player))) and 2 <= len(player) <= 40
    for count in re.findall(r"(\d+) frames, every", text):  # the captions tell the same count
        assert int(count) in (first, len(indices) - first)
    for _, data in frames:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            image.verify()


def test_the_summary_table_holds_every_row_of_the_summary(report):
    study, path = report
    page = parse(path.read_text(encoding="utf-8"))
    summary = study.summary()
    cells = page.cells
    start = cells.index(SUMMARY_HEADER[0])
    assert cells[start : start + len(SUMMARY_HEADER)] == SUMMARY_HEADER
    body = cells[start + len(SUMMARY_HEADER) : start + len(SUMMARY_HEADER) * (len(summary) + 1)]
    rows = [body[i : i + len(SUMMARY_HEADER)] for i in range(0, len(body), len(SUMMARY_HEADER))]
    assert [(r[0], r[2]) for r in rows] == [(s["function"], s["method"]) for s in summary]
    for row, s in zip(rows, summary, strict=True):
        lo, hi = s["success_ci"]
        assert row[5] == f"{100 * s['success_rate']:.0f}% [{100 * lo:.0f}%, {100 * hi:.0f}%]"
        assert (row[6] == "∞") == (s["ert"] is None)
    # the configuration and the manifest are there, key by key
    for key in [*study.config, *study.manifest]:
        assert key in cells
    assert any("sort" in script for script in page.scripts)


def test_summary_table_fragment_for_jupyter():
    html = summary_table_html(make_comparison(functions=("himmelblau",), methods=("adam",)))
    page = parse(html)
    assert page.cells[: len(SUMMARY_HEADER)] == SUMMARY_HEADER and "himmelblau" in page.cells


def test_basins_auto_runs_tg_basins_with_the_study_learning_rates(monkeypatch):
    import tinygrad_opt
    from tinygrad_opt.report import _auto_basins

    calls = []

    def fake_basins(function, methods, resolution=101, lr=None, max_iter=1000):
        calls.append((function, list(methods), resolution, lr, max_iter))
        return make_basins(methods=methods)

    study = make_comparison(functions=("himmelblau", "rosenbrock"), methods=("sgd", "adam"))
    monkeypatch.setattr(tinygrad_opt, "basins", fake_basins, raising=False)
    notes = []
    (grid,) = _auto_basins(study, 2, 11, notes)
    lr = {r["method"]: r["lr"] for r in study.summary() if r["function"] == "himmelblau"}
    assert calls == [("himmelblau", ["sgd", "adam"], 11, lr, 64)]  # rosenbrock has one minimum
    assert grid.function == "himmelblau" and notes == []
    monkeypatch.delattr(tinygrad_opt, "basins")
    assert _auto_basins(study, 2, 11, notes) == [] and "no basin maps" in notes[0]


def test_write_report_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_report(make_comparison(), tmp_path / "missing" / "r.html", basins=None, races=0)


def test_report_and_animate_commands(tmp_path, monkeypatch, capsys):
    study = make_comparison(functions=("himmelblau",), methods=("sgd", "adam"))
    monkeypatch.setattr(cli, "_load_comparison", lambda path: study)
    out = tmp_path / "r.html"
    assert cli.main(["report", "results.json", "-o", str(out), "--races", "0", "--no-basins"]) == 0
    assert "wrote the report" in capsys.readouterr().out
    assert len([a for t, a in parse(out.read_text()).tags if t == "img"]) == 5
    import tinygrad_opt.report

    def no_jinja(*args, **kwargs):
        raise ImportError("the HTML report needs Jinja2: pip install 'tinygrad_opt[plot]'")

    monkeypatch.setattr(tinygrad_opt.report, "write_report", no_jinja)
    assert cli.main(["report", "results.json", "-o", str(out)]) == 1
    assert "Jinja2" in capsys.readouterr().err
    monkeypatch.undo()
    assert cli.main(["report", str(tmp_path / "nothing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
    movie = tmp_path / "post.gif"
    assert cli.main(["animate", "-o", str(movie), "--frames", "4"]) == 0
    assert "4 frames" in capsys.readouterr().out
    with Image.open(movie) as gif:
        assert gif.n_frames == 4
    race = tmp_path / "race.html"
    args = ["animate", "--function", "himmelblau", "--methods", "sgd", "adam", "--start", "0", "0",
            "--lr", "0.01", "--max-iter", "30", "--frames", "3", "-o", str(race)]  # fmt: skip
    assert cli.main(args) == 0 and race.read_text().count("<button") == 9


@pytest.mark.parametrize("args", [["animate", "--frames", "1"], ["animate", "-o", "movie.mp4"],
                                  ["report"], ["animate", "--function", "nope"],
                                  ["report", "x.json", "--races", "-1"]])  # fmt: skip
def test_bad_report_and_animate_arguments_exit_with_2(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2


def test_compare_report_writes_the_report_of_the_study_it_ran(tmp_path, monkeypatch, capsys):
    study = make_comparison(functions=("himmelblau",), methods=("adam",))
    study.table = lambda: "table"
    study.config.setdefault("tune_by", "function")
    monkeypatch.setattr(cli, "compare", lambda *a, **k: study)
    written = []
    import tinygrad_opt.report

    monkeypatch.setattr(
        tinygrad_opt.report, "write_report", lambda c, path, **kw: written.append((c, path)) or path
    )
    assert cli.main(["compare", "--no-plot", "--report", str(tmp_path / "r.html")]) == 0
    assert written == [(study, str(tmp_path / "r.html"))]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run_chromium(tmp_path, page, *extra):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium)")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--virtual-time-budget=3000", "--window-size=1200,1600"]  # fmt: skip
    return subprocess.run([browser, *flags, *extra, page.as_uri()], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "HOME": str(tmp_path)})  # fmt: skip


def test_the_report_in_a_real_browser(report, tmp_path):
    _, path = report
    shot = tmp_path / "shot.png"
    result = _run_chromium(tmp_path, path, f"--screenshot={shot}")
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "\n".join(console)
    with Image.open(shot) as image:
        pixels = image.convert("L")
        low, high = pixels.getextrema()
        assert image.size == (1200, 1600) and high - low > 100  # not a blank page
        assert len(set(pixels.histogram()) - {0}) > 20
    # after its scripts ran: the player showed its first frame
    dom = _run_chromium(tmp_path, path, "--dump-dom").stdout
    assert re.search(r'<img id="_anim_img\w+" src="data:image/png;base64,', dom)


def test_the_browser_check_sees_console_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFunction();</script>x</body></html>")
    result = _run_chromium(tmp_path, page, "--dump-dom")
    assert any(
        ":CONSOLE" in line and "undefinedFunction" in line for line in result.stderr.splitlines()
    )


def test_a_missing_jinja2_names_the_plot_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_jinja(name, *args, **kwargs):
        if name.startswith("jinja2"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jinja)
    with pytest.raises(ImportError, match=r"Jinja2: pip install 'tinygrad_opt\[plot\]'"):
        summary_table_html(make_comparison())
