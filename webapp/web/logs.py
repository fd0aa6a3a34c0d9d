"""Logging without IP addresses: the development server's access log names the client
address; this filter blanks it (and any other address) before a record is written."""

from __future__ import annotations

import logging
import re

_IPV4 = r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
# Full eight-group form, or any compressed form (it always contains "::"); times such as
# 10:00:00 have neither, so log timestamps survive.
_IPV6 = r"(?<![\w:])(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|[0-9a-fA-F:]*::[0-9a-fA-F:.]*)(?![\w:])"
# An address right after "://" (or "://[") is a URL's host: the server's own address in its
# start-up lines ("Running on http://127.0.0.1:5000"), not a client's; it is kept.
_ADDRESS = re.compile(f"(?<!//)(?<!//\\[)(?:{_IPV6}|{_IPV4})")
#: The wildcard bind addresses ("Running on all addresses (0.0.0.0)") name no one.
_WILDCARDS = {"0.0.0.0", "::"}  # noqa: S104 (matched in log text, not bound to)


def scrub(text: str) -> str:
    """``text`` with every client address replaced by "-" (URL hosts and wildcards kept)."""
    return _ADDRESS.sub(lambda m: m.group(0) if m.group(0) in _WILDCARDS else "-", text)


class NoAddressFilter(logging.Filter):
    """Replace IP addresses in the message and its arguments with "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True


def init_app(app) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoAddressFilter) for f in logger.filters):
            logger.addFilter(NoAddressFilter())
