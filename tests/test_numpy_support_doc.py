"""docs/numpy-support.md is generated from the dispatch tables and must be up to date."""

import importlib.util
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs"


def test_the_numpy_support_page_is_up_to_date():
    spec = importlib.util.spec_from_file_location(
        "gen_numpy_support", DOCS / "gen_numpy_support.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (DOCS / "numpy-support.md").read_text(encoding="utf-8")
    assert page == module.render(), "run: python docs/gen_numpy_support.py"
    assert "`einsum`" in page and "`linalg.svd`" in page and "`argmax`" in page
