"""Read-only JSON API (/api/v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import areas  # noqa: E402,F401,I001  (one line per feature: fewer merge conflicts)
from . import views  # noqa: E402,F401
from . import clusters  # noqa: E402,F401
from . import organizations  # noqa: E402,F401
from . import updates  # noqa: E402,F401
