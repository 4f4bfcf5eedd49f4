"""Build-time additions to the site (mkdocs hooks, see ``hooks:`` in mkdocs.yml).

- The API reference: one page per module of the package, found on disk, so a new module is
  documented (and listed in the navigation) without editing anything here; plus an index page
  naming every public name of ``tinygrad_opt`` and of each subpackage, each linked to its
  documentation (a name whose documentation is missing breaks the strict build).
- The gallery: every figure ``docs/make_figures.py`` makes, with the function that made it.
- MathJax: copied from the ``django-static-mathjax`` package (the ``docs`` extra) into the site,
  so the pages typeset their math with nothing fetched, neither at build time nor when read.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import logging
import re
import sys
from pathlib import Path
from types import ModuleType

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tinygrad_opt"
API_NAV_TITLE = "API reference"
MATHJAX_DEST = "javascripts/mathjax"


# ---------------------------------------------------------------- the API reference


def modules() -> list[str]:
    """Every public module of the package, packages first within each folder, as dotted names."""
    names = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts):
            continue
        names.append(".".join(parts))
    return sorted(names, key=lambda name: (name.split(".")[:-1], name.count("."), name))


def _page(module: str) -> str:
    return f"api/{module}.md"


def _api_nav(names: list[str]) -> list:
    """The navigation below "API reference": the modules, each subpackage a section."""
    nav: list = ["api/index.md", {PACKAGE: _page(PACKAGE)}]
    sections: dict[str, list] = {}
    for name in names:
        if name == PACKAGE:
            continue
        parent, title = name.rsplit(".", 1)
        siblings = sections.get(parent, nav)
        if any(other.startswith(name + ".") for other in names):  # a subpackage
            sections[name] = [{name: _page(name)}]
            siblings.append({title: sections[name]})
        else:
            siblings.append({title: _page(name)})
    return nav


def _link(obj: object) -> str | None:
    """Where ``obj`` is documented, relative to the API pages: its module's page, and for a
    function or class the anchor mkdocstrings gives it there."""
    if isinstance(obj, ModuleType):
        return f"{obj.__name__}.md"
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if module is None or qualname is None or "<" in qualname:
        return None
    return f"{module}.md#{module}.{qualname}"


def _names_table(package: ModuleType) -> list[str]:
    """A table of ``package.__all__``: each name linked to where it is documented (mkdocs checks
    every link and anchor, so a name without documentation fails the strict build)."""
    rows = ["| name | what it is |", "|---|---|"]
    for name in package.__all__:
        obj = getattr(package, name)
        doc = (inspect.getdoc(obj) or "") if isinstance(obj, ModuleType) or callable(obj) else ""
        summary = doc.splitlines()[0] if doc else ""
        target = _link(obj)
        link = f"[`{name}`]({target})" if target else f"`{name}`"
        rows.append(f"| {link} | {summary.replace('|', '&#124;')} |")
    return rows


def _index_page(names: list[str]) -> str:
    top = importlib.import_module(PACKAGE)
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings. `import tinygrad_opt as tg` gives these names; each",
        "links to its documentation, on the page of the module that defines it.",
        "",
        *_names_table(top),
    ]
    for name in names:
        module = importlib.import_module(name)
        if name != PACKAGE and hasattr(module, "__path__") and hasattr(module, "__all__"):
            lines += ["", f"## `{name}`", "", *_names_table(module)]
    lines += ["", "## Modules", ""]
    for name in names:
        doc = (importlib.import_module(name).__doc__ or "").strip().splitlines()
        lines.append(f"- [`{name}`]({name}.md): {doc[0] if doc else ''}")
    return "\n".join(lines) + "\n"


# Modules whose docstrings are not yet NumPy style throughout: griffe's complaints about their
# layout are shown, but do not fail the strict build. Empty this as they are converted.
LOOSE_DOCSTRINGS = {"tinygrad_opt/tensor.py", "tinygrad_opt/study.py", "tinygrad_opt/minimize.py"}


class _LooseDocstrings(logging.Filter):
    """Turn griffe's docstring warnings about the LOOSE_DOCSTRINGS modules into notes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().removeprefix("griffe: ")
        if record.levelno == logging.WARNING and message.split(":", 1)[0] in LOOSE_DOCSTRINGS:
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _made_names(module: ModuleType) -> list[str]:
    """Public callables of ``module`` made by assignment (``exp = _unary_fn(...)``), which
    reading the source does not see as functions."""
    tree = ast.parse(Path(module.__file__ or "").read_text())
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return [name for name in getattr(module, "__all__", [])
            if name not in defined and inspect.isfunction(getattr(module, name))
            and getattr(module, name).__module__ == module.__name__]  # fmt: skip


def _module_page(name: str) -> str:
    options = {"show_root_heading": True, "show_root_full_path": True, "heading_level": 1}
    is_package = (ROOT / Path(*name.split(".")) / "__init__.py").exists()
    if is_package:
        # a package page shows its docstring and what its __init__ itself defines; its other
        # names are documented where they are defined
        package = importlib.import_module(name)
        own = [n for n in getattr(package, "__all__", [])
               if getattr(getattr(package, n), "__module__", None) == name]  # fmt: skip
        options["members"] = own or False
    lines = [f"::: {name}", "    options:"]
    lines += [f"      {key}: {json.dumps(value)}" for key, value in options.items()]
    if not is_package:
        module = importlib.import_module(name)
        for made in _made_names(module):
            obj = getattr(module, made)
            lines += ["", f"## `{made}{inspect.signature(obj)}` {{ #{name}.{made} }}", "",
                      inspect.getdoc(obj) or ""]  # fmt: skip
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the gallery


def figures() -> list[tuple[str, str, str]]:
    """(image name, docstring, source) of each figure made by docs/make_figures.py.

    The figures are the entries of any dict literal there mapping a file name to a function
    defined in that file, the way its ``main`` lists them.
    """
    path = ROOT / "docs" / "make_figures.py"
    text = path.read_text()
    tree = ast.parse(text)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                    and isinstance(value, ast.Name) and value.id in functions):  # fmt: skip
                function = functions[value.id]
                found.append((key.value, ast.get_docstring(function) or "",
                              ast.get_source_segment(text, function) or ""))  # fmt: skip
    return found


def _gallery_page() -> str:
    lines = [
        "# Gallery",
        "",
        "Every figure of these pages, and the code that drew it. `python docs/make_figures.py`",
        "(with the `plot` extra) draws them all again into `docs/images/`.",
    ]
    for name, doc, source in figures():
        title = name.replace("_", " ").capitalize()
        image = (
            f"{name}.gif" if (ROOT / "docs" / "images" / f"{name}.gif").exists() else f"{name}.png"
        )
        lines += ["", f"## {title}", "", f"![{title}](images/{image})", ""]
        if doc:
            lines += [doc, ""]
        lines += ['??? example "The code"', "", "    ```python"]
        lines += [f"    {line}".rstrip() for line in source.splitlines()]
        lines += ["    ```"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- mkdocs events


def on_startup(command, dirty) -> None:
    logging.getLogger("mkdocs.plugins.griffe").addFilter(_LooseDocstrings())
    sys.path.insert(0, str(ROOT))  # the package documented is the one beside this folder


def on_config(config):
    """Expand the "API reference" entry of the navigation into one page per module."""
    names = modules()
    for i, entry in enumerate(config["nav"] or []):
        if isinstance(entry, dict) and API_NAV_TITLE in entry:
            config["nav"][i] = {API_NAV_TITLE: _api_nav(names)}
    return config


def _mathjax_root() -> Path:
    try:
        import mathjax  # the django-static-mathjax package: MathJax's files, nothing else
    except ImportError:
        raise PluginError(
            "MathJax is missing: install the docs extra, pip install -e '.[docs]' "
            "(it brings the django-static-mathjax package)"
        ) from None
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def on_files(files: Files, config) -> Files:
    names = modules()
    files.append(File.generated(config, "api/index.md", content=_index_page(names)))
    for name in names:
        files.append(File.generated(config, _page(name), content=_module_page(name)))
    files.append(File.generated(config, "gallery.md", content=_gallery_page()))
    root = _mathjax_root()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        # one combined component (TeX in, HTML out) and what it loads on demand (fonts, extensions)
        if path.is_file() and ("/" in relative or relative == "tex-mml-chtml.js"):
            files.append(
                File.generated(config, f"{MATHJAX_DEST}/{relative}", abs_src_path=str(path))
            )
    return files


_SPHINX_ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|exc|obj):(?=<code>)")


def on_page_content(html: str, page, config, files) -> str:
    """Docstrings written for Sphinx say :func:`name`; show just the name."""
    return _SPHINX_ROLE.sub("", html)
