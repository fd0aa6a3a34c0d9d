"""The category taxonomy (``data/categories.yaml``): one file for legend, forms, filters, exports.

A category may declare structured fields (``fields:``, read by ``geo.reference.fields``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .fields import Field, parse_fields

KINDS = ("challenge", "initiative")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


@dataclass(frozen=True)
class Category:
    kind: str
    id: str
    label_en: str
    label_ar: str
    colour: str
    icon: str
    fields: tuple[Field, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_ar if lang == "ar" else self.label_en


class Taxonomy:
    """Categories per kind, in file order."""

    def __init__(self, categories: list[Category]):
        self._by_kind: dict[str, dict[str, Category]] = {k: {} for k in KINDS}
        for cat in categories:
            self._by_kind[cat.kind][cat.id] = cat

    def categories(self, kind: str) -> list[Category]:
        return list(self._by_kind.get(kind, {}).values())

    def get(self, kind: str, category_id: str) -> Category | None:
        return self._by_kind.get(kind, {}).get(category_id)

    def is_valid(self, kind: str, category_id: str) -> bool:
        return self.get(kind, category_id) is not None

    def fields(self, kind: str, category_id: str) -> tuple[Field, ...]:
        """The structured fields of a category, in file order; () for none or an unknown category."""
        cat = self.get(kind, category_id)
        return cat.fields if cat is not None else ()

    def as_dict(self, lang: str | None = None) -> dict:
        """Plain data for JSON (legend, API)."""
        out = {}
        for kind in KINDS:
            out[kind] = [
                {"id": c.id, "label_en": c.label_en, "label_ar": c.label_ar, "colour": c.colour,
                 "icon": c.icon, **({"label": c.label(lang)} if lang else {})}
                for c in self.categories(kind)
            ]
        return out


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and check the taxonomy file; a malformed entry raises ValueError naming it."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) != set(KINDS):
        raise ValueError(f"{Path(path).name}: top level must have exactly {KINDS}")
    cats = []
    for kind in KINDS:
        seen = set()
        for i, entry in enumerate(data[kind] or []):
            where = f"{Path(path).name}: {kind}[{i}]"
            missing = {"id", "label_en", "label_ar", "colour", "icon"} - set(entry or {})
            if missing:
                raise ValueError(f"{where}: missing {sorted(missing)}")
            if not _ID.match(str(entry["id"])) or entry["id"] in seen:
                raise ValueError(f"{where}: bad or duplicate id {entry['id']!r}")
            if not _COLOUR.match(str(entry["colour"])):
                raise ValueError(f"{where}: colour must be #rrggbb")
            seen.add(entry["id"])
            cats.append(Category(kind=kind, **{k: str(entry[k]) for k in
                                               ("id", "label_en", "label_ar", "colour", "icon")},
                                 fields=parse_fields(entry.get("fields"), where)))
        if "other" not in seen:
            raise ValueError(f"{Path(path).name}: {kind} needs an 'other' category")
    return Taxonomy(cats)
