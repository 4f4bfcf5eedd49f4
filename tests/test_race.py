"""Animated races: frames, colours, the data drawn in each frame, the GIF and the offline player."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_opt import functions as F
from tinygrad_opt import minimize
from tinygrad_opt.plot.race import frame_steps, offline_player

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex

from tinygrad_opt import plot
from tinygrad_opt.plot.style import METHOD_COLORS


@settings(max_examples=50)
@given(n=st.integers(0, 5000), frames=st.integers(2, 300))
def test_frame_steps_are_bounded_evenly_strided_and_end_at_the_last_step(n, frames):
    steps = frame_steps(n, frames)
    assert steps[0] == 0 and steps[-1] == n
    assert len(steps) <= frames
    assert len(steps) == n + 1 or len(steps) >= min(frames, n + 1) // 2  # bounded, not starved
    gaps = np.diff(steps)
    assert np.all(gaps > 0)
    if len(gaps):
        assert np.all(gaps[:-1] == gaps[0]) and gaps[-1] <= gaps[0]


def test_frame_steps_refuses_fewer_than_two_frames():
    with pytest.raises(ValueError, match="at least 2"):
        frame_steps(10, 1)


@pytest.fixture(scope="module")
def small_race():
    return plot.race(F.himmelblau, [0.5, -4.5], ["sgd", "adam"], lr={"sgd": 0.01, "adam": 0.1},
                     max_iter=60, tol=0, frames=7)  # fmt: skip


def test_race_frames_colours_and_what_each_frame_draws(small_race):
    race = small_race
    assert race.frames == 7 and race.steps == frame_steps(60, 7) == [0, 10, 20, 30, 40, 50, 60]
    assert race.labels == ["sgd", "adam"]
    assert {m: to_hex(race.lines[m].get_color()) for m in race.labels} == {
        m: METHOD_COLORS[m].lower() for m in race.labels
    }
    runs = {m: minimize(F.himmelblau, [0.5, -4.5], method=m, lr=lr, max_iter=60, tol=0)
            for m, lr in [("sgd", 0.01), ("adam", 0.1)]}  # fmt: skip
    ax = race.figure.axes[0]
    for frame, step in enumerate(race.steps):
        race.animation._func(frame)
        counter = [t.get_text() for t in ax.texts if t.get_text().startswith("step")]
        assert counter == [f"step {step} / 60"]
        legend = [t.get_text() for t in race.figure.legends[0].get_texts()]
        for m, text in zip(race.labels, legend, strict=True):
            x, y = race.lines[m].get_data()
            assert np.allclose(np.column_stack([x, y]), runs[m].path[: step + 1])
            assert text == f"{m}: f − f* = {runs[m].values[step] - F.himmelblau.minimum:.2e}"
    # contours are log-scaled and the minima marked
    from matplotlib.colors import LogNorm

    assert any(isinstance(getattr(c, "norm", None), LogNorm) for c in ax.collections)


def test_race_gif_has_one_image_per_frame(small_race, tmp_path):
    from PIL import Image

    path = small_race.save(tmp_path / "race.gif", dpi=40)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == small_race.frames


def test_offline_player_has_no_network_links(small_race):
    html = small_race.to_jshtml(dpi=30)
    assert "font-awesome" not in html and not re.search(r"https?://", html)
    assert html.count("<button") == 9 and "anim-icon" in html and 'class="fa' not in html
    frames = re.findall(r"frames\[\d+\] = \"data:image/png;base64", html)
    assert len(frames) == small_race.frames
    assert small_race._repr_html_().count("<button") == 9


def test_offline_player_replaces_every_icon():
    html = ('<link rel="stylesheet" href="https://cdn.example/x.css">'
            '<button><i class="fa fa-play fa-flip-horizontal"></i></button><button><i class="fa fa-pause"></i></button>')  # fmt: skip
    out = offline_player(html)
    assert "https" not in out and "<i " not in out and "◀" in out and "⏸" in out


def test_animate_paths_of_the_post_loops_and_a_stopped_run():
    from tinygrad_opt import classic

    f = F.post
    runs = {"RMSProp (i = 30)": classic.rmsprop(f, f.gradient, np.array([0, 0]), rho=0.8, ir=1000)[2],
            "Adam (t = 174)": classic.adam(f.gradient, np.array([0, 0]), alpha=0.1)[2]}  # fmt: skip
    race = plot.animate_paths(f, runs, frames=5, domain="auto")
    assert race.steps[-1] == max(len(p) for p in runs.values()) - 1
    assert to_hex(race.lines["Adam (t = 174)"].get_color()) == METHOD_COLORS["adam"].lower()
    race.animation._func(race.frames - 1)
    texts = [t.get_text() for t in race.figure.legends[0].get_texts()]
    assert texts[0].endswith("(stopped)") and not texts[1].endswith("(stopped)")
    with pytest.raises(ValueError, match="no runs"):
        plot.animate_paths(f, {})
    with pytest.raises(ValueError, match="unknown format"):
        race.save("movie.mp4")


def test_a_1000_step_race_gif_stays_under_5_mb(tmp_path):
    race = plot.race(F.six_hump_camel, [-1.5, 1.2], ["sgd", "adagrad", "rmsprop", "adam"], lr=0.02,
                     max_iter=1000, tol=0)  # fmt: skip
    assert race.steps[-1] == 1000 and race.frames <= 100
    path = race.save(tmp_path / "race.gif")
    assert path.stat().st_size < 5e6


def test_the_player_falls_back_on_matplotlibs_to_jshtml(small_race, monkeypatch):
    from matplotlib.animation import HTMLWriter

    # a matplotlib whose HTMLWriter ignores the frames handed to it (the first finish() is ours;
    # matplotlib's own to_jshtml then fills the writer through grab_frame)
    finish, calls = HTMLWriter.finish, []

    def ignoring_first(self):
        calls.append(1)
        return self.outfile.write_text("<div></div>") if len(calls) == 1 else finish(self)

    monkeypatch.setattr(HTMLWriter, "finish", ignoring_first)
    html = small_race.to_jshtml(dpi=30)
    assert html.count("data:image/png;base64,") == small_race.frames and "https://" not in html
    assert len(calls) == 2
