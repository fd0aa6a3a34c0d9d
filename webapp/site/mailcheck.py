""""Send a test e-mail": one message through the configured SMTP server (``MAIL_*`` settings),
and what went wrong in plain words when it fails (refused connection, unknown host, timeout,
refused login, TLS, refused sender or recipient)."""

from __future__ import annotations

import smtplib
import socket
import ssl

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage


def _where() -> str:
    config = current_app.config
    return f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')}"


def explain(exc: BaseException) -> str:
    """What ``exc`` (raised while sending) means, in one sentence for an admin."""
    config = current_app.config
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("The mail server refused the user name or password (MAIL_USERNAME, MAIL_PASSWORD).")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _("The mail server does not support what was asked (STARTTLS or login): check "
                 "MAIL_USE_TLS, MAIL_USE_SSL and MAIL_USERNAME.")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _("The mail server refused the sender address %(sender)s (MAIL_DEFAULT_SENDER).",
                 sender=config.get("MAIL_DEFAULT_SENDER"))
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _("The mail server refused the recipient address.")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _("The mail server %(where)s closed the connection (with MAIL_USE_SSL or MAIL_USE_TLS on "
                 "the wrong port this is common).", where=_where())
    if isinstance(exc, smtplib.SMTPResponseException):
        return _("The mail server answered with an error: %(code)s %(message)s", code=exc.smtp_code,
                 message=exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes)
                 else str(exc.smtp_error))
    if isinstance(exc, ConnectionRefusedError):
        return _("The mail server %(where)s refused the connection: nothing listens there (is the server "
                 "running, and are MAIL_SERVER and MAIL_PORT right?).", where=_where())
    if isinstance(exc, socket.gaierror):
        return _("The mail server's name %(host)s could not be found (MAIL_SERVER).",
                 host=config.get("MAIL_SERVER"))
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("The mail server %(where)s did not answer within %(seconds)s seconds (MAIL_TIMEOUT).",
                 where=_where(), seconds=config.get("MAIL_TIMEOUT"))
    if isinstance(exc, ssl.SSLError):
        return _("The secure connection to the mail server failed (MAIL_USE_TLS, MAIL_USE_SSL): %(detail)s",
                 detail=exc.reason or str(exc))
    if isinstance(exc, smtplib.SMTPException):
        return _("The mail server refused the message: %(detail)s", detail=str(exc))
    return _("The mail server %(where)s could not be reached: %(detail)s", where=_where(),
             detail=str(exc) or type(exc).__name__)


def send_test(to: str, site_name: str) -> str | None:
    """Send a test message to ``to``; None when the server took it, else :func:`explain`'s text."""
    if not current_app.config.get("MAIL_SERVER"):
        return _("No mail server is set: set MAIL_SERVER (and MAIL_PORT) in the environment.")
    message = EmailMessage(
        subject=_("Test e-mail from %(name)s", name=site_name),
        body=_("This is a test e-mail sent from the settings page of %(name)s. If you read it, the "
               "mail server settings work.", name=site_name), to=[to])
    try:
        message.send(fail_silently=False)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        return explain(exc)
    return None
