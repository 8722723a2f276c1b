-- Credit repair (信用修复, issue 14): a subject asks the publisher of a punishment-list entry
-- to take it down; the publisher approves or rejects it, with reasons, within a deadline
-- that each list kind sets. An approved application removes the entry (reason credit_repair)
-- through the lists' one lifecycle, in the same transaction.
--
-- Source of the deadlines: 《失信行为纠正后的信用信息修复管理办法（试行）》(国家发展改革委令
-- 2023年第58号). It counts the time for deciding a repair application in working days (工作日)
-- from its acceptance. The exact number of days in each of its articles was NOT checked
-- against the published text here, so the seeded figure is this hub's policy, a paraphrase
-- of that measure's approach (意译): 15 working days for every repairable kind. The courts'
-- lists are removed under the SPC rules rather than 58号令; the same figure is used for them
-- as a service target. A kind whose removal_reasons lack credit_repair (the red list) takes
-- no repair applications and has no deadline.

ALTER TABLE sanctions.list_kind ADD COLUMN repair_decision_working_days integer
    CHECK (repair_decision_working_days BETWEEN 1 AND 60);
UPDATE sanctions.list_kind SET repair_decision_working_days = 15 WHERE 'credit_repair' = ANY (removal_reasons);
ALTER TABLE sanctions.list_kind ADD CONSTRAINT list_kind_repair_deadline CHECK (
    (repair_decision_working_days IS NOT NULL) = ('credit_repair' = ANY (removal_reasons)));

-- The day ``days`` working days (Monday to Friday) after ``start``. Public holidays and the
-- weekend days worked in their place (调休) are not known to the hub: a deadline may fall a
-- few days early around holidays, never late.
CREATE FUNCTION sanctions.add_working_days(start date, days integer) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT max(d)::date
      FROM (SELECT d FROM generate_series(start + 1, start + days * 2 + 14, interval '1 day') AS g(d)
             WHERE extract(isodow FROM d) < 6
             ORDER BY d LIMIT days) w
$$;

-- Whether an agency's area covers a region, as hub.sanctions.listings.covers decides:
-- 350000 covers the province, 350100 its city, 350102 itself.
CREATE FUNCTION core.region_covers(area text, region text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT starts_with(region, CASE WHEN length(rtrim(area, '0')) % 2 = 1 THEN rtrim(area, '0') || '0'
                                    ELSE rtrim(area, '0') END)
$$;

CREATE TABLE sanctions.credit_repair (
    id              bigserial PRIMARY KEY,
    listing_id      bigint NOT NULL REFERENCES court.listing (id),
    -- Who applies (the subject or its representative), as the publisher recorded it.
    applicant       text NOT NULL CHECK (btrim(applicant) <> '' AND length(applicant) <= 200),
    grounds         text NOT NULL CHECK (btrim(grounds) <> '' AND length(grounds) <= 4000),
    -- What the applicant shows: a description, and references to the documents (their numbers).
    evidence        text NOT NULL CHECK (btrim(evidence) <> '' AND length(evidence) <= 4000),
    evidence_documents text[] NOT NULL DEFAULT '{}' CHECK (cardinality(evidence_documents) <= 20),
    applied_on      date NOT NULL,
    -- applied_on plus the kind's working days, fixed when the application is recorded: changing
    -- a kind's deadline later does not move it.
    due_on          date NOT NULL CHECK (due_on > applied_on),
    recorded_by     bigint NOT NULL REFERENCES core.agency (id),
    recorded_by_user bigint REFERENCES console.app_user (id),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
    decided_at      timestamptz,
    decided_by      bigint REFERENCES core.agency (id),
    decided_by_user bigint REFERENCES console.app_user (id),
    decision_reasons text CHECK (decision_reasons IS NULL OR (btrim(decision_reasons) <> ''
                                                              AND length(decision_reasons) <= 4000)),
    CHECK ((status = 'submitted') = (decided_at IS NULL)),
    CHECK ((status = 'submitted') = (decided_by IS NULL)),
    CHECK ((status = 'submitted') = (decision_reasons IS NULL))
);
-- One open application per entry at a time.
CREATE UNIQUE INDEX credit_repair_one_open ON sanctions.credit_repair (listing_id) WHERE status = 'submitted';
CREATE INDEX credit_repair_open_due ON sanctions.credit_repair (due_on) WHERE status = 'submitted';

-- Whether agency ``viewer`` may see list entry ``listing_id`` in history. An entry removed for
-- credit repair stays in history for the platform operator and its publisher only: for court
-- lists a court whose area covers the executing court, for other lists an agency of the
-- publisher's kind whose area covers the publisher's (the agencies the lifecycle lets change
-- it, hub.sanctions.listings). Every other entry: true (other rules decide).
CREATE FUNCTION court.listing_visible_to(listing_id bigint, viewer bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    -- Fails closed: an unknown viewer (or anything unknown) sees no repaired entry.
    SELECT coalesce(l.removal_reason IS DISTINCT FROM 'credit_repair'
           OR v.kind = 'platform'
           OR (l.case_id IS NOT NULL AND v.kind = 'court' AND core.region_covers(v.region, ct.region))
           OR (l.case_id IS NULL AND v.kind = p.kind AND core.region_covers(v.region, p.region)), false)
      FROM court.listing l
      LEFT JOIN court.enforcement_case c ON c.id = l.case_id
      LEFT JOIN court.court ct ON ct.code = c.court_code
      LEFT JOIN core.agency p ON p.id = l.publisher_id
      LEFT JOIN core.agency v ON v.id = viewer
     WHERE l.id = listing_id
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT SELECT, INSERT, UPDATE ON sanctions.credit_repair TO hub_app;
        GRANT USAGE, SELECT ON SEQUENCE sanctions.credit_repair_id_seq TO hub_app;
    END IF;
END $$;
