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


def merge_pending() -> int:
    """Fill Arabic msgstrs from ``translations/pending/*.json`` ({msgid: arabic})."""
    pending = sorted((TRANSLATIONS / "pending").glob("*.json"))
    if not pending:
        return 0
    po = TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    table = {}
    for path in pending:
        table.update(json.loads(path.read_text(encoding="utf-8")))
    filled = 0
    for message in catalog:
        if message.id and str(message.id) in table and table[str(message.id)]:
            message.string = table[str(message.id)]
            message.flags.discard("fuzzy")
            filled += 1
    with open(po, "wb") as fh:
        write_po(fh, catalog, width=100)
    return filled


def missing_arabic() -> list[str]:
    with open(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


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
