-- Per-agency limits shared by every hub process (sql/migrations/0018_limits.sql).

-- name: lease
SELECT granted, subjects, seconds_left FROM core.limit_lease($1, $2, $3, $4);

-- name: record
SELECT agency_id, subjects, seconds_left FROM core.limit_record($1::bigint[], $2::bigint[], $3);
