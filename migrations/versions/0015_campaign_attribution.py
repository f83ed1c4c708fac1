"""Campaign attribution on ledger transactions, coupons and registrations; grant holdouts.

Every ledger transaction, coupon and user (registration) gets a nullable reference to the
campaign, coupon template, reward, card program or segment grant that caused it
(`attribution_kind`, `attribution_id`, indexed together), so campaign reports are set-based
SQL over recorded facts. Coupons get `returned_at` (a redeemed coupon given back when its
order was cancelled). Segment grants get a holdout: `holdout_percent`, the stored
`holdout_seed` and the `held_out` count, and `segment_grant_cohorts` keeps who was treated
and who was held out, drawn once.

The backfill derives what existing rows already say: assist coin transactions (their
idempotency key names the drive), redemption debits (redemptions.ledger_transaction_id),
referral flowers (through the new user's registration),
coupons issued by drives, assists, mall redemptions, segment grants and direct claims, and
registrations that are somebody's referral through a campaign, drive or reward share link.
Ledger transactions are append-only (database triggers refuse UPDATE); the backfill lifts
the UPDATE trigger for its own statement and puts it back in the same migration transaction.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:15:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

#: as in 0001, so the restored trigger says exactly what the original said
IMMUTABLE_MESSAGE = "is append-only: post a correcting transaction instead"
ATTRIBUTED = ("ledger_transactions", "coupons", "users")


def _attribution_columns(table):
    op.add_column(table, sa.Column('attribution_kind', sa.String(length=20), nullable=True))
    op.add_column(table, sa.Column('attribution_id', sa.Integer(), nullable=True))
    op.create_index(f'ix_{table}_attribution', table, ['attribution_kind', 'attribution_id'])


def upgrade():
    # add_column needs no table rebuild on SQLite, so the ledger's triggers stay in place
    for table in ATTRIBUTED:
        _attribution_columns(table)
    op.add_column('coupons', sa.Column('returned_at', sa.DateTime(), nullable=True))
    op.add_column('segment_grants', sa.Column(
        'holdout_percent', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('segment_grants', sa.Column('holdout_seed', sa.BigInteger(), nullable=True))
    op.add_column('segment_grants', sa.Column(
        'held_out', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'segment_grant_cohorts',
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('treated', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['grant_id'], ['segment_grants.id'],
                                name=op.f('fk_segment_grant_cohorts_grant_id_segment_grants')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_segment_grant_cohorts_user_id_users')),
        sa.PrimaryKeyConstraint('grant_id', 'user_id', name=op.f('pk_segment_grant_cohorts')),
    )
    op.create_index('ix_segment_grant_cohorts_grant_treated', 'segment_grant_cohorts',
                    ['grant_id', 'treated'])
    _backfill()


def _backfill():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    # coupons: what their source and source_ref already say
    op.execute("""
        UPDATE coupons SET attribution_kind = 'campaign', attribution_id =
          (SELECT d.campaign_id FROM drives d WHERE d.code = coupons.source_ref)
        WHERE source IN ('drive', 'assist') AND attribution_kind IS NULL
          AND EXISTS (SELECT 1 FROM drives d WHERE d.code = coupons.source_ref)""")
    op.execute("""
        UPDATE coupons SET attribution_kind = 'reward', attribution_id =
          (SELECT r.reward_id FROM redemptions r
           WHERE CAST(r.id AS VARCHAR(20)) = coupons.source_ref)
        WHERE source = 'redemption' AND attribution_kind IS NULL
          AND EXISTS (SELECT 1 FROM redemptions r
                      WHERE CAST(r.id AS VARCHAR(20)) = coupons.source_ref)""")
    op.execute("""
        UPDATE coupons SET attribution_kind = 'segment_grant', attribution_id =
          (SELECT g.id FROM segment_grants g
           WHERE 'segment_grant:' || CAST(g.id AS VARCHAR(20)) = coupons.source_ref)
        WHERE source = 'segment' AND attribution_kind IS NULL
          AND EXISTS (SELECT 1 FROM segment_grants g
                      WHERE 'segment_grant:' || CAST(g.id AS VARCHAR(20)) = coupons.source_ref)""")
    op.execute("""
        UPDATE coupons SET attribution_kind = 'coupon_template', attribution_id = template_id
        WHERE source = 'claim' AND source_ref = 't' || CAST(template_id AS VARCHAR(20))
          AND attribution_kind IS NULL""")
    # registrations: referrals through a campaign, drive or reward share link
    op.execute("""
        UPDATE users SET attribution_kind = 'campaign', attribution_id = (
          SELECT CASE WHEN s.target_type = 'campaign' THEN s.target_id
                      ELSE (SELECT d.campaign_id FROM drives d WHERE d.id = s.target_id) END
          FROM referrals f JOIN share_links s ON s.id = f.share_id
          WHERE f.referred_id = users.id)
        WHERE attribution_kind IS NULL AND EXISTS (
          SELECT 1 FROM referrals f JOIN share_links s ON s.id = f.share_id
          WHERE f.referred_id = users.id AND s.target_type IN ('campaign', 'drive'))""")
    op.execute("""
        UPDATE users SET attribution_kind = 'reward', attribution_id = (
          SELECT s.target_id FROM referrals f JOIN share_links s ON s.id = f.share_id
          WHERE f.referred_id = users.id)
        WHERE attribution_kind IS NULL AND EXISTS (
          SELECT 1 FROM referrals f JOIN share_links s ON s.id = f.share_id
          WHERE f.referred_id = users.id AND s.target_type = 'reward')""")
    # ledger transactions are append-only: lift the UPDATE trigger for the backfill only
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_immutable ON ledger_transactions")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_no_update")
    op.execute("""
        UPDATE ledger_transactions SET attribution_kind = 'campaign', attribution_id =
          (SELECT d.campaign_id FROM assists a JOIN drives d ON d.id = a.drive_id
           WHERE a.assister_id = ledger_transactions.actor_id
             AND 'assist:' || CAST(a.drive_id AS VARCHAR(20)) || ':'
                 || CAST(a.assister_id AS VARCHAR(20)) = ledger_transactions.idempotency_key)
        WHERE kind = 'assist' AND attribution_kind IS NULL AND EXISTS (
          SELECT 1 FROM assists a
          WHERE a.assister_id = ledger_transactions.actor_id
            AND 'assist:' || CAST(a.drive_id AS VARCHAR(20)) || ':'
                || CAST(a.assister_id AS VARCHAR(20)) = ledger_transactions.idempotency_key)""")
    op.execute("""
        UPDATE ledger_transactions SET attribution_kind = 'reward', attribution_id =
          (SELECT r.reward_id FROM redemptions r
           WHERE r.ledger_transaction_id = ledger_transactions.id)
        WHERE kind = 'redemption' AND attribution_kind IS NULL AND EXISTS (
          SELECT 1 FROM redemptions r WHERE r.ledger_transaction_id = ledger_transactions.id)""")
    # referral flowers: paid for by whatever brought the new user (backfilled above)
    op.execute("""
        UPDATE ledger_transactions SET
          attribution_kind = (SELECT u.attribution_kind FROM users u
                              WHERE u.id = ledger_transactions.actor_id),
          attribution_id = (SELECT u.attribution_id FROM users u
                            WHERE u.id = ledger_transactions.actor_id)
        WHERE kind = 'referral' AND attribution_kind IS NULL
          AND idempotency_key = 'referral:' || CAST(actor_id AS VARCHAR(20))
          AND EXISTS (SELECT 1 FROM users u WHERE u.id = ledger_transactions.actor_id
                      AND u.attribution_kind IS NOT NULL)""")
    if postgres:
        op.execute("CREATE TRIGGER ledger_transactions_immutable BEFORE UPDATE OR DELETE ON "
                   "ledger_transactions FOR EACH ROW EXECUTE FUNCTION tokenmart_forbid_change()")
    else:
        op.execute("CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON "
                   "ledger_transactions BEGIN SELECT RAISE(ABORT, "
                   f"'ledger_transactions {IMMUTABLE_MESSAGE}'); END")


def _drop_column(table, column):
    # SQLite >= 3.35 drops a column in place; a batch rebuild would lose the ledger triggers
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade():
    op.drop_index('ix_segment_grant_cohorts_grant_treated', table_name='segment_grant_cohorts')
    op.drop_table('segment_grant_cohorts')
    for column in ('held_out', 'holdout_seed', 'holdout_percent'):
        _drop_column('segment_grants', column)
    _drop_column('coupons', 'returned_at')
    for table in ATTRIBUTED:
        op.drop_index(f'ix_{table}_attribution', table_name=table)
        _drop_column(table, 'attribution_id')
        _drop_column(table, 'attribution_kind')
