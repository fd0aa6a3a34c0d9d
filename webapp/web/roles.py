"""Role checks for views: anonymous users go to the login page, others get 403."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager


def organizer_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in ("organizer", "admin"):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)
    return wrapper
