"""save/load: round trips of nested state, no pickle, atomic writes."""

import os
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_opt as tg

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.floats(allow_nan=False), max_size=4).map(np.array),
)  # fmt: skip
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 9)), children, max_size=3),
    ),
    max_leaves=8,
)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@given(TREES)
def test_round_trip_of_nested_state(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("ck") / "state.npz"
    tg.save({"tree": tree}, path)
    assert _same(tg.load(path), {"tree": tree})


def test_float32_arrays_and_special_floats_survive(tmp_path):
    state = {"w": np.ones((2, 3), np.float32), "inf": float("inf"), "step": 7}
    tg.save(state, tmp_path / "a.npz")
    back = tg.load(tmp_path / "a.npz")
    assert back["w"].dtype == np.float32 and back["inf"] == float("inf") and back["step"] == 7


def test_a_pickle_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ValueError, match="pickle"):
        tg.load(path)
    np.savez(
        tmp_path / "obj.npz",
        __structure__=np.array(
            '{"format": "tinygrad_opt-checkpoint-1", "tree": {"__array__": "a0"}}'
        ),
        a0=np.array([Evil()], dtype=object),
    )
    with pytest.raises(ValueError, match="pickle"):
        tg.load(tmp_path / "obj.npz")
    assert not marker.exists()


def test_other_files_are_refused_clearly(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match=r"not an .npz archive"):
        tg.load(tmp_path / "text.npz")
    np.savez(tmp_path / "plain.npz", x=np.ones(2))
    with pytest.raises(ValueError, match="not a tinygrad_opt checkpoint"):
        tg.load(tmp_path / "plain.npz")
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "missing.npz")


def test_unsavable_values_raise_type_error_and_leave_the_old_file_whole(tmp_path):
    path = tmp_path / "ck.npz"
    tg.save({"a": np.arange(3.0)}, path)
    with pytest.raises(TypeError, match="function"):
        tg.save({"a": np.zeros(3), "f": lambda: 0}, path)
    np.testing.assert_array_equal(tg.load(path)["a"], np.arange(3.0))
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]


def test_a_failed_write_leaves_the_old_checkpoint_and_no_stray_files(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    tg.save({"a": np.arange(3.0)}, path)

    def broken_savez(file, **arrays):
        file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        tg.save({"a": np.zeros(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(tg.load(path)["a"], np.arange(3.0))
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]


def test_tensors_are_saved_as_arrays(tmp_path):
    tg.save({"p": tg.Parameter([1.0, 2.0])}, tmp_path / "t.npz")
    np.testing.assert_array_equal(tg.load(tmp_path / "t.npz")["p"], [1.0, 2.0])


def test_saving_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        tg.save({"a": 1}, tmp_path / "missing" / "ck.npz")
