-- Credit ratings: schemes, their levels and measures, ratings and their changes.
-- "Today" is China Standard Time's date: a rating is current on the days before expires_on.

-- name: schemes
SELECT id, code, name_zh, name_en, authority_kind, subject_kinds, validity_months, legal_basis, source_note
  FROM ratings.scheme
 WHERE ($1::text IS NULL OR authority_kind = $1)
 ORDER BY code;

-- name: schemes_by_ids
SELECT id, code, name_zh, name_en, authority_kind, subject_kinds, validity_months, legal_basis, source_note
  FROM ratings.scheme
 WHERE id = ANY($1::bigint[]);

-- The levels of some schemes, best first; parent_id is the scheme.
-- name: levels_by_schemes
SELECT scheme_id AS parent_id, scheme_id, code, rank, meaning_zh, meaning_en
  FROM ratings.level
 WHERE scheme_id = ANY($1::bigint[])
 ORDER BY scheme_id, rank;

-- The measures of some schemes' levels; parent_id is '<scheme id>:<level code>'.
-- name: measures_by_levels
SELECT scheme_id::text || ':' || level_code AS parent_id, kind, description_zh, description_en,
       inspection_multiplier, legal_basis
  FROM ratings.level_measure
 WHERE scheme_id::text || ':' || level_code = ANY($1::text[])
 ORDER BY scheme_id, level_code, position;

-- name: scheme_for_rating
SELECT s.id, s.code, s.authority_kind, s.subject_kinds, s.validity_months,
       array_agg(l.code ORDER BY l.rank) AS levels
  FROM ratings.scheme s
  JOIN ratings.level l ON l.scheme_id = s.id
 WHERE s.code = $1
 GROUP BY s.id;

-- The columns every reader of a rating gets (r: ratings.rating).
-- name: current_by_subjects
SELECT r.subject_id AS parent_id, r.*, (r.withdrawn_at IS NULL AND r.superseded_by IS NULL
       AND r.expires_on > (now() AT TIME ZONE 'Asia/Shanghai')::date) AS current,
       a.name AS rated_by_name
  FROM ratings.rating r
  JOIN core.agency a ON a.id = r.rated_by
 WHERE r.subject_id = ANY($1::bigint[])
   AND r.withdrawn_at IS NULL AND r.superseded_by IS NULL
   AND r.expires_on > (now() AT TIME ZONE 'Asia/Shanghai')::date
 ORDER BY r.subject_id, r.scheme_id;

-- Every rating of some subjects, newest first; $2: only schemes of this authority kind (null: all).
-- name: history_by_subjects
SELECT r.subject_id AS parent_id, r.*, (r.withdrawn_at IS NULL AND r.superseded_by IS NULL
       AND r.expires_on > (now() AT TIME ZONE 'Asia/Shanghai')::date) AS current,
       a.name AS rated_by_name
  FROM ratings.rating r
  JOIN core.agency a ON a.id = r.rated_by
  JOIN ratings.scheme s ON s.id = r.scheme_id
 WHERE r.subject_id = ANY($1::bigint[])
   AND ($2::text IS NULL OR s.authority_kind = $2)
 ORDER BY r.subject_id, r.id DESC;

-- name: rating_by_id
SELECT r.*, (r.withdrawn_at IS NULL AND r.superseded_by IS NULL
       AND r.expires_on > (now() AT TIME ZONE 'Asia/Shanghai')::date) AS current,
       a.name AS rated_by_name
  FROM ratings.rating r
  JOIN core.agency a ON a.id = r.rated_by
 WHERE r.id = $1;

-- The rating as a change reports it (the outbox payload), locked for the change.
-- name: rating_for_change
SELECT r.id, r.level_code, r.rated_on, r.expires_on, r.withdrawn_at, r.withdrawal_reason,
       r.superseded_by, r.subject_id, r.scheme_id,
       s.code AS scheme_code, s.authority_kind,
       sub.kind AS subject_kind, sub.name AS subject_name, sub.identifier AS subject_identifier,
       sub.region AS subject_region
  FROM ratings.rating r
  JOIN ratings.scheme s ON s.id = r.scheme_id
  JOIN core.subject sub ON sub.id = r.subject_id
 WHERE r.id = $1
   FOR UPDATE OF r;

-- The open rating of a scheme for a subject (current or expired), locked: it is superseded.
-- name: open_rating
SELECT id, rated_on FROM ratings.rating
 WHERE subject_id = $1 AND scheme_id = $2 AND superseded_by IS NULL AND withdrawn_at IS NULL
   FOR UPDATE;

-- name: next_rating_id
SELECT nextval(pg_get_serial_sequence('ratings.rating', 'id'));

-- $1: the id drawn by next_rating_id; the validity ($6 months) is the scheme's at rating time.
-- name: insert_rating
INSERT INTO ratings.rating (id, scheme_id, subject_id, level_code, rated_on, expires_on, evidence,
                            evidence_document, rated_by)
VALUES ($1, $2, $3, $4, $5, ($5::date + make_interval(months => $6))::date, $7, $8, $9);

-- name: supersede_rating
UPDATE ratings.rating SET superseded_by = $2, superseded_at = now() WHERE id = $1;

-- name: withdraw_rating
UPDATE ratings.rating SET withdrawn_at = now(), withdrawn_by = $2, withdrawal_reason = $3 WHERE id = $1;

-- name: insert_change
INSERT INTO ratings.rating_change (rating_id, change, agency_id, note) VALUES ($1, $2, $3, $4);

-- Open ratings whose validity ended by $1 and whose expiry is not announced yet.
-- name: due_to_expire
SELECT id FROM ratings.rating
 WHERE expires_on <= $1 AND superseded_by IS NULL AND withdrawn_at IS NULL AND expiry_announced_at IS NULL
 ORDER BY expires_on, id
 LIMIT $2
   FOR UPDATE SKIP LOCKED;

-- name: announce_expiry
UPDATE ratings.rating SET expiry_announced_at = now() WHERE id = $1;

-- name: subject_by_identifier
SELECT id, kind, region FROM core.subject WHERE identifier = $1;

-- ---------------------------------------------------------------- the demo (hub.seed.ratings)

-- The first agency of a kind (the demo's rating authority of that kind), as a principal needs it.
-- name: first_agency_of_kind
SELECT id, code, name, kind, region, role FROM core.agency WHERE kind = $1 ORDER BY id LIMIT 1;

-- Up to $2 organisations whose region starts with $1, the named one ($3) first.
-- name: demo_organisations
SELECT identifier FROM core.subject
 WHERE kind = 'organisation' AND region LIKE $1 || '%'
 ORDER BY name = $3 DESC, id
 LIMIT $2;

-- ---------------------------------------------------------------- defining a scheme

-- name: insert_scheme
INSERT INTO ratings.scheme (code, name_zh, name_en, authority_kind, subject_kinds, validity_months,
                            legal_basis, source_note)
VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8)
ON CONFLICT (code) DO NOTHING
RETURNING id;

-- name: insert_level
INSERT INTO ratings.level (scheme_id, code, rank, meaning_zh, meaning_en) VALUES ($1, $2, $3, $4, $5);

-- name: insert_measure
INSERT INTO ratings.level_measure (scheme_id, level_code, position, kind, description_zh, description_en,
                                   inspection_multiplier, legal_basis)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- Subjects rated $2 under scheme $1 (the demo's red and black lists, hub.seed.lists), the
-- first $3 by subject id.
-- name: demo_rated_subjects
SELECT r.subject_id FROM ratings.rating r JOIN ratings.scheme s ON s.id = r.scheme_id
 WHERE s.code = $1 AND r.level_code = $2
 ORDER BY r.subject_id
 LIMIT $3;
