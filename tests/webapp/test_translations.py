"""Every UI string has an Arabic translation and the compiled catalogue is current."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

AR = ROOT / "webapp/translations/ar/LC_MESSAGES"


def test_every_message_has_arabic():
    result = subprocess.run([sys.executable, "scripts/translations.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_catalogue_covers_the_templates():
    """Extract afresh and compare: a string added to a template must reach the catalogue."""
    from babel.messages.extract import extract_from_dir

    with open(AR / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    known = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}  # plural: singular
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(ROOT), method_map, keywords={"_": None, "_l": None,
                                                                          "gettext": None,
                                                                          "ngettext": (1, 2),
                                                                          "lazy_gettext": None})}
    missing = sorted(found - known)
    assert not missing, f"run scripts/translations.py; missing: {missing[:5]}"


def test_mo_matches_po():
    def key(m):  # a plural message: its forms (a tuple in the .po, a list in the .mo)
        return (str(m.id) if isinstance(m.id, str) else tuple(m.id),
                m.string if isinstance(m.string, str) else tuple(m.string))

    with open(AR / "messages.po", "rb") as fh:
        po = dict(key(m) for m in read_po(fh) if m.id and not m.fuzzy)
    with open(AR / "messages.mo", "rb") as fh:
        mo = dict(key(m) for m in read_mo(fh) if m.id)
    assert po == mo, "run scripts/translations.py to recompile"
