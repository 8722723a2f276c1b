-- Star-rated hotels (tourism bureau source).

-- name: hotels_by_codes
SELECT id, code, name, region, address, stars, rated_on, status
  FROM tourism.hotel
 WHERE code = ANY($1::text[]);

-- $1 minimum stars, $2 region prefix or null, $3 after id, $4 rows.
-- name: hotels_page
SELECT id, code, name, region, address, stars, rated_on, status
  FROM tourism.hotel
 WHERE stars >= $1 AND ($2::text IS NULL OR region LIKE $2 || '%') AND id > $3
 ORDER BY id
 LIMIT $4;

-- name: insert_hotel
INSERT INTO tourism.hotel (code, name, region, address, stars, rated_on, status)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (code) DO NOTHING;

-- name: add_hotel
INSERT INTO tourism.hotel (code, name, region, address, stars, rated_on, status)
VALUES ($1, $2, $3, $4, $5, $6, 'open')
ON CONFLICT (code) DO NOTHING
RETURNING id, code, name, region, address, stars, rated_on, status;

-- name: rate_hotel
UPDATE tourism.hotel SET stars = $2, rated_on = $3
 WHERE code = $1
RETURNING id, code, name, region, address, stars, rated_on, status;

-- name: close_hotel
UPDATE tourism.hotel SET status = 'closed'
 WHERE code = $1
RETURNING id, code, name, region, address, stars, rated_on, status;
