-- The public disclosure search (hub.sources.public): the entries in force of the lists the law
-- makes public, found by the subject's identifier or by a case number, never browsed. Only
-- what the courts publish is read: subject, list, case, court; nothing of assets, other
-- agencies' data or the other lists. The caller compares the exact name.
-- $2 the public list kinds (hub.sources.public.PUBLIC_LIST_KINDS), $3 the day (China time),
-- $4 the most entries answered.

-- $1 a validated identifier (resident ID or USCC).
-- name: entries_by_identifier
SELECT s.id AS subject_id, s.kind, s.identifier, s.name, l.id AS listing_id, l.list, l.circumstance,
       l.published_on, c.case_number, c.filed_on, co.name AS court_name, c.basis_document, c.basis_issuer,
       c.obligation, c.performance
  FROM core.subject s
  JOIN court.listing l ON l.subject_id = s.id
  JOIN court.enforcement_case c ON c.id = l.case_id
  JOIN court.court co ON co.code = c.court_code
 WHERE s.identifier = $1
   AND l.list = ANY($2::text[])
   AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, $3::date)
 ORDER BY l.published_on, l.id
 LIMIT $4;

-- $1 the case number as given, in both bracket forms ((2019)... and （2019）...).
-- name: entries_by_case
SELECT s.id AS subject_id, s.kind, s.identifier, s.name, l.id AS listing_id, l.list, l.circumstance,
       l.published_on, c.case_number, c.filed_on, co.name AS court_name, c.basis_document, c.basis_issuer,
       c.obligation, c.performance
  FROM court.enforcement_case c
  JOIN court.court co ON co.code = c.court_code
  JOIN court.listing l ON l.case_id = c.id
  JOIN core.subject s ON s.id = l.subject_id
 WHERE c.case_number = ANY($1::text[])
   AND l.list = ANY($2::text[])
   AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, $3::date)
 ORDER BY l.published_on, l.id
 LIMIT $4;
