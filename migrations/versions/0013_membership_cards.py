"""Membership cards, memberships, light-card holds and savings (placeholder: filled in by the work on issue #15).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:15:00.000000
"""


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
