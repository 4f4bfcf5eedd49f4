"""Write docs/numpy-support.md: what NumPy is supported on Tensors, read from the dispatch tables.

Run from the repository root: ``python docs/gen_numpy_support.py``. The test suite checks that the
committed page equals what this script produces, so the list cannot go stale.
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinygrad_opt import numpy_dispatch as nd  # noqa: E402

PAGE = ROOT / "docs" / "numpy-support.md"

INTRO = """\
# NumPy support

*Generated from the dispatch tables by `docs/gen_numpy_support.py`; do not edit by hand.*

NumPy functions called on Tensors are recorded for differentiation, so NumPy code differentiates
unchanged. Arguments bind exactly as in NumPy's own signature; an argument that is not supported
raises TypeError naming the function and the argument. A function not listed here raises TypeError
naming it (by its real module, e.g. `scipy.special.expit`) when one of its arguments requires
grad, and runs on the values otherwise. How each kink and edge is differentiated is in
[Gradients at the edges](autodiff.md).
"""


def _name(func):
    return nd.qualified_name(func).removeprefix("numpy.")


def _names(items):
    return ", ".join(f"`{name}`" for name in sorted(_name(f) for f in items))


def _aliases():
    """(alias, name) for public NumPy names bound to a dispatched function under another name."""
    import numpy as np

    tables = (
        list(nd.FUNCTIONS)
        + list(nd.UFUNC_PRIMITIVES)
        + list(nd.UFUNC_DERIVED)
        + list(nd.UFUNC_CONSTANT)
        + list(nd.NO_GRADIENT)
    )
    found = []
    for module, prefix in ((np, ""), (np.linalg, "linalg.")):
        for alias in dir(module):
            obj = getattr(module, alias, None)
            if alias.startswith("_") or not any(obj is f for f in tables):
                continue
            name = _name(obj)
            if prefix + alias != name:
                found.append((prefix + alias, name))
    return sorted(found)


def render():
    """The page as a string."""
    parts = [INTRO]
    main = sorted(
        (f for f in nd.FUNCTIONS if not nd.qualified_name(f).startswith("numpy.linalg")),
        key=nd.qualified_name,
    )
    linalg = sorted(
        (f for f in nd.FUNCTIONS if nd.qualified_name(f).startswith("numpy.linalg")),
        key=nd.qualified_name,
    )
    parts.append(f"## Functions with a gradient ({len(main)})\n")
    parts.append(_names(main) + "\n")
    parts.append(f"## Linear algebra, `np.linalg` ({len(linalg)})\n")
    parts.append(
        "Batched over leading axes as NumPy is. A singular input raises NumPy's "
        "LinAlgError; a gradient through eigen- or singular vectors of repeated values "
        "raises ValueError.\n"
    )
    parts.append(_names(linalg) + "\n")
    ufuncs = list(nd.UFUNC_PRIMITIVES) + list(nd.UFUNC_DERIVED)
    parts.append(f"## Elementwise functions (ufuncs) with a gradient ({len(ufuncs)})\n")
    parts.append(_names(ufuncs) + "\n")
    methods = [f"`{n}`" for n in sorted(f"{u.__name__}.{m}" for u, m in nd.UFUNC_METHODS)]
    parts.append(f"## Ufunc methods ({len(methods)})\n")
    parts.append(", ".join(methods) + "\n")
    parts.append(f"## Piecewise-constant ufuncs: zero gradient ({len(nd.UFUNC_CONSTANT)})\n")
    parts.append(
        "A floating-point result is a Tensor whose gradient is zero (as in PyTorch); a "
        "boolean result is NumPy's own array.\n"
    )
    parts.append(_names(nd.UFUNC_CONSTANT) + "\n")
    parts.append("## Aliases\n")
    parts.append(
        "The same functions under other NumPy names: "
        + ", ".join(f"`{alias}` is `{name}`" for alias, name in _aliases())
        + ". "
        "The operator `%` is `remainder`.\n"
    )
    parts.append(f"## Functions without a gradient ({len(nd.NO_GRADIENT)})\n")
    parts.append(
        "They run on the values, even when an argument requires grad (they can lose no "
        "gradient), and return exactly what NumPy returns.\n"
    )
    parts.append(_names(nd.NO_GRADIENT) + "\n")
    return "\n".join(parts)


def main():
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
