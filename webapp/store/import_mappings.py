"""Column mappings remembered per file layout: the next export of the same form maps itself.

When an organizer imports a file from the page, the mapping they confirmed (one field or none per
column) and the default type and category are kept under the SHA-256 of the file's column names
(``import-mappings/<hex>.json`` in :mod:`webapp.store.files`, so every app server sees it). A later
upload with exactly the same columns, in the same order, opens its preview with that mapping.
Column names and field ids only: nothing of the rows is kept.
"""

from __future__ import annotations

import hashlib
import json

from ..extensions import db
from . import files

PREFIX = "import-mappings/"


def _name(headers: list[str]) -> str:
    digest = hashlib.sha256(json.dumps(list(headers), ensure_ascii=False).encode()).hexdigest()
    return f"{PREFIX}{digest}.json"


def remember(headers: list[str], mapping: list[str | None], *, kind: str | None = None,
             category: str | None = None) -> None:
    """Keep ``mapping`` (and the defaults) for files whose columns are ``headers``."""
    doc = {"headers": list(headers), "mapping": list(mapping), "kind": kind or "",
           "category": category or ""}
    files.put(_name(headers), json.dumps(doc, ensure_ascii=False).encode(), "application/json",
              replace=True)
    db.session.commit()


def recall(headers: list[str], allowed) -> dict | None:
    """``{"mapping", "kind", "category"}`` remembered for ``headers``, or None.

    A remembered mapping naming a field that no longer exists (``allowed``) is forgotten.
    """
    raw = files.read(_name(headers))
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("headers") != list(headers):
        return None
    mapping = doc.get("mapping")
    if not isinstance(mapping, list) or len(mapping) != len(headers) \
            or any(f is not None and f not in allowed for f in mapping):
        return None
    return {"mapping": mapping, "kind": str(doc.get("kind") or ""),
            "category": str(doc.get("category") or "")}
