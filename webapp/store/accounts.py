"""Account rules: password hashing, throttled login, sessions that end, user creation.

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
from .models import ROLES, User

#: Failed logins one client may make at one account (known or not) before that pair waits.
MAX_FAILURES = 5
LOCK_MINUTES = 15
PAIR_LIMIT = f"{MAX_FAILURES} per {LOCK_MINUTES} minutes"
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
# Checked against on unknown e-mails so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    pass


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(email: str, password: str, role: str = "organizer", display_name: str = "") -> User:
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if db.session.scalar(db.select(User).where(User.email == email)):
        raise AccountError(f"a user {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role,
                display_name=display_name or email.split("@")[0], session_token=secrets.token_hex(8))
    db.session.add(user)
    db.session.commit()
    return user


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
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
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


def set_active(email: str, active: bool) -> User:
    """Activate or deactivate an account; deactivation ends its sessions."""
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    user.active = active
    if not active:
        end_sessions(user)
    db.session.commit()
    return user


def change_password(email: str, password: str) -> User:
    """Set a new password; existing sessions end and a lock is lifted."""
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user
