-- Trusted documents (persisted operations): the GraphQL documents an agency's systems send,
-- registered ahead and then sent by their SHA-256 alone ({"documentId": "sha256:<hex>"}).

CREATE TABLE core.trusted_document (
    id            bigserial PRIMARY KEY,
    agency_id     bigint NOT NULL REFERENCES core.agency (id),
    -- SHA-256 of the document's exact text (UTF-8), lower-case hex.
    hash          text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    body          text NOT NULL CHECK (body <> ''),
    -- Its operations' names ('' for an anonymous one), for lists and logs.
    operations    text[] NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    -- Who registered it: 'cli', or the platform operator's agency code and Hub-Operator.
    registered_by text NOT NULL CHECK (btrim(registered_by) <> ''),
    revoked_at    timestamptz,
    UNIQUE (agency_id, hash)
);

-- An agency that may send registered documents only (in production; the operator and
-- development always may send others).
ALTER TABLE core.agency ADD COLUMN trusted_documents_only boolean NOT NULL DEFAULT false;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT SELECT, INSERT, UPDATE ON core.trusted_document TO hub_app;
        GRANT USAGE, SELECT ON SEQUENCE core.trusted_document_id_seq TO hub_app;
    END IF;
END $$;
