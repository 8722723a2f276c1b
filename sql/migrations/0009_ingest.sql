-- Sources publish their own data: ingest batches (bulk uploads and single-record mutations)
-- and the history of every record they changed.
--
-- A batch is staged in temporary tables of the connection that receives it, validated there,
-- and merged by natural key in one transaction; only what differs is written, and every
-- change leaves one history row (before and after, as JSON) naming the batch.

CREATE SCHEMA ingest;

CREATE TABLE ingest.batch (
    id             bigserial PRIMARY KEY,
    agency_id      bigint NOT NULL REFERENCES core.agency (id),
    -- The source written: which of the hub's data sets the batch belongs to.
    source         text NOT NULL CHECK (source IN ('court', 'land', 'market', 'police', 'tourism')),
    -- graphql: one record sent by an upsert mutation.
    format         text NOT NULL CHECK (format IN ('ndjson', 'csv', 'graphql')),
    encoding       text NOT NULL CHECK (encoding IN ('utf-8', 'gb18030')),
    -- atomic: any bad record rejects the whole batch; partial: good records are applied.
    mode           text NOT NULL CHECK (mode IN ('atomic', 'partial')),
    -- The version of the agency's data the batch carries, as the agency declared it.
    source_version text CHECK (length(source_version) <= 100),
    -- received: being read and staged; validating: being checked and merged; then one of
    -- applied (committed), rejected (bad records, nothing applied), failed (interrupted or
    -- refused by the database, nothing applied).
    status         text NOT NULL DEFAULT 'received'
                   CHECK (status IN ('received', 'validating', 'applied', 'rejected', 'failed')),
    records        bigint NOT NULL DEFAULT 0 CHECK (records >= 0),
    invalid        bigint NOT NULL DEFAULT 0 CHECK (invalid >= 0),
    inserted       bigint NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated        bigint NOT NULL DEFAULT 0 CHECK (updated >= 0),
    unchanged      bigint NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    -- Parties held in core.party_mention for an operator (no identifier, or a name that
    -- disagrees with the identifier's subject).
    held           bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    -- sha256 (hex) of the body as received.
    body_sha256    text CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    -- {"errors": [{"line", "field", "reason"}...] (capped), "errorsNotShown": n, "message": ...}
    report         jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CHECK ((status IN ('received', 'validating')) = (finished_at IS NULL))
);
CREATE INDEX batch_agency ON ingest.batch (agency_id, id);

CREATE TABLE ingest.record_history (
    id             bigserial PRIMARY KEY,
    source         text NOT NULL CHECK (source IN ('court', 'land', 'market', 'police', 'tourism')),
    -- The record's natural key: case number, certificate number, VIN, USCC, hotel code.
    record_key     text NOT NULL,
    batch_id       bigint NOT NULL REFERENCES ingest.batch (id),
    at             timestamptz NOT NULL DEFAULT now(),
    change         text NOT NULL CHECK (change IN ('inserted', 'updated')),
    -- The record's own version (its `version` field) or the batch's declared source version.
    source_version text,
    -- The record as stored before and after (null before an insert).
    before         jsonb,
    after          jsonb NOT NULL,
    CHECK ((change = 'inserted') = (before IS NULL))
);
CREATE INDEX record_history_key ON ingest.record_history (source, record_key, id);
CREATE INDEX record_history_batch ON ingest.record_history (batch_id);

-- The name comparison of hub.identity.mentions.normalise_name, in SQL for set-based linking:
-- NFKC, no whitespace, one form of the middle dot. tests/ingest checks the two agree.
CREATE FUNCTION ingest.name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(regexp_replace(normalize(name, NFKC), '[[:space:]]+', '', 'g'), '•・．', '···')
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA ingest TO hub_app;
    GRANT SELECT, INSERT, UPDATE ON ingest.batch TO hub_app;
    GRANT SELECT, INSERT ON ingest.record_history TO hub_app;
    GRANT USAGE, SELECT ON SEQUENCE ingest.batch_id_seq, ingest.record_history_id_seq TO hub_app;
    GRANT EXECUTE ON FUNCTION ingest.name_key(text) TO hub_app;
END
$$;
