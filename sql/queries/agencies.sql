-- Agencies and their API keys.

-- name: insert_agency
INSERT INTO core.agency (code, name, kind, region, mode)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: agency_by_code
SELECT id, code, name, kind, region, mode FROM core.agency WHERE code = $1;

-- name: insert_key
INSERT INTO core.api_key (agency_id, label, prefix, key_hash)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: active_keys_by_label
SELECT k.id, k.key_hash
  FROM core.api_key k
 WHERE k.agency_id = $1 AND k.label = $2 AND k.revoked_at IS NULL;

-- name: revoke_keys_by_label
UPDATE core.api_key SET revoked_at = now()
 WHERE agency_id = $1 AND label = $2 AND revoked_at IS NULL;
