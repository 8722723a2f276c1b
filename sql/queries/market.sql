-- Companies, shareholdings and directorships (market supervision source).

-- name: companies_by_subjects
SELECT subject_id, company_type, registered_capital, established_on, status, address, industry
  FROM market.company
 WHERE subject_id = ANY($1::bigint[]);

-- Equity a subject holds in companies.
-- name: shareholdings_by_holders
SELECT * FROM (
    SELECT s.holder_id AS parent_id, s.company_id AS id, s.company_id, s.holder_id, s.share,
           s.subscribed_capital,
           row_number() OVER (PARTITION BY s.holder_id ORDER BY s.company_id) AS rn
      FROM market.shareholding s
     WHERE s.holder_id = ANY($1::bigint[]) AND s.company_id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- A company's shareholders.
-- name: shareholdings_by_companies
SELECT * FROM (
    SELECT s.company_id AS parent_id, s.holder_id AS id, s.company_id, s.holder_id, s.share,
           s.subscribed_capital,
           row_number() OVER (PARTITION BY s.company_id ORDER BY s.holder_id) AS rn
      FROM market.shareholding s
     WHERE s.company_id = ANY($1::bigint[]) AND s.holder_id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- Roles a person holds in companies.
-- name: directorships_by_persons
SELECT * FROM (
    SELECT d.person_id AS parent_id, d.id, d.company_id, d.person_id, d.role, d.title, d.since,
           row_number() OVER (PARTITION BY d.person_id ORDER BY d.id) AS rn
      FROM market.directorship d
     WHERE d.person_id = ANY($1::bigint[]) AND d.id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- Every officer of each company (a company has few).
-- name: directorships_by_companies
SELECT d.company_id AS parent_id, d.id, d.company_id, d.person_id, d.role, d.title, d.since
  FROM market.directorship d
 WHERE d.company_id = ANY($1::bigint[])
 ORDER BY d.company_id, d.id;

-- name: insert_company
INSERT INTO market.company (subject_id, company_type, registered_capital, established_on, status, address, industry)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: insert_shareholding
INSERT INTO market.shareholding (company_id, holder_id, share, subscribed_capital)
VALUES ($1, $2, $3, $4);

-- name: insert_directorship
INSERT INTO market.directorship (company_id, person_id, role, title, since)
VALUES ($1, $2, $3, $4, $5);
