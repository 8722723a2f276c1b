-- Identity resolution: party mentions held for an operator (hub.identity.mentions).

-- name: hold_mention
INSERT INTO core.party_mention
       (source, role, record_key, kind, name, identifier, birth_date, region, detail, batch_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
RETURNING id;

-- A held mention as propose needs it.
-- name: mentions_for_proposal
SELECT id, kind, name, identifier, birth_date, region::text AS region
  FROM core.party_mention
 WHERE id = ANY($1::bigint[]) AND status = 'pending'
 ORDER BY id;

-- Pending mentions of an ingest batch.
-- A batch's pending mentions in chunks: $2 the last id of the previous chunk, $3 its size.
-- name: pending_of_batch
SELECT id, kind, name, identifier, birth_date, region::text AS region
  FROM core.party_mention
 WHERE batch_id = $1 AND status = 'pending' AND id > $2
 ORDER BY id
 LIMIT $3;

-- Subjects that may be the party of each mention, by index only: the same identifier; the same
-- name or the same pinyin key (core.name_key) with the same birth date, or (no birth date) the
-- same region, or (neither) the same name. A name that agrees only in pinyin or as a variant
-- cannot reach the threshold without a birth date or region (hub.identity.names), so those
-- probes are skipped then. Pairs an operator rejected are left out; the cap bounds each probe.
-- $1 mention ids, $2 kinds, $3 normalised names, $4 identifiers, $5 birth dates, $6 regions,
-- $7 rejection keys (Party.key), $8/$9 extra pinyin keys (mention id, key), $10 cap per probe.
-- name: candidate_subjects
WITH m AS (
    SELECT u.* FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[])
                    AS u(id, kind, name, identifier, birth_date, region, mention_key)
),
k AS (
    SELECT x.id, x.key FROM unnest($8::bigint[], $9::text[]) AS x(id, key)
    UNION
    SELECT m.id, core.name_key(m.name) FROM m
),
found AS (
    SELECT m.id AS mention_id, s.id AS subject_id
      FROM m JOIN core.subject s ON s.identifier = m.identifier
    UNION
    SELECT m.id, s.id
      FROM m CROSS JOIN LATERAL (
           SELECT s.id FROM core.subject s
            WHERE s.name = m.name AND s.birth_date = m.birth_date AND s.kind = m.kind
            LIMIT $10) s
     WHERE m.birth_date IS NOT NULL
    UNION
    SELECT m.id, s.id
      FROM m CROSS JOIN LATERAL (
           SELECT s.id FROM core.subject s
            WHERE s.name = m.name AND s.kind = m.kind
              AND (m.region IS NULL OR s.region = m.region)
            LIMIT $10) s
     WHERE m.birth_date IS NULL
    UNION
    SELECT m.id, s.id
      FROM k JOIN m ON m.id = k.id CROSS JOIN LATERAL (
           SELECT s.id FROM core.subject s
            WHERE core.name_key(s.name) = k.key AND s.birth_date = m.birth_date AND s.kind = m.kind
            LIMIT $10) s
     WHERE m.birth_date IS NOT NULL
    UNION
    SELECT m.id, s.id
      FROM k JOIN m ON m.id = k.id CROSS JOIN LATERAL (
           SELECT s.id FROM core.subject s
            WHERE core.name_key(s.name) = k.key AND s.region = m.region AND s.kind = m.kind
            LIMIT $10) s
     WHERE m.birth_date IS NULL AND m.region IS NOT NULL
)
SELECT f.mention_id, s.id, s.kind, s.identifier, s.name, s.birth_date, s.region::text AS region
  FROM found f
  JOIN m ON m.id = f.mention_id
  JOIN core.subject s ON s.id = f.subject_id
 WHERE NOT EXISTS (SELECT FROM core.rejected_pair r WHERE r.mention_key = m.mention_key AND r.subject_id = s.id)
 ORDER BY f.mention_id, s.id;

-- Store proposals; a pair already proposed or decided for the mention stays as it is.
-- name: insert_candidates
INSERT INTO core.candidate_link (mention_id, subject_id, score, agreed, explanation)
SELECT u.mention_id, u.subject_id, u.score, string_to_array(u.agreed, ','), u.explanation
  FROM unnest($1::bigint[], $2::bigint[], $3::numeric[], $4::text[], $5::text[])
       AS u(mention_id, subject_id, score, agreed, explanation)
ON CONFLICT (mention_id, subject_id) DO NOTHING
RETURNING id;

-- A candidate and its mention, locked for a decision.
-- name: candidate_for_decision
SELECT c.id, c.mention_id, c.subject_id, c.status, m.status AS mention_status, m.role, m.record_key,
       m.kind, m.name, m.identifier, m.birth_date, m.region::text AS region, m.detail::text AS detail,
       s.kind AS subject_kind
  FROM core.candidate_link c
  JOIN core.party_mention m ON m.id = c.mention_id
  JOIN core.subject s ON s.id = c.subject_id
 WHERE c.id = $1
   FOR UPDATE OF c, m;

-- name: confirm_candidate
UPDATE core.candidate_link
   SET status = 'confirmed', decided_by = $2, operator = $3, decided_at = now()
 WHERE id = $1;

-- The mention's other open candidates: rejected by the confirmation; their pairs are remembered.
-- $1 mention, $2 agency, $3 operator, $4 reason, $5 rejection key.
-- name: reject_others
WITH rejected AS (
    UPDATE core.candidate_link
       SET status = 'rejected', decided_by = $2, operator = $3, decided_at = now(), reason = $4
     WHERE mention_id = $1 AND status = 'proposed'
    RETURNING id, subject_id
)
INSERT INTO core.rejected_pair (mention_key, subject_id, link_id)
SELECT $5, subject_id, id FROM rejected
ON CONFLICT (mention_key, subject_id) DO NOTHING;

-- $1 candidate, $2 agency, $3 operator, $4 reason, $5 rejection key, $6 subject.
-- name: reject_candidate
WITH rejected AS (
    UPDATE core.candidate_link
       SET status = 'rejected', decided_by = $2, operator = $3, decided_at = now(), reason = $4
     WHERE id = $1
    RETURNING id
)
INSERT INTO core.rejected_pair (mention_key, subject_id, link_id)
SELECT $5, $6, id FROM rejected
ON CONFLICT (mention_key, subject_id) DO NOTHING;

-- name: link_mention
UPDATE core.party_mention
   SET status = 'linked', subject_id = $2, resolved_at = now()
 WHERE id = $1;

-- The links a confirmation writes, one per role. Each returns the record's id, or null when
-- the record the mention names is not there.

-- name: link_case_party
WITH c AS (SELECT id FROM court.enforcement_case WHERE case_number = $1),
     ins AS (INSERT INTO court.case_party (case_id, subject_id) SELECT id, $2 FROM c ON CONFLICT DO NOTHING)
SELECT id FROM c;

-- name: link_real_estate_owner
WITH e AS (SELECT id FROM land.real_estate WHERE certificate_number = $1),
     ins AS (INSERT INTO land.ownership (estate_id, subject_id, share) SELECT id, $2, $3 FROM e)
SELECT id FROM e;

-- name: link_shareholder
WITH c AS (SELECT co.subject_id AS id
             FROM core.subject s JOIN market.company co ON co.subject_id = s.id
            WHERE s.identifier = $1),
     ins AS (INSERT INTO market.shareholding (company_id, holder_id, share, subscribed_capital)
             SELECT id, $2, $3, $4 FROM c)
SELECT id FROM c;

-- name: link_officer
WITH c AS (SELECT co.subject_id AS id
             FROM core.subject s JOIN market.company co ON co.subject_id = s.id
            WHERE s.identifier = $1),
     ins AS (INSERT INTO market.directorship (company_id, person_id, role, title, since)
             SELECT id, $2, $3, $4, $5 FROM c)
SELECT id FROM c;

-- name: link_vehicle_owner_update
UPDATE police.vehicle SET owner_id = $2 WHERE plate = $1 RETURNING id;

-- name: link_vehicle_owner_insert
INSERT INTO police.vehicle (plate, vin, owner_id, make, vehicle_type, registered_on)
VALUES ($1, $3, $2, $4, $5, $6)
RETURNING id;

-- Held mentions for the operator, oldest first, by status.
-- name: mentions_page
SELECT id, source, role, record_key, kind, name, identifier, birth_date, region::text AS region,
       detail::text AS detail, batch_id, status, subject_id, created_at, resolved_at
  FROM core.party_mention
 WHERE status = $1 AND id > $2
 ORDER BY id
 LIMIT $3;

-- name: mentions_by_ids
SELECT id, source, role, record_key, kind, name, identifier, birth_date, region::text AS region,
       detail::text AS detail, batch_id, status, subject_id, created_at, resolved_at
  FROM core.party_mention
 WHERE id = ANY($1::bigint[]);

-- Candidate links by status, optionally of one mention, best first within a mention.
-- name: candidates_page
SELECT c.id, c.mention_id, c.subject_id, c.score, c.agreed, c.explanation, c.status, c.proposed_at,
       a.code AS decided_by, c.operator, c.decided_at, c.reason
  FROM core.candidate_link c
  LEFT JOIN core.agency a ON a.id = c.decided_by
 WHERE c.status = $1 AND ($2::bigint IS NULL OR c.mention_id = $2) AND c.id > $3
 ORDER BY c.id
 LIMIT $4;

-- name: candidates_by_mentions
SELECT c.id, c.mention_id, c.subject_id, c.score, c.agreed, c.explanation, c.status, c.proposed_at,
       a.code AS decided_by, c.operator, c.decided_at, c.reason
  FROM core.candidate_link c
  LEFT JOIN core.agency a ON a.id = c.decided_by
 WHERE c.mention_id = ANY($1::bigint[])
 ORDER BY c.mention_id, c.score DESC, c.id;

-- name: candidate_by_id
SELECT c.id, c.mention_id, c.subject_id, c.score, c.agreed, c.explanation, c.status, c.proposed_at,
       a.code AS decided_by, c.operator, c.decided_at, c.reason
  FROM core.candidate_link c
  LEFT JOIN core.agency a ON a.id = c.decided_by
 WHERE c.id = $1;
