"""Vehicles and seizures from the police, when the police source is kept in the hub."""

from __future__ import annotations

from hub.planner.model.base import Leaf, Listed, TypeSpec, case, col, same, subject


def _seized(a: str) -> str:
    return f"EXISTS (SELECT FROM police.vehicle_seizure x WHERE x.vehicle_id = {a}.id AND x.released_on IS NULL)"


TYPES: dict[str, TypeSpec] = {
    "Vehicle": TypeSpec(
        {
            "id": Leaf(col("id")),
            "plate": Leaf(col("plate")),
            "vin": Leaf(col("vin")),
            "make": Leaf(col("make")),
            "vehicleType": Leaf(col("vehicle_type")),
            "registeredOn": Leaf(col("registered_on")),
            "owner": subject("owner_id"),
            "seizures": Listed(
                source=lambda t, b: (
                    f"police.vehicle_seizure {t} JOIN court.enforcement_case {t}_c ON {t}_c.id = {t}.case_id"
                ),
                where=same("vehicle_id"),
                order=col("id"),
            ),
            "seized": Leaf(_seized),
        }
    ),
    # A row of police.vehicle_seizure joined with its case (aliased <row>_c).
    "VehicleSeizure": TypeSpec(
        {
            "caseNumber": Leaf(lambda a: f"{a}_c.case_number"),
            "seizedOn": Leaf(col("seized_on")),
            "releasedOn": Leaf(col("released_on")),
            "case": case("case_id"),
        }
    ),
}
