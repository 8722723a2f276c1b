-- The web console: users (people, not systems) of an agency, their sessions, and the failed
-- logins that lock a user name out for a while.

CREATE SCHEMA console;

-- A person who logs in to the console on behalf of an agency. Passwords are argon2id hashes
-- (PHC string); the password itself is never stored. An operator belongs to a platform
-- agency, and a platform agency's users are operators (hub.console.users checks both).
CREATE TABLE console.app_user (
    id            bigserial PRIMARY KEY,
    agency_id     bigint NOT NULL REFERENCES core.agency (id),
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{1,63}$'),
    display_name  text CHECK (length(display_name) <= 100),
    role          text NOT NULL CHECK (role IN ('clerk', 'supervisor', 'operator')),
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text,
    disabled_at   timestamptz,
    last_login_at timestamptz
);
CREATE INDEX app_user_agency ON console.app_user (agency_id);

-- A logged-in browser. Only a SHA-256 of the session id (256 random bits in the cookie)
-- is kept; logout deletes the row, and a row past expires_at is refused.
CREATE TABLE console.session (
    id_hash    bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id    bigint NOT NULL REFERENCES console.app_user (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    client     text
);
CREATE INDEX console_session_by_user ON console.session (user_id);
CREATE INDEX console_session_by_expiry ON console.session (expires_at);

-- Failed logins per user name, whether or not the name exists (so the lockout tells nothing
-- about which names do). Cleared by a successful login.
CREATE TABLE console.login_failure (
    username     text PRIMARY KEY CHECK (length(username) <= 200),
    failures     integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_at      timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- Signs the console's CSRF tokens (an HMAC of the session id), shared by every hub process.
INSERT INTO core.instance_secret (name, value)
VALUES ('console-csrf', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA console TO hub_app;
    GRANT SELECT, INSERT, UPDATE ON console.app_user TO hub_app;
    GRANT SELECT, INSERT, DELETE ON console.session TO hub_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON console.login_failure TO hub_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA console TO hub_app;
END
$$;
