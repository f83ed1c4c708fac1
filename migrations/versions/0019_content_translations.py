"""The admin's content in each interface language: a `translations` column (JSON) on
rewards, causes, coupon templates and packs, campaigns and membership card programs.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 18:10:00.000000

{"zh_Hans": {"name": ..., "description": ...}, "en": {...}}; empty for existing rows, so
every page shows the text as entered until a translation is given (core.content_i18n).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLES = ('rewards', 'causes', 'coupon_templates', 'coupon_packs', 'campaigns',
          'card_programs')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('translations', sa.JSON(), nullable=False,
                                       server_default=sa.text("'{}'")))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('translations')
