"""Real estate from the land registry."""

from __future__ import annotations

from hub.planner.model.base import Embed, Leaf, Listed, TypeSpec, by_id, case, col, same, subject


def _sealed(a: str) -> str:
    return (
        f"EXISTS (SELECT FROM land.encumbrance x WHERE x.estate_id = {a}.id "
        "AND x.kind = 'seal' AND x.released_on IS NULL)"
    )


TYPES: dict[str, TypeSpec] = {
    # A row of land.ownership joined with its estate (aliased <row>_e, see core.realEstate).
    "RealEstateHolding": TypeSpec({"share": Leaf(col("share")), "estate": Embed(lambda a: f"{a}_e")}),
    "RealEstate": TypeSpec(
        {
            "id": Leaf(col("id")),
            "certificateNumber": Leaf(col("certificate_number")),
            "unitNumber": Leaf(col("unit_number")),
            "address": Leaf(col("address")),
            "areaM2": Leaf(col("area_m2")),
            "usage": Leaf(col("usage")),
            "registeredOn": Leaf(col("registered_on")),
            "region": Embed(col("region")),
            "owners": Listed(
                source=by_id("land.ownership"),
                where=same("estate_id"),
                order=lambda t: f"{t}.share DESC, {t}.subject_id",
            ),
            "encumbrances": Listed(source=by_id("land.encumbrance"), where=same("estate_id"), order=col("id")),
            "sealed": Leaf(_sealed),
        }
    ),
    "Ownership": TypeSpec({"share": Leaf(col("share")), "owner": subject("subject_id")}),
    "Encumbrance": TypeSpec(
        {
            "kind": Leaf(col("kind")),
            "holder": Leaf(col("holder")),
            "registeredOn": Leaf(col("registered_on")),
            "releasedOn": Leaf(col("released_on")),
            "case": case("case_id"),
        }
    ),
}
