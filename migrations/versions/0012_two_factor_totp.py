"""Two-factor sign-in: a TOTP secret per user and single-use recovery codes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:20:00.000000

`totp_enabled_at` is NULL while enrollment is pending (a secret shown, no code confirmed
yet); `totp_last_step` remembers the last accepted 30-second step so a code cannot be
replayed. Recovery codes are stored as SHA-256, like API tokens.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('code_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
    )


def downgrade():
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
