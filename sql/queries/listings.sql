-- The list's lifecycle: publish, extend, correct, remove, expire. Each change bumps the
-- listing's version (but the first), keeps a revision, and goes out as an event.

-- name: case_for_listing
SELECT c.id, c.case_number, c.court_code, ct.name AS court_name, ct.region AS court_region
  FROM court.enforcement_case c
  JOIN court.court ct ON ct.code = c.court_code
 WHERE c.case_number = $1;

-- name: is_party
SELECT EXISTS (SELECT FROM court.case_party WHERE case_id = $1 AND subject_id = $2);

-- name: insert_listing
INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on, term_months)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- The listing with everything an event or a check needs; locks the row for the change.
-- name: listing_for_change
SELECT l.id, l.subject_id, l.case_id, l.list, l.circumstance, l.published_on, l.term_months,
       l.extended_months, l.removed_on, l.removal_reason, l.version,
       c.case_number, c.court_code, ct.region AS court_region,
       s.kind AS subject_kind, s.name AS subject_name, s.identifier AS subject_identifier
  FROM court.listing l
  JOIN court.enforcement_case c ON c.id = l.case_id
  JOIN court.court ct ON ct.code = c.court_code
  JOIN core.subject s ON s.id = l.subject_id
 WHERE l.id = $1
   FOR UPDATE OF l;

-- name: extend_listing
UPDATE court.listing SET extended_months = extended_months + $2, version = version + 1
 WHERE id = $1;

-- $2 circumstance, $3 published_on, $4 term_months, $5 list
-- name: correct_listing
UPDATE court.listing
   SET circumstance = $2, published_on = $3, term_months = $4, list = $5, version = version + 1
 WHERE id = $1;

-- name: remove_listing
UPDATE court.listing SET removed_on = $2, removal_reason = $3, version = version + 1
 WHERE id = $1;

-- Listings whose term has ended by $1 but that are not yet marked removed.
-- name: due_to_expire
SELECT id FROM court.listing
 WHERE removed_on IS NULL AND term_months IS NOT NULL
   AND (published_on + make_interval(months => term_months + extended_months))::date <= $1
 ORDER BY id
 LIMIT $2;

-- name: insert_revision
INSERT INTO court.listing_revision (listing_id, version, changed_by, change, note, snapshot)
VALUES ($1, $2, $3, $4, $5, $6::jsonb);
