"""Where each user's pledged credit went in a clearing (clearing_pledge_moves).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 21:00:00.000000

A clearing's "pledge" ledger transaction debits every pledging user and credits each
pledged cause with one summed entry, so a user's giving history could not tell which
cause their credit went to. From now on the clearing records one row per user and
transaction. Earlier pledge transactions have no rows; the history reads their cause
back from the ledger where it can (causes.history_service).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clearing_pledge_moves',
        sa.Column('transaction_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('to_account_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_clearing_pledge_moves_amount_positive')),
        sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'],
                                name=op.f('fk_clearing_pledge_moves_transaction_id_'
                                          'ledger_transactions')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_clearing_pledge_moves_user_id_users')),
        sa.ForeignKeyConstraint(['to_account_id'], ['accounts.id'],
                                name=op.f('fk_clearing_pledge_moves_to_account_id_accounts')),
        sa.PrimaryKeyConstraint('transaction_id', 'user_id',
                                name=op.f('pk_clearing_pledge_moves')),
    )
    op.create_index('ix_clearing_pledge_moves_user_id', 'clearing_pledge_moves', ['user_id'])


def downgrade():
    op.drop_index('ix_clearing_pledge_moves_user_id', table_name='clearing_pledge_moves')
    op.drop_table('clearing_pledge_moves')
