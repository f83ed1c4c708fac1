-- redeem_service._TAKE_FROM_BUCKET: one unit from the first unlocked bucket with stock,
-- counting from a random bucket; `taken` = 0 means every bucket was locked (the app
-- then pauses and retries; here it simply counts as a miss, see run.sh).
\set start random(0, 15)
BEGIN;
WITH taken AS (
    UPDATE reward_stock_buckets SET stock = stock - 1
    WHERE reward_id = 2 AND stock > 0 AND bucket = (
        SELECT bucket FROM reward_stock_buckets WHERE reward_id = 2 AND stock > 0
        ORDER BY bucket < :start, bucket LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING stock)
SELECT (SELECT count(*) FROM taken),
       EXISTS (SELECT 1 FROM reward_stock_buckets WHERE reward_id = 2 AND stock > 0);
\sleep :hold_ms ms
COMMIT;
