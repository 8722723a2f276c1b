-- Ingest: batches, staging, set-based checks, party linking, merge by natural key, history.
--
-- A batch is staged in temporary tables of its own connection: ingest_stage (one row per
-- record, columns per source), ingest_party (the parties the records name), ingest_item
-- (encumbrances, seizures), ingest_error (line, field, reason). The merge statements read
-- ingest_changed: the records whose stored form differs from what was sent, with the stored
-- form before (null when new) and after, both as the JSON that record_history keeps.

-- name: insert_batch
INSERT INTO ingest.batch (agency_id, source, format, encoding, mode, source_version)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, started_at;

-- name: lock_batch
SELECT pg_advisory_lock(7309, $1::int);

-- name: unlock_batch
SELECT pg_advisory_unlock(7309, $1::int);

-- name: set_validating
UPDATE ingest.batch SET status = 'validating', records = $2, body_sha256 = $3 WHERE id = $1;

-- name: finish_batch
UPDATE ingest.batch
   SET status = $2, records = $3, invalid = $4, inserted = $5, updated = $6, unchanged = $7, held = $8,
       report = $9::jsonb, finished_at = clock_timestamp(), body_sha256 = coalesce(body_sha256, $10)
 WHERE id = $1
RETURNING finished_at;

-- A batch still marked received or validating whose connection is gone (no process holds
-- its lock) was interrupted: it is shown as failed.
-- name: batch_by_id
SELECT b.id, b.agency_id, a.code AS agency_code, b.source, b.format, b.encoding, b.mode, b.source_version,
       CASE WHEN b.status IN ('received', 'validating')
                 AND NOT EXISTS (SELECT FROM pg_locks l
                                  WHERE l.locktype = 'advisory' AND l.classid = 7309 AND l.objid = b.id::int::oid
                                    AND l.objsubid = 2 AND l.granted)
            THEN 'failed' ELSE b.status END AS status,
       b.records, b.invalid, b.inserted, b.updated, b.unchanged, b.held, b.body_sha256,
       b.report::text AS report, b.started_at, b.finished_at
  FROM ingest.batch b JOIN core.agency a ON a.id = b.agency_id
 WHERE b.id = $1;

-- name: history_of_record
SELECT h.id, h.source, h.record_key, h.batch_id, a.code AS agency_code, h.at, h.change, h.source_version,
       h.before::text AS before, h.after::text AS after
  FROM ingest.record_history h
  JOIN ingest.batch b ON b.id = h.batch_id
  JOIN core.agency a ON a.id = b.agency_id
 WHERE h.source = $1 AND h.record_key = $2 AND h.id > $3
 ORDER BY h.id
 LIMIT $4;

-- name: create_stage_tables
DROP TABLE IF EXISTS ingest_stage, ingest_party, ingest_item, ingest_error, ingest_changed, ingest_linked;
-- seq: the order the parties arrived in (COPY fills it), which mentions are held in.
CREATE TEMP TABLE ingest_party (
    seq bigint GENERATED ALWAYS AS IDENTITY, line int NOT NULL, role text NOT NULL, record_key text NOT NULL, kind text NOT NULL,
    name text NOT NULL, name_key text NOT NULL, identifier text, sex text, birth_date date, region text,
    share numeric(7, 6), capital numeric(18, 2), position text, title text, since date,
    detail jsonb NOT NULL, subject_id bigint
);
CREATE TEMP TABLE ingest_item (
    line int NOT NULL, path text NOT NULL, kind text, holder text, case_number text,
    started_on date, released_on date
);
CREATE TEMP TABLE ingest_error (line int NOT NULL, field text NOT NULL, reason text NOT NULL);

-- name: drop_stage_tables
DROP TABLE IF EXISTS ingest_stage, ingest_party, ingest_item, ingest_error, ingest_changed, ingest_linked;

-- A merge of millions of rows: room to sort and hash in memory, and past the pool's
-- statement timeout.
-- name: merge_settings
SET LOCAL statement_timeout = '30min';
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '256MB';

-- name: analyze_changes
ANALYZE ingest_changed;

-- name: land_stage_table
CREATE TEMP TABLE ingest_stage (
    line int NOT NULL, key text NOT NULL, version text,
    unit_number text, region text NOT NULL, address text NOT NULL, area_m2 numeric(12, 2) NOT NULL,
    usage text NOT NULL, registered_on date NOT NULL
);

-- name: police_stage_table
CREATE TEMP TABLE ingest_stage (
    line int NOT NULL, key text NOT NULL, version text,
    plate text NOT NULL, make text NOT NULL, vehicle_type text NOT NULL, registered_on date NOT NULL
);

-- name: market_stage_table
CREATE TEMP TABLE ingest_stage (
    line int NOT NULL, key text NOT NULL, version text,
    name text NOT NULL, region text NOT NULL, company_type text NOT NULL, registered_capital numeric(18, 2) NOT NULL,
    established_on date NOT NULL, status text NOT NULL, address text NOT NULL, industry text NOT NULL
);

-- name: court_stage_table
CREATE TEMP TABLE ingest_stage (
    line int NOT NULL, key text NOT NULL, version text,
    court_code text NOT NULL, filed_on date NOT NULL, basis_document text NOT NULL, basis_issuer text NOT NULL,
    obligation text NOT NULL, amount numeric(16, 2) NOT NULL, performance text NOT NULL,
    performed_amount numeric(16, 2) NOT NULL
);

-- name: tourism_stage_table
CREATE TEMP TABLE ingest_stage (
    line int NOT NULL, key text NOT NULL, version text,
    name text NOT NULL, region text NOT NULL, address text NOT NULL, stars smallint NOT NULL, rated_on date,
    status text NOT NULL
);

-- name: index_stage
CREATE INDEX ON ingest_stage (key);
CREATE INDEX ON ingest_party (line);
CREATE INDEX ON ingest_item (line);
ANALYZE ingest_stage;
ANALYZE ingest_party;
ANALYZE ingest_item;

-- The checks every source shares: a key twice in the batch, a case number that is not in
-- the hub.
-- name: check_common
INSERT INTO ingest_error (line, field, reason)
SELECT line, $1, 'appears again in this batch (first on line ' || first || ')'
  FROM (SELECT line, min(line) OVER (PARTITION BY key) AS first FROM ingest_stage) d
 WHERE line <> first
UNION ALL
SELECT i.line, i.path || '.caseNumber', 'no enforcement case with this number in the hub'
  FROM ingest_item i
 WHERE i.case_number IS NOT NULL
   AND NOT EXISTS (SELECT FROM court.enforcement_case c WHERE c.case_number = i.case_number);

-- name: land_check
INSERT INTO ingest_error (line, field, reason)
SELECT s.line, 'unitNumber', 'belongs to another certificate in the registry'
  FROM ingest_stage s JOIN land.real_estate e ON e.unit_number = s.unit_number AND e.certificate_number <> s.key
UNION ALL
SELECT line, 'unitNumber', 'appears again in this batch (first on line ' || first || ')'
  FROM (SELECT line, min(line) OVER (PARTITION BY unit_number) AS first
          FROM ingest_stage WHERE unit_number IS NOT NULL) d
 WHERE line <> first;

-- name: police_check
INSERT INTO ingest_error (line, field, reason)
SELECT s.line, 'plate', 'belongs to another vehicle (another VIN) in the register'
  FROM ingest_stage s JOIN police.vehicle v ON v.plate = s.plate AND v.vin <> s.key
UNION ALL
SELECT line, 'plate', 'appears again in this batch (first on line ' || first || ')'
  FROM (SELECT line, min(line) OVER (PARTITION BY plate) AS first FROM ingest_stage) d
 WHERE line <> first;

-- name: market_check
INSERT INTO ingest_error (line, field, reason)
SELECT s.line, 'uscc', 'belongs to a person in the hub, not an organisation'
  FROM ingest_stage s JOIN core.subject c ON c.identifier = s.key AND c.kind <> 'organisation';

-- name: court_check
INSERT INTO ingest_error (line, field, reason)
SELECT s.line, 'courtCode', 'no court with this code in the hub'
  FROM ingest_stage s
 WHERE NOT EXISTS (SELECT FROM court.court c WHERE c.code = s.court_code);

-- name: tourism_check
SELECT 1 WHERE false;

-- name: count_errors
SELECT count(*) AS errors, count(DISTINCT line) AS lines FROM ingest_error;

-- name: error_report
SELECT line, field, reason FROM ingest_error ORDER BY line, field, reason LIMIT $1;

-- name: drop_invalid
DELETE FROM ingest_stage WHERE line IN (SELECT line FROM ingest_error);
DELETE FROM ingest_party WHERE line IN (SELECT line FROM ingest_error);
DELETE FROM ingest_item WHERE line IN (SELECT line FROM ingest_error);

-- Parties with a valid identifier that no subject has yet become subjects (the first record
-- naming one gives its name); then each party is linked when its subject has its name. The
-- linked table replaces the staged one (a join written once is cheaper than an UPDATE of
-- every row).
-- name: link_parties
INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region)
SELECT DISTINCT ON (identifier) kind, identifier, name, sex, birth_date, region
  FROM ingest_party
 WHERE identifier IS NOT NULL
 ORDER BY identifier, line
ON CONFLICT (identifier) DO NOTHING;
CREATE TEMP TABLE ingest_linked AS
SELECT p.seq, p.line, p.role, p.record_key, p.kind, p.name, p.name_key, p.identifier, p.sex, p.birth_date, p.region,
       p.share, p.capital, p.position, p.title, p.since, p.detail, s.id AS subject_id
  FROM ingest_party p
  LEFT JOIN core.subject s
    ON s.identifier = p.identifier AND s.kind = p.kind
   AND (s.name = p.name OR ingest.name_key(s.name) = p.name_key);
DROP TABLE ingest_party;
ALTER TABLE ingest_linked RENAME TO ingest_party;
CREATE INDEX ON ingest_party (line);
ANALYZE ingest_party;

-- Parties left unlinked wait for an operator; the same mention pending already is not held twice.
-- name: hold_mentions
WITH held AS (
    INSERT INTO core.party_mention
           (source, role, record_key, kind, name, identifier, birth_date, region, detail, batch_id)
    SELECT $1, p.role, p.record_key, p.kind, p.name, p.identifier, p.birth_date, p.region, p.detail, $2
      FROM ingest_party p
     WHERE p.subject_id IS NULL
       AND NOT EXISTS (
           SELECT FROM core.party_mention m
            WHERE m.status = 'pending' AND m.source = $1 AND m.role = p.role AND m.record_key = p.record_key
              AND m.name = p.name AND m.identifier IS NOT DISTINCT FROM p.identifier AND m.detail = p.detail)
     ORDER BY p.seq
    RETURNING 1
)
SELECT (SELECT count(*) FROM held) AS held, (SELECT count(*) FROM ingest_party WHERE subject_id IS NULL) AS unlinked;

-- name: change_counts
SELECT count(*) FILTER (WHERE before IS NULL) AS inserted,
       count(*) FILTER (WHERE before IS NOT NULL) AS updated,
       (SELECT count(*) FROM ingest_stage) AS staged
  FROM ingest_changed;

-- One history row per changed record, from the change set the merge wrote.
-- name: write_history
INSERT INTO ingest.record_history (source, record_key, batch_id, change, source_version, before, after)
SELECT $1, key, $2, CASE WHEN before IS NULL THEN 'inserted' ELSE 'updated' END, coalesce(version, $3), before, after
  FROM ingest_changed;

-- ---------------------------------------------------------------- land

-- name: land_changes
CREATE TEMP TABLE ingest_changed AS
WITH owners AS (
    SELECT line, jsonb_agg(jsonb_build_object('identifier', identifier, 'share', share) ORDER BY identifier) AS doc
      FROM ingest_party WHERE subject_id IS NOT NULL GROUP BY line
), items AS (
    SELECT line, jsonb_agg(jsonb_build_object('kind', kind, 'holder', holder, 'caseNumber', case_number,
                                              'registeredOn', started_on, 'releasedOn', released_on)
                           ORDER BY kind, started_on, holder, case_number, released_on) AS doc
      FROM ingest_item GROUP BY line
), sent AS (
    SELECT s.line, s.key, s.version,
           jsonb_build_object('unitNumber', s.unit_number, 'region', s.region, 'address', s.address,
                              'areaM2', s.area_m2, 'usage', s.usage, 'registeredOn', s.registered_on,
                              'owners', coalesce(o.doc, '[]'), 'encumbrances', coalesce(i.doc, '[]')) AS doc
      FROM ingest_stage s LEFT JOIN owners o USING (line) LEFT JOIN items i USING (line)
), stored AS (
    SELECT e.certificate_number AS key,
           jsonb_build_object('unitNumber', e.unit_number, 'region', e.region, 'address', e.address,
                              'areaM2', e.area_m2, 'usage', e.usage, 'registeredOn', e.registered_on,
              'owners', coalesce((SELECT jsonb_agg(jsonb_build_object('identifier', sub.identifier, 'share', o.share)
                                                   ORDER BY sub.identifier)
                                    FROM land.ownership o JOIN core.subject sub ON sub.id = o.subject_id
                                   WHERE o.estate_id = e.id), '[]'),
              'encumbrances', coalesce((SELECT jsonb_agg(jsonb_build_object('kind', x.kind, 'holder', x.holder,
                                                           'caseNumber', c.case_number, 'registeredOn', x.registered_on,
                                                           'releasedOn', x.released_on)
                                                   ORDER BY x.kind, x.registered_on, x.holder, c.case_number, x.released_on)
                                    FROM land.encumbrance x LEFT JOIN court.enforcement_case c ON c.id = x.case_id
                                   WHERE x.estate_id = e.id), '[]')) AS doc
      FROM land.real_estate e
     WHERE e.certificate_number IN (SELECT key FROM ingest_stage)
)
SELECT sent.line, sent.key, sent.version, stored.doc AS before, sent.doc AS after
  FROM sent LEFT JOIN stored USING (key)
 WHERE stored.doc IS DISTINCT FROM sent.doc;

-- name: land_apply
INSERT INTO land.real_estate AS e (certificate_number, unit_number, region, address, area_m2, usage, registered_on)
SELECT s.key, s.unit_number, s.region, s.address, s.area_m2, s.usage, s.registered_on
  FROM ingest_stage s JOIN ingest_changed c ON c.line = s.line
ON CONFLICT (certificate_number) DO UPDATE
   SET unit_number = EXCLUDED.unit_number, region = EXCLUDED.region, address = EXCLUDED.address,
       area_m2 = EXCLUDED.area_m2, usage = EXCLUDED.usage, registered_on = EXCLUDED.registered_on
 WHERE (e.unit_number, e.region, e.address, e.area_m2, e.usage, e.registered_on)
       IS DISTINCT FROM (EXCLUDED.unit_number, EXCLUDED.region, EXCLUDED.address, EXCLUDED.area_m2,
                         EXCLUDED.usage, EXCLUDED.registered_on);
DELETE FROM land.ownership o
 USING ingest_changed c JOIN land.real_estate e ON e.certificate_number = c.key
 WHERE c.before IS NOT NULL AND o.estate_id = e.id
   AND NOT EXISTS (SELECT FROM ingest_party p WHERE p.line = c.line AND p.subject_id = o.subject_id);
INSERT INTO land.ownership AS o (estate_id, subject_id, share)
SELECT e.id, p.subject_id, p.share
  FROM ingest_changed c
  JOIN land.real_estate e ON e.certificate_number = c.key
  JOIN ingest_party p ON p.line = c.line
 WHERE p.subject_id IS NOT NULL
ON CONFLICT (estate_id, subject_id) DO UPDATE SET share = EXCLUDED.share WHERE o.share <> EXCLUDED.share;
DELETE FROM land.encumbrance x
 USING ingest_changed c JOIN land.real_estate e ON e.certificate_number = c.key
 WHERE c.before IS NOT NULL AND x.estate_id = e.id
   AND NOT EXISTS (
       SELECT FROM ingest_item i LEFT JOIN court.enforcement_case k ON k.case_number = i.case_number
        WHERE i.line = c.line AND i.kind = x.kind AND i.holder = x.holder AND k.id IS NOT DISTINCT FROM x.case_id
          AND i.started_on = x.registered_on AND i.released_on IS NOT DISTINCT FROM x.released_on);
INSERT INTO land.encumbrance (estate_id, kind, holder, case_id, registered_on, released_on)
SELECT e.id, i.kind, i.holder, k.id, i.started_on, i.released_on
  FROM ingest_changed c
  JOIN land.real_estate e ON e.certificate_number = c.key
  JOIN ingest_item i ON i.line = c.line
  LEFT JOIN court.enforcement_case k ON k.case_number = i.case_number
 WHERE c.before IS NULL
    OR NOT EXISTS (
       SELECT FROM land.encumbrance x
        WHERE x.estate_id = e.id AND x.kind = i.kind AND x.holder = i.holder AND x.case_id IS NOT DISTINCT FROM k.id
          AND x.registered_on = i.started_on AND x.released_on IS NOT DISTINCT FROM i.released_on);

-- ---------------------------------------------------------------- police

-- A vehicle cannot be stored without its owner (police.vehicle.owner_id): a record whose
-- owner did not link is held whole in its party mention, and not merged.
-- name: police_hold_unlinked
WITH held AS (
    DELETE FROM ingest_stage s
     USING ingest_party p
     WHERE p.line = s.line AND p.subject_id IS NULL
    RETURNING s.line
)
DELETE FROM ingest_item WHERE line IN (SELECT line FROM held);

-- name: police_changes
CREATE TEMP TABLE ingest_changed AS
WITH items AS (
    SELECT line, jsonb_agg(jsonb_build_object('caseNumber', case_number, 'seizedOn', started_on,
                                              'releasedOn', released_on)
                           ORDER BY started_on, case_number, released_on) AS doc
      FROM ingest_item GROUP BY line
), sent AS (
    SELECT s.line, s.key, s.version,
           jsonb_build_object('plate', s.plate, 'make', s.make, 'vehicleType', s.vehicle_type,
                              'registeredOn', s.registered_on, 'owner', p.identifier,
                              'seizures', coalesce(i.doc, '[]')) AS doc
      FROM ingest_stage s JOIN ingest_party p ON p.line = s.line LEFT JOIN items i ON i.line = s.line
), stored AS (
    SELECT v.vin AS key,
           jsonb_build_object('plate', v.plate, 'make', v.make, 'vehicleType', v.vehicle_type,
                              'registeredOn', v.registered_on, 'owner', o.identifier,
              'seizures', coalesce((SELECT jsonb_agg(jsonb_build_object('caseNumber', c.case_number,
                                                        'seizedOn', z.seized_on, 'releasedOn', z.released_on)
                                                   ORDER BY z.seized_on, c.case_number, z.released_on)
                                      FROM police.vehicle_seizure z JOIN court.enforcement_case c ON c.id = z.case_id
                                     WHERE z.vehicle_id = v.id), '[]')) AS doc
      FROM police.vehicle v JOIN core.subject o ON o.id = v.owner_id
     WHERE v.vin IN (SELECT key FROM ingest_stage)
)
SELECT sent.line, sent.key, sent.version, stored.doc AS before, sent.doc AS after
  FROM sent LEFT JOIN stored USING (key)
 WHERE stored.doc IS DISTINCT FROM sent.doc;

-- name: police_apply
INSERT INTO police.vehicle AS v (plate, vin, owner_id, make, vehicle_type, registered_on)
SELECT s.plate, s.key, p.subject_id, s.make, s.vehicle_type, s.registered_on
  FROM ingest_stage s JOIN ingest_changed c ON c.line = s.line JOIN ingest_party p ON p.line = s.line
ON CONFLICT (vin) DO UPDATE
   SET plate = EXCLUDED.plate, owner_id = EXCLUDED.owner_id, make = EXCLUDED.make,
       vehicle_type = EXCLUDED.vehicle_type, registered_on = EXCLUDED.registered_on
 WHERE (v.plate, v.owner_id, v.make, v.vehicle_type, v.registered_on)
       IS DISTINCT FROM (EXCLUDED.plate, EXCLUDED.owner_id, EXCLUDED.make, EXCLUDED.vehicle_type,
                         EXCLUDED.registered_on);
DELETE FROM police.vehicle_seizure z
 USING ingest_changed c JOIN police.vehicle v ON v.vin = c.key
 WHERE c.before IS NOT NULL AND z.vehicle_id = v.id
   AND NOT EXISTS (
       SELECT FROM ingest_item i JOIN court.enforcement_case k ON k.case_number = i.case_number
        WHERE i.line = c.line AND k.id = z.case_id AND i.started_on = z.seized_on
          AND i.released_on IS NOT DISTINCT FROM z.released_on);
INSERT INTO police.vehicle_seizure (vehicle_id, case_id, seized_on, released_on)
SELECT v.id, k.id, i.started_on, i.released_on
  FROM ingest_changed c
  JOIN police.vehicle v ON v.vin = c.key
  JOIN ingest_item i ON i.line = c.line
  JOIN court.enforcement_case k ON k.case_number = i.case_number
 WHERE c.before IS NULL
    OR NOT EXISTS (
       SELECT FROM police.vehicle_seizure z
        WHERE z.vehicle_id = v.id AND z.case_id = k.id AND z.seized_on = i.started_on
          AND z.released_on IS NOT DISTINCT FROM i.released_on);

-- ---------------------------------------------------------------- market

-- name: market_changes
CREATE TEMP TABLE ingest_changed AS
WITH holders AS (
    SELECT line, jsonb_agg(jsonb_build_object('identifier', identifier, 'share', share,
                                              'subscribedCapital', capital) ORDER BY identifier) AS doc
      FROM ingest_party WHERE role = 'shareholder' AND subject_id IS NOT NULL GROUP BY line
), officers AS (
    SELECT line, jsonb_agg(jsonb_build_object('identifier', identifier, 'role', position, 'title', title,
                                              'since', since) ORDER BY identifier, position) AS doc
      FROM ingest_party WHERE role = 'officer' AND subject_id IS NOT NULL GROUP BY line
), sent AS (
    SELECT s.line, s.key, s.version,
           jsonb_build_object('name', s.name, 'companyType', s.company_type,
                              'registeredCapital', s.registered_capital, 'establishedOn', s.established_on,
                              'status', s.status, 'address', s.address, 'industry', s.industry,
                              'shareholders', coalesce(h.doc, '[]'), 'officers', coalesce(o.doc, '[]')) AS doc
      FROM ingest_stage s LEFT JOIN holders h USING (line) LEFT JOIN officers o USING (line)
), stored AS (
    SELECT sub.identifier AS key,
           jsonb_build_object('name', sub.name, 'companyType', m.company_type,
                              'registeredCapital', m.registered_capital, 'establishedOn', m.established_on,
                              'status', m.status, 'address', m.address, 'industry', m.industry,
              'shareholders', coalesce((SELECT jsonb_agg(jsonb_build_object('identifier', h.identifier,
                                                            'share', x.share, 'subscribedCapital', x.subscribed_capital)
                                                   ORDER BY h.identifier)
                                          FROM market.shareholding x JOIN core.subject h ON h.id = x.holder_id
                                         WHERE x.company_id = m.subject_id), '[]'),
              'officers', coalesce((SELECT jsonb_agg(jsonb_build_object('identifier', q.identifier, 'role', d.role,
                                                        'title', d.title, 'since', d.since)
                                               ORDER BY q.identifier, d.role)
                                      FROM market.directorship d JOIN core.subject q ON q.id = d.person_id
                                     WHERE d.company_id = m.subject_id), '[]')) AS doc
      FROM market.company m JOIN core.subject sub ON sub.id = m.subject_id
     WHERE sub.identifier IN (SELECT key FROM ingest_stage)
)
SELECT sent.line, sent.key, sent.version, stored.doc AS before, sent.doc AS after
  FROM sent LEFT JOIN stored USING (key)
 WHERE stored.doc IS DISTINCT FROM sent.doc;

-- Market supervision registers company names: the company's subject takes the registered name.
-- name: market_apply
INSERT INTO core.subject AS sub (kind, identifier, name, region)
SELECT 'organisation', s.key, s.name, s.region
  FROM ingest_stage s JOIN ingest_changed c ON c.line = s.line
ON CONFLICT (identifier) DO UPDATE SET name = EXCLUDED.name WHERE sub.name <> EXCLUDED.name;
INSERT INTO market.company AS m (subject_id, company_type, registered_capital, established_on, status, address, industry)
SELECT sub.id, s.company_type, s.registered_capital, s.established_on, s.status, s.address, s.industry
  FROM ingest_stage s JOIN ingest_changed c ON c.line = s.line JOIN core.subject sub ON sub.identifier = s.key
ON CONFLICT (subject_id) DO UPDATE
   SET company_type = EXCLUDED.company_type, registered_capital = EXCLUDED.registered_capital,
       established_on = EXCLUDED.established_on, status = EXCLUDED.status, address = EXCLUDED.address,
       industry = EXCLUDED.industry
 WHERE (m.company_type, m.registered_capital, m.established_on, m.status, m.address, m.industry)
       IS DISTINCT FROM (EXCLUDED.company_type, EXCLUDED.registered_capital, EXCLUDED.established_on,
                         EXCLUDED.status, EXCLUDED.address, EXCLUDED.industry);
DELETE FROM market.shareholding x
 USING ingest_changed c JOIN core.subject sub ON sub.identifier = c.key
 WHERE c.before IS NOT NULL AND x.company_id = sub.id
   AND NOT EXISTS (SELECT FROM ingest_party p
                    WHERE p.line = c.line AND p.role = 'shareholder' AND p.subject_id = x.holder_id);
INSERT INTO market.shareholding AS x (company_id, holder_id, share, subscribed_capital)
SELECT sub.id, p.subject_id, p.share, p.capital
  FROM ingest_changed c
  JOIN core.subject sub ON sub.identifier = c.key
  JOIN ingest_party p ON p.line = c.line AND p.role = 'shareholder'
 WHERE p.subject_id IS NOT NULL
ON CONFLICT (company_id, holder_id) DO UPDATE
   SET share = EXCLUDED.share, subscribed_capital = EXCLUDED.subscribed_capital
 WHERE (x.share, x.subscribed_capital) IS DISTINCT FROM (EXCLUDED.share, EXCLUDED.subscribed_capital);
DELETE FROM market.directorship d
 USING ingest_changed c JOIN core.subject sub ON sub.identifier = c.key
 WHERE c.before IS NOT NULL AND d.company_id = sub.id
   AND NOT EXISTS (SELECT FROM ingest_party p
                    WHERE p.line = c.line AND p.role = 'officer' AND p.subject_id = d.person_id
                      AND p.position = d.role);
INSERT INTO market.directorship AS d (company_id, person_id, role, title, since)
SELECT sub.id, p.subject_id, p.position, p.title, p.since
  FROM ingest_changed c
  JOIN core.subject sub ON sub.identifier = c.key
  JOIN ingest_party p ON p.line = c.line AND p.role = 'officer'
 WHERE p.subject_id IS NOT NULL
ON CONFLICT (company_id, person_id, role) DO UPDATE
   SET title = EXCLUDED.title, since = EXCLUDED.since
 WHERE (d.title, d.since) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.since);

-- ---------------------------------------------------------------- court

-- A party with a listing on the case stays a party (the listing needs it), whatever is sent.
-- name: court_changes
CREATE TEMP TABLE ingest_changed AS
WITH listed AS (
    SELECT c.case_number AS key, sub.identifier
      FROM court.enforcement_case c
      JOIN court.case_party cp ON cp.case_id = c.id
      JOIN core.subject sub ON sub.id = cp.subject_id
     WHERE c.case_number IN (SELECT key FROM ingest_stage)
       AND EXISTS (SELECT FROM court.listing l WHERE l.case_id = c.id AND l.subject_id = cp.subject_id)
), parties AS (
    SELECT key, jsonb_agg(identifier ORDER BY identifier) AS doc
      FROM (SELECT s.key, p.identifier FROM ingest_party p JOIN ingest_stage s ON s.line = p.line
             WHERE p.subject_id IS NOT NULL
            UNION
            SELECT key, identifier FROM listed) u
     GROUP BY key
), sent AS (
    SELECT s.line, s.key, s.version,
           jsonb_build_object('courtCode', s.court_code, 'filedOn', s.filed_on, 'basisDocument', s.basis_document,
                              'basisIssuer', s.basis_issuer, 'obligation', s.obligation, 'amount', s.amount,
                              'performance', s.performance, 'performedAmount', s.performed_amount,
                              'parties', coalesce(p.doc, '[]')) AS doc
      FROM ingest_stage s LEFT JOIN parties p USING (key)
), stored AS (
    SELECT c.case_number AS key,
           jsonb_build_object('courtCode', c.court_code, 'filedOn', c.filed_on, 'basisDocument', c.basis_document,
                              'basisIssuer', c.basis_issuer, 'obligation', c.obligation, 'amount', c.amount,
                              'performance', c.performance, 'performedAmount', c.performed_amount,
              'parties', coalesce((SELECT jsonb_agg(sub.identifier ORDER BY sub.identifier)
                                     FROM court.case_party cp JOIN core.subject sub ON sub.id = cp.subject_id
                                    WHERE cp.case_id = c.id), '[]')) AS doc
      FROM court.enforcement_case c
     WHERE c.case_number IN (SELECT key FROM ingest_stage)
)
SELECT sent.line, sent.key, sent.version, stored.doc AS before, sent.doc AS after
  FROM sent LEFT JOIN stored USING (key)
 WHERE stored.doc IS DISTINCT FROM sent.doc;

-- name: court_apply
INSERT INTO court.enforcement_case AS c (case_number, court_code, filed_on, basis_document, basis_issuer,
                                         obligation, amount, performance, performed_amount)
SELECT s.key, s.court_code, s.filed_on, s.basis_document, s.basis_issuer, s.obligation, s.amount, s.performance,
       s.performed_amount
  FROM ingest_stage s JOIN ingest_changed ch ON ch.line = s.line
ON CONFLICT (case_number) DO UPDATE
   SET court_code = EXCLUDED.court_code, filed_on = EXCLUDED.filed_on, basis_document = EXCLUDED.basis_document,
       basis_issuer = EXCLUDED.basis_issuer, obligation = EXCLUDED.obligation, amount = EXCLUDED.amount,
       performance = EXCLUDED.performance, performed_amount = EXCLUDED.performed_amount
 WHERE (c.court_code, c.filed_on, c.basis_document, c.basis_issuer, c.obligation, c.amount, c.performance,
        c.performed_amount)
       IS DISTINCT FROM (EXCLUDED.court_code, EXCLUDED.filed_on, EXCLUDED.basis_document, EXCLUDED.basis_issuer,
                         EXCLUDED.obligation, EXCLUDED.amount, EXCLUDED.performance, EXCLUDED.performed_amount);
DELETE FROM court.case_party cp
 USING ingest_changed ch JOIN court.enforcement_case c ON c.case_number = ch.key
 WHERE ch.before IS NOT NULL AND cp.case_id = c.id
   AND NOT EXISTS (SELECT FROM ingest_party p WHERE p.line = ch.line AND p.subject_id = cp.subject_id)
   AND NOT EXISTS (SELECT FROM court.listing l WHERE l.case_id = cp.case_id AND l.subject_id = cp.subject_id);
INSERT INTO court.case_party (case_id, subject_id)
SELECT c.id, p.subject_id
  FROM ingest_changed ch
  JOIN court.enforcement_case c ON c.case_number = ch.key
  JOIN ingest_party p ON p.line = ch.line
 WHERE p.subject_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------- tourism

-- name: tourism_changes
CREATE TEMP TABLE ingest_changed AS
WITH sent AS (
    SELECT s.line, s.key, s.version,
           jsonb_build_object('name', s.name, 'region', s.region, 'address', s.address, 'stars', s.stars,
                              'ratedOn', s.rated_on, 'status', s.status) AS doc
      FROM ingest_stage s
), stored AS (
    SELECT h.code AS key,
           jsonb_build_object('name', h.name, 'region', h.region, 'address', h.address, 'stars', h.stars,
                              'ratedOn', h.rated_on, 'status', h.status) AS doc
      FROM tourism.hotel h
     WHERE h.code IN (SELECT key FROM ingest_stage)
)
SELECT sent.line, sent.key, sent.version, stored.doc AS before, sent.doc AS after
  FROM sent LEFT JOIN stored USING (key)
 WHERE stored.doc IS DISTINCT FROM sent.doc;

-- name: tourism_apply
INSERT INTO tourism.hotel AS h (code, name, region, address, stars, rated_on, status)
SELECT s.key, s.name, s.region, s.address, s.stars, s.rated_on, s.status
  FROM ingest_stage s JOIN ingest_changed c ON c.line = s.line
ON CONFLICT (code) DO UPDATE
   SET name = EXCLUDED.name, region = EXCLUDED.region, address = EXCLUDED.address, stars = EXCLUDED.stars,
       rated_on = EXCLUDED.rated_on, status = EXCLUDED.status
 WHERE (h.name, h.region, h.address, h.stars, h.rated_on, h.status)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.region, EXCLUDED.address, EXCLUDED.stars, EXCLUDED.rated_on,
                         EXCLUDED.status);
