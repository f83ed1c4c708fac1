"""Reward stock buckets (placeholder: filled in by the work on issue #17).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:15:00.000000
"""


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
