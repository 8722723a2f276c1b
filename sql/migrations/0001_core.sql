-- Core schema: subjects (persons and organisations), agencies and their keys.
-- Identifier checksums are enforced here too, so no path into the database can store an
-- invalid resident ID or USCC.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE SCHEMA core;

-- GB 11643-1999 check: 17 digits, check digit from weights 2^(17-i) mod 11.
CREATE FUNCTION core.is_valid_resident_id(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT n ~ '^[1-9][0-9]{16}[0-9X]$'
       AND substr('10X98765432',
              (SELECT sum(substr(n, i, 1)::int * ((2 ^ (18 - i))::int % 11)) % 11
                 FROM generate_series(1, 17) AS i)::int + 1, 1) = substr(n, 18, 1)
$$;

-- GB 32100-2015 check: 31-character alphabet, weights 3^(i-1) mod 31.
CREATE FUNCTION core.is_valid_uscc(c text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT c ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'
       AND substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
              ((31 - (SELECT sum((strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, i, 1)) - 1)
                                 * ((3::numeric ^ (i - 1)) % 31)::int) % 31
                        FROM generate_series(1, 17) AS i)::int) % 31) + 1, 1) = substr(c, 18, 1)
$$;

CREATE TABLE core.subject (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('person', 'organisation')),
    -- Normalised resident ID (persons) or USCC (organisations).
    identifier  text NOT NULL UNIQUE,
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    -- Persons: derived from the resident ID; organisations: null.
    sex         text CHECK (sex IN ('male', 'female')),
    birth_date  date,
    -- Persons: the region of the ID; organisations: the region in the USCC.
    region      char(6) NOT NULL CHECK (region ~ '^[1-9][0-9]{5}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, kind),
    CONSTRAINT subject_person_identifier CHECK (
        kind <> 'person' OR (
            core.is_valid_resident_id(identifier)
            AND sex IS NOT NULL AND birth_date IS NOT NULL
            AND region = substr(identifier, 1, 6)
            AND birth_date = to_date(substr(identifier, 7, 8), 'YYYYMMDD')
            AND sex = CASE WHEN substr(identifier, 17, 1)::int % 2 = 1 THEN 'male' ELSE 'female' END
        )),
    CONSTRAINT subject_organisation_identifier CHECK (
        kind <> 'organisation' OR (
            core.is_valid_uscc(identifier)
            AND sex IS NULL AND birth_date IS NULL
            AND region = substr(identifier, 3, 6)
        ))
);

CREATE INDEX subject_name_trgm ON core.subject USING gin (name gin_trgm_ops);
CREATE INDEX subject_name ON core.subject (name, id);

CREATE TABLE core.agency (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$'),
    name       text NOT NULL CHECK (btrim(name) <> ''),
    kind       text NOT NULL CHECK (kind IN (
                   'court', 'land', 'market', 'police', 'tourism', 'housing',
                   'finance', 'civil_affairs', 'township', 'platform')),
    region     char(6) NOT NULL DEFAULT '350000' CHECK (region ~ '^[1-9][0-9]{5}$'),
    mode       text NOT NULL DEFAULT 'api' CHECK (mode IN ('api', 'console')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- API keys: only a SHA-256 of the key is stored; the key itself is shown once.
CREATE TABLE core.api_key (
    id         bigserial PRIMARY KEY,
    agency_id  bigint NOT NULL REFERENCES core.agency (id),
    label      text NOT NULL DEFAULT 'default' CHECK (btrim(label) <> ''),
    -- First characters of the key, to tell keys apart in listings.
    prefix     text NOT NULL,
    key_hash   bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_key_agency ON core.api_key (agency_id);

-- Secrets of this installation shared by every hub process (e.g. the cursor signing key).
CREATE TABLE core.instance_secret (
    name  text PRIMARY KEY,
    value bytea NOT NULL CHECK (length(value) >= 32)
);
INSERT INTO core.instance_secret (name, value)
VALUES ('cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- Named data sets loaded into this database (demo, synthetic seeds), so loading twice
-- reuses what is there.
CREATE TABLE core.dataset (
    name      text PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    details   jsonb NOT NULL DEFAULT '{}'
);
