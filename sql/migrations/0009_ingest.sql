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
    -- No foreign key: history is written only by the merge, in its batch's own transaction,
    -- and a million-record batch must not pay a reference check per row.
    batch_id       bigint NOT NULL,
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

-- The name comparison of hub.identity.mentions.normalise_name, in SQL for set-based linking:
-- NFKC, no whitespace, one form of the middle dot. tests/ingest checks the two agree.
CREATE FUNCTION ingest.name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(regexp_replace(normalize(name, NFKC), '[[:space:]]+', '', 'g'), '•・．', '···')
$$;

-- The identifier checks of 0001 as single expressions, which PostgreSQL inlines into the
-- constraints of core.subject (the originals run a subquery per call): the same answers, a
-- fraction of the time for each subject a batch creates. tests/ingest/test_identifier_sql.py
-- compares them with the originals.
CREATE OR REPLACE FUNCTION core.is_valid_resident_id(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN n IS NULL THEN NULL
        WHEN n !~ '^[1-9][0-9]{16}[0-9X]$' THEN false
        ELSE substr('10X98765432', (
              substr(n, 1, 1)::int * 7 + substr(n, 2, 1)::int * 9 + substr(n, 3, 1)::int * 10
            + substr(n, 4, 1)::int * 5 + substr(n, 5, 1)::int * 8 + substr(n, 6, 1)::int * 4
            + substr(n, 7, 1)::int * 2 + substr(n, 8, 1)::int * 1 + substr(n, 9, 1)::int * 6
            + substr(n, 10, 1)::int * 3 + substr(n, 11, 1)::int * 7 + substr(n, 12, 1)::int * 9
            + substr(n, 13, 1)::int * 10 + substr(n, 14, 1)::int * 5 + substr(n, 15, 1)::int * 8
            + substr(n, 16, 1)::int * 4 + substr(n, 17, 1)::int * 2
            ) % 11 + 1, 1) = substr(n, 18, 1)
    END
$$;

CREATE OR REPLACE FUNCTION core.is_valid_uscc(c text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN c IS NULL THEN NULL
        WHEN c !~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$' THEN false
        ELSE substr('0123456789ABCDEFGHJKLMNPQRTUWXY', (31 - (
              (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 1, 1)) - 1) * 1
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 2, 1)) - 1) * 3
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 3, 1)) - 1) * 9
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 4, 1)) - 1) * 27
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 5, 1)) - 1) * 19
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 6, 1)) - 1) * 26
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 7, 1)) - 1) * 16
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 8, 1)) - 1) * 17
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 9, 1)) - 1) * 20
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 10, 1)) - 1) * 29
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 11, 1)) - 1) * 25
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 12, 1)) - 1) * 13
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 13, 1)) - 1) * 8
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 14, 1)) - 1) * 24
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 15, 1)) - 1) * 10
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 16, 1)) - 1) * 30
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, 17, 1)) - 1) * 28
            ) % 31) % 31 + 1, 1) = substr(c, 18, 1)
    END
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
