-- The two stock layouts of a reward, shaped as migrations 0004 and 0016 make them, in a
-- private database: reward 1 keeps its stock in its one row, reward 2 in 16 buckets.
-- Stock is large enough never to run out during a run.
CREATE TABLE rewards (
    id integer PRIMARY KEY,
    active boolean NOT NULL DEFAULT true,
    stock integer CHECK (stock IS NULL OR stock >= 0),
    stock_buckets integer NOT NULL DEFAULT 1
);
CREATE TABLE reward_stock_buckets (
    reward_id integer NOT NULL REFERENCES rewards (id),
    bucket integer NOT NULL,
    stock integer NOT NULL CHECK (stock >= 0),
    PRIMARY KEY (reward_id, bucket)
);
INSERT INTO rewards (id, stock, stock_buckets) VALUES (1, 100000000, 1), (2, 100000000, 16);
INSERT INTO reward_stock_buckets (reward_id, bucket, stock)
    SELECT 2, b, 100000000 / 16 FROM generate_series(0, 15) AS b;
VACUUM ANALYZE rewards;
VACUUM ANALYZE reward_stock_buckets;
