-- Real estate, owners and encumbrances (land registry source).

-- name: holdings_by_subjects
SELECT * FROM (
    SELECT o.subject_id AS parent_id, e.id, o.share, e.certificate_number, e.unit_number,
           e.region, e.address, e.area_m2, e.usage, e.registered_on,
           row_number() OVER (PARTITION BY o.subject_id ORDER BY e.id) AS rn
      FROM land.ownership o
      JOIN land.real_estate e ON e.id = o.estate_id
     WHERE o.subject_id = ANY($1::bigint[]) AND e.id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- name: owners_by_estates
SELECT estate_id AS parent_id, subject_id, share
  FROM land.ownership
 WHERE estate_id = ANY($1::bigint[])
 ORDER BY estate_id, share DESC, subject_id;

-- name: encumbrances_by_estates
SELECT estate_id AS parent_id, id, kind, holder, case_id, registered_on, released_on
  FROM land.encumbrance
 WHERE estate_id = ANY($1::bigint[])
 ORDER BY estate_id, id;

-- name: insert_estate
INSERT INTO land.real_estate (certificate_number, unit_number, region, address, area_m2, usage, registered_on)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: insert_ownership
INSERT INTO land.ownership (estate_id, subject_id, share) VALUES ($1, $2, $3);

-- name: insert_encumbrance
INSERT INTO land.encumbrance (estate_id, kind, holder, case_id, registered_on, released_on)
VALUES ($1, $2, $3, $4, $5, $6);
