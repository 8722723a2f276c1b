-- An explainable integrity score (issue 14): rules as data, versioned. A rule set (version,
-- effective date, base score, bounds) holds rules, each matching one kind of fact the hub
-- already holds, with its points, cap and legal basis:
--   listing   an entry of a list kind active on the day asked about (court.listing, every kind:
--             the courts' lists, the sector blacklists, the red list);
--   rating    a rating of a scheme at a level, current on that day (ratings.rating);
--   feedback  what an agency reported doing after an interception (sanctions.feedback), with
--             the given outcome, within window_months before the time asked about:
--             sanction_applied (a sanction reported), paid_on_the_spot or settled_on_the_spot
--             (the debtor paid or settled after being intercepted: "payment after an
--             interception" is this outcome of the agency's feedback).
-- score = clamp(base_score + sum(items), min_score, max_score); hub.sanctions.score computes it.
--
-- A rule set is published once (published_at) and never changed afterwards: the triggers below
-- refuse any change to a published set or its rules, so an answer given under a version is
-- given again under it. Changing the rules means a new version.

CREATE SCHEMA score;

CREATE TABLE score.rule_set (
    version        text PRIMARY KEY CHECK (version ~ '^[A-Z][A-Z0-9._-]{1,39}$'),
    effective_from date NOT NULL,
    base_score     integer NOT NULL,
    min_score      integer NOT NULL,
    max_score      integer NOT NULL,
    description    text NOT NULL CHECK (btrim(description) <> '' AND length(description) <= 2000),
    -- Where the rules come from and how far they may be relied on.
    source_note    text NOT NULL CHECK (btrim(source_note) <> '' AND length(source_note) <= 2000),
    -- Null: a draft whose rules may still change; set once, then the set is frozen.
    published_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (min_score <= base_score AND base_score <= max_score)
);

CREATE TABLE score.rule (
    version        text NOT NULL REFERENCES score.rule_set (version),
    code           text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{1,63}$'),
    position       integer NOT NULL CHECK (position >= 1),
    fact           text NOT NULL CHECK (fact IN ('listing', 'rating', 'feedback')),
    list_kind      text REFERENCES sanctions.list_kind (code),
    scheme_id      bigint,
    level_code     text,
    outcome        text CHECK (outcome IN ('sanction_applied', 'paid_on_the_spot', 'settled_on_the_spot')),
    window_months  integer CHECK (window_months BETWEEN 1 AND 120),
    -- Per fact matched; negative lowers the score.
    points         integer NOT NULL CHECK (points <> 0 AND points BETWEEN -1000 AND 1000),
    -- The most the rule's items together may move the score (absolute); null: no cap.
    cap            integer CHECK (cap > 0),
    description    text NOT NULL CHECK (btrim(description) <> '' AND length(description) <= 1000),
    legal_basis    text NOT NULL CHECK (btrim(legal_basis) <> '' AND length(legal_basis) <= 2000),
    PRIMARY KEY (version, code),
    UNIQUE (version, position),
    FOREIGN KEY (scheme_id, level_code) REFERENCES ratings.level (scheme_id, code),
    CHECK ((fact = 'listing') = (list_kind IS NOT NULL)),
    CHECK ((fact = 'rating') = (scheme_id IS NOT NULL) AND (scheme_id IS NULL) = (level_code IS NULL)),
    CHECK ((fact = 'feedback') = (outcome IS NOT NULL) AND (outcome IS NULL) = (window_months IS NULL)),
    CHECK (cap IS NULL OR cap >= abs(points))
);

-- A published set is frozen: only publishing itself (published_at from null, nothing else) passes.
CREATE FUNCTION score.refuse_published_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.published_at IS NULL
       AND (NEW.published_at IS NULL OR (NEW.version, NEW.effective_from, NEW.base_score, NEW.min_score,
            NEW.max_score, NEW.description, NEW.source_note, NEW.created_at)
            IS NOT DISTINCT FROM (OLD.version, OLD.effective_from, OLD.base_score, OLD.min_score,
            OLD.max_score, OLD.description, OLD.source_note, OLD.created_at)) THEN
        RETURN NEW;
    END IF;
    IF OLD.published_at IS NULL AND TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'score rule set % is published and cannot change; publish a new version', OLD.version
          USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER rule_set_frozen BEFORE UPDATE OR DELETE ON score.rule_set
    FOR EACH ROW EXECUTE FUNCTION score.refuse_published_set();

CREATE FUNCTION score.refuse_published_rule() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v text := CASE WHEN TG_OP = 'INSERT' THEN NEW.version ELSE OLD.version END;
BEGIN
    IF EXISTS (SELECT FROM score.rule_set WHERE version = v AND published_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT FROM score.rule_set
                                         WHERE version = NEW.version AND published_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'score rule set % is published and its rules cannot change; publish a new version', v
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER rule_frozen BEFORE INSERT OR UPDATE OR DELETE ON score.rule
    FOR EACH ROW EXECUTE FUNCTION score.refuse_published_rule();
CREATE TRIGGER rule_no_truncate BEFORE TRUNCATE ON score.rule
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.refuse_change();
CREATE TRIGGER rule_set_no_truncate BEFORE TRUNCATE ON score.rule_set
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.refuse_change();

-- ------------------------------------------------------------------ the hub's illustrative rules

INSERT INTO score.rule_set (version, effective_from, base_score, min_score, max_score, description, source_note)
VALUES ('HUB-ILLUSTRATIVE-2026.1', DATE '2026-01-01', 600, 0, 1000,
        'The hub''s illustrative integrity score in the style of Beijing''s personal integrity score (个人诚信分): a base of 600 on a scale of 0 to 1000, lowered by active punishment-list entries, C/D ratings and sanctions reported after interceptions, raised by the red list, A ratings and payment after an interception.',
        'Illustrative rules of this hub, NOT Beijing''s formula (which this hub does not have). Inspired by 国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》 and by the existence of the personal integrity score on Beijing''s public credit platform (信用北京); the weights are this hub''s settings, chosen for the demo.');

INSERT INTO score.rule (version, code, position, fact, list_kind, points, cap, description, legal_basis)
VALUES
    ('HUB-ILLUSTRATIVE-2026.1', 'DISHONEST_LISTED', 1, 'listing', 'dishonest', -200, 400,
     'Each active entry on the list of dishonest judgment debtors.',
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》；国发〔2016〕33号（失信联合惩戒，意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'RESTRICTED_LISTED', 2, 'listing', 'restricted', -100, 200,
     'Each active entry on the consumption-restriction list.',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》；国发〔2016〕33号（意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'AGRI_PRODUCT_BLACKLISTED', 3, 'listing', 'agri_product_safety', -150, 300,
     'Each active entry on the farm-product safety blacklist.',
     '《中华人民共和国农产品质量安全法》；国发〔2016〕33号（意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'ANIMAL_EPIDEMIC_BLACKLISTED', 4, 'listing', 'animal_epidemic', -150, 300,
     'Each active entry on the animal epidemic prevention blacklist.',
     '《中华人民共和国动物防疫法》；国发〔2016〕33号（意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'LIVESTOCK_PRODUCT_BLACKLISTED', 5, 'listing', 'livestock_product_safety', -150, 300,
     'Each active entry on the livestock-product safety blacklist.',
     '《中华人民共和国畜牧法》；国发〔2016〕33号（意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'RED_LISTED', 6, 'listing', 'red_list', 100, 100,
     'An active entry on the red list of the trustworthy (counted once).',
     '国发〔2016〕33号（守信联合激励，意译）');

INSERT INTO score.rule (version, code, position, fact, scheme_id, level_code, points, cap, description, legal_basis)
SELECT 'HUB-ILLUSTRATIVE-2026.1', r.code, r.position, 'rating', s.id, r.level, r.points, r.cap, r.description, r.basis
  FROM ratings.scheme s
  JOIN (VALUES
    ('RATED_MARKET_A', 7, 'FJ-MARKET-CREDIT-RISK', 'A', 50, 50, 'A current enterprise credit risk class A (low risk).',
     '企业信用风险分类管理（转述）；国发〔2016〕33号（意译）'),
    ('RATED_MARKET_C', 8, 'FJ-MARKET-CREDIT-RISK', 'C', -50, 50, 'A current enterprise credit risk class C (higher risk).',
     '企业信用风险分类管理（转述）；国发〔2016〕33号（意译）'),
    ('RATED_MARKET_D', 9, 'FJ-MARKET-CREDIT-RISK', 'D', -100, 100, 'A current enterprise credit risk class D (high risk).',
     '企业信用风险分类管理（转述）；国发〔2016〕33号（意译）'),
    ('RATED_AGRI_SHOP_A', 10, 'HZ-AGRI-INPUT-SHOP', 'A', 50, 50, 'A current agricultural-input shop rating A (trustworthy).',
     '杭州市农资经营主体信用评价（转述）；国发〔2016〕33号（意译）'),
    ('RATED_AGRI_SHOP_C', 11, 'HZ-AGRI-INPUT-SHOP', 'C', -80, 80, 'A current agricultural-input shop rating C (untrustworthy).',
     '杭州市农资经营主体信用评价（转述）；国发〔2016〕33号（意译）'),
    ('RATED_AGRI_PRODUCER_A', 12, 'HZ-AGRI-PRODUCER', 'A', 50, 50, 'A current agricultural producer rating A (trustworthy).',
     '杭州市农产品生产主体信用评价（转述）；国发〔2016〕33号（意译）')
  ) AS r (code, position, scheme, level, points, cap, description, basis) ON r.scheme = s.code;

INSERT INTO score.rule (version, code, position, fact, outcome, window_months, points, cap, description, legal_basis)
VALUES
    ('HUB-ILLUSTRATIVE-2026.1', 'SANCTION_REPORTED', 13, 'feedback', 'sanction_applied', 24, -20, 100,
     'Each sanction an agency reported applying after an interception, in the last 24 months.',
     '国发〔2016〕33号（失信联合惩戒的实施与反馈，意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'PAID_AFTER_INTERCEPTION', 14, 'feedback', 'paid_on_the_spot', 12, 40, 80,
     'Each time the subject paid its debt after being intercepted, as the agency reported, in the last 12 months.',
     '国发〔2016〕33号（鼓励主动履行、纠正失信行为，意译）'),
    ('HUB-ILLUSTRATIVE-2026.1', 'SETTLED_AFTER_INTERCEPTION', 15, 'feedback', 'settled_on_the_spot', 12, 30, 60,
     'Each time the subject settled with the creditor after being intercepted, as the agency reported, in the last 12 months.',
     '国发〔2016〕33号（鼓励主动履行、纠正失信行为，意译）');

UPDATE score.rule_set SET published_at = now() WHERE version = 'HUB-ILLUSTRATIVE-2026.1';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT USAGE ON SCHEMA score TO hub_app;
        GRANT SELECT ON score.rule_set, score.rule TO hub_app;
    END IF;
END $$;
