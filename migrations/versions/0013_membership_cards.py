"""Membership cards: card programs, memberships, light-card savings and coupon-pack steps.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:15:00.000000

One membership row per (card, user) (UNIQUE), so a conditional card raced by two events is
issued once and a paid card's purchase extends the row. A light card's fee is held in the
`membership_holds` system account; `hold_cents`, `charged_cents` and `settled_at` record the
term. `membership_savings` keeps member-price uses of light cards; coupon savings are read
from the card's own coupons. `membership_pack_issues` makes each 30-day coupon-pack step
happen once (UNIQUE(membership_id, term, step)).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'card_programs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('tagline', sa.String(length=120), nullable=False),
        sa.Column('color', sa.String(length=7), nullable=False),
        sa.Column('image_key', sa.String(length=200), nullable=True),
        sa.Column('validity_days', sa.Integer(), nullable=True),
        sa.Column('price', sa.BigInteger(), nullable=True),
        sa.Column('currency', sa.String(length=10), nullable=True),
        sa.Column('fee_cents', sa.BigInteger(), nullable=True),
        sa.Column('condition_metric', sa.String(length=30), nullable=True),
        sa.Column('condition_threshold', sa.BigInteger(), nullable=True),
        sa.Column('earn_multiplier_percent', sa.Integer(), nullable=True),
        sa.Column('member_discount_percent', sa.Integer(), nullable=True),
        sa.Column('coupon_pack_id', sa.Integer(), sa.ForeignKey('coupon_packs.id'), nullable=True),
        sa.Column('coupon_template_id', sa.Integer(), sa.ForeignKey('coupon_templates.id'),
                  nullable=True),
        sa.Column('member_day', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('free', 'conditional', 'paid', 'light')", name=op.f('ck_card_programs_kind')),
        sa.CheckConstraint('member_day IS NULL OR (member_day >= 1 AND member_day <= 7)',
                           name=op.f('ck_card_programs_member_day')),
        sa.CheckConstraint('validity_days IS NULL OR validity_days > 0', name=op.f('ck_card_programs_validity')),
        sa.CheckConstraint('price IS NULL OR price > 0', name=op.f('ck_card_programs_price_positive')),
        sa.CheckConstraint('fee_cents IS NULL OR fee_cents > 0', name=op.f('ck_card_programs_fee_positive')),
        sa.CheckConstraint('member_discount_percent IS NULL OR '
                           '(member_discount_percent > 0 AND member_discount_percent < 100)',
                           name=op.f('ck_card_programs_discount_range')),
        sa.CheckConstraint('earn_multiplier_percent IS NULL OR earn_multiplier_percent >= 100',
                           name=op.f('ck_card_programs_multiplier_range')),
    )
    op.create_table(
        'memberships',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('card_id', sa.Integer(), sa.ForeignKey('card_programs.id'), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('term', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=True),
        sa.Column('warned_for', sa.DateTime(), nullable=True),
        sa.Column('hold_cents', sa.BigInteger(), nullable=False),
        sa.Column('charged_cents', sa.BigInteger(), nullable=True),
        sa.Column('settled_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('card_id', 'user_id', name=op.f('uq_memberships_card_user')),
        sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_memberships_status')),
        sa.CheckConstraint('hold_cents >= 0', name=op.f('ck_memberships_hold_nonnegative')),
    )
    op.create_index('ix_memberships_user_status', 'memberships', ['user_id', 'status'])
    op.create_index('ix_memberships_status_ends_at', 'memberships', ['status', 'ends_at'])
    op.create_table(
        'membership_savings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('membership_id', sa.Integer(), sa.ForeignKey('memberships.id'), nullable=False),
        sa.Column('term', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reward_id', sa.Integer(), nullable=True),
        sa.Column('units', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=10), nullable=True),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_membership_savings_nonnegative')),
    )
    op.create_index('ix_membership_savings_membership_term', 'membership_savings',
                    ['membership_id', 'term'])
    op.create_table(
        'membership_pack_issues',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('membership_id', sa.Integer(), sa.ForeignKey('memberships.id'), nullable=False),
        sa.Column('term', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('coupons', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('membership_id', 'term', 'step', name=op.f('uq_membership_pack_step')),
    )


def downgrade():
    op.drop_table('membership_pack_issues')
    op.drop_index('ix_membership_savings_membership_term', table_name='membership_savings')
    op.drop_table('membership_savings')
    op.drop_index('ix_memberships_status_ends_at', table_name='memberships')
    op.drop_index('ix_memberships_user_status', table_name='memberships')
    op.drop_table('memberships')
    op.drop_table('card_programs')
