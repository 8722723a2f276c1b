-- Identity resolution: party mentions held for an operator (hub.identity.mentions).

-- name: hold_mention
INSERT INTO core.party_mention
       (source, role, record_key, kind, name, identifier, birth_date, region, detail, batch_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
RETURNING id;
