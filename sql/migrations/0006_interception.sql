-- Interceptions, sanction feedback and comparison counts; listing revisions.

CREATE SCHEMA IF NOT EXISTS sanctions;

-- One record per BLOCK or REVIEW decision: immutable.
CREATE TABLE sanctions.interception (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    agency_id     bigint NOT NULL REFERENCES core.agency (id),
    operator      text CHECK (length(operator) <= 200),
    -- The screened identity: the matched subject (null when only candidates matched).
    subject_id    bigint REFERENCES core.subject (id),
    candidates    bigint[] NOT NULL DEFAULT '{}',
    matter        text NOT NULL REFERENCES core.matter (code),
    context       jsonb NOT NULL DEFAULT '{}',
    decision      text NOT NULL CHECK (decision IN ('BLOCK', 'REVIEW')),
    reasons       text[] NOT NULL DEFAULT '{}',
    -- [{measure, listing, version, case, reach, via}] as decided.
    measures      jsonb NOT NULL DEFAULT '[]',
    listing_ids   bigint[] NOT NULL DEFAULT '{}',
    case_ids      bigint[] NOT NULL DEFAULT '{}',
    region        char(6) NOT NULL
);
CREATE INDEX interception_agency ON sanctions.interception (agency_id, id);
CREATE INDEX interception_subject ON sanctions.interception (subject_id, id);
CREATE INDEX interception_cases ON sanctions.interception USING gin (case_ids);
CREATE INDEX interception_at ON sanctions.interception (at);

-- What the agency did about an interception; idempotent per (agency, key).
CREATE TABLE sanctions.feedback (
    id                 bigserial PRIMARY KEY,
    interception_id    bigint NOT NULL REFERENCES sanctions.interception (id),
    agency_id          bigint NOT NULL REFERENCES core.agency (id),
    operator           text CHECK (length(operator) <= 200),
    outcome            text NOT NULL CHECK (outcome IN (
                           'sanction_applied', 'overridden', 'not_applicable', 'paid_on_the_spot',
                           'settled_on_the_spot')),
    reason             text CHECK (length(reason) <= 2000),
    business_reference text CHECK (length(business_reference) <= 200),
    occurred_at        timestamptz NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    idempotency_key    text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 200),
    request_hash       bytea NOT NULL,
    UNIQUE (agency_id, idempotency_key),
    CHECK (outcome <> 'overridden' OR btrim(coalesce(reason, '')) <> '')
);
CREATE INDEX feedback_interception ON sanctions.feedback (interception_id);

-- Identities screened, per agency, matter, region and day (ALLOW decisions are not kept).
CREATE TABLE sanctions.comparison_count (
    day         date NOT NULL,
    agency_id   bigint NOT NULL REFERENCES core.agency (id),
    matter      text NOT NULL REFERENCES core.matter (code),
    region      char(6) NOT NULL,
    comparisons bigint NOT NULL CHECK (comparisons >= 0),
    PRIMARY KEY (day, agency_id, matter, region)
);

CREATE FUNCTION sanctions.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER interception_immutable BEFORE UPDATE OR DELETE ON sanctions.interception
    FOR EACH ROW EXECUTE FUNCTION sanctions.refuse_change();
CREATE TRIGGER feedback_immutable BEFORE UPDATE OR DELETE ON sanctions.feedback
    FOR EACH ROW EXECUTE FUNCTION sanctions.refuse_change();

-- Every published version of a listing, so a correction keeps what was there before.
CREATE TABLE court.listing_revision (
    listing_id      bigint NOT NULL REFERENCES court.listing (id),
    version         integer NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    changed_by      bigint REFERENCES core.agency (id),
    change          text NOT NULL CHECK (change IN ('published', 'extended', 'corrected', 'removed', 'expired')),
    note            text,
    snapshot        jsonb NOT NULL,
    PRIMARY KEY (listing_id, version, change)
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT USAGE ON SCHEMA sanctions TO hub_app;
        GRANT SELECT, INSERT ON sanctions.interception, sanctions.feedback TO hub_app;
        GRANT SELECT, INSERT, UPDATE ON sanctions.comparison_count TO hub_app;
        GRANT SELECT, INSERT ON court.listing_revision TO hub_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA sanctions TO hub_app;
    END IF;
END $$;
