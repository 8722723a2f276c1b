-- Credit repair applications (sanctions.credit_repair, 0023_credit_repair.sql).

-- The repair deadline of a list kind, in working days; null when the kind takes no repair.
-- name: kind_deadline
SELECT repair_decision_working_days FROM sanctions.list_kind WHERE code = $1;

-- $1 listing, $2 applicant, $3 grounds, $4 evidence, $5 documents, $6 applied on, $7 working days,
-- $8 recording agency, $9 console user or null.
-- name: insert_application
INSERT INTO sanctions.credit_repair (listing_id, applicant, grounds, evidence, evidence_documents, applied_on,
                                     due_on, recorded_by, recorded_by_user)
VALUES ($1, $2, $3, $4, $5::text[], $6, sanctions.add_working_days($6, $7), $8, $9)
RETURNING id;

-- A subject's own application, from the public page: origin subject, no recording agency.
-- $1 listing, $2 applicant, $3 grounds, $4 evidence, $5 documents, $6 applied on, $7 working days.
-- name: insert_subject_application
INSERT INTO sanctions.credit_repair (listing_id, applicant, grounds, evidence, evidence_documents, applied_on,
                                     due_on, recorded_by, recorded_by_user, origin)
VALUES ($1, $2, $3, $4, $5::text[], $6, sanctions.add_working_days($6, $7), NULL, NULL, 'subject')
RETURNING id, due_on;

-- The entry a subject applies for, locked, with its kind's deadline; null when it is not in force
-- on $2 or its kind takes no repair. $1 listing, $2 today.
-- name: repairable_listing
SELECT l.id, k.repair_decision_working_days AS days
  FROM court.listing l
  JOIN sanctions.list_kind k ON k.code = l.list AND k.public AND k.repair_decision_working_days IS NOT NULL
 WHERE l.id = $1
   AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, $2::date)
   FOR UPDATE OF l;

-- name: open_application_of
SELECT id FROM sanctions.credit_repair WHERE listing_id = $1 AND status = 'submitted';

-- The application, locked for its decision.
-- name: application_for_decision
SELECT id, listing_id, status FROM sanctions.credit_repair WHERE id = $1 FOR UPDATE;

-- $2 status, $3 deciding agency, $4 console user or null, $5 reasons
-- name: decide_application
UPDATE sanctions.credit_repair
   SET status = $2, decided_at = now(), decided_by = $3, decided_by_user = $4, decision_reasons = $5
 WHERE id = $1;

-- Applications with what deciding who may see them needs (the entry's kind, court and
-- publisher, as listings.listing_for_change has them). $1 status or null, $2 overdue only,
-- $3 today, $4 one application or null.
-- name: applications
SELECT r.id, r.listing_id, r.applicant, r.grounds, r.evidence, r.evidence_documents, r.applied_on, r.due_on,
       r.recorded_at, r.status, r.decided_at, r.decision_reasons,
       r.origin, coalesce(ra.name, 'public') AS recorded_by_name, da.name AS decided_by_name,
       r.status = 'submitted' AND r.due_on < $3 AS overdue,
       l.id AS l_id, l.list, l.removed_on, c.case_number, ct.region AS court_region,
       a.code AS publisher_code, a.kind AS publisher_kind, a.region AS publisher_region,
       l.subject_id, s.name AS subject_name
  FROM sanctions.credit_repair r
  JOIN court.listing l ON l.id = r.listing_id
  JOIN core.subject s ON s.id = l.subject_id
  LEFT JOIN core.agency ra ON ra.id = r.recorded_by
  LEFT JOIN core.agency da ON da.id = r.decided_by
  LEFT JOIN court.enforcement_case c ON c.id = l.case_id
  LEFT JOIN court.court ct ON ct.code = c.court_code
  LEFT JOIN core.agency a ON a.id = l.publisher_id
 WHERE ($1::text IS NULL OR r.status = $1)
   AND (NOT $2::boolean OR (r.status = 'submitted' AND r.due_on < $3))
   AND ($4::bigint IS NULL OR r.id = $4)
 ORDER BY r.due_on, r.id
 LIMIT 1000;

-- Listings among $1 that agency $2 may not see (removed for credit repair, not its own).
-- name: hidden_listings
SELECT id FROM unnest($1::bigint[]) AS u(id) WHERE NOT court.listing_visible_to(id, $2);

-- Removed listings among $1 that agency $2 may not see in history (0026_listing_history.sql).
-- name: history_hidden_listings
SELECT id FROM unnest($1::bigint[]) AS u(id) WHERE NOT court.listing_history_visible_to(id, $2);
