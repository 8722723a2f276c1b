-- List kinds as data (issue 14): which lists the hub carries besides the courts' two, who
-- publishes each, whom it covers, its term and removal rules, whether it is public, and the
-- measures that follow it (a punishment list's restrictions, a red list's incentives).
--
-- Sources, cited in legal_basis:
--   国发〔2016〕33号  《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》
--   农产品质量安全法  《中华人民共和国农产品质量安全法》
--   动物防疫法        《中华人民共和国动物防疫法》
--   畜牧法            《中华人民共和国畜牧法》
-- basis_text of the new measures is a paraphrase (marked 意译) of 国发〔2016〕33号: its item
-- numbering and exact wording were not checked against the published text, so no item is
-- cited. The sector laws are cited by name only, as the basis of the sector's duty to keep
-- credit records of producers and traders, for the same reason.
--
-- Entries of every kind live in court.listing (renaming the table would touch every reader of
-- the courts' lists for no gain); an entry of a court list rests on an enforcement case as
-- before, an entry of another kind on the publishing agency's decision document.

-- ---------------------------------------------------------------- new agency kinds

ALTER TABLE core.agency DROP CONSTRAINT agency_kind_check;
ALTER TABLE core.agency ADD CONSTRAINT agency_kind_check CHECK (kind IN (
    'court', 'land', 'market', 'police', 'tourism', 'housing',
    'finance', 'civil_affairs', 'township', 'platform', 'agriculture', 'tax'));

ALTER TABLE sanctions.measure_agency_kind DROP CONSTRAINT measure_agency_kind_agency_kind_check;
ALTER TABLE sanctions.measure_agency_kind ADD CONSTRAINT measure_agency_kind_agency_kind_check CHECK (agency_kind IN (
    'court', 'land', 'market', 'police', 'tourism', 'housing',
    'finance', 'civil_affairs', 'township', 'platform', 'agriculture', 'tax'));

-- ---------------------------------------------------------------- list kinds

CREATE TABLE sanctions.list_kind (
    -- Stored lower-case (court.listing.list); the API shows it upper-case (DISHONEST).
    code                 text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{2,39}$'),
    name_zh              text NOT NULL CHECK (btrim(name_zh) <> ''),
    name_en              text NOT NULL CHECK (btrim(name_en) <> ''),
    description          text NOT NULL CHECK (btrim(description) <> ''),
    -- punishment: its measures restrict; reward: its measures are incentives (守信激励).
    nature               text NOT NULL CHECK (nature IN ('punishment', 'reward')),
    -- Agency kinds whose agencies may publish and change entries (core.agency.kind).
    publisher_kinds      text[] NOT NULL CHECK (
                             cardinality(publisher_kinds) > 0
                             AND publisher_kinds <@ ARRAY['court', 'land', 'market', 'police', 'tourism', 'housing',
                                 'finance', 'civil_affairs', 'township', 'platform', 'agriculture', 'tax']::text[]),
    subject_kinds        text[] NOT NULL CHECK (
                             cardinality(subject_kinds) > 0
                             AND subject_kinds <@ ARRAY['person', 'organisation']::text[]),
    -- true: an entry rests on a court enforcement case (court.enforcement_case) and the court
    -- area rule applies; false: on a decision document of the publishing agency.
    case_based           boolean NOT NULL,
    -- The entry states a statutory circumstance (court.listing.circumstance): the dishonest list.
    needs_circumstance   boolean NOT NULL DEFAULT false,
    -- Term when the publisher gives none; null: until removed (or performed).
    default_term_months  integer CHECK (default_term_months BETWEEN 1 AND 120),
    max_term_months      integer NOT NULL CHECK (max_term_months BETWEEN 1 AND 120),
    -- An entry may have no term at all (the court's "until performance").
    open_ended           boolean NOT NULL DEFAULT false,
    -- Extensions in total must come to between these (0 and 0: never extended).
    extension_min_months integer NOT NULL DEFAULT 0 CHECK (extension_min_months >= 0),
    extension_max_months integer NOT NULL DEFAULT 0 CHECK (extension_max_months BETWEEN 0 AND 36),
    -- Reasons a publisher may give for removing an entry (court.listing.removal_reason);
    -- the end of a term is recorded as term_expired whatever this says.
    removal_reasons      text[] NOT NULL CHECK (
                             cardinality(removal_reasons) > 0
                             AND removal_reasons <@ ARRAY['paid', 'settled', 'credit_repair', 'term_expired',
                                 'published_in_error', 'other']::text[]),
    -- Disclosed to the public (信息公示).
    public               boolean NOT NULL,
    legal_basis          text NOT NULL CHECK (btrim(legal_basis) <> ''),
    UNIQUE (code, nature),
    CHECK (default_term_months IS NULL OR default_term_months <= max_term_months),
    CHECK (default_term_months IS NOT NULL OR open_ended),
    CHECK (extension_min_months <= extension_max_months),
    CHECK (NOT needs_circumstance OR case_based)
);

INSERT INTO sanctions.list_kind (code, name_zh, name_en, description, nature, publisher_kinds, subject_kinds,
                                 case_based, needs_circumstance, default_term_months, max_term_months, open_ended,
                                 extension_min_months, extension_max_months, removal_reasons, public, legal_basis)
VALUES
    -- The courts' lists, with the rules listings.py enforced before this migration.
    ('dishonest', '失信被执行人名单', 'List of dishonest judgment debtors',
     'Debtors of an enforcement case who fail to perform in a statutory circumstance; published by the executing court or a court above it.',
     'punishment', ARRAY['court'], ARRAY['person', 'organisation'], true, true, 24, 120, true, 12, 36,
     ARRAY['paid', 'settled', 'credit_repair', 'term_expired', 'published_in_error', 'other'], true,
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》'),
    ('restricted', '限制消费人员名单', 'Consumption-restriction list',
     'Debtors of an enforcement case restricted in high consumption; published by the executing court or a court above it.',
     'punishment', ARRAY['court'], ARRAY['person', 'organisation'], true, false, 24, 120, true, 12, 36,
     -- Not public: the SPC rules on the dishonest list (art. 7) make that list public; the
     -- consumption-restriction order is served on the debtor and checked by agencies.
     ARRAY['paid', 'settled', 'credit_repair', 'term_expired', 'published_in_error', 'other'], false,
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》'),
    -- Agriculture's sector blacklists (the Hangzhou kinds), one kind per sector: each sector
    -- rests on its own law, and a kind per sector lets terms, removal rules and measures
    -- differ by sector as data, with no sector field to validate on each entry. Terms are
    -- this hub's policy (3 years, at most 5, no extension), not quoted from a rule.
    ('agri_product_safety', '农产品质量安全黑名单', 'Farm-product safety blacklist',
     'Producers and traders of farm products and farm inputs found in serious breach of farm-product safety rules; published by the agriculture department whose area covers the subject.',
     'punishment', ARRAY['agriculture'], ARRAY['person', 'organisation'], false, false, 36, 60, false, 0, 0,
     ARRAY['credit_repair', 'term_expired', 'published_in_error', 'other'], true,
     '《中华人民共和国农产品质量安全法》；国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》'),
    ('animal_epidemic', '动物防疫黑名单', 'Animal epidemic prevention blacklist',
     'Keepers, traders and carriers of animals found in serious breach of animal epidemic prevention rules; published by the agriculture department whose area covers the subject.',
     'punishment', ARRAY['agriculture'], ARRAY['person', 'organisation'], false, false, 36, 60, false, 0, 0,
     ARRAY['credit_repair', 'term_expired', 'published_in_error', 'other'], true,
     '《中华人民共和国动物防疫法》；国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》'),
    ('livestock_product_safety', '畜产品质量安全黑名单', 'Livestock-product safety blacklist',
     'Producers and traders of livestock products found in serious breach of livestock-product safety rules; published by the agriculture department whose area covers the subject.',
     'punishment', ARRAY['agriculture'], ARRAY['person', 'organisation'], false, false, 36, 60, false, 0, 0,
     ARRAY['credit_repair', 'term_expired', 'published_in_error', 'other'], true,
     '《中华人民共和国畜牧法》；国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》'),
    -- The red list: trustworthy subjects named by the departments that rate them (tax: A-level
    -- taxpayers; agriculture: A-rated farm-input shops and producers). Three years, as a rating.
    ('red_list', '守信红名单', 'Red list of the trustworthy',
     'Subjects of good credit named by a rating department; they qualify for the incentive measures of the list unless a punishment list''s measure covers the same matter.',
     'reward', ARRAY['agriculture', 'tax'], ARRAY['person', 'organisation'], false, false, 36, 36, false, 0, 0,
     ARRAY['published_in_error', 'other', 'term_expired'], true,
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》');

-- ---------------------------------------------------------------- measures follow list kinds

-- A measure is a restriction or an incentive; it follows only list kinds of its own nature
-- (the composite keys below).
ALTER TABLE sanctions.measure ADD COLUMN nature text NOT NULL DEFAULT 'punishment'
    CHECK (nature IN ('punishment', 'reward'));
ALTER TABLE sanctions.measure ADD UNIQUE (code, nature);

CREATE TABLE sanctions.measure_list_kind (
    measure_code text NOT NULL,
    list_kind    text NOT NULL,
    nature       text NOT NULL,
    PRIMARY KEY (measure_code, list_kind),
    FOREIGN KEY (measure_code, nature) REFERENCES sanctions.measure (code, nature),
    FOREIGN KEY (list_kind, nature) REFERENCES sanctions.list_kind (code, nature)
);
CREATE INDEX measure_list_kind_list ON sanctions.measure_list_kind (list_kind);

-- 'both' meant both court lists.
INSERT INTO sanctions.measure_list_kind (measure_code, list_kind, nature)
SELECT m.code, k.code, 'punishment'
  FROM sanctions.measure m
  JOIN sanctions.list_kind k ON k.code IN ('dishonest', 'restricted') AND m.list IN (k.code, 'both');
ALTER TABLE sanctions.measure DROP COLUMN list;

INSERT INTO core.matter (code, name, description) VALUES
    ('AWARD_NOMINATION', '评优评先', 'Nomination for honours, awards and model titles given by public bodies.'),
    ('FISCAL_SUPPORT', '财政资金支持', 'Grants, subsidies and other support from public funds.'),
    ('ADMINISTRATIVE_APPROVAL', '行政审批', 'An application for an administrative licence or approval.'),
    ('PUBLIC_SERVICE', '公共服务办理', 'Public services handled at a service hall (政务服务), e.g. tax and social-security business.');

INSERT INTO sanctions.measure (code, name, nature, legal_basis, basis_text, description, condition, reaches) VALUES
    ('BAR_AWARDS', '取消评优评先资格', 'punishment',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》',
     '对严重失信主体，限制其参加评优评先，已获得的荣誉称号予以撤销（指导意见措施，意译）',
     'A blacklisted subject may not be nominated for honours or awards.',
     NULL, '{}'),
    ('BAR_FISCAL_SUPPORT', '限制财政资金支持', 'punishment',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》',
     '对严重失信主体，限制其申请财政性资金项目和享受政策性扶持（指导意见措施，意译）',
     'No grants, subsidies or other support from public funds.',
     NULL, '{}'),
    ('BAR_PROCUREMENT_SUPPLIER', '限制列入政府采购供应商名录', 'punishment',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》；《中华人民共和国政府采购法》第二十二条',
     '严重失信主体在一定期限内不得参与政府采购活动，不得列入政府采购供应商名录（指导意见措施，意译）',
     'Kept off the government procurement supplier list; no participation in government procurement.',
     NULL, '{}'),
    ('REWARD_APPROVAL_GREEN_CHANNEL', '行政审批绿色通道', 'reward',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》',
     '对诚信典型和连续三年无不良信用记录的主体，在行政审批中实行绿色通道和容缺受理等便利服务（指导意见措施，意译）',
     'Fast track: the application goes through the green channel, and missing non-essential papers may follow later.',
     NULL, '{}'),
    ('REWARD_PROCUREMENT_DEPOSIT', '政府采购中减免保证金', 'reward',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》',
     '在政府采购和招标投标中，对守信主体可减免投标保证金等，给予便利（指导意见措施，意译）',
     'The bid or performance deposit in procurement may be reduced or waived.',
     NULL, '{}'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', '公共服务优先办理', 'reward',
     '国发〔2016〕33号《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》',
     '在办理公共服务事项时，对守信主体给予优先办理、简化程序等便利（指导意见措施，意译）',
     'Served first, with simpler procedures, at public service halls.',
     NULL, '{}');

INSERT INTO sanctions.measure_list_kind (measure_code, list_kind, nature)
SELECT m.code, k.code, 'punishment'
  FROM unnest(ARRAY['BAR_AWARDS', 'BAR_FISCAL_SUPPORT', 'BAR_PROCUREMENT_SUPPLIER']) AS m(code)
 CROSS JOIN unnest(ARRAY['agri_product_safety', 'animal_epidemic', 'livestock_product_safety']) AS k(code);
INSERT INTO sanctions.measure_list_kind (measure_code, list_kind, nature) VALUES
    ('REWARD_APPROVAL_GREEN_CHANNEL', 'red_list', 'reward'),
    ('REWARD_PROCUREMENT_DEPOSIT', 'red_list', 'reward'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', 'red_list', 'reward');

INSERT INTO sanctions.measure_matter (measure_code, matter_code) VALUES
    ('BAR_AWARDS', 'AWARD_NOMINATION'),
    ('BAR_FISCAL_SUPPORT', 'FISCAL_SUPPORT'),
    ('BAR_PROCUREMENT_SUPPLIER', 'GOVERNMENT_PROCUREMENT'),
    ('REWARD_APPROVAL_GREEN_CHANNEL', 'ADMINISTRATIVE_APPROVAL'),
    ('REWARD_PROCUREMENT_DEPOSIT', 'GOVERNMENT_PROCUREMENT'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', 'PUBLIC_SERVICE');

INSERT INTO sanctions.measure_agency_kind (measure_code, agency_kind) VALUES
    ('BAR_AWARDS', 'agriculture'),
    ('BAR_AWARDS', 'civil_affairs'),
    ('BAR_AWARDS', 'township'),
    ('BAR_FISCAL_SUPPORT', 'agriculture'),
    ('BAR_FISCAL_SUPPORT', 'finance'),
    ('BAR_PROCUREMENT_SUPPLIER', 'finance'),
    ('BAR_PROCUREMENT_SUPPLIER', 'market'),
    ('BAR_PROCUREMENT_SUPPLIER', 'housing'),
    ('REWARD_APPROVAL_GREEN_CHANNEL', 'agriculture'),
    ('REWARD_APPROVAL_GREEN_CHANNEL', 'market'),
    ('REWARD_APPROVAL_GREEN_CHANNEL', 'tax'),
    ('REWARD_PROCUREMENT_DEPOSIT', 'finance'),
    ('REWARD_PROCUREMENT_DEPOSIT', 'market'),
    ('REWARD_PROCUREMENT_DEPOSIT', 'housing'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', 'tax'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', 'civil_affairs'),
    ('REWARD_PUBLIC_SERVICE_PRIORITY', 'township');

CREATE TRIGGER list_kind_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sanctions.list_kind
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();
CREATE TRIGGER measure_list_kind_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sanctions.measure_list_kind
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();

-- ---------------------------------------------------------------- entries of every kind

ALTER TABLE court.listing DROP CONSTRAINT listing_list_check;
ALTER TABLE court.listing ADD CONSTRAINT listing_list_kind FOREIGN KEY (list) REFERENCES sanctions.list_kind (code);
ALTER TABLE court.listing ALTER COLUMN case_id DROP NOT NULL;
-- The decision document of a non-court entry, e.g. 闽农黑〔2026〕3号, and the agency that
-- published it (whose kind and area decide who may change it).
ALTER TABLE court.listing ADD COLUMN basis_document text
    CHECK (basis_document IS NULL OR (btrim(basis_document) <> '' AND length(basis_document) <= 200));
ALTER TABLE court.listing ADD COLUMN publisher_id bigint REFERENCES core.agency (id);
-- An entry rests either on a case (court lists) or on a publisher's document, never both.
ALTER TABLE court.listing ADD CONSTRAINT listing_basis CHECK (
    (case_id IS NOT NULL AND basis_document IS NULL AND publisher_id IS NULL)
    OR (case_id IS NULL AND basis_document IS NOT NULL AND publisher_id IS NOT NULL));
-- The courts' lists stay as strict as before: a case, always.
ALTER TABLE court.listing ADD CONSTRAINT listing_court_lists_on_case CHECK (
    list NOT IN ('dishonest', 'restricted') OR case_id IS NOT NULL);
CREATE INDEX listing_publisher ON court.listing (publisher_id) WHERE publisher_id IS NOT NULL;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT SELECT ON sanctions.list_kind, sanctions.measure_list_kind TO hub_app;
    END IF;
END $$;
