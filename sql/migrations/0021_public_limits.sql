-- The shared limiter (0018_limits.sql) also counts the anonymous clients of the public
-- disclosure search (hub.policy.public): each client network has a minute window and a day
-- window, keyed by a negative number drawn from a keyed hash of the network, so they never
-- meet an agency's id and the table holds no address. Such a key names no agency: the
-- foreign key goes (no agency is ever deleted; the windows of one that were would only linger).
ALTER TABLE core.limit_window DROP CONSTRAINT IF EXISTS limit_window_agency_id_fkey;
COMMENT ON COLUMN core.limit_window.agency_id IS
    'an agency''s id; negative: a client network of the public disclosure search (hub.policy.public)';

-- Keys the HMAC that turns a client network into its windows' keys, the same in every process.
INSERT INTO core.instance_secret (name, value)
VALUES ('public-limits', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        -- Public clients' windows that have ended are forgotten (sql/queries/limits.sql).
        GRANT DELETE ON core.limit_window TO hub_app;
    END IF;
END $$;
