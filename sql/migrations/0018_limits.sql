-- Per-agency limits that hold for the whole deployment: every hub process takes its share of
-- an agency's operations from one row, and records the distinct subjects it returned in one
-- table, so N processes allow the configured limit, not N times it (hub.policy.limits).
--
-- The window is the agency's own minute: it starts at the agency's first operation and rolls
-- by PostgreSQL's clock, in these functions, when it has ended. No process resets a window:
-- the counts only grow within one, and a process killed mid-window leaves them as they are.
--
-- UNLOGGED: a transaction that writes only these tables commits without waiting for a WAL
-- flush, which is most of what a lease would cost (bench/limits.py). The price: a crash of
-- PostgreSQL itself (not of a hub process) or a failover to a replica starts the counts
-- afresh, which forgives each agency at most the one minute under way.

CREATE UNLOGGED TABLE core.limit_window (
    agency_id    bigint PRIMARY KEY REFERENCES core.agency (id) ON DELETE CASCADE,
    -- When the agency's current window began (PostgreSQL's clock).
    window_start timestamptz NOT NULL,
    -- Operations handed out to hub processes in this window (each takes a block at a time).
    operations   integer NOT NULL CHECK (operations >= 0),
    -- Distinct subjects recorded as returned to the agency in this window.
    subjects     integer NOT NULL CHECK (subjects >= 0)
);

-- The distinct subjects of each agency's current window (older windows' rows are deleted as
-- the window rolls).
CREATE UNLOGGED TABLE core.limit_subject (
    agency_id    bigint NOT NULL,
    window_start timestamptz NOT NULL,
    subject_id   bigint NOT NULL,
    PRIMARY KEY (agency_id, window_start, subject_id)
);

-- The agency's window row, locked for this transaction, rolled to a new window if the
-- current one has ended (its subjects of older windows deleted).
CREATE FUNCTION core.limit_window_now(p_agency bigint, p_window double precision)
RETURNS core.limit_window
LANGUAGE plpgsql AS $$
DECLARE
    w core.limit_window;
BEGIN
    SELECT * INTO w FROM core.limit_window WHERE agency_id = p_agency FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO core.limit_window VALUES (p_agency, now(), 0, 0) ON CONFLICT (agency_id) DO NOTHING;
        SELECT * INTO STRICT w FROM core.limit_window WHERE agency_id = p_agency FOR UPDATE;
    END IF;
    IF w.window_start <= now() - make_interval(secs => p_window) THEN
        DELETE FROM core.limit_subject WHERE agency_id = p_agency;
        UPDATE core.limit_window SET window_start = now(), operations = 0, subjects = 0
         WHERE agency_id = p_agency
        RETURNING * INTO w;
    END IF;
    RETURN w;
END $$;

-- Takes up to p_want operations of the agency's p_limit for this window. granted = 0: the
-- budget is spent until the window ends, seconds_left from now.
CREATE FUNCTION core.limit_lease(
    p_agency bigint, p_want integer, p_limit integer, p_window double precision,
    OUT granted integer, OUT subjects integer, OUT seconds_left double precision
)
LANGUAGE plpgsql AS $$
DECLARE
    w core.limit_window := core.limit_window_now(p_agency, p_window);
BEGIN
    granted := least(p_want, greatest(p_limit - w.operations, 0));
    IF granted > 0 THEN
        UPDATE core.limit_window SET operations = operations + granted WHERE agency_id = p_agency;
    END IF;
    subjects := w.subjects;
    seconds_left := extract(epoch FROM w.window_start + make_interval(secs => p_window) - now());
END $$;

-- Records subjects returned to agencies (the two arrays pair up), each counted once per agency
-- and window; answers each agency's count of distinct subjects in its window. Agencies are
-- locked in id order, so two processes recording the same agencies never deadlock.
CREATE FUNCTION core.limit_record(p_agencies bigint[], p_subjects bigint[], p_window double precision)
RETURNS TABLE (agency_id bigint, subjects integer, seconds_left double precision)
LANGUAGE plpgsql AS $$
DECLARE
    a bigint;
    w core.limit_window;
    added integer;
BEGIN
    FOR a IN SELECT DISTINCT x FROM unnest(p_agencies) AS x ORDER BY x LOOP
        w := core.limit_window_now(a, p_window);
        INSERT INTO core.limit_subject
        SELECT a, w.window_start, s.subject
          FROM unnest(p_agencies, p_subjects) AS s (agency, subject)
         WHERE s.agency = a
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        IF added > 0 THEN
            UPDATE core.limit_window AS t SET subjects = t.subjects + added WHERE t.agency_id = a;
        END IF;
        agency_id := a;
        subjects := w.subjects + added;
        seconds_left := extract(epoch FROM w.window_start + make_interval(secs => p_window) - now());
        RETURN NEXT;
    END LOOP;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT SELECT, INSERT, UPDATE ON core.limit_window TO hub_app;
        GRANT SELECT, INSERT, DELETE ON core.limit_subject TO hub_app;
        GRANT EXECUTE ON FUNCTION core.limit_window_now(bigint, double precision),
                                  core.limit_lease(bigint, integer, integer, double precision),
                                  core.limit_record(bigint[], bigint[], double precision) TO hub_app;
    END IF;
END $$;
