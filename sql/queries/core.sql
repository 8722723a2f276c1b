-- Subjects and agencies. Lists keyed by an array of ids return one row per match;
-- paged lists take ($1 parent ids, $2 exclusive lower bound on the sort key, $3 rows per parent).

-- name: subjects_by_ids
SELECT id, kind, identifier, name, sex, birth_date, region
  FROM core.subject
 WHERE id = ANY($1::bigint[]);

-- name: subjects_by_identifiers
SELECT id, kind, identifier, name, sex, birth_date, region
  FROM core.subject
 WHERE identifier = ANY($1::text[]);

-- Name search: exact and partial matches (substring) rank first, then trigram similarity.
-- $1 name, $2 kind or null, $3 rows, $4/$5 keyset after (rank, id) or nulls.
-- name: search_subjects
WITH hits AS (
    SELECT s.id, s.kind, s.identifier, s.name, s.sex, s.birth_date, s.region,
           CASE WHEN s.name = $1 THEN 2.0
                WHEN strpos(s.name, $1) > 0 THEN 1.0 + similarity(s.name, $1)
                ELSE similarity(s.name, $1) END::float8 AS rank
      FROM core.subject s
     WHERE (s.name = $1 OR s.name LIKE '%' || $6 || '%' OR s.name % $1)
       AND ($2::text IS NULL OR s.kind = $2)
)
SELECT * FROM hits
 WHERE $4::float8 IS NULL OR (rank, -id) < ($4, -$5::bigint)
 ORDER BY rank DESC, id
 LIMIT $3;

-- name: agency_by_key_hash
SELECT a.id, a.code, a.name, a.kind, a.region, a.mode, a.role, a.trusted_documents_only, k.id AS key_id
  FROM core.api_key k
  JOIN core.agency a ON a.id = k.agency_id
 WHERE k.key_hash = $1 AND k.revoked_at IS NULL;

-- name: instance_secret
SELECT value FROM core.instance_secret WHERE name = $1;

-- name: insert_subject
INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (identifier) DO UPDATE SET identifier = EXCLUDED.identifier
RETURNING id;

-- name: dataset_loaded
SELECT loaded_at FROM core.dataset WHERE name = $1;

-- name: record_dataset
INSERT INTO core.dataset (name, details) VALUES ($1, $2::jsonb);

-- name: matter_codes
SELECT code FROM core.matter ORDER BY code;
