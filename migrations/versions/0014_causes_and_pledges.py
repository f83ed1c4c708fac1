"""Causes, donations, pledges and cause payouts (issue #15, SPEC §13).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:15:00.000000

A cause keeps its value in three system ledger accounts (code `cause:<id>`), referenced
from the cause row. Donations are final; one pledge per user (`percent` 1-100 of each
future period credit); payouts to the organisation carry an external reference. Uses no
table of 0013 (membership), so the two can be written in parallel.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'causes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False, server_default=''),
        sa.Column('goal_coins', sa.BigInteger(), nullable=True),
        sa.Column('starts_at', sa.DateTime(), nullable=True),
        sa.Column('ends_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('image_key', sa.String(length=200), nullable=True),
        sa.Column('thumb_key', sa.String(length=200), nullable=True),
        sa.Column('coin_account_id', sa.Integer(), sa.ForeignKey('accounts.id'), nullable=True),
        sa.Column('flower_account_id', sa.Integer(), sa.ForeignKey('accounts.id'), nullable=True),
        sa.Column('credit_account_id', sa.Integer(), sa.ForeignKey('accounts.id'), nullable=True),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('goal_coins IS NULL OR goal_coins > 0', name=op.f('ck_causes_goal')),
    )
    op.create_table(
        'cause_donations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('cause_id', sa.Integer(), sa.ForeignKey('causes.id'), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('currency', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('show_name', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('transaction_id', sa.Integer(), sa.ForeignKey('ledger_transactions.id'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_cause_donations_positive')),
        sa.CheckConstraint("currency IN ('coin', 'flower')", name=op.f('ck_cause_donations_currency')),
    )
    op.create_index('ix_cause_donations_cause_user', 'cause_donations', ['cause_id', 'user_id'])
    op.create_index('ix_cause_donations_user', 'cause_donations', ['user_id', 'id'])
    op.create_table(
        'cause_pledges',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), primary_key=True),
        sa.Column('cause_id', sa.Integer(), sa.ForeignKey('causes.id'), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('percent BETWEEN 1 AND 100', name=op.f('ck_cause_pledges_percent')),
    )
    op.create_index('ix_cause_pledges_cause_id', 'cause_pledges', ['cause_id'])
    op.create_table(
        'cause_payouts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('cause_id', sa.Integer(), sa.ForeignKey('causes.id'), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('transaction_id', sa.Integer(), sa.ForeignKey('ledger_transactions.id'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_cause_payouts_positive')),
    )
    op.create_index('ix_cause_payouts_cause_id', 'cause_payouts', ['cause_id'])


def downgrade():
    op.drop_index('ix_cause_payouts_cause_id', table_name='cause_payouts')
    op.drop_table('cause_payouts')
    op.drop_index('ix_cause_pledges_cause_id', table_name='cause_pledges')
    op.drop_table('cause_pledges')
    op.drop_index('ix_cause_donations_user', table_name='cause_donations')
    op.drop_index('ix_cause_donations_cause_user', table_name='cause_donations')
    op.drop_table('cause_donations')
    op.drop_table('causes')
