"""Reward stock buckets: a hot reward may keep its stock in N rows instead of one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:15:00.000000

`rewards.stock_buckets` is 1 for every existing reward, which keeps using
`rewards.stock` exactly as before. With N > 1 the live stock is the sum of the reward's
`reward_stock_buckets` rows (one row per bucket, `stock >= 0` enforced here), and
`rewards.stock` only says "limited" (it holds the total as of the last restock).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_buckets', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_check_constraint(op.f('ck_rewards_stock_buckets_range'),
                                         'stock_buckets >= 1 AND stock_buckets <= 64')
    op.create_table(
        'reward_stock_buckets',
        sa.Column('reward_id', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.CheckConstraint('stock >= 0', name=op.f('ck_reward_stock_buckets_stock_nonnegative')),
        sa.ForeignKeyConstraint(['reward_id'], ['rewards.id'],
                                name=op.f('fk_reward_stock_buckets_reward_id_rewards')),
        sa.PrimaryKeyConstraint('reward_id', 'bucket', name=op.f('pk_reward_stock_buckets')),
    )


def downgrade():
    op.drop_table('reward_stock_buckets')
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rewards_stock_buckets_range'), type_='check')
        batch_op.drop_column('stock_buckets')
