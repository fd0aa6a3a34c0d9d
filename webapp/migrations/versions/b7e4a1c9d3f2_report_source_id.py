"""report source_id: the id of an imported row in its source (Kobo _uuid, ODK instanceID, a hash)

Revision ID: b7e4a1c9d3f2
Revises: 7f3c2a9d41e8
Create Date: 2026-12-03 14:00:00.000000

``reports.source_id`` is unique and nullable: reports typed into the form have none, and a
re-imported file finds its rows already there instead of storing them twice.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e4a1c9d3f2'
down_revision = '7f3c2a9d41e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.String(length=120), nullable=True))
        batch_op.create_index('ix_reports_source_id', ['source_id'], unique=True)


def downgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_index('ix_reports_source_id')
        batch_op.drop_column('source_id')
