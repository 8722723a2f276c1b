-- Party mentions that did not resolve exactly to one subject.
--
-- A source record names a party (an owner, a shareholder, an officer, a case party). When
-- the record carries a valid identifier whose subject has the same name, the party is linked
-- at once. Otherwise (no identifier, or a name that disagrees with the identifier's subject)
-- the mention is held here, pending, and never merged silently: identity resolution proposes
-- candidate subjects, an operator confirms one (the link is then written) or rejects it.

CREATE TABLE core.party_mention (
    id          bigserial PRIMARY KEY,
    -- The source that wrote the record naming the party.
    source      text NOT NULL CHECK (source IN ('court', 'land', 'market', 'police', 'tourism')),
    -- What the party is to the record; decides which link a confirmation writes.
    role        text NOT NULL CHECK (role IN (
                    'case_party', 'real_estate_owner', 'vehicle_owner', 'shareholder', 'officer')),
    -- The record's natural key: case number, certificate number, plate, company USCC.
    record_key  text NOT NULL CHECK (btrim(record_key) <> ''),
    kind        text NOT NULL CHECK (kind IN ('person', 'organisation')),
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    -- Normalised, checksum-valid resident ID or USCC; null when the record gave none.
    identifier  text,
    birth_date  date,
    region      char(6) CHECK (region ~ '^[1-9][0-9]{5}$'),
    -- What the link needs once confirmed (share, subscribed capital, position, or the whole
    -- record where it cannot exist without the party, e.g. a vehicle and its owner).
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The ingest batch that brought it, when it came in bulk (no FK: batches live with ingest).
    batch_id    bigint,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'linked', 'rejected')),
    -- The subject the mention was linked to, once confirmed.
    subject_id  bigint REFERENCES core.subject (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    CHECK ((status = 'linked') = (subject_id IS NOT NULL)),
    CHECK ((status = 'pending') = (resolved_at IS NULL))
);
CREATE INDEX party_mention_pending ON core.party_mention (id) WHERE status = 'pending';
CREATE INDEX party_mention_record ON core.party_mention (source, role, record_key);

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT SELECT, INSERT, UPDATE ON core.party_mention TO hub_app;
    GRANT USAGE, SELECT ON SEQUENCE core.party_mention_id_seq TO hub_app;
END
$$;
