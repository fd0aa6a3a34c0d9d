"""report client_key: idempotency key of offline-queued form posts

Revision ID: 7f3c2a9d41e8
Revises: 7a1f0c2e9b41
Create Date: 2026-12-03 14:00:00.000000

``reports.client_key`` holds the random UUID a browser sends with a report form, so a form
that was queued offline and is sent again (a lost answer, a second tab) is stored once.
Nullable (reports from the API, imports and demo data have none); a unique index, so two
concurrent posts with one key cannot both be stored (NULLs never collide).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7f3c2a9d41e8'
down_revision = '7a1f0c2e9b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=36), nullable=True))
        batch_op.create_index('ux_reports_client_key', ['client_key'], unique=True)


def downgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_index('ux_reports_client_key')
        batch_op.drop_column('client_key')
