-- One schema per data source: court, land, market, police, tourism.

CREATE SCHEMA court;
CREATE SCHEMA land;
CREATE SCHEMA market;
CREATE SCHEMA police;
CREATE SCHEMA tourism;

-- ---------------------------------------------------------------- court

CREATE TABLE court.court (
    -- The court's code as written in case numbers: 闽0102, 闽01, 闽.
    code   text PRIMARY KEY CHECK (code ~ '^[\u4e00-\u9fff][0-9]{0,4}$'),
    name   text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    level  text NOT NULL CHECK (level IN ('high', 'intermediate', 'basic')),
    region char(6) NOT NULL CHECK (region ~ '^[1-9][0-9]{5}$')
);

CREATE TABLE court.enforcement_case (
    id               bigserial PRIMARY KEY,
    -- (2019)闽0102执1234号; 恢 marks a resumed enforcement.
    case_number      text NOT NULL UNIQUE
                     CHECK (case_number ~ '^（?\(?[12][0-9]{3}\)?）?[\u4e00-\u9fff][0-9]{0,4}执(恢|异|保)?[0-9]{1,6}号$'),
    court_code       text NOT NULL REFERENCES court.court (code),
    filed_on         date NOT NULL CHECK (filed_on >= DATE '1990-01-01'),
    -- The enforcement basis: document number and the unit that issued it.
    basis_document   text NOT NULL CHECK (btrim(basis_document) <> ''),
    basis_issuer     text NOT NULL CHECK (btrim(basis_issuer) <> ''),
    obligation       text NOT NULL CHECK (btrim(obligation) <> ''),
    amount           numeric(16, 2) NOT NULL CHECK (amount >= 0),
    performance      text NOT NULL DEFAULT 'none' CHECK (performance IN ('none', 'partial', 'full')),
    performed_amount numeric(16, 2) NOT NULL DEFAULT 0 CHECK (performed_amount >= 0),
    CHECK (performed_amount <= amount),
    CHECK ((performance = 'none') = (performed_amount = 0) OR amount = 0),
    CHECK (performance <> 'full' OR performed_amount = amount)
);
CREATE INDEX enforcement_case_court ON court.enforcement_case (court_code, id);

-- The subjects against whom a case is enforced (被执行人).
CREATE TABLE court.case_party (
    case_id    bigint NOT NULL REFERENCES court.enforcement_case (id),
    subject_id bigint NOT NULL REFERENCES core.subject (id),
    PRIMARY KEY (case_id, subject_id)
);
CREATE INDEX case_party_subject ON court.case_party (subject_id, case_id);

CREATE TABLE court.listing (
    id              bigserial PRIMARY KEY,
    subject_id      bigint NOT NULL REFERENCES core.subject (id),
    case_id         bigint NOT NULL REFERENCES court.enforcement_case (id),
    -- dishonest: 失信被执行人名单; restricted: 限制消费人员名单.
    list            text NOT NULL CHECK (list IN ('dishonest', 'restricted')),
    -- The statutory circumstance of art. 1 of the SPC rules (2017); dishonest list only.
    circumstance    text CHECK (circumstance IN (
                        'refuses_with_ability', 'obstructs_enforcement', 'evades_enforcement',
                        'violates_asset_reporting', 'violates_consumption_restriction',
                        'breaches_settlement')),
    published_on    date NOT NULL,
    -- Term in months; null means until the obligation is performed.
    term_months     integer CHECK (term_months BETWEEN 1 AND 120),
    -- Extensions granted (1 to 3 years in total).
    extended_months integer NOT NULL DEFAULT 0 CHECK (extended_months BETWEEN 0 AND 36),
    removed_on      date,
    removal_reason  text CHECK (removal_reason IN (
                        'paid', 'settled', 'credit_repair', 'term_expired',
                        'published_in_error', 'other')),
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    FOREIGN KEY (case_id, subject_id) REFERENCES court.case_party (case_id, subject_id),
    CHECK ((list = 'dishonest') = (circumstance IS NOT NULL)),
    CHECK ((removed_on IS NULL) = (removal_reason IS NULL)),
    CHECK (removed_on IS NULL OR removed_on >= published_on),
    CHECK (extended_months = 0 OR term_months IS NOT NULL)
);
CREATE INDEX listing_subject ON court.listing (subject_id, id);
CREATE INDEX listing_case ON court.listing (case_id);

-- ---------------------------------------------------------------- land

CREATE TABLE land.real_estate (
    id                 bigserial PRIMARY KEY,
    -- 闽(2018)福州市不动产权第0012345号
    certificate_number text NOT NULL UNIQUE
                       CHECK (certificate_number ~ '^[\u4e00-\u9fff]\([12][0-9]{3}\).+不动产权第[0-9]{7}号$'),
    -- Real-estate unit number (不动产单元号), 28 characters.
    unit_number        text UNIQUE CHECK (unit_number ~ '^[0-9]{12}[A-Z]{2}[0-9]{5}[A-Z][0-9]{8}$'),
    region             char(6) NOT NULL CHECK (region ~ '^[1-9][0-9]{5}$'),
    address            text NOT NULL CHECK (btrim(address) <> ''),
    area_m2            numeric(12, 2) NOT NULL CHECK (area_m2 > 0),
    usage              text NOT NULL CHECK (usage IN ('residential', 'commercial', 'industrial', 'land', 'other')),
    registered_on      date NOT NULL
);

CREATE TABLE land.ownership (
    estate_id  bigint NOT NULL REFERENCES land.real_estate (id),
    subject_id bigint NOT NULL REFERENCES core.subject (id),
    -- Fraction of the property held, in (0, 1].
    share      numeric(7, 6) NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (estate_id, subject_id)
);
CREATE INDEX ownership_subject ON land.ownership (subject_id, estate_id);

-- Owners' shares of one property never add up to more than the whole.
CREATE FUNCTION land.check_ownership_shares() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT o.estate_id INTO bad
      FROM land.ownership o
     WHERE o.estate_id IN (SELECT DISTINCT estate_id FROM changed)
     GROUP BY o.estate_id
    HAVING sum(o.share) > 1
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'shares of real estate % add up to more than 1', bad
              USING ERRCODE = 'check_violation', CONSTRAINT = 'ownership_shares_at_most_one';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ownership_shares_insert AFTER INSERT ON land.ownership
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION land.check_ownership_shares();
CREATE TRIGGER ownership_shares_update AFTER UPDATE ON land.ownership
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION land.check_ownership_shares();

-- Seals (查封) by courts and mortgages (抵押) by lenders.
CREATE TABLE land.encumbrance (
    id            bigserial PRIMARY KEY,
    estate_id     bigint NOT NULL REFERENCES land.real_estate (id),
    kind          text NOT NULL CHECK (kind IN ('seal', 'mortgage')),
    holder        text NOT NULL CHECK (btrim(holder) <> ''),
    case_id       bigint REFERENCES court.enforcement_case (id),
    registered_on date NOT NULL,
    released_on   date,
    CHECK (released_on IS NULL OR released_on >= registered_on),
    CHECK (kind = 'seal' OR case_id IS NULL)
);
CREATE INDEX encumbrance_estate ON land.encumbrance (estate_id, id);

-- ---------------------------------------------------------------- police

CREATE TABLE police.vehicle (
    id               bigserial PRIMARY KEY,
    -- 闽A12345, 闽AD12345 (new energy)
    plate            text NOT NULL UNIQUE CHECK (plate ~ '^[\u4e00-\u9fff][A-Z][A-HJ-NP-Z0-9]{5,6}$'),
    vin              text NOT NULL UNIQUE CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    owner_id         bigint NOT NULL REFERENCES core.subject (id),
    make             text NOT NULL CHECK (btrim(make) <> ''),
    vehicle_type     text NOT NULL CHECK (vehicle_type IN ('car', 'truck', 'bus', 'motorcycle', 'other')),
    registered_on    date NOT NULL
);
CREATE INDEX vehicle_owner ON police.vehicle (owner_id, id);

CREATE TABLE police.vehicle_seizure (
    id          bigserial PRIMARY KEY,
    vehicle_id  bigint NOT NULL REFERENCES police.vehicle (id),
    case_id     bigint NOT NULL REFERENCES court.enforcement_case (id),
    seized_on   date NOT NULL,
    released_on date,
    CHECK (released_on IS NULL OR released_on >= seized_on)
);
CREATE INDEX vehicle_seizure_vehicle ON police.vehicle_seizure (vehicle_id, id);
-- At most one seizure in force per vehicle.
CREATE UNIQUE INDEX vehicle_seizure_active ON police.vehicle_seizure (vehicle_id) WHERE released_on IS NULL;

-- ---------------------------------------------------------------- market

CREATE TABLE market.company (
    subject_id         bigint PRIMARY KEY,
    subject_kind       text NOT NULL DEFAULT 'organisation' CHECK (subject_kind = 'organisation'),
    company_type       text NOT NULL CHECK (company_type IN (
                           'limited_liability', 'joint_stock', 'sole_proprietorship',
                           'partnership', 'individual_business', 'other')),
    registered_capital numeric(18, 2) NOT NULL CHECK (registered_capital >= 0),
    established_on     date NOT NULL,
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'cancelled')),
    address            text NOT NULL CHECK (btrim(address) <> ''),
    industry           text NOT NULL CHECK (btrim(industry) <> ''),
    FOREIGN KEY (subject_id, subject_kind) REFERENCES core.subject (id, kind)
);

CREATE TABLE market.shareholding (
    company_id         bigint NOT NULL REFERENCES market.company (subject_id),
    holder_id          bigint NOT NULL REFERENCES core.subject (id),
    -- Fraction of the company's equity, in (0, 1].
    share              numeric(7, 6) NOT NULL CHECK (share > 0 AND share <= 1),
    subscribed_capital numeric(18, 2) NOT NULL CHECK (subscribed_capital >= 0),
    CHECK (company_id <> holder_id),
    PRIMARY KEY (company_id, holder_id)
);
CREATE INDEX shareholding_holder ON market.shareholding (holder_id, company_id);

CREATE FUNCTION market.check_shareholding_shares() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT s.company_id INTO bad
      FROM market.shareholding s
     WHERE s.company_id IN (SELECT DISTINCT company_id FROM changed)
     GROUP BY s.company_id
    HAVING sum(s.share) > 1
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'shares of company % add up to more than 1', bad
              USING ERRCODE = 'check_violation', CONSTRAINT = 'shareholding_shares_at_most_one';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shareholding_shares_insert AFTER INSERT ON market.shareholding
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION market.check_shareholding_shares();
CREATE TRIGGER shareholding_shares_update AFTER UPDATE ON market.shareholding
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION market.check_shareholding_shares();

-- Roles persons hold in companies.
CREATE TABLE market.directorship (
    id          bigserial PRIMARY KEY,
    company_id  bigint NOT NULL REFERENCES market.company (subject_id),
    person_id   bigint NOT NULL,
    person_kind text NOT NULL DEFAULT 'person' CHECK (person_kind = 'person'),
    role        text NOT NULL CHECK (role IN (
                    'legal_representative', 'executive', 'director', 'supervisor',
                    'actual_controller')),
    title       text,
    since       date NOT NULL,
    FOREIGN KEY (person_id, person_kind) REFERENCES core.subject (id, kind),
    UNIQUE (company_id, person_id, role)
);
CREATE INDEX directorship_person ON market.directorship (person_id, id);
CREATE INDEX directorship_company ON market.directorship (company_id, id);
-- A company has one legal representative.
CREATE UNIQUE INDEX directorship_one_legal_representative
    ON market.directorship (company_id) WHERE role = 'legal_representative';

-- ---------------------------------------------------------------- tourism

CREATE TABLE tourism.hotel (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9-]{4,32}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    region      char(6) NOT NULL CHECK (region ~ '^[1-9][0-9]{5}$'),
    address     text NOT NULL CHECK (btrim(address) <> ''),
    -- Star rating in the tourism bureau's current list; 0 = not rated.
    stars       smallint NOT NULL CHECK (stars BETWEEN 0 AND 5),
    rated_on    date,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    CHECK ((stars = 0) = (rated_on IS NULL))
);
CREATE INDEX hotel_region ON tourism.hotel (region, id);
