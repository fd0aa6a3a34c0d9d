"""Accounts: login/logout with per-account throttling (role checks: ``web.roles``)."""

from .views import bp  # noqa: F401  (create_app registers it)
