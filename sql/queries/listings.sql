-- The list's lifecycle: publish, extend, correct, remove, expire. Each change bumps the
-- listing's version (but the first), keeps a revision, and goes out as an event.

-- name: case_for_listing
SELECT c.id, c.case_number, c.court_code, ct.name AS court_name, ct.region AS court_region
  FROM court.enforcement_case c
  JOIN court.court ct ON ct.code = c.court_code
 WHERE c.case_number = $1;

-- name: is_party
SELECT EXISTS (SELECT FROM court.case_party WHERE case_id = $1 AND subject_id = $2);

-- The rules of one list kind (sanctions.list_kind); null when there is no such kind.
-- name: list_kind
SELECT code, nature, publisher_kinds, subject_kinds, case_based, needs_circumstance, default_term_months,
       max_term_months, open_ended, extension_min_months, extension_max_months, removal_reasons
  FROM sanctions.list_kind
 WHERE code = $1;

-- Every list kind's code, for the error naming the allowed ones.
-- name: list_kind_codes
SELECT code FROM sanctions.list_kind ORDER BY code;

-- name: subject_for_listing
SELECT id, kind, region FROM core.subject WHERE id = $1;

-- $2 case (court lists) or null, $7 basis document and $8 publisher (other kinds) or null.
-- name: insert_listing
INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on, term_months, basis_document,
                           publisher_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- The listing with everything an event or a check needs; locks the row for the change.
-- Court lists: the case and court; other kinds: the basis document and the publisher.
-- name: listing_for_change
SELECT l.id, l.subject_id, l.case_id, l.list, l.circumstance, l.published_on, l.term_months,
       l.extended_months, l.removed_on, l.removal_reason, l.version, l.basis_document, l.publisher_id,
       c.case_number, c.court_code, ct.region AS court_region,
       a.code AS publisher_code, a.kind AS publisher_kind, a.region AS publisher_region,
       s.kind AS subject_kind, s.name AS subject_name, s.identifier AS subject_identifier
  FROM court.listing l
  LEFT JOIN court.enforcement_case c ON c.id = l.case_id
  LEFT JOIN court.court ct ON ct.code = c.court_code
  LEFT JOIN core.agency a ON a.id = l.publisher_id
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
