"""Forwarding a request to connect by e-mail (Flask-Mailman), only when ``MAIL_SERVER`` is set.

The recipient is the organization's public e-mail (for an initiative: its organization's),
else ``CONNECT_FALLBACK_EMAIL``. A request is forwarded at most once (``forwarded_at``); a
failure to send is logged and leaves the request stored and unforwarded, never an error page.
"""

from __future__ import annotations

import re
import smtplib

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage, Mail

from ..extensions import db
from ..store.models import ConnectRequest, utcnow

mail = Mail()
#: A plain address (no display name, no header tricks): the only reply channel used as Reply-To.
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")


def init_app(app) -> None:
    mail.init_app(app)


def _one_line(text: str) -> str:
    # Header values must not carry line breaks (header injection); the name may hold any text.
    return " ".join((text or "").split())[:150]


def recipient(req: ConnectRequest) -> str | None:
    """Where the request goes: the target's public e-mail, else the fallback address, else None."""
    address = ""
    if req.organization is not None:
        address = req.organization.public_email
    elif req.report is not None and req.report.organization_record is not None \
            and req.report.organization_record.status == "published":
        address = req.report.organization_record.public_email
    address = (address or "").strip() or current_app.config.get("CONNECT_FALLBACK_EMAIL", "").strip()
    return address if address and EMAIL.match(address) else None


def target_name(req: ConnectRequest) -> str:
    """The organization's names or the initiative's title."""
    if req.organization is not None:
        return " / ".join(n for n in (req.organization.name_ar, req.organization.name_en) if n)
    return req.report.title if req.report is not None else ""


def forward(req: ConnectRequest) -> bool:
    """Send ``req`` by e-mail once, when a mail server is configured; True if it was sent now.

    Parameters
    ----------
    req : ConnectRequest
        A stored (committed) request.
    """
    if req.forwarded_at is not None or not current_app.config.get("MAIL_SERVER"):
        return False
    to = recipient(req)
    if to is None:
        return False
    body = "\n".join([
        _("A message sent through Ahya to %(target)s.", target=target_name(req)), "",
        _("From: %(name)s", name=req.sender_name),
        _("How to answer: %(channel)s", channel=req.reply_channel), "", req.message, ""])
    reply_to = [req.reply_channel] if EMAIL.match(req.reply_channel) else []
    message = EmailMessage(subject=_one_line(_("Request to connect: %(target)s", target=target_name(req))),
                           body=body, to=[to], reply_to=reply_to)
    try:
        message.send(fail_silently=False)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # Kept for the organizers' tab; the content is private, so the log names only the id.
        current_app.logger.warning("request to connect %s not forwarded: %s", req.id, type(exc).__name__)
        return False
    req.forwarded_at = utcnow()
    db.session.commit()
    return True
