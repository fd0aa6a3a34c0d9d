"""issue 21: report lifecycle, updates, affected areas, subscriptions and alert deliveries

Revision ID: e21c4a7b9d10
Revises: b7e4a1c9d3f2
Create Date: 2026-12-05 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e21c4a7b9d10'
down_revision = 'b7e4a1c9d3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lifecycle', sa.String(length=20), server_default='reported',
                                      nullable=False))
        batch_op.create_index('ix_reports_lifecycle', ['lifecycle'], unique=False)
    # Initiatives start "active"; challenges "reported" (the server default).
    op.execute("UPDATE reports SET lifecycle = 'active' WHERE kind = 'initiative'")

    op.create_table('report_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=True),
    sa.Column('previous_state', sa.String(length=20), nullable=True),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('reject_reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_updates', schema=None) as batch_op:
        batch_op.create_index('ix_report_updates_report_id', ['report_id'], unique=False)
        batch_op.create_index('ix_report_updates_status_published', ['status', 'published_at'], unique=False)

    op.create_table('affected_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=80), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reject_reason', sa.String(length=500), nullable=False),
    sa.Column('linked_report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['linked_report_id'], ['reports.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('affected_areas', schema=None) as batch_op:
        batch_op.create_index('ix_affected_areas_report_id', ['report_id'], unique=False)
        batch_op.create_index('ix_affected_areas_status', ['status'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email', 'scope', 'target', name='uq_subscriptions_email_scope_target'),
    sa.UniqueConstraint('token')
    )

    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'item', name='uq_alert_deliveries_subscription_item')
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_batch', ['batch'], unique=False)


def downgrade():
    op.drop_table('alert_deliveries')
    op.drop_table('subscriptions')
    op.drop_table('affected_areas')
    op.drop_table('report_updates')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_lifecycle')
        batch_op.drop_column('lifecycle')
