"""A clearing in committed batches: its progress, its per-holder shares, its ledger
transactions (issue #17, item 4).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:30:00.000000

`clearing_runs` is one row per period whose clearing runs in batches: the pool fixed at
its start, the phase (collect -> allocate -> pay -> done) and the cursor (the last user id
whose batch has committed), so a killed run resumes where it stopped. `clearing_shares`
holds each holder's coins given up and, once allocated, credit; its rows are deleted when
the run finishes. `clearing_ledger_transactions` names every ledger transaction of a
period's clearing (one for a single-transaction clearing, one per batch otherwise); the
existing clearings' transactions are copied in.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clearing_runs',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=10), nullable=False),
        sa.Column('cursor', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('margin_cents', sa.BigInteger(), nullable=False),
        sa.Column('pool_cents', sa.BigInteger(), nullable=False),
        sa.Column('paid_cents', sa.BigInteger(), nullable=True),
        sa.Column('total_coins', sa.BigInteger(), nullable=True),
        sa.Column('participants', sa.Integer(), nullable=True),
        sa.Column('batches', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("phase IN ('collect', 'allocate', 'pay', 'finish', 'done')",
                           name=op.f('ck_clearing_runs_phase')),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'],
                                name=op.f('fk_clearing_runs_period_id_periods')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_clearing_runs_actor_id_users')),
        sa.PrimaryKeyConstraint('period_id', name=op.f('pk_clearing_runs')),
    )
    op.create_table(
        'clearing_shares',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('coin_account_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('holder_id', sa.Integer(), nullable=True),
        sa.Column('credit_account_id', sa.Integer(), nullable=False),
        sa.Column('coins', sa.BigInteger(), nullable=False),
        sa.Column('credit', sa.BigInteger(), nullable=True),
        sa.CheckConstraint('coins > 0', name=op.f('ck_clearing_shares_coins_positive')),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'],
                                name=op.f('fk_clearing_shares_period_id_periods')),
        sa.PrimaryKeyConstraint('period_id', 'coin_account_id', name=op.f('pk_clearing_shares')),
    )
    op.create_index('ix_clearing_shares_period_user', 'clearing_shares',
                    ['period_id', 'user_id'])
    op.create_table(
        'clearing_ledger_transactions',
        sa.Column('transaction_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'],
                                name=op.f('fk_clearing_ledger_transactions_transaction_id_'
                                          'ledger_transactions')),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'],
                                name=op.f('fk_clearing_ledger_transactions_period_id_periods')),
        sa.PrimaryKeyConstraint('transaction_id', name=op.f('pk_clearing_ledger_transactions')),
    )
    op.create_index('ix_clearing_ledger_transactions_period_id',
                    'clearing_ledger_transactions', ['period_id'])
    op.execute(
        "INSERT INTO clearing_ledger_transactions (transaction_id, period_id) "
        "SELECT transaction_id, period_id FROM clearings WHERE transaction_id IS NOT NULL"
    )


def downgrade():
    op.drop_index('ix_clearing_ledger_transactions_period_id',
                  table_name='clearing_ledger_transactions')
    op.drop_table('clearing_ledger_transactions')
    op.drop_index('ix_clearing_shares_period_user', table_name='clearing_shares')
    op.drop_table('clearing_shares')
    op.drop_table('clearing_runs')
