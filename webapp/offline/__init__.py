"""Offline capture: the service worker (``/sw.js``) and the web app manifest.

The report forms (``/reports/new``, ``/suggest``) and their assets are cached by the service
worker; a form sent without a connection waits in IndexedDB and is sent when the connection
returns (``static/js/offline-form.js``), once, thanks to its idempotency key
(``webapp/contribute/idempotency.py``).
"""

from .views import bp  # noqa: F401  (create_app registers it)
