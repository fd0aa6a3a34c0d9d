"""Ahya's Flask application: ``create_app()`` wires config, extensions and blueprints."""

from __future__ import annotations

import gc

from flask import Flask

from .web.routing import AhyaFlask

_frozen = False


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app.

    Parameters
    ----------
    test_config : dict, optional
        Settings that override the environment (tests pass a temporary
        instance directory and database here).
    """
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = AhyaFlask(__name__, instance_relative_config=True, instance_path=instance_path)

    from . import config
    from .web import routing
    config.load_config(app, test_config)
    routing.init_app(app)  # before any blueprint: their rules use the <id:...> converter
    if app.config["TRUSTED_PROXIES"] > 0:
        # Behind nginx the client address and scheme come from X-Forwarded-*: without this the
        # rate limit would count every visitor as the proxy, and cookies would miss HTTPS.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from . import cli, state, store
    from .auth.views import init_login
    from .extensions import csrf, limiter
    from .store import models  # noqa: F401  (the tables are known before the first query)
    from .web import assets, compression, errors, i18n, logs, security
    state.init_app(app)  # before anything that caches in it
    logs.init_app(app)
    store.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    assets.init_app(app)
    compression.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    security.init_app(app)

    from .connect import mail as connect_mail
    connect_mail.init_app(app)
    for blueprint in (assets.bp, *(feature.bp for feature in _features())):
        app.register_blueprint(blueprint)
    # The first run: no account yet, so the log gets a one-time setup link (tests: on request).
    if not app.testing or (test_config or {}).get("SETUP_LINK"):
        from .store.account_links import announce_setup
        announce_setup(app)
    # Test apps skip it unless the test asks for it by name (passes WARM_UP in its settings).
    if app.config["WARM_UP"] and (not app.testing or "WARM_UP" in (test_config or {})):
        from .store.warmup import warm_up
        warm_up(app)
    _freeze_long_lived()
    return app


def _features() -> tuple:
    """The feature packages, each a blueprint: the package exposes ``bp`` (made in its views.py,
    its other modules add their routes to it) and this is the one place that registers them."""
    from . import (
        admin,
        api,
        auth,
        cards,
        connect,
        contribute,
        exports,
        follow,
        imports,
        layers_admin,
        moderation,
        offline,
        ogc,
        open311,
        organizations,
        progress,
        public,
        site,
    )
    return (public, auth, contribute, moderation, api, exports, open311, offline, organizations, connect,
            cards, imports, progress, follow, layers_admin, admin, site, ogc)


def _freeze_long_lived() -> None:
    """Move what exists now (the modules, classes and functions of ~20 libraries: ~200,000
    objects) out of the garbage collector's reach, once per process.

    Every full collection would scan them again: ~60 ms, falling on a random request (the
    benchmark saw API p95 at 100 ms for p50 at 30 ms). They live as long as the process anyway.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
