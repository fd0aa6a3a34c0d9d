"""reports.fields: the structured fields of a report's category (issue 20)

Revision ID: f20a1e5d7c3b
Revises: e23f1a5b0c7d
Create Date: 2026-12-05 23:55:00.000000

One JSON object per report (field id -> value), declared per category in data/categories.yaml:
a new field needs no migration. JSON text on SQLite, JSONB on PostgreSQL with a GIN index
(jsonb_path_ops) for containment queries. Every existing report gets ``{}``.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'f20a1e5d7c3b'
down_revision = 'e23f1a5b0c7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                      nullable=False, server_default=sa.text("'{}'")))
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_reports_fields_gin', 'reports', ['fields'], postgresql_using='gin',
                        postgresql_ops={'fields': 'jsonb_path_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_reports_fields_gin', table_name='reports')
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_column('fields')
