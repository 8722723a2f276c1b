-- Comparisons were counted into one row per agency, matter, region and day: concurrent
-- screens of one agency all updated that row, each waiting for the previous one's commit
-- (its WAL flush) to release the row lock. Each count now goes to one of 16 shards chosen by
-- the connection's backend, so concurrent connections rarely meet; readers sum the shards.

ALTER TABLE sanctions.comparison_count
    ADD COLUMN shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 15);
ALTER TABLE sanctions.comparison_count DROP CONSTRAINT comparison_count_pkey;
ALTER TABLE sanctions.comparison_count ADD PRIMARY KEY (day, agency_id, matter, region, shard);
