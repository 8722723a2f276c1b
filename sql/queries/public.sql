-- The public disclosure search (hub.sources.public): the entries in force of the list kinds
-- the law makes public (sanctions.list_kind.public), found by the subject's identifier or by a
-- case number, never browsed. Only what is published is read: subject, list, and either the
-- case and court (a court list) or the publishing agency and its decision document (a sector
-- blacklist, the red list); nothing of assets, other agencies' data or the other lists. The
-- caller compares the exact name. $2 the day (China time), $3 the most entries answered.

-- $1 a validated identifier (resident ID or USCC).
-- name: entries_by_identifier
SELECT s.id AS subject_id, s.kind, s.identifier, s.name, l.id AS listing_id, l.list, l.circumstance,
       l.published_on, c.case_number, c.filed_on, co.name AS court_name,
       coalesce(c.basis_document, l.basis_document) AS basis_document, c.basis_issuer,
       c.obligation, c.performance, a.name AS publisher_name
  FROM core.subject s
  JOIN court.listing l ON l.subject_id = s.id
  JOIN sanctions.list_kind k ON k.code = l.list AND k.public
  LEFT JOIN court.enforcement_case c ON c.id = l.case_id
  LEFT JOIN court.court co ON co.code = c.court_code
  LEFT JOIN core.agency a ON a.id = l.publisher_id
 WHERE s.identifier = $1
   AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, $2::date)
 ORDER BY l.published_on, l.id
 LIMIT $3;

-- $1 the case number as given, in both bracket forms ((2019)... and （2019）...).
-- name: entries_by_case
-- Only a court list's entries have a case number.
SELECT s.id AS subject_id, s.kind, s.identifier, s.name, l.id AS listing_id, l.list, l.circumstance,
       l.published_on, c.case_number, c.filed_on, co.name AS court_name, c.basis_document, c.basis_issuer,
       c.obligation, c.performance, NULL::text AS publisher_name
  FROM court.enforcement_case c
  JOIN court.court co ON co.code = c.court_code
  JOIN court.listing l ON l.case_id = c.id
  JOIN sanctions.list_kind k ON k.code = l.list AND k.public
  JOIN core.subject s ON s.id = l.subject_id
 WHERE c.case_number = ANY($1::text[])
   AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, $2::date)
 ORDER BY l.published_on, l.id
 LIMIT $3;
