-- Credit ratings (issue 14): schemes defined as data by rating authorities, the ratings they
-- publish with their evidence, and the changes made to them. A rating is current while it is
-- neither withdrawn nor superseded and its validity has not ended: computed when read, so a
-- rating stops counting the day it expires without any job having run.

CREATE SCHEMA ratings;

-- A rating scheme: who owns it (an agency kind), whom it rates, how long a rating holds.
CREATE TABLE ratings.scheme (
    id              bigserial PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,63}$'),
    name_zh         text NOT NULL CHECK (btrim(name_zh) <> '' AND length(name_zh) <= 200),
    name_en         text NOT NULL CHECK (btrim(name_en) <> '' AND length(name_en) <= 200),
    -- The agency kind that publishes ratings of this scheme (its own list of kinds: core.agency
    -- gains 'agriculture' and 'tax' with the list kinds of the same issue).
    authority_kind  text NOT NULL CHECK (authority_kind IN ('agriculture', 'market', 'tax')),
    subject_kinds   text[] NOT NULL CHECK (
                        cardinality(subject_kinds) >= 1
                        AND subject_kinds <@ ARRAY['person', 'organisation']::text[]),
    validity_months integer NOT NULL CHECK (validity_months BETWEEN 1 AND 120),
    legal_basis     text NOT NULL CHECK (btrim(legal_basis) <> '' AND length(legal_basis) <= 2000),
    -- How the scheme's text was checked against its source (e.g. "paraphrase, not checked").
    source_note     text CHECK (length(source_note) <= 1000),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The levels of a scheme in order (rank 1 is the best) and what each means.
CREATE TABLE ratings.level (
    scheme_id  bigint NOT NULL REFERENCES ratings.scheme (id),
    code       text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9+-]{0,7}$'),
    rank       integer NOT NULL CHECK (rank >= 1),
    meaning_zh text NOT NULL CHECK (btrim(meaning_zh) <> '' AND length(meaning_zh) <= 1000),
    meaning_en text NOT NULL CHECK (btrim(meaning_en) <> '' AND length(meaning_en) <= 1000),
    PRIMARY KEY (scheme_id, code),
    UNIQUE (scheme_id, rank)
);

-- What follows a level: a supervision class (with how often the subject is inspected
-- relative to the ordinary frequency), an incentive or a restriction, each with its basis.
CREATE TABLE ratings.level_measure (
    id                    bigserial PRIMARY KEY,
    scheme_id             bigint NOT NULL,
    level_code            text NOT NULL,
    position              integer NOT NULL CHECK (position >= 1),
    kind                  text NOT NULL CHECK (kind IN ('supervision', 'incentive', 'restriction')),
    description_zh        text NOT NULL CHECK (btrim(description_zh) <> '' AND length(description_zh) <= 1000),
    description_en        text NOT NULL CHECK (btrim(description_en) <> '' AND length(description_en) <= 1000),
    inspection_multiplier numeric(4, 2) CHECK (inspection_multiplier > 0),
    legal_basis           text NOT NULL CHECK (btrim(legal_basis) <> '' AND length(legal_basis) <= 2000),
    FOREIGN KEY (scheme_id, level_code) REFERENCES ratings.level (scheme_id, code),
    UNIQUE (scheme_id, level_code, position),
    -- A supervision class says how often; the others do not.
    CHECK ((kind = 'supervision') = (inspection_multiplier IS NOT NULL))
);

-- A published rating. Never deleted: a new rating of the same scheme supersedes the open one,
-- a withdrawal closes it, and both stay in the history.
CREATE TABLE ratings.rating (
    id                bigserial PRIMARY KEY,
    scheme_id         bigint NOT NULL REFERENCES ratings.scheme (id),
    subject_id        bigint NOT NULL REFERENCES core.subject (id),
    level_code        text NOT NULL,
    rated_on          date NOT NULL,
    -- rated_on plus the scheme's validity when it was rated; current on the days before.
    expires_on        date NOT NULL,
    evidence          text NOT NULL CHECK (btrim(evidence) <> '' AND length(evidence) <= 4000),
    -- Optional reference to the evidence document (number or file reference), not the document.
    evidence_document text CHECK (btrim(evidence_document) <> '' AND length(evidence_document) <= 500),
    rated_by          bigint NOT NULL REFERENCES core.agency (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- Set in the transaction that inserts the newer rating, before its row exists (the id is
    -- drawn first): the one-open-rating index never sees two open ones.
    superseded_by     bigint REFERENCES ratings.rating (id) DEFERRABLE INITIALLY DEFERRED,
    superseded_at     timestamptz,
    withdrawn_at      timestamptz,
    withdrawn_by      bigint REFERENCES core.agency (id),
    withdrawal_reason text CHECK (btrim(withdrawal_reason) <> '' AND length(withdrawal_reason) <= 1000),
    -- Set when the expiry of an open rating was announced (rating.expired); reads do not use it.
    expiry_announced_at timestamptz,
    FOREIGN KEY (scheme_id, level_code) REFERENCES ratings.level (scheme_id, code),
    CHECK (expires_on > rated_on),
    CHECK ((superseded_by IS NULL) = (superseded_at IS NULL)),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL)
           AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)),
    CHECK (superseded_by IS NULL OR withdrawn_at IS NULL)
);
-- At most one open (neither superseded nor withdrawn) rating per scheme and subject.
CREATE UNIQUE INDEX rating_one_open ON ratings.rating (subject_id, scheme_id)
    WHERE superseded_by IS NULL AND withdrawn_at IS NULL;
CREATE INDEX rating_subject ON ratings.rating (subject_id, scheme_id, id);
CREATE INDEX rating_expiry_due ON ratings.rating (expires_on)
    WHERE superseded_by IS NULL AND withdrawn_at IS NULL AND expiry_announced_at IS NULL;

-- Every change to a rating, in the transaction that makes it (append-only).
CREATE TABLE ratings.rating_change (
    id        bigserial PRIMARY KEY,
    rating_id bigint NOT NULL REFERENCES ratings.rating (id),
    change    text NOT NULL CHECK (change IN ('rated', 'superseded', 'withdrawn', 'expired')),
    -- The agency that made it; null for an expiry.
    agency_id bigint REFERENCES core.agency (id),
    note      text CHECK (length(note) <= 1000),
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rating_change_rating ON ratings.rating_change (rating_id, id);
CREATE TRIGGER rating_change_append_only BEFORE UPDATE OR DELETE ON ratings.rating_change
    FOR EACH ROW EXECUTE FUNCTION events.refuse_change();

-- The outbox carries rating changes too. Whatever kinds an earlier migration allows stay
-- allowed: the existing check on kind is kept as one arm of the new one.
DO $$
DECLARE
    c record;
    allowed text := '';
BEGIN
    FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def
               FROM pg_constraint
              WHERE conrelid = 'events.outbox'::regclass AND contype = 'c'
                AND pg_get_constraintdef(oid) LIKE '%kind%'
    LOOP
        allowed := allowed || ' OR ' || substring(c.def FROM '^CHECK \((.*)\)$');
        EXECUTE format('ALTER TABLE events.outbox DROP CONSTRAINT %I', c.conname);
    END LOOP;
    EXECUTE 'ALTER TABLE events.outbox ADD CONSTRAINT outbox_kind_check CHECK ('
         || 'kind IN (''rating.published'', ''rating.withdrawn'', ''rating.expired'')'
         || allowed || ')';
END
$$;

-- ------------------------------------------------------------------ seeded schemes

INSERT INTO ratings.scheme (code, name_zh, name_en, authority_kind, subject_kinds, validity_months,
                            legal_basis, source_note) VALUES
('HZ-AGRI-INPUT-SHOP', '农资经营店信用等级评定', 'Agricultural-input shop credit rating', 'agriculture',
 ARRAY['organisation', 'person'], 12,
 '杭州市农业部门农资经营主体信用评价（A/B/C 三级）；《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）',
 'Paraphrase of the Hangzhou account on the seed page (A/B/C; 2018: 55 A, 134 B, 5 C); the Hangzhou rules'' own text was not checked. The inspection multipliers are this scheme''s settings in the hub, not quoted from a document.'),
('HZ-AGRI-PRODUCER', '农产品生产主体信用等级评定', 'Agricultural producer credit rating', 'agriculture',
 ARRAY['organisation', 'person'], 12,
 '杭州市农业部门农产品生产主体信用评价（A/B 两级）；国发〔2016〕33号',
 'Paraphrase of the Hangzhou account on the seed page (158 A and 42 B producers since 2015); the Hangzhou rules'' own text was not checked. The inspection multipliers are this scheme''s settings in the hub.'),
('FJ-MARKET-CREDIT-RISK', '企业信用风险分类', 'Enterprise credit risk classification', 'market',
 ARRAY['organisation'], 12,
 '《市场监管总局关于推进企业信用风险分类管理进一步提升监管效能的意见》（企业信用风险分类管理，A/B/C/D 四类）；福建省信用风险分类监管（信用承诺、信息公示、联合奖惩）；国发〔2016〕33号',
 'Classes A to D (低、一般、较高、高) as in SAMR''s enterprise credit risk classification, cited from memory (document number not checked here); the Fujian plan as on the seed page. The inspection multipliers are this scheme''s settings in the hub (C: twice as often, as in the issue), not quoted from a document.');

INSERT INTO ratings.level (scheme_id, code, rank, meaning_zh, meaning_en)
SELECT s.id, l.code, l.rank, l.zh, l.en
  FROM ratings.scheme s
  JOIN (VALUES
    ('HZ-AGRI-INPUT-SHOP', 'A', 1, '守信：经营规范，无违法违规记录', 'Trustworthy: operates by the rules, no violations on record'),
    ('HZ-AGRI-INPUT-SHOP', 'B', 2, '基本守信：存在一般性问题，已整改', 'Mostly trustworthy: minor problems, corrected'),
    ('HZ-AGRI-INPUT-SHOP', 'C', 3, '失信：存在违法违规行为，列为重点监管', 'Untrustworthy: violations found; under close supervision'),
    ('HZ-AGRI-PRODUCER', 'A', 1, '守信：生产记录完整，抽检合格', 'Trustworthy: complete production records, samples passed'),
    ('HZ-AGRI-PRODUCER', 'B', 2, '基本守信：存在一般性问题', 'Mostly trustworthy: minor problems'),
    ('FJ-MARKET-CREDIT-RISK', 'A', 1, '信用风险低', 'Low credit risk'),
    ('FJ-MARKET-CREDIT-RISK', 'B', 2, '信用风险一般', 'Ordinary credit risk'),
    ('FJ-MARKET-CREDIT-RISK', 'C', 3, '信用风险较高', 'Higher credit risk'),
    ('FJ-MARKET-CREDIT-RISK', 'D', 4, '信用风险高', 'High credit risk')
  ) AS l (scheme, code, rank, zh, en) ON l.scheme = s.code;

INSERT INTO ratings.level_measure (scheme_id, level_code, position, kind, description_zh, description_en,
                                   inspection_multiplier, legal_basis)
SELECT s.id, m.level, m.position, m.kind, m.zh, m.en, m.multiplier, m.basis
  FROM ratings.scheme s
  JOIN (VALUES
    ('HZ-AGRI-INPUT-SHOP', 'A', 1, 'supervision', '降低日常检查频次（为一般频次的一半）', 'Routine inspections at half the ordinary frequency', 0.5::numeric, '国发〔2016〕33号：对守信主体在日常检查、专项检查中优化检查频次'),
    ('HZ-AGRI-INPUT-SHOP', 'A', 2, 'incentive', '评优评先、财政扶持优先考虑', 'Priority for awards and fiscal support', NULL, '国发〔2016〕33号：守信联合激励（转述，未逐字核对）'),
    ('HZ-AGRI-INPUT-SHOP', 'B', 1, 'supervision', '按一般频次检查', 'Routine inspections at the ordinary frequency', 1.0, '国发〔2016〕33号'),
    ('HZ-AGRI-INPUT-SHOP', 'C', 1, 'supervision', '列为重点监管对象，检查频次加倍', 'Close supervision: inspected twice as often', 2.0, '国发〔2016〕33号：对失信主体加大日常监管力度，提高随机抽查比例和频次'),
    ('HZ-AGRI-PRODUCER', 'A', 1, 'supervision', '降低日常检查频次（为一般频次的一半）', 'Routine inspections at half the ordinary frequency', 0.5, '国发〔2016〕33号'),
    ('HZ-AGRI-PRODUCER', 'B', 1, 'supervision', '按一般频次检查', 'Routine inspections at the ordinary frequency', 1.0, '国发〔2016〕33号'),
    ('FJ-MARKET-CREDIT-RISK', 'A', 1, 'supervision', '合理降低抽查比例和频次', 'Random inspections at half the ordinary rate', 0.5, '市场监管总局企业信用风险分类管理：对信用风险低的企业合理降低抽查比例和频次（转述）'),
    ('FJ-MARKET-CREDIT-RISK', 'B', 1, 'supervision', '按常规比例和频次抽查', 'Random inspections at the ordinary rate', 1.0, '市场监管总局企业信用风险分类管理（转述）'),
    ('FJ-MARKET-CREDIT-RISK', 'C', 1, 'supervision', '适当提高抽查比例和频次（加倍）', 'Random inspections twice as often', 2.0, '市场监管总局企业信用风险分类管理：对信用风险较高的企业适当提高抽查比例和频次（转述）'),
    ('FJ-MARKET-CREDIT-RISK', 'D', 1, 'supervision', '重点监管，大幅提高抽查比例和频次（三倍）', 'Close supervision: random inspections three times as often', 3.0, '市场监管总局企业信用风险分类管理：对信用风险高的企业有针对性地大幅提高抽查比例和频次（转述）'),
    ('FJ-MARKET-CREDIT-RISK', 'D', 2, 'restriction', '依法依规实施失信联合惩戒', 'Joint punishment for dishonesty as the law provides', NULL, '国发〔2016〕33号：失信联合惩戒')
  ) AS m (scheme, level, position, kind, zh, en, multiplier, basis) ON m.scheme = s.code;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA ratings TO hub_app;
    GRANT SELECT ON ratings.scheme, ratings.level, ratings.level_measure TO hub_app;
    GRANT SELECT, INSERT, UPDATE ON ratings.rating TO hub_app;
    GRANT SELECT, INSERT ON ratings.rating_change TO hub_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ratings TO hub_app;
END
$$;
