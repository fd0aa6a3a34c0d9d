"""constraints.txt pins every dependency pyproject.toml declares, and says how it was made.

A fresh machine installs with ``pip install -e ".[test]" -c constraints.txt`` (the README's
command): a dependency added to pyproject.toml without regenerating the file would be installed
at whatever version is newest that day, which is how pytest 9.2 once broke the suite. These tests
fail until the file is regenerated with the command in its header.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
COMMAND = ("uv pip compile pyproject.toml --extra test --extra postgres --extra prod "
           "--python-version 3.11 -o constraints.txt")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def _declared() -> list[Requirement]:
    """Every requirement of pyproject.toml: the dependencies and those of every extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"].values()
    lines = [*project["dependencies"], *(line for extra in extras for line in extra)]
    return [Requirement(line) for line in lines]


def _pins() -> tuple[dict[str, str], dict[str, list[str]]]:
    """constraints.txt as {name: version} and {name: the packages uv says pulled it in}."""
    pins: dict[str, str] = {}
    via: dict[str, list[str]] = {}
    current = None
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or (line.startswith("#") and current is None):
            continue
        if line.startswith(" "):  # uv's "# via a" or "# via" + one "#   a" per line
            names = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if names:
                via[current].append(names)
            continue
        match = PIN.match(line.strip())
        assert match, f"not an exact pin in constraints.txt: {line!r}"
        current = canonicalize_name(match[1])
        pins[current] = match[2]
        via[current] = []
    return pins, via


def test_every_declared_dependency_is_pinned_within_its_bounds():
    pins, _ = _pins()
    unpinned, outside = [], []
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            unpinned.append(requirement.name)
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            outside.append(f"{requirement.name}=={pins[name]} (pyproject: {requirement.specifier})")
        if requirement.name == "psycopg":
            assert "psycopg-binary" in pins  # the [binary] extra
    assert not unpinned, f"not in constraints.txt, regenerate it ({COMMAND}): {unpinned}"
    assert not outside, f"pins outside pyproject's bounds, regenerate constraints.txt: {outside}"


def test_no_pin_is_left_from_a_dependency_pyproject_dropped():
    """A package uv pinned "via ahya (pyproject.toml)" is still declared there."""
    pins, via = _pins()
    declared = {canonicalize_name(r.name) for r in _declared()} | {"psycopg-binary"}
    stale = [name for name in pins if "ahya (pyproject.toml)" in via[name] and name not in declared]
    assert not stale, f"pinned for pyproject.toml but no longer declared there: {stale}"
    assert len(pins) > len(declared)  # the transitive dependencies are pinned too


def test_the_regeneration_command_is_in_the_header_and_the_readme():
    header = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()[:3]
    assert any(COMMAND in line for line in header), header
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert COMMAND in readme
    assert readme.split("```bash\n", 1)[1].splitlines()[:2] == [
        "pip install -e . -c constraints.txt && flask --app webapp run",
        'pip install -e ".[test]" -c constraints.txt && python -m pytest -n 2',
    ]
