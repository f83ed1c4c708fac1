"""Causes, donations, pledges and cause payouts (placeholder: filled in by the work on issue #15).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:15:00.000000
"""


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
