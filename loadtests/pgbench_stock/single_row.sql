-- redeem_service._TAKE_STOCK: every buyer of the reward updates its one row.
-- HOLD_MS: the lock is held that long before the commit, like the app's remaining
-- statements (voucher, redemption row, idempotency record) after taking the stock.
BEGIN;
UPDATE rewards SET stock = stock - 1 WHERE id = 1 AND active = true AND stock > 0 RETURNING stock;
\sleep :hold_ms ms
COMMIT;
