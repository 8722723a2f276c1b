-- Vehicles and seizures (police source).

-- name: vehicles_by_owners
SELECT * FROM (
    SELECT v.owner_id AS parent_id, v.id, v.plate, v.vin, v.owner_id, v.make, v.vehicle_type,
           v.registered_on,
           row_number() OVER (PARTITION BY v.owner_id ORDER BY v.id) AS rn
      FROM police.vehicle v
     WHERE v.owner_id = ANY($1::bigint[]) AND v.id > $2
) t WHERE rn <= $3
 ORDER BY parent_id, id;

-- name: seizures_by_vehicles
SELECT s.vehicle_id AS parent_id, s.id, s.case_id, c.case_number, s.seized_on, s.released_on
  FROM police.vehicle_seizure s
  JOIN court.enforcement_case c ON c.id = s.case_id
 WHERE s.vehicle_id = ANY($1::bigint[])
 ORDER BY s.vehicle_id, s.id;

-- name: insert_vehicle
INSERT INTO police.vehicle (plate, vin, owner_id, make, vehicle_type, registered_on)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: insert_seizure
INSERT INTO police.vehicle_seizure (vehicle_id, case_id, seized_on, released_on)
VALUES ($1, $2, $3, $4);
