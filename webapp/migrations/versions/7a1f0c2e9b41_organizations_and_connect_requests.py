"""organizations, the areas and categories they serve, their audit log, requests to connect

Revision ID: 7a1f0c2e9b41
Revises: 2c22d0bdd667
Create Date: 2026-12-03 14:10:00.000000

Initiatives (reports) get ``organization_id``; the free-text ``organization`` stays for old data.
"""
import sqlalchemy as sa
from alembic import op

revision = '7a1f0c2e9b41'
down_revision = '2c22d0bdd667'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organizations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name_ar', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('website', sa.String(length=500), nullable=False),
        sa.Column('public_phone', sa.String(length=40), nullable=False),
        sa.Column('public_email', sa.String(length=254), nullable=False),
        sa.Column('logo', sa.String(length=80), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reject_reason', sa.String(length=500), nullable=False),
        sa.Column('is_demo', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_organizations_status', 'organizations', ['status'], unique=False)
    op.create_table(
        'organization_areas',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organization_id', 'area'),
    )
    op.create_index('ix_organization_areas_area', 'organization_areas', ['area'], unique=False)
    op.create_table(
        'organization_categories',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organization_id', 'category'),
    )
    op.create_index('ix_organization_categories_category', 'organization_categories', ['category'],
                    unique=False)
    op.create_table(
        'organization_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_organization_events_organization_id', 'organization_events',
                    ['organization_id'], unique=False)
    op.create_table(
        'connect_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('sender_name', sa.String(length=120), nullable=False),
        sa.Column('reply_channel', sa.String(length=300), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('forwarded_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(organization_id IS NULL) <> (report_id IS NULL)',
                           name='ck_connect_requests_one_target'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_connect_requests_organization_id', 'connect_requests', ['organization_id'],
                    unique=False)
    op.create_index('ix_connect_requests_report_id', 'connect_requests', ['report_id'], unique=False)
    op.create_index('ix_connect_requests_status', 'connect_requests', ['status'], unique=False)
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_reports_organization_id', ['organization_id'], unique=False)
        batch_op.create_foreign_key('fk_reports_organization_id', 'organizations',
                                    ['organization_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_constraint('fk_reports_organization_id', type_='foreignkey')
        batch_op.drop_index('ix_reports_organization_id')
        batch_op.drop_column('organization_id')
    op.drop_table('connect_requests')
    op.drop_table('organization_events')
    op.drop_table('organization_categories')
    op.drop_table('organization_areas')
    op.drop_table('organizations')
