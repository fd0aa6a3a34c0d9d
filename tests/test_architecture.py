"""The README's "Architecture in one screen" names the code as it is.

Every module of geo/ and every package and module of webapp/ appears in that block, and every
file name the block mentions exists; geo/ never imports Flask or the database session.
"""

from __future__ import annotations

import ast
import re

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


def test_geo_never_imports_flask_or_the_store():
    for path in (ROOT / "geo").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"flask", "flask_sqlalchemy", "webapp", "sqlalchemy"}, \
                    f"{path.relative_to(ROOT)} imports {name}"


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
