-- Cases, parties and listings (court source).

-- name: courts_by_codes
SELECT code, name, level, region FROM court.court WHERE code = ANY($1::text[]);

-- name: cases_by_ids
SELECT id, case_number, court_code, filed_on, basis_document, basis_issuer, obligation,
       amount, performance, performed_amount
  FROM court.enforcement_case
 WHERE id = ANY($1::bigint[]);

-- name: cases_by_numbers
SELECT id, case_number, court_code, filed_on, basis_document, basis_issuer, obligation,
       amount, performance, performed_amount
  FROM court.enforcement_case
 WHERE case_number = ANY($1::text[]);

-- Cases of each subject, newest filing first by id order; paged per subject.
-- name: cases_by_subjects
SELECT * FROM (
    SELECT p.subject_id AS parent_id, c.id, c.case_number, c.court_code, c.filed_on,
           c.basis_document, c.basis_issuer, c.obligation, c.amount, c.performance,
           c.performed_amount,
           row_number() OVER (PARTITION BY p.subject_id ORDER BY c.id) AS rn
      FROM court.case_party p
      JOIN court.enforcement_case c ON c.id = p.case_id
     WHERE p.subject_id = ANY($1::bigint[]) AND c.id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- name: subject_ids_by_cases
SELECT * FROM (
    SELECT p.case_id AS parent_id, p.subject_id AS id,
           row_number() OVER (PARTITION BY p.case_id ORDER BY p.subject_id) AS rn
      FROM court.case_party p
     WHERE p.case_id = ANY($1::bigint[]) AND p.subject_id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- Listings of each subject; $4 true includes removed listings, those $5 (the reading agency)
-- may see in history (court.listing_history_visible_to, 0026_listing_history.sql).
-- name: listings_by_subjects
SELECT * FROM (
    SELECT l.subject_id AS parent_id, l.id, l.subject_id, l.case_id, l.list, l.circumstance,
           l.published_on, l.term_months, l.extended_months, l.removed_on, l.removal_reason,
           l.version, l.basis_document, a.code AS publisher_code, a.name AS publisher_name,
           row_number() OVER (PARTITION BY l.subject_id ORDER BY l.id) AS rn
      FROM court.listing l
      LEFT JOIN core.agency a ON a.id = l.publisher_id
     WHERE l.subject_id = ANY($1::bigint[]) AND l.id > $2
       AND ($4::boolean OR l.removed_on IS NULL)
       AND (l.removed_on IS NULL OR court.listing_history_visible_to(l.id, $5::bigint))
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- Every listing of each case, removed ones included: EnforcementCase.listings keeps the removed
-- ones its reader may see (repair.sql history_hidden_listings).
-- name: listings_by_cases
SELECT l.case_id AS parent_id, l.id, l.subject_id, l.case_id, l.list, l.circumstance,
       l.published_on, l.term_months, l.extended_months, l.removed_on, l.removal_reason,
       l.version, l.basis_document, NULL::text AS publisher_code, NULL::text AS publisher_name
  FROM court.listing l
 WHERE l.case_id = ANY($1::bigint[])
 ORDER BY l.case_id, l.id;

-- name: insert_case
INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer,
                                    obligation, amount, performance, performed_amount)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: insert_case_party
INSERT INTO court.case_party (case_id, subject_id) VALUES ($1, $2);

-- name: insert_listing
INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on, term_months,
                           extended_months, removed_on, removal_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: listing_by_id
SELECT l.id, l.subject_id, l.case_id, l.list, l.circumstance, l.published_on, l.term_months, l.extended_months,
       l.removed_on, l.removal_reason, l.version, l.basis_document, a.code AS publisher_code,
       a.name AS publisher_name
  FROM court.listing l
  LEFT JOIN core.agency a ON a.id = l.publisher_id
 WHERE l.id = $1;
