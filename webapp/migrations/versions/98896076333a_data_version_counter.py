"""data version counter

Revision ID: 98896076333a
Revises: 41a6cbeb7bd9
Create Date: 2026-11-25 07:12:07.703441

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '98896076333a'
down_revision = '41a6cbeb7bd9'
branch_labels = None
depends_on = None


def upgrade():
    data_version = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name='ck_data_version_single_row'),
    sa.PrimaryKeyConstraint('id')
    )
    # The one row exists from the start, so a bump is a single UPDATE (no upsert, which
    # SQLite and PostgreSQL spell differently). No ETag existed before this revision, so
    # starting an existing database at version 1 cannot collide with a validator a client holds.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(data_version, [{'id': 1, 'version': 1, 'changed_at': now}])


def downgrade():
    op.drop_table('data_version')
