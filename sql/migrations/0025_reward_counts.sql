-- Rewards granted are counted where comparisons are: per day, agency, matter, region and shard,
-- in the commit of the screening's audit record. A screened identity whose decision gave a
-- reward (reason REWARDED: on a reward list, with an incentive measure for the matter and no
-- punishment prevailing) counts one. The console's dashboard sets them next to punishments
-- (BLOCK interceptions) over the same days. Days before this migration count none.
ALTER TABLE sanctions.comparison_count
    ADD COLUMN rewards bigint NOT NULL DEFAULT 0 CHECK (rewards >= 0);
COMMENT ON COLUMN sanctions.comparison_count.rewards IS
    'identities of these comparisons whose decision granted a reward (reason REWARDED)';
