"""The site's admin pages (admins only): backups at /admin/backup, demo data at /admin/demo,
site settings and a test e-mail at /admin/settings."""

from .views import bp  # noqa: F401  (create_app registers it)
