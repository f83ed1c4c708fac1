"""Campaign attribution on ledger transactions, coupons and registrations; grant holdouts (placeholder: filled in by the work on issue #16).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:15:00.000000
"""


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
