"""Administration in the browser (admins only): ``/admin/`` lists the admin pages; accounts at
``/admin/users`` (invitations, roles, deactivation, the accounts' audit log)."""

from . import users  # noqa: F401  (its routes join bp)
from .views import bp  # noqa: F401  (create_app registers it)
