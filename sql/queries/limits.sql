-- Per-agency limits shared by every hub process (sql/migrations/0018_limits.sql).

-- name: lease
SELECT granted, subjects, seconds_left FROM core.limit_lease($1, $2, $3, $4);

-- name: record
SELECT agency_id, subjects, seconds_left FROM core.limit_record($1::bigint[], $2::bigint[], $3);

-- Forgets public clients' windows (negative keys) that began more than $1 seconds ago: ended
-- whatever their length, so a client seen again starts afresh as it would anyway.
-- name: forget_public
DELETE FROM core.limit_window WHERE agency_id < 0 AND window_start < now() - make_interval(secs => $1);
