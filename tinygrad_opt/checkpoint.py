"""Checkpoints: ``save(state_dict, path)`` and ``load(path)`` in NumPy's ``.npz`` format.

A state dict (an optimizer's, a scheduler's, a model's) is a tree of dicts, lists and tuples
with arrays, numbers, strings, booleans and None at the leaves. The arrays go into the archive as
``a0, a1, ...``; the tree itself is stored as JSON text under ``__structure__``, with the arrays
replaced by their names. Nothing is pickled, and ``load`` reads with ``allow_pickle=False``, so a
file carrying a pickle is refused, never executed.

``save`` writes to a temporary file in the destination folder and renames it over the target
only when the write is complete, so an interrupted save leaves the previous checkpoint whole.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load"]

_STRUCTURE = "__structure__"
_FORMAT = "tinygrad_opt-checkpoint-1"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """The JSON-able form of ``obj``; arrays are appended to ``arrays`` and referenced by name."""
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufcUS":
            raise TypeError(f"save: cannot store an array of dtype {obj.dtype} at {where}")
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"__array__": name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)):
        return obj  # json writes inf and nan as Infinity and NaN, and reads them back
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {where}")
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]")])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        tag = "__tuple__" if isinstance(obj, tuple) else "__list__"
        return {tag: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {where} (only arrays, numbers, strings, "
        f"booleans, None, and dicts, lists and tuples of them)"
    )


def _decode(obj: Any, archive: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, dict):
        if "__array__" in obj:
            return archive[obj["__array__"]]
        if "__dict__" in obj:
            return {key: _decode(value, archive) for key, value in obj["__dict__"]}
        if "__tuple__" in obj:
            return tuple(_decode(v, archive) for v in obj["__tuple__"])
        if "__list__" in obj:
            return [_decode(v, archive) for v in obj["__list__"]]
        raise ValueError(f"load: unexpected entry {sorted(obj)} in the checkpoint's structure")
    return obj


def save(state_dict: Any, path: str | os.PathLike[str]) -> None:
    """Write ``state_dict`` to ``path`` as ``.npz`` (no pickle), atomically.

    Parameters
    ----------
    state_dict : dict, list, tuple or leaf
        A tree of dicts (str or int keys), lists and tuples with arrays, Tensors (stored as
        their arrays), numbers, strings, booleans and None at the leaves: an optimizer's,
        a scheduler's or a model's ``state_dict()``.
    path : str or os.PathLike
        The file to write; its folder must exist. An existing file is replaced only once the
        new one is complete.

    Raises
    ------
    TypeError
        For a value that cannot be stored without pickle (a function, an object), named by
        where it sits in the tree.
    FileNotFoundError
        When the destination folder does not exist.

    Examples
    --------
    >>> import tinygrad_opt as tg
    >>> opt = tg.optim.Adam([tg.Parameter([1.0, 2.0])], lr=0.1)
    >>> tg.save(opt.state_dict(), "checkpoint.npz")  # doctest: +SKIP
    """
    arrays: dict[str, Any] = {}  # numpy's stubs type savez's **kwds narrowly
    structure = {"format": _FORMAT, "tree": _encode(state_dict, arrays, "state_dict")}
    arrays[_STRUCTURE] = np.array(json.dumps(structure))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} of {path} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by [`save`][tinygrad_opt.checkpoint.save].

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.

    Returns
    -------
    object
        The tree that was saved, with dicts, lists and tuples as they were and arrays as NumPy
        arrays; pass it to ``load_state_dict``.

    Raises
    ------
    ValueError
        For a file that is not such a checkpoint, including any file that would need pickle to
        read (it is refused, never executed).
    FileNotFoundError
        For a missing file.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise ValueError(
                f"load: {path} is not an .npz archive (any other file, a pickle included, is "
                f"refused and never executed)"
            )
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _STRUCTURE not in npz.files:
                raise ValueError(f"load: {path} is not a tinygrad_opt checkpoint (no structure)")
            structure = json.loads(str(npz[_STRUCTURE]))
            if not isinstance(structure, dict) or structure.get("format") != _FORMAT:
                raise ValueError(f"load: {path} is not a tinygrad_opt checkpoint (unknown format)")
            archive = {name: npz[name] for name in npz.files if name != _STRUCTURE}
    except (ValueError, OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        if "pickle" in str(exc):
            raise ValueError(
                f"load: {path} contains pickled data, which is refused (never executed)"
            ) from None
        if isinstance(exc, ValueError) and str(exc).startswith("load:"):
            raise
        raise ValueError(f"load: {path} is not a readable checkpoint ({exc})") from None
    return _decode(structure["tree"], archive)
