"""Idempotent form posts: a report form sent twice with one client key is stored once.

The browser makes a random UUID when a form is first submitted (``static/js/offline-form.js``)
and sends it as the hidden field ``client_key``; a queued offline form keeps it across every
retry. The key is stored with the report (``Report.client_key``, unique), so a repeat finds the
report and answers as the first post did, storing nothing. CSRF has been checked before any of
this (``CSRFProtect`` runs before the view), and nothing here skips the form's validation of a
new report.

Queued posts ask for JSON (``Accept: application/json``): the page's script shows the outcome
itself instead of navigating to it.
"""

from __future__ import annotations

import re

from flask import request

from ..extensions import db
from ..store.models import Report

_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def posted_key() -> str | None:
    """The post's client key, normalised, if it is a well-formed UUID (else None)."""
    key = (request.form.get("client_key") or "").strip().lower()
    return key if _KEY.match(key) else None


def stored_report(key: str | None) -> Report | None:
    """The report already stored under ``key``, if any."""
    if key is None:
        return None
    return db.session.scalar(db.select(Report).where(Report.client_key == key))


def wants_json() -> bool:
    """Whether the post came from the offline queue's script (it asks for JSON)."""
    return request.accept_mimetypes.best == "application/json"


def json_outcome(status: str, url: str | None = None, code: int = 200):
    """The answer to a queued post: ``stored`` or ``duplicate``, and where the report is."""
    body = {"status": status}
    if url:
        body["url"] = url
    return body, code


def json_refusal(form):
    """A refused queued post: 400 with one readable message and the per-field messages."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    parts = [f"{form.label_of(name)}: {' '.join(msgs)}".lstrip(": ") for name, msgs in errors.items()]
    return {"error": " ".join(parts), "errors": errors, "status": 400}, 400
