"""Mall: uploaded reward images (a display image and a thumbnail, by storage key).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('thumb_key', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_column('thumb_key')
        batch_op.drop_column('image_key')
