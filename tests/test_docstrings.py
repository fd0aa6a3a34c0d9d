"""Every module, function or file that the prose cites exists.

Prose is a docstring or a comment of ``geo/``, ``webapp/`` and ``scripts/``, or a Markdown file
(README.md, docs/, data/…/README.md). Code moves; a docstring that still says
``organizations.records.change_status`` sends the next reader to a module that is not there.

What counts as a reference (and how it is resolved):

- a dotted name that starts with ``geo.`` or ``webapp.`` (``geo.spatial.privacy.public_point``,
  ``webapp.store.reporting``): the longest prefix that imports, then ``getattr`` for the rest;
- a dotted name that starts with a package of ``webapp/`` (``store.reporting``,
  ``web.i18n``, ``cli.layers``, a blueprint: ``public.areas``, ``contribute.rules``): the same
  name under ``webapp.``, or, written in a module, the sibling module of that name (in
  ``webapp/store/``, ``organizations.public_dict`` is ``webapp.store.organizations``);
- in backticks, a dotted name whose first part is a module of ``geo/`` or ``webapp/`` known by its
  last name (``reporting.public_dict``), or, in a Python file, a name of that module
  (``AreaIndex.assign``): some module of that name, or the module's own global, has the rest;
- a path of a tracked file: ``geo/…``, ``webapp/…``, ``scripts/…``, ``tests/…``, ``data/…`` or
  ``docs/…`` ending in a file extension exists.

Anything else (``request.args``, ``html.escape``, ``map.css``) is not checked. An attribute that
only exists inside a request or an app context (a Flask proxy) counts as found.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import subprocess
import tokenize
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYTHON_ROOTS = ("geo", "webapp", "scripts")
EXTENSIONS = ("py", "js", "css", "html", "md", "yaml", "yml", "csv", "json", "geojson", "toml", "po",
              "pot", "txt", "png", "svg", "sh", "cfg", "ini", "gpkg", "zip", "kml", "xlsx", "mako")
_NAME = r"[A-Za-z_]\w*"
_DOTTED = re.compile(rf"(?<![\w./@:-])({_NAME}(?:\.{_NAME})+)(?![\w/-]|\.\w)")
_BACKTICKED = re.compile(rf"`+(?::\w+:`)?~?({_NAME}(?:\.{_NAME})+)(?:\(\))?`+")
_ROLE = re.compile(rf":\w+:`~?({_NAME}(?:\.{_NAME})+)`")
_PATH = re.compile(r"(?<![\w./<-])((?:geo|webapp|scripts|tests|data|docs)/[\w./-]*\."
                   rf"(?:{'|'.join(EXTENSIONS)}))(?![\w*<])")


@cache
def webapp_packages() -> frozenset[str]:
    return frozenset(p.parent.name for p in (ROOT / "webapp").glob("*/__init__.py")
                     if p.parent.name != "migrations")


@cache
def modules_by_name() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for top in ("geo", "webapp"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            found.setdefault(parts[-1], []).append(".".join(parts))
    return {name: tuple(mods) for name, mods in found.items()}


def _here(module) -> bool:
    """Whether an imported geo/webapp module is this checkout's: an editable install of another
    checkout on ``sys.path`` would otherwise resolve a moved module to its old place there."""
    if module.__name__.split(".")[0] not in {"geo", "webapp"}:
        return True
    file = getattr(module, "__file__", None)
    return file is not None and ROOT in Path(file).resolve().parents


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute (at any depth) of one."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            obj = importlib.import_module(name)
        except ImportError:
            continue
        if not _here(obj):
            return False
        break
    else:
        return False
    for attr in parts[i:]:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            return False
        except Exception:  # noqa: BLE001 - a proxy outside a request or an app context
            return True
    return True


def _in_module(module: str | None, dotted: str) -> bool:
    if module is None:
        return False
    first, _, rest = dotted.partition(".")
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return False
    if not hasattr(obj, first):
        return False
    return resolves(f"{module}.{dotted}")


def checked(dotted: str, backticked: bool, module: str | None = None) -> bool:
    """Whether ``dotted`` is a reference this test checks (see the module docstring)."""
    first = dotted.split(".", 1)[0]
    if first in {"geo", "webapp"} | webapp_packages():
        return True
    if not backticked:
        return False
    if module is None:
        return False  # Markdown: only package-qualified names (``store.reporting``) are checked
    if first in modules_by_name():
        return True
    try:
        return hasattr(importlib.import_module(module), first)
    except ImportError:
        return False


def found(dotted: str, module: str | None = None, backticked: bool = False) -> bool:
    """Whether the reference ``dotted``, written in ``module`` (dotted name, or None), exists."""
    first, _, rest = dotted.partition(".")
    candidates = []
    if first in {"geo", "webapp"}:
        candidates.append(dotted)
    if first in webapp_packages():
        candidates.append(f"webapp.{dotted}")
    if module:
        package = module.rsplit(".", 1)[0]
        candidates.append(f"{package}.{dotted}")
    if backticked:
        candidates += [f"{m}.{rest}" for m in modules_by_name().get(first, ())]
    return any(resolves(c) for c in candidates) or (backticked and _in_module(module, dotted))


def references(text: str, module: str | None = None) -> set[tuple[str, bool]]:
    """The dotted names in ``text`` that this test checks, each with whether it was backticked."""
    refs = {(m, True) for m in _BACKTICKED.findall(text)} | {(m, True) for m in _ROLE.findall(text)}
    plain = _BACKTICKED.sub(" ", _ROLE.sub(" ", text))
    refs |= {(m, False) for m in _DOTTED.findall(plain)}
    return {(name, ticked) for name, ticked in refs
            if name.rsplit(".", 1)[-1] not in EXTENSIONS and checked(name, ticked, module)}


def missing_paths(text: str) -> list[str]:
    return sorted({p.rstrip(".") for p in _PATH.findall(text) if not (ROOT / p.rstrip(".")).exists()})


def problems(text: str, module: str | None = None, where: str = "",
             local: frozenset = frozenset()) -> list[str]:
    """Every reference of ``text`` that does not resolve, as ``where: name``.

    ``local`` holds the parameters of the function a docstring belongs to: ``filters.q`` there
    is an attribute of the argument, not of the module ``filters``.
    """
    bad = [name for name, ticked in sorted(references(text, module))
           if name.split(".", 1)[0] not in local and not found(name, module, ticked)]
    return [f"{where}: {name}" for name in bad + missing_paths(text)]


def python_prose(source: str) -> list[tuple[str, frozenset]]:
    """Docstrings and comments of a Python source, each with the names local to it."""
    texts = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                args = node.args if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None
                names = (args.posonlyargs + args.args + args.kwonlyargs) if args else []
                texts.append((doc, frozenset(a.arg for a in names)))
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    texts += [(t.string, frozenset()) for t in tokens if t.type == tokenize.COMMENT]
    return texts


def tracked(pattern: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in out.stdout.splitlines() if (ROOT / p).exists()]


def python_files() -> list[str]:
    return [p for p in tracked("*.py") if p.startswith(PYTHON_ROOTS) and "/migrations/" not in p]


def markdown_files() -> list[str]:
    return [p for p in tracked("*.md") if not p.startswith(("webapp/static/vendor/", "tests/"))]


@pytest.mark.parametrize("path", python_files())
def test_docstrings_and_comments_cite_what_exists(path):
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    module = module if path.startswith(("geo/", "webapp/")) else None
    source = (ROOT / path).read_text(encoding="utf-8")
    bad = [p for text, local in python_prose(source) for p in problems(text, module, path, local)]
    assert bad == []


@pytest.mark.parametrize("path", markdown_files())
def test_markdown_cites_what_exists(path):
    assert problems((ROOT / path).read_text(encoding="utf-8"), None, path) == []


# --- the test of the test ---------------------------------------------------------------------

SYNTHETIC = '''"""Status changes go through ``organizations.records.change_status`` and
:func:`geo.spatial.privacy.public_pointz`; the mapping is in geo/mapping.py, the rows come from
``reporting.no_such_function`` and ``AreaIndex.no_such_method``.

Fine: ``store.organizations.change_status``, geo.spatial.privacy.public_point, ``AreaIndex.assign``,
``reporting.public_dict``, webapp/store/reporting.py, ``request.args``, ``html.escape``.
"""
# a comment citing geo.reference.layers.no_such_name, and store.pointcache (which exists)
'''


def test_a_wrong_reference_fails():
    found_problems = [p for text, local in python_prose(SYNTHETIC)
                      for p in problems(text, "geo.spatial.assign", "synthetic.py", local)]
    assert sorted(found_problems) == sorted([
        "synthetic.py: organizations.records.change_status",
        "synthetic.py: geo.spatial.privacy.public_pointz",
        "synthetic.py: geo/mapping.py",
        "synthetic.py: reporting.no_such_function",
        "synthetic.py: AreaIndex.no_such_method",
        "synthetic.py: geo.reference.layers.no_such_name",
    ])


def test_markdown_with_a_wrong_reference_fails():
    text = ("The ranking is `geo.ranking.rank_nearest`, tested in `tests/geo/test_ranking.py`; "
            "`store.no_such_module` feeds it.")
    assert sorted(problems(text, None, "README.md")) == ["README.md: geo.ranking.rank_nearest",
                                                          "README.md: store.no_such_module",
                                                          "README.md: tests/geo/test_ranking.py"]
