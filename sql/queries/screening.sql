-- Screening: the facts a batch of identities is decided on, in a constant number of statements.
-- court.listing_active_on (0005_catalogue.sql) says whether a listing is in force on a day.

-- The catalogue's version token and, when $1 is a hotel code, that hotel: one round trip per call.
-- name: catalogue_version_and_hotel
SELECT v.token::text AS token, h.code, h.stars, h.status
  FROM sanctions.catalogue_version v
  LEFT JOIN tourism.hotel h ON h.code = $1;

-- The catalogue, for decisions and for agencies reading it.
-- name: catalogue_measures
SELECT m.code, m.name, m.list, m.legal_basis, m.basis_text, m.description,
       m.condition::text AS condition, (m.condition ->> 'hotel_min_stars')::int AS hotel_min_stars, m.reaches,
       coalesce((SELECT array_agg(mm.matter_code ORDER BY mm.matter_code)
                   FROM sanctions.measure_matter mm WHERE mm.measure_code = m.code), '{}') AS matters,
       coalesce((SELECT array_agg(mk.agency_kind ORDER BY mk.agency_kind)
                   FROM sanctions.measure_agency_kind mk WHERE mk.measure_code = m.code), '{}') AS agency_kinds
  FROM sanctions.measure m
 ORDER BY m.code;

-- Everything known about a batch: see sanctions.screening_facts (0010_identity.sql).
-- $1 identifiers (null: none), $2 names, $3 their pinyin keys (core.name_key), $4 birth dates
-- (null: unknown), $5 regions (null: unknown), $6 name-only flags, $7 candidate cap, $8 the
-- day (China time).
-- name: facts
SELECT source, pos, subject_id, subject_name, role, listing_id, listing_version, list, case_id,
       case_number, court_code, court_name, subject_birth_date, subject_region
  FROM sanctions.screening_facts($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::boolean[],
                                 $7::integer, $8::date);

-- The same facts, with the catalogue's version token and the hotel ($9, null for none) on
-- every row: one round trip per batch. At least one row comes back (facts columns null when
-- there are none).
-- name: facts_with_catalogue
SELECT v.token::text AS catalogue_token, h.code AS hotel_code, h.stars AS hotel_stars, h.status AS hotel_status,
       f.source, f.pos, f.subject_id, f.subject_name, f.role, f.listing_id, f.listing_version, f.list, f.case_id,
       f.case_number, f.court_code, f.court_name, f.subject_birth_date, f.subject_region
  FROM sanctions.catalogue_version v
  LEFT JOIN tourism.hotel h ON h.code = $9
  LEFT JOIN LATERAL sanctions.screening_facts($1::text[], $2::text[], $3::text[], $4::date[], $5::text[],
                                              $6::boolean[], $7::integer, $8::date)
       AS f ON true;

-- The maps behind core.name_key, so that keys computed in Python match the index.
-- name: name_key_maps
SELECT core.name_key_readings()::text AS readings, core.name_key_surnames()::text AS surnames;
