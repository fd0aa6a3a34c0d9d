"""One-time account links: the first run's setup link, invitations, password resets.

A link carries a random secret (``secrets.token_urlsafe``); the database keeps only its SHA-256
(:class:`~webapp.store.models.AccountLink`), so every app server sharing the database accepts a
link any of them made, and a copy of the database opens nothing. A link works once: it is
claimed by one ``UPDATE … WHERE used_at IS NULL`` in the transaction that does what it allows,
so two clicks (or two servers) cannot both use it.

- **setup**: made at start-up while the database holds no account (:func:`announce_setup`
  writes it to the log, as Jupyter prints its token; ``flask users setup-link`` makes one on
  demand). It creates the first admin; once any account exists, no setup link works.
- **invite**: an admin invites an address as organizer or admin (valid :data:`INVITE_DAYS`
  days); the invitee chooses her password. Mailed when ``MAIL_SERVER`` is set, else shown once to
  the admin. Resending makes a new link and revokes the old one.
- **reset**: a password reset for an active account (valid :data:`RESET_HOURS` hour), mailed
  after the answer is sent; the page answers the same for any address.

Mails are built on ``PUBLIC_URL``, never on the request's ``Host`` header (a forged one would
mail a link to another site), in the language the link was asked for. Every action is audited
(``accounts.record``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import smtplib
import threading

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from ..extensions import db
from .accounts import (
    AccountError,
    AccountExists,
    any_account,
    find_user,
    new_user,
    normalize_email,
    record,
    set_password,
    valid_address,
)
from .models import ROLES, AccountLink, User, utcnow

SETUP_DAYS = 7
INVITE_DAYS = 7
RESET_HOURS = 1
#: What ``secrets.token_urlsafe(32)`` writes: anything else is refused before any query.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: The page of each kind of link (endpoints of the auth blueprint).
ENDPOINTS = {"setup": "auth.setup_link", "invite": "auth.invitation", "reset": "auth.reset_link"}


class LinkError(AccountError):
    """A link that is unknown, used, revoked or expired (one message for all: nothing to probe)."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii", "replace")).hexdigest()


def _issue(purpose: str, lifetime: dt.timedelta, **fields) -> tuple[str, AccountLink]:
    """A new link (added to the session, not committed) and its secret, which is never stored."""
    raw = secrets.token_urlsafe(32)
    link = AccountLink(purpose=purpose, token_hash=_hash(raw), expires_at=utcnow() + lifetime, **fields)
    db.session.add(link)
    db.session.flush()
    return raw, link


def find(purpose: str, raw: str) -> AccountLink | None:
    """The usable link of this kind with this secret: not used, not revoked, not expired."""
    if not isinstance(raw, str) or not TOKEN.match(raw):
        return None
    link = db.session.scalar(db.select(AccountLink).where(AccountLink.token_hash == _hash(raw),
                                                          AccountLink.purpose == purpose))
    if link is None or link.used_at is not None or link.revoked_at is not None or link.expires_at <= utcnow():
        return None
    return link


def _claim(link: AccountLink) -> None:
    """Mark ``link`` used in the current transaction, or raise if another request used it first."""
    now = utcnow()
    done = db.session.execute(
        db.update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None),
                                     AccountLink.revoked_at.is_(None), AccountLink.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise LinkError("this link is no longer valid")
    link.used_at = now


def url(link: AccountLink, raw: str) -> str:
    """The link's address on ``PUBLIC_URL``."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(ENDPOINTS[link.purpose], token=raw, _external=True)


# --- first run ---------------------------------------------------------------------------------

def setup_open() -> bool:
    """Whether the first run's setup is still open (no account exists)."""
    return not any_account()


def issue_setup_link() -> str:
    """A new setup link's secret (committed); older setup links stay valid until an account exists."""
    # Setup links that expired are of no use to anyone: cleared as new ones are made.
    db.session.execute(db.delete(AccountLink).where(AccountLink.purpose == "setup",
                                                    AccountLink.expires_at <= utcnow()))
    raw, _link = _issue("setup", dt.timedelta(days=SETUP_DAYS))
    db.session.commit()
    return raw


def announce_setup(app) -> str | None:
    """At start-up, with no account in the database: write a setup link to the log; its secret.

    Every server (and worker) that starts before the first admin exists writes its own link;
    any of them works, once, and none works after an account exists.
    """
    with app.app_context():
        if not setup_open():
            return None
        raw = issue_setup_link()
        path = f"/auth/setup/{raw}"
        app.logger.warning(
            "Ahya has no account yet. To create the first admin, open this one-time link: %s%s "
            "(or the path %s on this server's address). It works once, for %s days; "
            "`flask users setup-link` prints a new one.",
            app.config["PUBLIC_URL"].rstrip("/"), path, path, SETUP_DAYS)
        db.session.remove()
        return raw


def complete_setup(raw: str, email: str, password: str) -> User:
    """Create the first admin with the setup link ``raw``.

    Raises
    ------
    LinkError
        For a link that is not a valid setup link, or when an account already exists.
    AccountError
        For an invalid address or password (the link stays valid).
    """
    link = find("setup", raw)
    if link is None or not setup_open():
        raise LinkError("this link is no longer valid")
    user = new_user(email, password, role="admin")
    # Every setup link is used up with this one: two people with two links (two servers' logs)
    # cannot both become the first admin. The second UPDATE waits for the first to commit and
    # then finds nothing left to claim.
    now = utcnow()
    claimed = db.session.execute(
        db.update(AccountLink).where(AccountLink.purpose == "setup", AccountLink.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    mine = db.session.scalar(db.select(AccountLink.used_at).where(AccountLink.id == link.id))
    if claimed.rowcount < 1 or mine != now or db.session.scalar(
            db.select(db.func.count(User.id))) != 1:
        db.session.rollback()
        raise LinkError("this link is no longer valid")
    record("setup", user, user)
    db.session.commit()
    return user


# --- invitations -------------------------------------------------------------------------------

def pending_invitations() -> list[AccountLink]:
    """Invitations not yet used, revoked or expired, newest first."""
    return list(db.session.scalars(db.select(AccountLink).where(
        AccountLink.purpose == "invite", AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None),
        AccountLink.expires_at > utcnow()).order_by(AccountLink.created_at.desc(), AccountLink.id.desc())))


def _revoke_pending(email: str) -> None:
    db.session.execute(db.update(AccountLink).where(
        AccountLink.purpose == "invite", AccountLink.email == email, AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None)).values(revoked_at=utcnow()).execution_options(
        synchronize_session="fetch"))


def invite(email: str, role: str, actor: User, lang: str = "ar") -> tuple[str, AccountLink]:
    """Invite ``email`` as ``role``: a new link (committed) and its secret, to mail or to show once.

    An earlier invitation of the same address stops working.

    Raises
    ------
    AccountError
        For an address that is not one, an unknown role, or an address that has an account.
    """
    email = normalize_email(email)
    if not valid_address(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if find_user(email) is not None:
        raise AccountExists(f"a user {email} already exists")
    _revoke_pending(email)
    raw, link = _issue("invite", dt.timedelta(days=INVITE_DAYS), email=email, role=role, lang=lang,
                       created_by_id=actor.id)
    record("invite", actor, email=email, detail=role)
    db.session.commit()
    return raw, link


def _pending(link_id: int) -> AccountLink:
    link = db.session.get(AccountLink, link_id)
    if link is None or link.purpose != "invite" or link.used_at is not None or link.revoked_at is not None:
        raise LinkError("no such invitation")
    return link


def resend(link_id: int, actor: User, lang: str | None = None) -> tuple[str, AccountLink]:
    """A new link for a pending (or expired, unused) invitation; the old link stops working."""
    old = _pending(link_id)
    email, role = old.email, old.role
    if find_user(email) is not None:
        raise AccountExists(f"a user {email} already exists")
    _revoke_pending(email)
    raw, link = _issue("invite", dt.timedelta(days=INVITE_DAYS), email=email, role=role,
                       lang=lang or old.lang, created_by_id=actor.id)
    record("resend", actor, email=email, detail=role)
    db.session.commit()
    return raw, link


def revoke(link_id: int, actor: User) -> AccountLink:
    """Withdraw a pending invitation: its link stops working."""
    link = _pending(link_id)
    link.revoked_at = utcnow()
    record("revoke", actor, email=link.email, detail=link.role)
    db.session.commit()
    return link


def accept(raw: str, password: str) -> User:
    """Create the invited account with the password its owner chose; the link is used up.

    Raises
    ------
    LinkError
        For a link that is not a valid invitation.
    AccountError
        For a password that is too short (the link stays valid).
    """
    link = find("invite", raw)
    if link is None:
        raise LinkError("this link is no longer valid")
    if find_user(link.email) is not None:
        raise LinkError("this link is no longer valid")
    user = new_user(link.email, password, role=link.role)
    _claim(link)
    link.user_id = user.id
    record("accept", user, user, detail=link.role)
    db.session.commit()
    return user


# --- password reset ----------------------------------------------------------------------------

def request_reset(email: str, lang: str = "ar") -> tuple[str, AccountLink] | None:
    """A reset link (committed) for the active account of ``email``, or None for any other address.

    The caller answers the same either way, and mails the link after answering
    (:func:`send_later`), so neither the page nor its timing tells whether the account exists.
    """
    raw = secrets.token_urlsafe(32)  # made either way: the same work for every address
    token_hash = _hash(raw)
    user = find_user(email)
    if user is None or not user.active:
        return None
    link = AccountLink(purpose="reset", token_hash=token_hash, email=user.email, user_id=user.id, lang=lang,
                       expires_at=utcnow() + dt.timedelta(hours=RESET_HOURS))
    db.session.add(link)
    record("reset_request", None, user)
    db.session.commit()
    return raw, link


def complete_reset(raw: str, password: str) -> User:
    """Set the new password of the reset link's account; its sessions end, the link is used up.

    Raises
    ------
    LinkError
        For a link that is not a valid reset link (or whose account was deactivated).
    AccountError
        For a password that is too short (the link stays valid).
    """
    link = find("reset", raw)
    user = link.user if link is not None else None
    if user is None or not user.active:
        raise LinkError("this link is no longer valid")
    set_password(user, password)
    _claim(link)
    # Other reset links of this account stop working too: the password they would reset is gone.
    db.session.execute(db.update(AccountLink).where(
        AccountLink.purpose == "reset", AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
        .values(used_at=link.used_at).execution_options(synchronize_session=False))
    record("reset", user, user)
    db.session.commit()
    return user


# --- mail --------------------------------------------------------------------------------------

def mail_enabled() -> bool:
    """Links are mailed only when a mail server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send(link: AccountLink, raw: str) -> bool:
    """Mail ``link`` to its address in its language; False (logged, without the address) on failure."""
    if not mail_enabled():
        return False
    address, lang, purpose = link.email, link.lang, link.purpose
    link_url = url(link, raw)
    hours = INVITE_DAYS * 24 if purpose == "invite" else RESET_HOURS
    try:
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]), force_locale(lang):
            subject = _("Ahya: your invitation") if purpose == "invite" else _("Ahya: reset your password")
            context = {"url": link_url, "lang": lang, "direction": "rtl" if lang == "ar" else "ltr",
                       "purpose": purpose, "role": link.role, "hours": hours, "days": INVITE_DAYS}
            text = render_template("auth/mail_link.txt", **context)
            html = render_template("auth/mail_link.html", **context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[address],
                                         headers={"Auto-Submitted": "auto-generated"})
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        current_app.logger.warning("%s link %s not mailed: %s", purpose, link.id, type(exc).__name__)
        return False
    return True


def send_later(link: AccountLink, raw: str) -> threading.Thread:
    """Mail ``link`` from another thread, after the answer: the answer's time tells nothing."""
    app = current_app._get_current_object()
    link_id = link.id

    def run():
        with app.app_context():
            stored = db.session.get(AccountLink, link_id)
            if stored is not None:
                send(stored, raw)
            db.session.remove()

    thread = threading.Thread(target=run, name="ahya-reset-mail", daemon=True)
    thread.start()
    return thread


def reset_later(email: str, lang: str = "ar") -> threading.Thread:
    """:func:`request_reset` and its mail from another thread, after the answer.

    Writing the link happens only for an account: done before answering, the answer would take
    longer for an address that has one. Every address costs the answer the same: a thread.
    """
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            try:
                issued = request_reset(email, lang)
                if issued is not None:
                    send(issued[1], issued[0])
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name="ahya-reset-mail", daemon=True)
    thread.start()
    return thread
