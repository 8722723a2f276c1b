-- The measures catalogue (惩戒措施目录) as data: what each measure forbids, on which list, which
-- matters it blocks, which agency kinds apply it, on what condition, and whom else it reaches
-- when the listed subject is an organisation. Screening (hub.screening) decides from it.
--
-- Sources, cited in legal_basis:
--   限高规定  《最高人民法院关于限制被执行人高消费及有关消费的若干规定》 (2010, revised 2015)
--   失信规定  《最高人民法院关于公布失信被执行人名单信息的若干规定》 (2013, revised 2017)
--   备忘录    《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）
--   意见      中办发〔2016〕64号《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》
-- basis_text quotes art. 3 of the 限高规定 and art. 8 of the 失信规定. For the memorandum and the
-- opinions it is a paraphrase of the measure (marked so below): their item numbering is not
-- cited because it was not checked against the published text.

CREATE SCHEMA IF NOT EXISTS sanctions;

CREATE TABLE sanctions.measure (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{2,63}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    -- The list a listing must be on for the measure to apply to it.
    list        text NOT NULL CHECK (list IN ('dishonest', 'restricted', 'both')),
    legal_basis text NOT NULL CHECK (btrim(legal_basis) <> ''),
    basis_text  text NOT NULL CHECK (btrim(basis_text) <> ''),
    description text NOT NULL CHECK (btrim(description) <> ''),
    -- Context the measure needs, e.g. {"hotel_min_stars": 4}; null when none.
    condition   jsonb CHECK (condition IS NULL OR jsonb_typeof(condition) = 'object'),
    -- For an organisation on the list: the related persons the measure also binds.
    -- market.directorship roles map onto these: legal_representative -> legal_representative,
    -- executive -> principal / directly_responsible, actual_controller -> actual_controller.
    reaches     text[] NOT NULL DEFAULT '{}'
                CHECK (reaches <@ ARRAY['legal_representative', 'principal', 'directly_responsible',
                                        'actual_controller']::text[])
);

CREATE TABLE sanctions.measure_matter (
    measure_code text NOT NULL REFERENCES sanctions.measure (code),
    matter_code  text NOT NULL REFERENCES core.matter (code),
    PRIMARY KEY (measure_code, matter_code)
);
CREATE INDEX measure_matter_matter ON sanctions.measure_matter (matter_code);

CREATE TABLE sanctions.measure_agency_kind (
    measure_code text NOT NULL REFERENCES sanctions.measure (code),
    -- The kinds of core.agency.
    agency_kind  text NOT NULL CHECK (agency_kind IN (
                     'court', 'land', 'market', 'police', 'tourism', 'housing',
                     'finance', 'civil_affairs', 'township', 'platform')),
    PRIMARY KEY (measure_code, agency_kind)
);

-- A token that changes whenever the catalogue (or the matter list) changes, so each hub
-- process can keep the catalogue in memory and reload it only when the token moves. A new
-- random token per database also keeps two databases' catalogues apart in one process.
CREATE TABLE sanctions.catalogue_version (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    token uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO sanctions.catalogue_version DEFAULT VALUES;

-- SECURITY DEFINER: hub_app may write core.matter but not the token.
CREATE FUNCTION sanctions.bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE sanctions.catalogue_version SET token = gen_random_uuid();
    RETURN NULL;
END $$;
CREATE TRIGGER measure_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sanctions.measure
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();
CREATE TRIGGER measure_matter_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sanctions.measure_matter
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();
CREATE TRIGGER measure_agency_kind_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sanctions.measure_agency_kind
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();
CREATE TRIGGER matter_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core.matter
    FOR EACH STATEMENT EXECUTE FUNCTION sanctions.bump_catalogue_version();

-- ---------------------------------------------------------------- the measures

-- Consumption restrictions, 限高规定 art. 3. They follow both lists: art. 1 para. 2 says a
-- debtor put on the dishonest list is also restricted in consumption. Art. 3 para. 2 extends
-- them, for an organisation, to its legal representative, principal, the person directly
-- responsible for its failure to pay, and its actual controller.
INSERT INTO sanctions.measure (code, name, list, legal_basis, basis_text, description, condition, reaches) VALUES
    ('RESTRICT_PREMIUM_TRANSPORT', '限制乘坐飞机、列车软卧、轮船二等以上舱位', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（一）项',
     '乘坐交通工具时，选择飞机、列车软卧、轮船二等以上舱位',
     'No air travel, rail soft sleeper or ship cabin above second class.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_STAR_HOTEL', '限制在星级以上宾馆酒店等场所高消费', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（二）项',
     '在星级以上宾馆、酒店、夜总会、高尔夫球场等场所进行高消费',
     'No spending at star-rated hotels, night clubs, golf courses; Fujian applies it to hotels of four stars or more.',
     -- Fujian practice: the hotel check-in interception covers hotels rated four stars or more
     -- in the tourism bureau's current list.
     '{"hotel_min_stars": 4}', ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_REAL_ESTATE', '限制购买不动产或者新建、扩建、高档装修房屋', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（三）项',
     '购买不动产或者新建、扩建、高档装修房屋',
     'No purchase of real estate, no building, extending or luxury refitting of houses.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_PREMIUM_OFFICE', '限制租赁高档写字楼、宾馆、公寓等场所办公', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（四）项',
     '租赁高档写字楼、宾馆、公寓等场所办公',
     'No renting of premium office buildings, hotels or apartments as offices.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_VEHICLE_PURCHASE', '限制购买非经营必需车辆', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（五）项',
     '购买非经营必需车辆',
     'No purchase of vehicles not needed for business (refused at vehicle registration).',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_TRAVEL', '限制旅游、度假', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（六）项',
     '旅游、度假',
     'No tourism or holidays.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_PRIVATE_SCHOOL', '限制子女就读高收费私立学校', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（七）项',
     '子女就读高收费私立学校',
     'Children may not attend high-fee private schools.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_HIGH_PREMIUM_INSURANCE', '限制支付高额保费购买保险理财产品', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（八）项',
     '支付高额保费购买保险理财产品',
     'No high-premium insurance or wealth-management products.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']),
    ('RESTRICT_HIGH_SPEED_RAIL', '限制乘坐G字头动车组列车全部座位、其他动车组列车一等以上座位', 'both',
     '《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条第一款第（九）项',
     '乘坐G字头动车组列车全部座位、其他动车组列车一等以上座位等其他非生活和工作必需的消费行为',
     'No seat on G-prefixed trains, no first class or above on other bullet trains; no other non-essential spending.',
     NULL, ARRAY['legal_representative', 'principal', 'directly_responsible', 'actual_controller']);

-- Credit punishment of the dishonest list, 失信规定 art. 8 para. 1 (quoted in part), put into
-- practice by the memorandum. These bind the listed subject itself: the memorandum's
-- measures on persons related to a listed organisation are not modelled here.
INSERT INTO sanctions.measure (code, name, list, legal_basis, basis_text, description, condition, reaches) VALUES
    ('BAR_GOVERNMENT_PROCUREMENT', '限制参与政府采购和招标投标', 'dishonest',
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》第八条第一款；《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）',
     '在政府采购、招标投标、行政审批、政府扶持、融资信贷、市场准入、资质认定等方面，对失信被执行人予以信用惩戒',
     'No participation in government procurement or public tendering.',
     NULL, '{}'),
    ('RESTRICT_CREDIT', '限制融资信贷', 'dishonest',
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》第八条第一款；《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）',
     -- Paraphrase of the memorandum's financing measures, anchored in art. 8 para. 1.
     '在融资信贷方面对失信被执行人予以信用惩戒；金融机构审批授信时将其列入名单的情况作为审慎性参考（备忘录措施，意译）',
     'Loans and credit lines are refused or reviewed strictly.',
     NULL, '{}'),
    ('RESTRICT_GOVERNMENT_SUPPORT', '限制申请政府补贴和政府扶持', 'dishonest',
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》第八条第一款；中办发〔2016〕64号《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》',
     -- Paraphrase: the opinions restrict government subsidies and social-security funds.
     '在政府扶持方面对失信被执行人予以信用惩戒；限制其申请政府补贴资金和社会保障资金支持（意见措施，意译）',
     'No government subsidies or support, including subsidised housing and social-assistance funds.',
     NULL, '{}'),
    ('RESTRICT_MARKET_ACCESS', '限制市场准入和行政审批', 'dishonest',
     '《最高人民法院关于公布失信被执行人名单信息的若干规定》第八条第一款；《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）',
     '在政府采购、招标投标、行政审批、政府扶持、融资信贷、市场准入、资质认定等方面，对失信被执行人予以信用惩戒',
     'Registration of an enterprise or of changes to it, licences and qualifications are restricted.',
     NULL, '{}'),
    ('BAR_OFFICER_APPOINTMENT', '限制担任法定代表人、董事、监事、高级管理人员', 'dishonest',
     '《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）；中办发〔2016〕64号《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》',
     -- Paraphrase of the memorandum's measure on officers of enterprises.
     '失信被执行人为自然人的，在一定期限内限制其担任企业的法定代表人、董事、监事、高级管理人员（备忘录措施，意译）',
     'A listed person may not be registered as legal representative, director, supervisor or senior manager.',
     NULL, '{}'),
    ('BAR_CIVIL_SERVICE', '限制招录（聘）为公务员或事业单位工作人员', 'dishonest',
     '《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）；中办发〔2016〕64号《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》',
     -- Paraphrase of the memorandum's and the opinions' recruitment measure.
     '失信被执行人为个人的，限制其招录（聘）为公务员或事业单位工作人员（备忘录措施，意译）',
     'A listed person may not be recruited as a civil servant or public-institution employee.',
     NULL, '{}'),
    ('BAR_VILLAGE_CANDIDACY', '限制作为村（居）民委员会和村（社区）党组织成员候选人', 'dishonest',
     '中办发〔2016〕64号《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》',
     -- Paraphrase: the opinions' restrictions on candidacy, as Fujian applies them to village
     -- and community committee and party-branch elections (the 曹某 story of the seed).
     '失信被执行人不得作为村（居）民委员会、村（社区）党组织成员候选人（意见措施，意译）',
     'A listed person may not stand as a candidate for a village or community committee or party branch.',
     NULL, '{}');

INSERT INTO sanctions.measure_matter (measure_code, matter_code) VALUES
    ('RESTRICT_PREMIUM_TRANSPORT', 'FLIGHT_TICKET'),
    ('RESTRICT_PREMIUM_TRANSPORT', 'HIGH_SPEED_RAIL_TICKET'),
    ('RESTRICT_STAR_HOTEL', 'HOTEL_CHECK_IN'),
    ('RESTRICT_REAL_ESTATE', 'REAL_ESTATE_REGISTRATION'),
    ('RESTRICT_REAL_ESTATE', 'LUXURY_PROPERTY_PURCHASE'),
    ('RESTRICT_VEHICLE_PURCHASE', 'VEHICLE_REGISTRATION'),
    ('RESTRICT_PRIVATE_SCHOOL', 'PRIVATE_SCHOOL_ENROLMENT'),
    ('RESTRICT_HIGH_SPEED_RAIL', 'HIGH_SPEED_RAIL_TICKET'),
    ('BAR_GOVERNMENT_PROCUREMENT', 'GOVERNMENT_PROCUREMENT'),
    ('RESTRICT_CREDIT', 'LOAN_APPROVAL'),
    ('RESTRICT_GOVERNMENT_SUPPORT', 'HOUSING_SUBSIDY'),
    ('RESTRICT_GOVERNMENT_SUPPORT', 'SOCIAL_ASSISTANCE'),
    ('RESTRICT_MARKET_ACCESS', 'ENTERPRISE_REGISTRATION_CHANGE'),
    ('BAR_OFFICER_APPOINTMENT', 'LEGAL_REPRESENTATIVE_APPOINTMENT'),
    ('BAR_OFFICER_APPOINTMENT', 'ENTERPRISE_REGISTRATION_CHANGE'),
    ('BAR_CIVIL_SERVICE', 'CIVIL_SERVICE_RECRUITMENT'),
    ('BAR_VILLAGE_CANDIDACY', 'VILLAGE_COMMITTEE_CANDIDACY');
-- RESTRICT_PREMIUM_OFFICE, RESTRICT_TRAVEL and RESTRICT_HIGH_PREMIUM_INSURANCE block no
-- matter of core.matter yet; they are in the catalogue for agencies to read.

-- Who applies what. Airlines, railways and schools are not agency kinds of this hub: those
-- matters are screened through the platform (which is never filtered by kind) and, for
-- tickets, by the police at stations and airports. Kinds follow the purposes each agency
-- kind may declare (hub/policy/rules.toml).
INSERT INTO sanctions.measure_agency_kind (measure_code, agency_kind) VALUES
    ('RESTRICT_PREMIUM_TRANSPORT', 'police'),
    ('RESTRICT_PREMIUM_TRANSPORT', 'platform'),
    ('RESTRICT_STAR_HOTEL', 'police'),
    ('RESTRICT_STAR_HOTEL', 'tourism'),
    ('RESTRICT_REAL_ESTATE', 'land'),
    ('RESTRICT_REAL_ESTATE', 'housing'),
    ('RESTRICT_PREMIUM_OFFICE', 'housing'),
    ('RESTRICT_PREMIUM_OFFICE', 'market'),
    ('RESTRICT_VEHICLE_PURCHASE', 'police'),
    ('RESTRICT_TRAVEL', 'tourism'),
    ('RESTRICT_PRIVATE_SCHOOL', 'platform'),
    ('RESTRICT_HIGH_PREMIUM_INSURANCE', 'finance'),
    ('RESTRICT_HIGH_SPEED_RAIL', 'police'),
    ('RESTRICT_HIGH_SPEED_RAIL', 'platform'),
    ('BAR_GOVERNMENT_PROCUREMENT', 'market'),
    ('BAR_GOVERNMENT_PROCUREMENT', 'finance'),
    ('BAR_GOVERNMENT_PROCUREMENT', 'housing'),
    ('RESTRICT_CREDIT', 'finance'),
    ('RESTRICT_GOVERNMENT_SUPPORT', 'housing'),
    ('RESTRICT_GOVERNMENT_SUPPORT', 'civil_affairs'),
    ('RESTRICT_MARKET_ACCESS', 'market'),
    ('BAR_OFFICER_APPOINTMENT', 'market'),
    ('BAR_CIVIL_SERVICE', 'township'),
    ('BAR_CIVIL_SERVICE', 'civil_affairs'),
    ('BAR_VILLAGE_CANDIDACY', 'township'),
    ('BAR_VILLAGE_CANDIDACY', 'civil_affairs');

-- ---------------------------------------------------------------- screening

-- Whether a listing is in force on day d (China time): published by d, not removed by d, and
-- its term plus extensions not run out by d (a null term lasts until removal). Inlined by the
-- planner, so it costs what the expression costs.
CREATE FUNCTION court.listing_active_on(
    published_on date, term_months integer, extended_months integer, removed_on date, d date
) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT published_on <= d
       AND (removed_on IS NULL OR removed_on > d)
       AND (term_months IS NULL OR (published_on + make_interval(months => term_months + extended_months))::date > d)
$$;


-- The facts a batch of identities is screened on (hub.sources.screening), one row per fact,
-- each tagged with the 1-based position of its identity in the arrays:
--   self      the subject an identifier resolves to, once per active listing (listing
--             columns null when it has none)
--   via       an active listing of a company where that person is legal representative,
--             executive or actual controller (subject columns: the company)
--   namesake  a listed subject with the same name and birth date and another identifier
--   name      a listed subject with the same name, for identities given by name only
-- Namesakes and name matches only ask for a review, so at most p_cap per identity.
-- A function so that its plan is made once per session and reused (a generic plan: the
-- statement is index-driven whatever the batch size); planned afresh, the statement costs
-- ten times more to plan than to run for one identity.
CREATE FUNCTION sanctions.screening_facts(
    p_identifiers text[], p_names text[], p_birth_dates date[], p_by_name boolean[], p_cap integer, p_day date
) RETURNS TABLE (
    source text, pos integer, subject_id bigint, subject_name text, role text, listing_id bigint,
    listing_version integer, list text, case_id bigint, case_number text, court_code text, court_name text
) LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        WITH input AS (
            SELECT u.identifier, u.name, u.birth_date, u.by_name, u.pos::int AS pos
              FROM unnest(p_identifiers, p_names, p_birth_dates, p_by_name)
                   WITH ORDINALITY AS u(identifier, name, birth_date, by_name, pos)
        ),
        resolved AS (
            SELECT i.pos, s.id, s.kind, s.name
              FROM input i
              JOIN core.subject s ON s.identifier = i.identifier
        ),
        candidates AS (
            SELECT 'namesake' AS source, i.pos, s.id, s.name
              FROM input i
             CROSS JOIN LATERAL (
                   SELECT s.id, s.name
                     FROM core.subject s
                    WHERE s.name = i.name AND s.birth_date = i.birth_date
                      AND s.identifier IS DISTINCT FROM i.identifier
                      AND EXISTS (SELECT FROM court.listing l
                                   WHERE l.subject_id = s.id
                                     AND court.listing_active_on(l.published_on, l.term_months, l.extended_months,
                                                                 l.removed_on, p_day))
                    ORDER BY s.id
                    LIMIT p_cap) s
             WHERE i.birth_date IS NOT NULL
            UNION ALL
            SELECT 'name', i.pos, s.id, s.name
              FROM input i
             CROSS JOIN LATERAL (
                   SELECT s.id, s.name
                     FROM core.subject s
                    WHERE s.name = i.name
                      AND EXISTS (SELECT FROM court.listing l
                                   WHERE l.subject_id = s.id
                                     AND court.listing_active_on(l.published_on, l.term_months, l.extended_months,
                                                                 l.removed_on, p_day))
                    ORDER BY s.id
                    LIMIT p_cap) s
             WHERE i.by_name
        ),
        facts AS (
            SELECT 'self' AS source, r.pos, r.id AS subject_id, r.name AS subject_name, NULL::text AS role, l.*
              FROM resolved r
              LEFT JOIN LATERAL (
                   SELECT l.id AS listing_id, l.version, l.list, l.case_id
                     FROM court.listing l
                    WHERE l.subject_id = r.id
                      AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, p_day)
                   ) l ON true
            UNION ALL
            SELECT 'via', r.pos, d.company_id, o.name, d.role, l.id, l.version, l.list, l.case_id
              FROM resolved r
              JOIN market.directorship d
                ON d.person_id = r.id AND d.role IN ('legal_representative', 'executive', 'actual_controller')
              JOIN court.listing l
                ON l.subject_id = d.company_id
               AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, p_day)
              JOIN core.subject o ON o.id = d.company_id
             WHERE r.kind = 'person'
            UNION ALL
            SELECT k.source, k.pos, k.id, k.name, NULL, l.id, l.version, l.list, l.case_id
              FROM candidates k
              JOIN court.listing l
                ON l.subject_id = k.id
               AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, p_day)
        )
        SELECT f.source, f.pos, f.subject_id, f.subject_name, f.role,
               f.listing_id, f.version AS listing_version, f.list, f.case_id,
               c.case_number, c.court_code, ct.name AS court_name
          FROM facts f
          LEFT JOIN court.enforcement_case c ON c.id = f.case_id
          LEFT JOIN court.court ct ON ct.code = c.court_code
         ORDER BY f.pos, f.source DESC, f.subject_id, f.listing_id, f.role;
END $$;

-- Namesakes: listed subjects with the same name and birth date as a screened person.
CREATE INDEX subject_name_birth_date ON core.subject (name, birth_date);
-- Listings by subject (listing_subject) and roles by person (directorship_person) exist already.

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT USAGE ON SCHEMA sanctions TO hub_app;
        GRANT SELECT ON sanctions.measure, sanctions.measure_matter, sanctions.measure_agency_kind,
                        sanctions.catalogue_version TO hub_app;
        GRANT EXECUTE ON FUNCTION sanctions.screening_facts(text[], text[], date[], boolean[], integer, date) TO hub_app;
    END IF;
END $$;
