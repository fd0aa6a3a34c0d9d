"""account_links and account_events: first-run setup, invitations, password resets (issue 18)

Revision ID: a18c3f0e7b52
Revises: f20a1e5d7c3b
Create Date: 2026-12-05 23:55:00.000000

``account_links`` keeps the one-time links of accounts (the first run's setup link, an
invitation, a password reset) as SHA-256 hashes of their secrets, with their expiry and use.
``account_events`` is the audit log of accounts (who invited, changed a role, deactivated,
reset a password, and when); like the other audit tables it holds no IP address.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a18c3f0e7b52'
down_revision = "f20a1e5d7c3b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_account_links_purpose_email', 'account_links', ['purpose', 'email'])
    op.create_table(
        'account_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['subject_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_account_events_subject_id', 'account_events', ['subject_id'])
    op.create_index('ix_account_events_created_at', 'account_events', ['created_at'])


def downgrade():
    op.drop_index('ix_account_events_created_at', table_name='account_events')
    op.drop_index('ix_account_events_subject_id', table_name='account_events')
    op.drop_table('account_events')
    op.drop_index('ix_account_links_purpose_email', table_name='account_links')
    op.drop_table('account_links')
