-- Agencies and their API keys.

-- name: insert_agency
INSERT INTO core.agency (code, name, kind, region, mode, role)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: agency_by_code
SELECT id, code, name, kind, region, mode, role, created_at, trusted_documents_only FROM core.agency WHERE code = $1;

-- name: agencies_page
SELECT id, code, name, kind, region, mode, role, created_at, trusted_documents_only
  FROM core.agency
 WHERE id > $1
 ORDER BY id
 LIMIT $2;

-- Keys of an agency, newest first; never the hash.
-- name: keys_of_agency
SELECT id, label, prefix, created_at, revoked_at
  FROM core.api_key
 WHERE agency_id = $1
 ORDER BY id DESC;

-- name: insert_key
INSERT INTO core.api_key (agency_id, label, prefix, key_hash)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- Revokes, and tells every hub process to forget the keys it has cached (at commit).
-- name: revoke_keys_by_label
WITH revoked AS (
    UPDATE core.api_key SET revoked_at = now()
     WHERE agency_id = $1 AND label = $2 AND revoked_at IS NULL
    RETURNING id
)
SELECT id, pg_notify('hub_keys', id::text) FROM revoked;
