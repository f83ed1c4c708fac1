"""Per-account sign-in throttle: failed attempts and the time the next one is allowed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00.000000

Used when no Redis is configured (with Redis the counters live there). Keyed by the
lower-cased username that was tried, whether or not such an account exists, so the
throttle says nothing about which usernames are real.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signin_throttles',
        sa.Column('account_key', sa.String(length=64), primary_key=True),
        sa.Column('failures', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )


def downgrade():
    op.drop_table('signin_throttles')
