"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from webapp.extensions import db
from webapp.store import MIGRATIONS


def _for_this_dialect(dialect: str):
    """Alembic's include_object: leave out what ``ddl_if`` keeps for another database (a GIN index)."""
    def include(obj, _name, _type, _reflected, _compare_to):
        ddl_if = getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect is None or ddl_if.dialect == dialect
    return include


def test_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": _for_this_dialect(conn.dialect.name)})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_have_one_head():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
