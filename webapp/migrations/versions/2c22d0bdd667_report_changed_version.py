"""report changed_version: incremental refresh of the point cache

Revision ID: 2c22d0bdd667
Revises: 98896076333a
Create Date: 2026-11-25 09:30:00.000000

``reports.changed_version`` is the data version of the transaction that last changed a row, so a
cache holding version V reloads only ``changed_version > V``; ``data_version.reload_version``
tells a cache at or below it to reload in full (deletes, restores, unstamped changes).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2c22d0bdd667'
down_revision = '98896076333a'
branch_labels = None
depends_on = None


def upgrade():
    # NOT NULL with a server default: a plain ADD COLUMN on SQLite and PostgreSQL, no table copy.
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('changed_version', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('data_version') as batch_op:
        batch_op.add_column(sa.Column('reload_version', sa.BigInteger(), server_default='0', nullable=False))
    # Backfill: every existing row was last changed at (or before) the current version. No cache
    # from before this revision survives it (workers start after the upgrade, with empty caches),
    # so reload_version stays 0.
    op.execute("UPDATE reports SET changed_version = "
               "COALESCE((SELECT version FROM data_version WHERE id = 1), 0)")
    with op.batch_alter_table('reports') as batch_op:
        batch_op.create_index('ix_reports_changed_version', ['changed_version'], unique=False)


def downgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_index('ix_reports_changed_version')
        batch_op.drop_column('changed_version')
    with op.batch_alter_table('data_version') as batch_op:
        batch_op.drop_column('reload_version')
