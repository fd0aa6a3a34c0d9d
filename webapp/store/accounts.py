"""Account rules: password hashing, throttled login, sessions that end, user creation, roles,
and the accounts' audit log (:func:`record`; the one-time links are ``store.account_links``).

Login is throttled per (account, client) pair here (:data:`PAIR_LIMIT`) and per client by the
login view (``LOGIN_RATE_LIMIT``), both in the rate limiter's storage and keyed by HMACs
(``extensions.client_key``), never by an address or an e-mail in clear. There is no lock per
account alone: a stranger hammering an organizer's account from his own client locks only his
own pair, and the organizer still gets in from hers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app
from limits import parse
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, limiter
from .models import ROLES, AccountEvent, User

#: Failed logins one client may make at one account (known or not) before that pair waits.
MAX_FAILURES = 5
LOCK_MINUTES = 15
PAIR_LIMIT = f"{MAX_FAILURES} per {LOCK_MINUTES} minutes"
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
# Checked against on unknown e-mails so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """An account change that the rules refuse; ``str()`` is one line (the CLI prints it)."""


class AccountExists(AccountError):
    """The address already has an account."""


class LastAdmin(AccountError):
    """The change would leave no active admin."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def valid_address(email: str) -> bool:
    """Whether ``email`` (normalized) is an address an account may have."""
    return bool(_EMAIL.match(normalize_email(email)))


def check_password(password: str) -> None:
    """Raise :class:`AccountError` when ``password`` is too short to be accepted."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")


def new_user(email: str, password: str, role: str = "organizer", display_name: str = "") -> User:
    """Add a user to the session (not committed): the caller commits with what goes with it.

    Raises
    ------
    AccountError
        For an address that is not one, an unknown role, a short password or a taken address.
    """
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    if find_user(email) is not None:
        raise AccountExists(f"a user {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role,
                display_name=display_name or email.split("@")[0], session_token=secrets.token_hex(8))
    db.session.add(user)
    db.session.flush()  # its id, for the audit row
    return user


def create_user(email: str, password: str, role: str = "organizer", display_name: str = "") -> User:
    """Create and commit an account (``flask users create``, tests)."""
    user = new_user(email, password, role, display_name)
    record("create", None, user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    """The account with this address (any case), or None."""
    return db.session.scalar(db.select(User).where(User.email == normalize_email(email)))


def any_account() -> bool:
    """Whether the database holds at least one account (else the first run's setup is open)."""
    return db.session.scalar(db.select(User.id).limit(1)) is not None


def record(action: str, actor: User | None, subject: User | None = None, email: str = "",
           detail: str = "") -> AccountEvent:
    """Add an audit row about accounts (the caller commits with the change it records).

    Parameters
    ----------
    action
        What happened: ``create``, ``setup``, ``invite``, ``resend``, ``revoke``, ``accept``,
        ``role``, ``deactivate``, ``activate``, ``reset_request``, ``reset``, ``password``.
    actor
        Who did it (None: the command line, or someone following a link).
    subject, email
        The account acted on and its address (an invitation names only an address).
    """
    event = AccountEvent(user_id=actor.id if actor is not None else None,
                         subject_id=subject.id if subject is not None else None,
                         email=email or (subject.email if subject is not None else ""),
                         action=action, detail=detail[:500])
    db.session.add(event)
    return event


def _pair_key(email: str, client: str) -> str:
    """The throttle's key of one account at one client: an HMAC, so neither is stored in clear."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"login\x00{client}\x00{normalize_email(email)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


class _NoThrottle:
    """The pair throttle when rate limits are off: nothing is counted, nothing refused."""

    def test(self, *args) -> bool:
        return True

    def hit(self, *args) -> bool:
        return True

    def clear(self, *args) -> None:
        return None


def authenticate(email: str, password: str, client: str = "") -> User | None:
    """The active user with these credentials, or None (one answer for every failure).

    Parameters
    ----------
    email, password
        As typed.
    client
        The client's key (``extensions.client_key()``, an HMAC of its address); the CLI and tests
        may leave it empty.

    Returns
    -------
    User or None
        None for an unknown or deactivated account, a wrong password, and a pair that failed
        :data:`MAX_FAILURES` times within :data:`LOCK_MINUTES` (then even the right password is
        refused from that client), so the answer never tells which accounts exist. Every path
        checks one password hash, so the time taken tells nothing either.
    """
    # With RATELIMIT_ENABLED off (the benchmark) flask-limiter keeps no storage and its
    # ``limiter`` asserts: the pair throttle is a rate limit too, off with the others.
    pairs = limiter.limiter if limiter.enabled else _NoThrottle()
    rate = parse(PAIR_LIMIT)
    pair = _pair_key(email, client)
    user = find_user(email)
    if not pairs.test(rate, "login-pair", pair):
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        pairs.hit(rate, "login-pair", pair)
        return None
    if not check_password_hash(user.password_hash, password or ""):
        pairs.hit(rate, "login-pair", pair)
        user.failed_logins += 1  # shown by `flask users list`; it locks nothing
        db.session.commit()
        return None
    pairs.clear(rate, "login-pair", pair)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user``: a new token in its Flask-Login id, so old cookies stop working.

    Called on logout, on a password change and on deactivation; the caller commits.
    """
    user.session_token = secrets.token_hex(16)


def _other_active_admin(user: User) -> bool:
    return db.session.scalar(db.select(User.id).where(
        User.role == "admin", User.active.is_(True), User.id != user.id).limit(1)) is not None


def set_active(email: str, active: bool, actor: User | None = None) -> User:
    """Activate or deactivate an account; deactivation ends its sessions.

    Raises
    ------
    AccountError
        For an unknown address, or when the last active admin would be deactivated (nobody
        could then manage accounts from the browser).
    """
    user = find_user(email)
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    if not active and user.role == "admin" and user.active and not _other_active_admin(user):
        raise LastAdmin("the last active admin cannot be deactivated")
    if user.active != active:
        record("activate" if active else "deactivate", actor, user)
    user.active = active
    if not active:
        end_sessions(user)
    db.session.commit()
    return user


def set_role(email: str, role: str, actor: User | None = None) -> User:
    """Give an account another role (``organizer`` or ``admin``), audited.

    Raises
    ------
    AccountError
        For an unknown address or role, or when the last active admin would lose the role.
    """
    user = find_user(email)
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if user.role == "admin" and role != "admin" and user.active and not _other_active_admin(user):
        raise LastAdmin("the last active admin cannot lose the admin role")
    if user.role != role:
        record("role", actor, user, detail=f"{user.role} -> {role}")
        user.role = role
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Hash a new password into ``user``: its sessions end and a lock is lifted (not committed)."""
    check_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    user.failed_logins = 0
    user.locked_until = None


def change_password(email: str, password: str) -> User:
    """Set a new password; existing sessions end and a lock is lifted."""
    user = find_user(email)
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    set_password(user, password)
    record("password", None, user)
    db.session.commit()
    return user
