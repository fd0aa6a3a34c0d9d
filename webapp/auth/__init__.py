"""Accounts: login/logout with per-account throttling, and the one-time links' pages (first run's
setup, invitations, password reset); role checks: ``web.roles``."""

from . import links  # noqa: F401  (its routes join bp)
from .views import bp  # noqa: F401  (create_app registers it)
