"""Account rules: password hashing, throttled login, user creation."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .models import ROLES, User, utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
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


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """Check credentials; returns (user, None) or (None, reason) with reason "invalid" or "locked:N"."""
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    now = utcnow()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None, "invalid"
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"locked:{minutes}"
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            db.session.commit()
            return None, f"locked:{LOCK_MINUTES}"
        db.session.commit()
        return None, "invalid"
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user, None


def change_password(email: str, password: str) -> User:
    """Set a new password; existing sessions end and a lock is lifted."""
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise AccountError(f"no user {normalize_email(email)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    user.password_hash = generate_password_hash(password)
    user.session_token = secrets.token_hex(8)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user
