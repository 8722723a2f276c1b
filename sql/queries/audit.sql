-- The audit trail: appending to the chain, checkpoints, verification, operators' queries.

-- Appending: one statement, its own transaction (or a statement of the caller's). The head
-- moves only from the (seq, hash) the records were chained on ($1, $2) to their last ($3, $4):
-- under READ COMMITTED an UPDATE that meets a concurrently moved head waits for its commit
-- and re-checks its WHERE on the new row, so exactly one of two racing appends moves it and
-- the other changes nothing (moved = 0: read the head again, chain again). The events and
-- the comparisons counted with them are written only when the head moved. The isolation
-- comes back so the writer can refuse anything but READ COMMITTED.
-- $5: the events, a JSON array of objects keyed by audit.event's columns (hashes as '\x..'
-- bytea text); $6: the comparisons, [{agency_id, matter, region, n, rewards}]; $7: the interceptions
-- those requests made, their ids drawn ahead, keyed by sanctions.interception's columns. One
-- JSON text each: three parameters to encode and bind, not one array per column.
-- name: append_chained
WITH moved AS (
    UPDATE audit.head SET seq = $3, hash = $4
     WHERE seq = $1 AND hash = $2 AND current_setting('transaction_isolation') = 'read committed'
    RETURNING seq
), appended AS (
    INSERT INTO audit.event (
        seq, at, agency_id, agency_code, key_id, operator, operation_type, operation_name,
        document_hash, fields, subjects, purpose, outcome, error_codes, duration_us, client,
        prev_hash, hash)
    SELECT u.seq, u.at, u.agency_id, u.agency_code, u.key_id, u.operator, u.operation_type, u.operation_name,
           u.document_hash, u.fields, u.subjects, u.purpose, u.outcome, u.error_codes, u.duration_us, u.client,
           u.prev_hash, u.hash
      FROM json_populate_recordset(NULL::audit.event, $5::json) u
     WHERE EXISTS (SELECT FROM moved)
    RETURNING 1
), counted AS (
    INSERT INTO sanctions.comparison_count (day, agency_id, matter, region, shard, comparisons, rewards)
    SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date, c.agency_id, c.matter, c.region, pg_backend_pid() % 16, c.n,
           c.rewards
      FROM json_to_recordset($6::json) AS c(agency_id bigint, matter text, region text, n bigint, rewards bigint)
     WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (day, agency_id, matter, region, shard)
    DO UPDATE SET comparisons = sanctions.comparison_count.comparisons + EXCLUDED.comparisons,
                  rewards = sanctions.comparison_count.rewards + EXCLUDED.rewards
    RETURNING 1
), intercepted AS (
    INSERT INTO sanctions.interception (id, agency_id, operator, subject_id, candidates, matter, context,
                                        decision, reasons, measures, listing_ids, case_ids, region)
    SELECT u.id, u.agency_id, u.operator, u.subject_id, u.candidates, u.matter, u.context,
           u.decision, u.reasons, u.measures, u.listing_ids, u.case_ids, u.region
      FROM json_populate_recordset(NULL::sanctions.interception, $7::json) u
     WHERE EXISTS (SELECT FROM moved)
    RETURNING 1
)
SELECT current_setting('transaction_isolation') AS isolation,
       (SELECT count(*) FROM moved) AS moved,
       (SELECT count(*) FROM appended) AS appended;

-- name: chain_head
SELECT seq, hash FROM audit.head;

-- Verification: the chain in seq order, a batch after $1 of at most $2 rows.
-- name: events_after
SELECT seq, at, agency_id, agency_code, key_id, operator, operation_type, operation_name,
       document_hash, fields, subjects, purpose, outcome, error_codes, duration_us, client,
       prev_hash, hash
  FROM audit.event
 WHERE seq > $1
 ORDER BY seq
 LIMIT $2;

-- name: insert_checkpoint
INSERT INTO audit.checkpoint (seq, hash, at, signature, key_id, public_key)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: checkpoints
SELECT seq, hash, at, signature, key_id, public_key
  FROM audit.checkpoint
 ORDER BY seq, id;

-- Operators' search, newest first, keyset by seq. Every filter is optional (null: any).
-- $1 agency id, $2 subject id, $3 text within the purpose, $4 at >= since, $5 at < until,
-- $6 outcome, $7 seq below (the last seq of the previous page), $8 rows.
-- name: search_events
SELECT seq, at, agency_id, agency_code, key_id, operator, operation_type, operation_name,
       document_hash, fields, subjects, purpose, outcome, error_codes, duration_us, client
  FROM audit.event
 WHERE ($1::bigint IS NULL OR agency_id = $1)
   AND ($2::bigint IS NULL OR subjects @> ARRAY[$2::bigint])
   AND ($3::text IS NULL OR strpos(purpose, $3) > 0)
   AND ($4::timestamptz IS NULL OR at >= $4)
   AND ($5::timestamptz IS NULL OR at < $5)
   AND ($6::text IS NULL OR outcome = $6)
   AND ($7::bigint IS NULL OR seq < $7)
 ORDER BY seq DESC
 LIMIT $8;

-- Per agency (null: unauthenticated requests) per local day: operations, distinct subjects
-- whose data was returned, and the operations denied, limited and failed.
-- $1 first day, $2 day after the last (both local dates), $3 agency id or null, $4 time zone.
-- name: daily_statistics
WITH e AS (
    SELECT seq, agency_id, agency_code, (at AT TIME ZONE $4)::date AS day, outcome, subjects
      FROM audit.event
     WHERE at >= ($1::date::timestamp AT TIME ZONE $4)
       AND at < ($2::date::timestamp AT TIME ZONE $4)
       AND ($3::bigint IS NULL OR agency_id = $3)
)
SELECT e.day, e.agency_id, max(e.agency_code) AS agency_code,
       count(DISTINCT e.seq) AS operations,
       count(DISTINCT s.id) AS subjects,
       count(DISTINCT e.seq) FILTER (WHERE e.outcome = 'denied') AS denied,
       count(DISTINCT e.seq) FILTER (WHERE e.outcome = 'limited') AS limited,
       count(DISTINCT e.seq) FILTER (WHERE e.outcome = 'error') AS errors
  FROM e
  LEFT JOIN LATERAL unnest(e.subjects) AS s(id) ON true
 GROUP BY e.day, e.agency_id
 ORDER BY e.day, e.agency_id NULLS FIRST;

-- Comparisons (identities screened), committed in the same transaction as the audit records
-- of the requests that screened them: the count is exactly as durable as the trace, and a
-- screening costs no write of its own. $1 agency ids, $2 matters, $3 regions, $4 counts,
-- summed per key. A shard per backend: hub processes do not queue on one row.
-- name: count_comparisons
INSERT INTO sanctions.comparison_count (day, agency_id, matter, region, shard, comparisons, rewards)
SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date, u.agency_id, u.matter, u.region, pg_backend_pid() % 16, u.n,
       u.rewards
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(agency_id, matter, region, n, rewards)
ON CONFLICT (day, agency_id, matter, region, shard)
DO UPDATE SET comparisons = sanctions.comparison_count.comparisons + EXCLUDED.comparisons,
              rewards = sanctions.comparison_count.rewards + EXCLUDED.rewards;
