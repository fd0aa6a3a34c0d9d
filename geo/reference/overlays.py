"""Imported overlays: the rule for their names.

An overlay's features and metadata are stored in the database by ``webapp.store.overlays``
(every app server sees them); its name is a short lowercase ASCII slug, used in stored file
names, backup layer names (``overlay_<name>``) and the command line.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def valid_name(name: str) -> bool:
    """Overlay names are short lowercase ASCII slugs (they become parts of stored file names)."""
    return bool(_NAME.match(name or ""))
