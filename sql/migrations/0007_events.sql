-- Events: the outbox of list changes (append-only), agencies' webhooks, their cursors and
-- every delivery attempt.

CREATE SCHEMA events;

-- One row per list change, written in the transaction of the change (hub.events.outbox).
CREATE TABLE events.outbox (
    seq        bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL CHECK (kind IN (
                   'listing.published', 'listing.extended', 'listing.corrected',
                   'listing.removed', 'listing.expired')),
    listing_id bigint,
    subject_id bigint,
    -- hub.events.outbox.listing_payload: listing facts and the subject, identifier in full.
    payload    jsonb NOT NULL
);

CREATE FUNCTION events.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON events.outbox
    FOR EACH ROW EXECUTE FUNCTION events.refuse_change();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON events.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION events.refuse_change();

-- An agency's endpoint; at most one active per agency. The secret signs every POST.
CREATE TABLE events.webhook (
    id              bigserial PRIMARY KEY,
    agency_id       bigint NOT NULL REFERENCES core.agency (id),
    url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret          bytea NOT NULL CHECK (length(secret) >= 32),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The cursor: every event up to here is delivered or parked.
    last_seq        bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    -- Attempts made on the event after last_seq, and when the next one is due.
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_one_active ON events.webhook (agency_id) WHERE active;

-- Every attempt; 'parked' marks an event given up on after its last attempt.
CREATE TABLE events.delivery (
    id          bigserial PRIMARY KEY,
    webhook_id  bigint NOT NULL REFERENCES events.webhook (id),
    seq         bigint NOT NULL REFERENCES events.outbox (seq),
    attempt     integer NOT NULL CHECK (attempt >= 1),
    status      text NOT NULL CHECK (status IN ('delivered', 'failed', 'parked')),
    http_status integer,
    error       text CHECK (length(error) <= 1000),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_webhook_seq ON events.delivery (webhook_id, seq, id);

-- Parked events an agency asked to have sent again; the dispatcher sends these first.
CREATE TABLE events.redelivery (
    webhook_id   bigint NOT NULL REFERENCES events.webhook (id),
    seq          bigint NOT NULL REFERENCES events.outbox (seq),
    requested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (webhook_id, seq)
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA events TO hub_app;
    -- The outbox: append and read only.
    GRANT SELECT, INSERT ON events.outbox TO hub_app;
    GRANT SELECT, INSERT, UPDATE ON events.webhook TO hub_app;
    GRANT SELECT, INSERT ON events.delivery TO hub_app;
    GRANT SELECT, INSERT, DELETE ON events.redelivery TO hub_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA events TO hub_app;
END
$$;
