"""Links that people typed (a report's link, an organization's website), made safe to show."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_link(url: str) -> str | None:
    """The link if it is plain http(s); a ``javascript:`` URL must never become clickable."""
    parts = urlsplit((url or "").strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None
