"""API tokens expire: an absolute expiry per token (idle expiry uses last_used_at).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:10:00.000000

Tokens issued before this migration keep a NULL expiry (they still fall to the idle
timeout, counted from their last use or creation).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
