-- Trusted documents (persisted operations) of agencies. Every change is announced on
-- hub_keys at commit, as key revocations are: each hub process forgets what it cached of
-- agencies' keys and documents.

-- A document registered again after a revocation is active again, with its new registration.
-- name: register
WITH registered AS (
    INSERT INTO core.trusted_document (agency_id, hash, body, operations, registered_by)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (agency_id, hash) DO UPDATE
       SET revoked_at = NULL, operations = EXCLUDED.operations,
           registered_at = CASE WHEN core.trusted_document.revoked_at IS NULL
                                THEN core.trusted_document.registered_at ELSE now() END,
           registered_by = CASE WHEN core.trusted_document.revoked_at IS NULL
                                THEN core.trusted_document.registered_by ELSE EXCLUDED.registered_by END
    RETURNING id, hash, operations, registered_at, registered_by, revoked_at
)
SELECT r.*, pg_notify('hub_keys', 'document') FROM registered r;

-- name: active_body
SELECT body FROM core.trusted_document WHERE agency_id = $1 AND hash = $2 AND revoked_at IS NULL;

-- $2 true: revoked ones too.
-- name: of_agency
SELECT id, hash, body, operations, registered_at, registered_by, revoked_at
  FROM core.trusted_document
 WHERE agency_id = $1 AND ($2 OR revoked_at IS NULL)
 ORDER BY id;

-- name: revoke
WITH revoked AS (
    UPDATE core.trusted_document SET revoked_at = now()
     WHERE agency_id = $1 AND hash = $2 AND revoked_at IS NULL
    RETURNING id, hash, body, operations, registered_at, registered_by, revoked_at
)
SELECT r.*, pg_notify('hub_keys', 'document') FROM revoked r;

-- name: set_trusted_only
WITH changed AS (
    UPDATE core.agency SET trusted_documents_only = $2 WHERE id = $1 RETURNING id
)
SELECT id, pg_notify('hub_keys', 'agency') FROM changed;
