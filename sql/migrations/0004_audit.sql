-- The audit trail: one hash-chained record per GraphQL operation, a one-row head, signed
-- checkpoints; the application role that may append to it but never change it.
--
-- hash_n = sha256(hash_{n-1} || canonical_n); canonical_n is computed by
-- hub.audit.record.canonical_bytes (documented there), never in SQL. The genesis
-- prev_hash is 32 zero bytes.

CREATE SCHEMA audit;

CREATE TABLE audit.event (
    seq            bigint PRIMARY KEY CHECK (seq >= 1),
    at             timestamptz NOT NULL,
    -- No foreign keys: the trail records what was claimed at the time, and a write must
    -- not fail on a reference (agencies are also identified by code below).
    agency_id      bigint,
    agency_code    text,
    key_id         bigint,
    -- The Hub-Operator header: free text naming the end user behind a system call.
    operator       text CHECK (length(operator) <= 200),
    operation_type text,
    operation_name text,
    -- sha256 hex of the query text.
    document_hash  text CHECK (document_hash ~ '^[0-9a-f]{64}$'),
    -- Sorted, distinct schema coordinates ("Query.subjectByResidentId", "Person.listings").
    fields         text[] NOT NULL,
    -- Sorted, distinct internal subject ids whose data was returned; never ID numbers.
    subjects       bigint[] NOT NULL,
    purpose        text,
    outcome        text NOT NULL CHECK (outcome IN ('ok', 'error', 'denied', 'limited')),
    error_codes    text[] NOT NULL,
    duration_us    bigint NOT NULL CHECK (duration_us >= 0),
    client         inet,
    prev_hash      bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash           bytea NOT NULL CHECK (length(hash) = 32)
);

-- Operators' searches and the daily statistics: by agency over time, by subject, by time.
CREATE INDEX event_agency_at ON audit.event (agency_id, at);
CREATE INDEX event_subjects ON audit.event USING gin (subjects);
CREATE INDEX event_at ON audit.event (at);

-- The chain's head, so an append reads it in O(1). Appends lock with
-- pg_advisory_xact_lock, then read and move it in the same transaction.
CREATE TABLE audit.head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint NOT NULL CHECK (seq >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);
-- Genesis: no record yet, and the prev hash of record 1 is 32 zero bytes.
INSERT INTO audit.head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- Signed statements "the head was (seq, hash) at this time", exportable to be held elsewhere.
CREATE TABLE audit.checkpoint (
    id         bigserial PRIMARY KEY,
    seq        bigint NOT NULL CHECK (seq >= 1),
    hash       bytea NOT NULL CHECK (length(hash) = 32),
    at         timestamptz NOT NULL,
    -- Ed25519 over hub.audit.checkpoint.Checkpoint.message().
    signature  bytea NOT NULL CHECK (length(signature) = 64),
    -- First 16 hex characters of sha256 of the raw public key.
    key_id     text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
    public_key bytea NOT NULL CHECK (length(public_key) = 32)
);
CREATE INDEX checkpoint_seq ON audit.checkpoint (seq);

-- Append-only: no UPDATE, DELETE or TRUNCATE, whoever asks. A superuser can still disable
-- the trigger; the chain and the checkpoints are what catch that.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON audit.event
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON audit.event
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON audit.checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON audit.checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The application's role. It is cluster-wide, so another database may have created it;
-- a migrating user without CREATEROLE gets a notice, and the grants are skipped.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        CREATE ROLE hub_app NOLOGIN;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'role hub_app not created (%); create it and repeat the grants of 0004_audit.sql', SQLERRM;
    WHEN duplicate_object THEN
        NULL;  -- created by a migration of another database at the same moment
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA core, court, land, market, police, tourism, audit TO hub_app;
    -- Sources: read and write (tables of later migrations get their own grants).
    GRANT SELECT, INSERT, UPDATE, DELETE
        ON ALL TABLES IN SCHEMA core, court, land, market, police, tourism TO hub_app;
    GRANT USAGE, SELECT
        ON ALL SEQUENCES IN SCHEMA core, court, land, market, police, tourism, audit TO hub_app;
    -- The trail: append and read only; the head may move (the chain verifies it).
    GRANT SELECT, INSERT ON audit.event TO hub_app;
    GRANT SELECT, INSERT, UPDATE ON audit.head TO hub_app;
    GRANT SELECT, INSERT ON audit.checkpoint TO hub_app;
    -- Readiness compares applied migrations with the files.
    IF to_regclass('public.hub_migration') IS NOT NULL THEN
        GRANT SELECT ON public.hub_migration TO hub_app;
    END IF;
END
$$;
