-- Interceptions, feedback, comparison counts and the statistics built on them.

-- Interception ids drawn ahead ($1 of them): a screening names its interceptions in its
-- answer, and they are written with its audit record (audit.sql: append_chained).
-- name: next_interception_ids
SELECT nextval(pg_get_serial_sequence('sanctions.interception', 'id')) AS id FROM generate_series(1, $1);

-- Interceptions on their own (the audit trail disabled, development only): the columns of
-- hub.sanctions.interceptions.NewInterception as arrays ($4, $8, $10 and $12 as JSON or
-- array literals).
-- name: insert_interceptions
INSERT INTO sanctions.interception (id, agency_id, operator, subject_id, candidates, matter, context,
                                    decision, reasons, measures, listing_ids, case_ids, region)
SELECT u.id, u.agency_id, u.operator, u.subject_id, u.candidates::bigint[], u.matter, u.context::jsonb,
       u.decision, u.reasons::text[], u.measures::jsonb, u.listing_ids::bigint[], u.case_ids::bigint[], u.region
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
       AS u(id, agency_id, operator, subject_id, candidates, matter, context, decision, reasons, measures,
            listing_ids, case_ids, region);

-- name: interception_by_id
SELECT id, at, agency_id, operator, subject_id, candidates, matter, context, decision, reasons,
       measures, listing_ids, case_ids, region
  FROM sanctions.interception
 WHERE id = $1;

-- name: interceptions_by_cases
SELECT c.case_id AS parent_id, i.id, i.at, i.agency_id, i.operator, i.subject_id, i.candidates,
       i.matter, i.context, i.decision, i.reasons, i.measures, i.listing_ids, i.case_ids, i.region
  FROM unnest($1::bigint[]) AS c(case_id)
  JOIN sanctions.interception i ON i.case_ids @> ARRAY[c.case_id]
 ORDER BY c.case_id, i.id;

-- name: feedback_by_interceptions
SELECT interception_id AS parent_id, id, interception_id, agency_id, operator, outcome, reason,
       business_reference, occurred_at, recorded_at
  FROM sanctions.feedback
 WHERE interception_id = ANY($1::bigint[])
 ORDER BY interception_id, id;

-- name: insert_feedback
INSERT INTO sanctions.feedback (interception_id, agency_id, operator, outcome, reason,
                                business_reference, occurred_at, idempotency_key, request_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (agency_id, idempotency_key) DO NOTHING
RETURNING id, interception_id, agency_id, operator, outcome, reason, business_reference,
          occurred_at, recorded_at, request_hash;

-- name: feedback_by_key
SELECT id, interception_id, agency_id, operator, outcome, reason, business_reference,
       occurred_at, recorded_at, request_hash
  FROM sanctions.feedback
 WHERE agency_id = $1 AND idempotency_key = $2;

-- Per local day, agency, matter and region: comparisons, interceptions (blocks, reviews),
-- sanctions reported, and debtors who paid after being intercepted (paid or settled on the
-- spot, or their listing removed as paid or settled on or after the interception day).
-- $1 first day, $2 day after the last (local dates), $3 agency or null (all).
-- name: statistics
WITH i AS (
    SELECT (i.at AT TIME ZONE 'Asia/Shanghai')::date AS day, i.agency_id, i.matter, i.region,
           i.decision, i.subject_id,
           EXISTS (SELECT FROM sanctions.feedback f
                    WHERE f.interception_id = i.id
                      AND f.outcome IN ('sanction_applied', 'paid_on_the_spot', 'settled_on_the_spot'))
               AS sanctioned,
           EXISTS (SELECT FROM sanctions.feedback f
                    WHERE f.interception_id = i.id AND f.outcome IN ('paid_on_the_spot', 'settled_on_the_spot'))
           OR EXISTS (SELECT FROM court.listing l
                       WHERE l.subject_id = i.subject_id AND l.removal_reason IN ('paid', 'settled')
                         AND l.removed_on >= (i.at AT TIME ZONE 'Asia/Shanghai')::date)
               AS paid
      FROM sanctions.interception i
     WHERE i.at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
       AND i.at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')
       AND ($3::bigint IS NULL OR i.agency_id = $3)
), intercepted AS (
    SELECT day, agency_id, matter, region,
           count(*) AS interceptions,
           count(*) FILTER (WHERE decision = 'BLOCK') AS blocks,
           count(*) FILTER (WHERE decision = 'REVIEW') AS reviews,
           count(*) FILTER (WHERE sanctioned) AS sanctions,
           count(DISTINCT subject_id) FILTER (WHERE paid) AS debtors_paid
      FROM i
     GROUP BY day, agency_id, matter, region
), compared AS (
    SELECT day, agency_id, matter, region, sum(comparisons) AS comparisons
      FROM sanctions.comparison_count
     WHERE day >= $1 AND day < $2 AND ($3::bigint IS NULL OR agency_id = $3)
     GROUP BY day, agency_id, matter, region
)
SELECT coalesce(c.day, x.day) AS day, a.code AS agency_code, coalesce(c.matter, x.matter) AS matter,
       coalesce(c.region, x.region) AS region,
       coalesce(c.comparisons, 0) AS comparisons, coalesce(x.interceptions, 0) AS interceptions,
       coalesce(x.blocks, 0) AS blocks, coalesce(x.reviews, 0) AS reviews,
       coalesce(x.sanctions, 0) AS sanctions, coalesce(x.debtors_paid, 0) AS debtors_paid
  FROM compared c
  FULL JOIN intercepted x USING (day, agency_id, matter, region)
  JOIN core.agency a ON a.id = coalesce(c.agency_id, x.agency_id)
 ORDER BY 1, 2, 3, 4;


-- name: matters
SELECT code, name, description FROM core.matter ORDER BY code;

-- Province-wide, per local day: queries answered (from the audit trail), comparisons,
-- interceptions, sanctions reported and debtors who paid after an interception.
-- $1 first day, $2 day after the last.
-- name: province_statistics
WITH days AS (
    SELECT d::date AS day FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d
), q AS (
    SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*) AS queries
      FROM audit.event
     WHERE at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
       AND at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')
       AND outcome = 'ok' AND operation_type = 'query'
     GROUP BY 1
), c AS (
    SELECT day, sum(comparisons) AS comparisons
      FROM sanctions.comparison_count WHERE day >= $1 AND day < $2 GROUP BY 1
), i AS (
    SELECT (i.at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*) AS interceptions,
           count(*) FILTER (WHERE EXISTS (
               SELECT FROM sanctions.feedback f WHERE f.interception_id = i.id
                  AND f.outcome IN ('sanction_applied', 'paid_on_the_spot', 'settled_on_the_spot'))) AS sanctions,
           count(DISTINCT i.subject_id) FILTER (WHERE EXISTS (
               SELECT FROM sanctions.feedback f WHERE f.interception_id = i.id
                  AND f.outcome IN ('paid_on_the_spot', 'settled_on_the_spot'))
               OR EXISTS (SELECT FROM court.listing l
                           WHERE l.subject_id = i.subject_id AND l.removal_reason IN ('paid', 'settled')
                             AND l.removed_on >= (i.at AT TIME ZONE 'Asia/Shanghai')::date)) AS debtors_paid
      FROM sanctions.interception i
     WHERE i.at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
       AND i.at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')
     GROUP BY 1
)
SELECT days.day, coalesce(q.queries, 0) AS queries, coalesce(c.comparisons, 0)::bigint AS comparisons,
       coalesce(i.interceptions, 0) AS interceptions, coalesce(i.sanctions, 0) AS sanctions,
       coalesce(i.debtors_paid, 0) AS debtors_paid
  FROM days
  LEFT JOIN q USING (day) LEFT JOIN c USING (day) LEFT JOIN i USING (day)
 ORDER BY days.day;
