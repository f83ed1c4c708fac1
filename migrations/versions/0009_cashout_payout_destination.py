"""Cash-out payout destination: method (alipay/wechat/bank), account holder, account.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00.000000

Nullable, because requests made through the API before (and API requests that still
leave it out) have no destination; a CHECK keeps the three parts all-or-nothing.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

METHOD_CHECK = "payout_method IS NULL OR payout_method IN ('alipay', 'wechat', 'bank')"
COMPLETE_CHECK = (
    "(payout_method IS NULL AND payout_account_name IS NULL AND payout_account IS NULL)"
    " OR (payout_method IS NOT NULL AND payout_account_name IS NOT NULL"
    " AND payout_account IS NOT NULL)"
)
PENDING = sa.text("status = 'pending'")


def upgrade():
    with op.batch_alter_table('cashouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_method', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('payout_account_name', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('payout_account', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f('ck_cashouts_payout_method'), METHOD_CHECK)
        batch_op.create_check_constraint(op.f('ck_cashouts_payout_complete'), COMPLETE_CHECK)
    _restore_partial_index()


def downgrade():
    with op.batch_alter_table('cashouts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cashouts_payout_complete'), type_='check')
        batch_op.drop_constraint(op.f('ck_cashouts_payout_method'), type_='check')
        batch_op.drop_column('payout_account')
        batch_op.drop_column('payout_account_name')
        batch_op.drop_column('payout_method')
    _restore_partial_index()


def _restore_partial_index():
    """SQLite's batch mode rebuilds the table and may reflect the partial unique index
    ("one pending cash-out per user") without its WHERE; put it back exactly."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("DROP INDEX IF EXISTS uq_cashouts_one_pending")
    op.create_index('uq_cashouts_one_pending', 'cashouts', ['user_id'], unique=True,
                    sqlite_where=PENDING)
