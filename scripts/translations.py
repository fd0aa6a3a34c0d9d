"""Keep the Flask-Babel catalogues in step with the code.

    python scripts/translations.py          # extract, update ar/en catalogues, compile
    python scripts/translations.py --check  # exit 1 if a message lacks an Arabic translation

msgids are English, so the English catalogue stays empty. New Arabic
translations can be dropped into ``webapp/translations/pending/*.json``
({"English msgid": "Arabic"}); the script merges them into the Arabic catalogue.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "webapp" / "translations"
POT = TRANSLATIONS / "messages.pot"


def run(*args: str) -> None:
    subprocess.run(["pybabel", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


#: Arabic has six plural forms (CLDR zero, one, two, few 3-10, many 11-99, other 100-102...),
#: in this order: the msgstr[0..5] of every ``ngettext`` message.
AR_PLURALS = 6
AR_PLURAL_EXPR = ("(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
                  "n%100>=11 ? 4 : 5)")


def merge_pending() -> int:
    """Fill Arabic msgstrs from ``translations/pending/*.json`` and set the plural rule.

    A pending value is a string, or for a plural message (``ngettext``) a list of the six
    Arabic forms. The catalogue's Plural-Forms header is set to the six forms above whatever
    ``pybabel update`` wrote.
    """
    pending = sorted((TRANSLATIONS / "pending").glob("*.json"))
    po = TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    catalog._num_plurals, catalog._plural_expr = AR_PLURALS, AR_PLURAL_EXPR
    table = {}
    for path in pending:
        table.update(json.loads(path.read_text(encoding="utf-8")))
    filled = 0
    for message in catalog:
        key = str(message.id[0] if message.pluralizable else message.id)
        value = table.get(key) if message.id else None
        if not value:
            continue
        if message.pluralizable and isinstance(value, list) and len(value) == AR_PLURALS:
            message.string = tuple(value)
        elif not message.pluralizable and isinstance(value, str):
            message.string = value
        else:
            continue
        message.flags.discard("fuzzy")
        filled += 1
    with open(po, "wb") as fh:
        write_po(fh, catalog, width=100)
    return filled


def missing_arabic() -> list[str]:
    """Messages without a complete Arabic translation (every plural form filled), and a wrong
    plural rule."""
    with open(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    out = []
    expr = catalog.plural_expr.replace(" ", "")
    if catalog.num_plurals != AR_PLURALS or expr != AR_PLURAL_EXPR.replace(" ", ""):
        out.append(f"Plural-Forms: nplurals={AR_PLURALS}; plural={AR_PLURAL_EXPR};")
    for m in catalog:
        if not m.id:
            continue
        if m.pluralizable:
            forms = m.string if isinstance(m.string, tuple | list) else ()
            if len(forms) != AR_PLURALS or not all(forms) or m.fuzzy:
                out.append(str(m.id[0]))
        elif not m.string or m.fuzzy:
            out.append(str(m.id))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if not args.check:
        run("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--omit-header",
            "-o", str(POT), ".")
        for lang in ("ar", "en"):
            po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
            if po.exists():
                run("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang, "--no-fuzzy-matching")
            else:
                run("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)
        merge_pending()
        run("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")
    missing = missing_arabic()
    for msgid in missing:
        print(f"untranslated (ar): {msgid!r}", file=sys.stderr)
    return 1 if missing and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
