-- Read replicas: the positions the freshness rule compares (hub.db.replicas).

-- The primary's WAL position now: read after a list change's notification arrived, it is at
-- or past that change's commit record.
-- name: primary_position
SELECT pg_current_wal_lsn()::text;

-- A replica's state: whether it is one (in recovery), and how far it has replayed.
-- name: replica_position
SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replay_lsn;
