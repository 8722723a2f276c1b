-- Screening: the facts a batch of identities is decided on, in a constant number of statements.
-- court.listing_active_on (0005_catalogue.sql) says whether a listing is in force on a day.

-- The catalogue, for decisions and for agencies reading it.
-- list: the former single column, kept for readers of Measure.list (both = the two court lists).
-- name: catalogue_measures
SELECT m.code, m.name, m.nature, m.legal_basis, m.basis_text, m.description,
       coalesce((SELECT array_agg(ml.list_kind ORDER BY ml.list_kind)
                   FROM sanctions.measure_list_kind ml WHERE ml.measure_code = m.code), '{}') AS list_kinds,
       coalesce((SELECT CASE WHEN array_agg(ml.list_kind ORDER BY ml.list_kind) = ARRAY['dishonest', 'restricted']
                             THEN 'both'
                             ELSE array_to_string(array_agg(ml.list_kind ORDER BY ml.list_kind), ',') END
                   FROM sanctions.measure_list_kind ml WHERE ml.measure_code = m.code), '') AS list,
       m.condition::text AS condition, (m.condition ->> 'hotel_min_stars')::int AS hotel_min_stars, m.reaches,
       coalesce((SELECT array_agg(mm.matter_code ORDER BY mm.matter_code)
                   FROM sanctions.measure_matter mm WHERE mm.measure_code = m.code), '{}') AS matters,
       coalesce((SELECT array_agg(mk.agency_kind ORDER BY mk.agency_kind)
                   FROM sanctions.measure_agency_kind mk WHERE mk.measure_code = m.code), '{}') AS agency_kinds
  FROM sanctions.measure m
 ORDER BY m.code;

-- The list kinds, with their measures' codes (listKinds, and the screening catalogue).
-- name: list_kinds
SELECT k.code, k.name_zh, k.name_en, k.description, k.nature, k.publisher_kinds, k.subject_kinds, k.case_based,
       k.needs_circumstance, k.default_term_months, k.max_term_months, k.open_ended, k.extension_min_months,
       k.extension_max_months, k.removal_reasons, k.public, k.legal_basis, k.repair_decision_working_days,
       coalesce((SELECT array_agg(ml.measure_code ORDER BY ml.measure_code)
                   FROM sanctions.measure_list_kind ml WHERE ml.list_kind = k.code), '{}') AS measures
  FROM sanctions.list_kind k
 ORDER BY k.code;

-- Everything known about a batch (see sanctions.screening_facts, 0010_identity.sql), the
-- catalogue's version token, and hotels: one round trip. $1 identifiers (null: none), $2 names,
-- $3 their pinyin keys (core.name_key), $4 birth dates (null: unknown), $5 regions (null:
-- unknown), $6 name-only flags, $7 candidate cap, $8 the day (China time), $9 hotel codes.
-- The facts rows carry the token (at least one row comes, its facts columns null when there
-- are none); each hotel found is one more row, with a null token.
-- name: facts_and_hotels
SELECT v.token::text AS catalogue_token, NULL::text AS hotel_code, NULL::smallint AS hotel_stars,
       NULL::text AS hotel_status,
       f.source, f.pos, f.subject_id, f.subject_name, f.role, f.listing_id, f.listing_version, f.list, f.case_id,
       f.case_number, f.court_code, f.court_name, f.subject_birth_date, f.subject_region,
       bl.basis_document, pa.code AS publisher_code, pa.name AS publisher_name
  FROM sanctions.catalogue_version v
  LEFT JOIN LATERAL sanctions.screening_facts($1::text[], $2::text[], $3::text[], $4::date[], $5::text[],
                                              $6::boolean[], $7::integer, $8::date)
       AS f ON true
  -- Entries of non-court kinds: their basis document and publisher.
  LEFT JOIN court.listing bl ON bl.id = f.listing_id AND f.case_id IS NULL
  LEFT JOIN core.agency pa ON pa.id = bl.publisher_id
UNION ALL
SELECT NULL, h.code, h.stars, h.status, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL
  FROM unnest($9::text[]) AS c(code)
 -- One index probe per code (LIMIT keeps the planner from a scan of the whole list).
 CROSS JOIN LATERAL (SELECT h.code, h.stars, h.status FROM tourism.hotel h WHERE h.code = c.code LIMIT 1) h;

-- The maps behind core.name_key, so that keys computed in Python match the index.
-- name: name_key_maps
SELECT core.name_key_readings()::text AS readings, core.name_key_surnames()::text AS surnames;
