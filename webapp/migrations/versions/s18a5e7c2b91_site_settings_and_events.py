"""site_settings and site_events: settings edited in the browser, the last backup, the admin log (issue 18)

Revision ID: s18a5e7c2b91
Revises: a18c3f0e7b52
Create Date: 2026-12-05 23:50:00.000000

``site_settings`` holds the settings an admin changed at ``/admin/settings`` (one row per
setting, the value as JSON; a missing row means the environment's value) and the time of the
last backup (``last_backup_at``): app servers share only the database. ``site_events`` is the
audit log of the admin pages (backups, restores, demo data, settings, test mails): who, what,
when, never an address.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 's18a5e7c2b91'
down_revision = "a18c3f0e7b52"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'site_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'site_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_site_events_created_at', 'site_events', ['created_at'])


def downgrade():
    op.drop_index('ix_site_events_created_at', table_name='site_events')
    op.drop_table('site_events')
    op.drop_table('site_settings')
