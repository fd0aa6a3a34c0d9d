"""The layering, checked on the code as it is, and the README's "Architecture in one screen".

Layers, from the bottom: ``geo/`` (pure geodata: no Flask, no database, no ``webapp``) ←
``webapp/store/`` (the domain) ← ``webapp/web/`` (request plumbing, shared form helpers, labels) ←
the feature packages (blueprints) and ``webapp/cli/``. A blueprint never imports another blueprint,
the store and web never import a blueprint, the CLI imports none, and no module of ``webapp/``
takes part in an import cycle (imports inside functions count too: they only hide a cycle).
``check_layers`` reads a source tree with ``ast``; the tests of the test feed it small trees that
break each rule. Every module of geo/ and every package and module of webapp/ appears in the
README's block, and every file name the block mentions exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Architecture in one screen", 1)[1]
    return section.split("```", 2)[1]


def _named(block: str) -> set[str]:
    # "store/" followed by a space is a package; "backup/restore" and "/vendor/…" are prose.
    return set(re.findall(r"(?<![/\w.])[\w-]+(?:\.py\b|\.js\b|/(?=[\s,)]|$))", block, re.M))


def _python_modules(package: str) -> tuple[set[str], set[str]]:
    base = ROOT / package
    modules = {p.name for p in base.rglob("*.py") if p.name != "__init__.py"
               and "migrations" not in p.parts}
    packages = {p.parent.name + "/" for p in base.rglob("__init__.py")
                if p.parent != base and "migrations" not in p.parts}
    return modules, packages


def test_every_geo_module_is_named():
    modules, _ = _python_modules("geo")
    missing = modules - _named(_block())
    assert not missing, f"add these geo/ modules to the README's architecture: {sorted(missing)}"


def test_every_webapp_package_and_module_is_named():
    modules, packages = _python_modules("webapp")
    named = _named(_block())
    missing = (packages | modules) - named
    assert not missing, f"add these to the README's architecture: {sorted(missing)}"


def test_every_named_file_exists():
    existing = {p.name for p in ROOT.rglob("*.py") if ".git" not in p.parts}
    existing |= {p.name + "/" for p in ROOT.rglob("*") if p.is_dir() and ".git" not in p.parts}
    existing |= {p.name for p in (ROOT / "webapp" / "static" / "js").glob("*.js")}
    named = _named(_block())
    stale = named - existing
    assert not stale, f"the README's architecture names files that do not exist: {sorted(stale)}"


#: webapp/ packages that are layers, not features; every other package is a blueprint.
LAYERS = {"store", "web", "cli", "migrations"}
#: What geo/ must never import: it is pure geodata, usable without the web app or a database.
GEO_FORBIDDEN = ("webapp", "flask", "sqlalchemy", "werkzeug")


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    """``{dotted name: path}`` of every module of geo/ and webapp/ (Alembic's scripts aside)."""
    return {_module_name(root, p): p for package in ("geo", "webapp") if (root / package).is_dir()
            for p in sorted((root / package).rglob("*.py")) if "migrations" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """``(module, at_run_time)`` for every import of ``name``, at the top or inside a function,
    relative imports resolved; an import under ``if TYPE_CHECKING:`` is not made at run time.

    ``from pkg import x`` imports the module ``pkg.x`` when there is one, else ``pkg`` itself.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *filter(None, [node.module])])
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found += [(n, id(node) not in typing_only) for n in names]
    return found


def _layer(module: str) -> str:
    """``geo``, ``app`` (create_app), ``store``, ``web``, ``cli``, ``base`` (config, extensions),
    ``blueprint:<name>`` or ``outside`` (a library)."""
    parts = module.split(".")
    if parts[0] == "geo":
        return "geo"
    if parts[0] != "webapp":
        return "outside"
    if len(parts) == 1:
        return "app"
    if parts[1] in LAYERS:
        return parts[1]
    if parts[1] in ("config", "extensions", "state"):
        return "base"
    return f"blueprint:{parts[1]}"


def _refusal(source: str, target: str) -> str | None:
    """Why ``source`` may not import ``target`` (their layers), or None when it may."""
    src, dst = _layer(source), _layer(target)
    if src == "geo":
        return "geo/ imports no web app, Flask or database" \
            if target.split(".")[0] in GEO_FORBIDDEN or target.startswith("flask_") else None
    if not dst.startswith("blueprint:") and not (src == "store" and dst in ("web", "cli")):
        return None
    if src.startswith("blueprint:"):
        return None if dst == src else "a blueprint imports another blueprint"
    return {"store": "the store imports a blueprint" if dst.startswith("blueprint:") else
            f"the store imports {dst}/", "web": "web/ imports a blueprint",
            "cli": "the CLI imports a blueprint",
            "base": "config/extensions/state import a blueprint"}.get(src)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def check_layers(root: Path) -> list[str]:
    """Every broken layering rule and every import cycle in the tree at ``root``, as sentences.

    Parameters
    ----------
    root : Path
        A directory holding ``geo/`` and ``webapp/`` (the repository, or a test's small tree).

    Returns
    -------
    list of str
        ``"<module> imports <module>: <rule>"`` and ``"import cycle: <modules>"``; empty when
        the layering holds. Type-only imports (``if TYPE_CHECKING:``) obey the layers but make
        no cycle: they are never run.
    """
    modules = _modules(root)
    graph: dict[str, set[str]] = {}
    problems = []
    for name, path in modules.items():
        targets = _imports(name, path, set(modules))
        for target in sorted({t for t, _run in targets}):
            reason = _refusal(name, target)
            if reason:
                problems.append(f"{name} imports {target}: {reason}")
        graph[name] = {t for t, run in targets if run and t in modules and t != name}
    problems += [f"import cycle: {' ↔ '.join(c)}" for c in _cycles(graph)]
    return problems


def test_the_layering_holds_and_no_import_cycles():
    assert check_layers(ROOT) == []


_TYPING = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"

#: A small tree that keeps every rule: the tests below break one rule each in a copy of it.
_CLEAN = {
    "geo/__init__.py": "",
    "geo/drawing/maps.py": "import json\n",
    "webapp/__init__.py": "from . import cli, public, contribute\n",
    # A type-only import would be a cycle at run time; it is not run, so it is none.
    "webapp/extensions.py": _TYPING + "    from .store import models\n",
    "webapp/store/__init__.py": "",
    "webapp/store/models.py": "from ..extensions import db\nfrom geo import maps\n",
    "webapp/web/__init__.py": "",
    "webapp/web/forms.py": "from ..store import models\n",
    "webapp/cli/__init__.py": "from ..store import models\n",
    "webapp/public/__init__.py": "from .views import bp\nfrom . import charts\n",
    "webapp/public/views.py": "from ..web import forms\nfrom ..store.models import Report\nbp = None\n",
    "webapp/public/charts.py": "from .views import bp\n",
    "webapp/contribute/__init__.py": "from .views import bp\n",
    "webapp/contribute/views.py": "from webapp.web.forms import Form\n",
}

_BROKEN = [
    ("webapp/store/models.py", "from ..public import views\n",
     "webapp.store.models imports webapp.public.views: the store imports a blueprint"),
    ("webapp/store/models.py", "from ..web.forms import Form\n",
     "webapp.store.models imports webapp.web.forms: the store imports web/"),
    ("webapp/web/forms.py", "from webapp.contribute.views import bp\n",
     "webapp.web.forms imports webapp.contribute.views: web/ imports a blueprint"),
    ("webapp/contribute/views.py", "from ..public.views import bp\n",
     "webapp.contribute.views imports webapp.public.views: a blueprint imports another blueprint"),
    ("webapp/contribute/views.py", "def later():\n    from ..public import charts\n",
     "webapp.contribute.views imports webapp.public.charts: a blueprint imports another blueprint"),
    ("webapp/cli/__init__.py", "from ..contribute import views\n",
     "webapp.cli imports webapp.contribute.views: the CLI imports a blueprint"),
    ("webapp/public/views.py", "def later():\n    from .charts import x\n",
     "import cycle: webapp.public.charts ↔ webapp.public.views"),
    ("webapp/web/forms.py", "from . import forms2\n",
     "import cycle: webapp.web.forms ↔ webapp.web.forms2"),
    ("webapp/web/forms.py", _TYPING + "    from ..public import views\n",
     "webapp.web.forms imports webapp.public.views: web/ imports a blueprint"),
    ("geo/drawing/maps.py", "import flask\n", "geo.drawing.maps imports flask: geo/ imports no web app"),
    ("geo/drawing/maps.py", "from flask_babel import gettext\n",
     "geo.drawing.maps imports flask_babel: geo/"),
    ("geo/drawing/maps.py", "from webapp.store import models\n",
     "geo.drawing.maps imports webapp.store.models: geo/"),
    ("geo/drawing/maps.py", "import sqlalchemy as sa\n", "geo.drawing.maps imports sqlalchemy: geo/"),
]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_checker_passes_a_clean_tree(tmp_path):
    assert check_layers(_tree(tmp_path, _CLEAN)) == []


@pytest.mark.parametrize(("path", "text", "expected"), _BROKEN,
                         ids=[f"{i}-{b[2].split(': ')[-1][:30]}" for i, b in enumerate(_BROKEN)])
def test_the_checker_reports_each_broken_rule(tmp_path, path, text, expected):
    files = {**_CLEAN, path: _CLEAN[path] + text}
    if "forms2" in text:
        files["webapp/web/forms2.py"] = "from .forms import Form\n"
    problems = check_layers(_tree(tmp_path, files))
    assert any(p.startswith(expected) for p in problems), problems

def test_no_package_imports_another_packages_private_names():
    """A blueprint or package shares what it means to share: no ``from ..other import _name``."""
    found = []
    for path in (ROOT / "webapp").rglob("*.py"):
        package = path.relative_to(ROOT / "webapp").parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level < 2 or not node.module:
                continue
            if node.module.split(".")[0] == package:
                continue
            found += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and a.name != "__version__"]
    assert found == []
