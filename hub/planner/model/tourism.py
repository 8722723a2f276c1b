"""The tourism bureau's star-rated hotels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.errors import InvalidInput
from hub.planner.model.base import ID_KEY, Embed, FieldSpec, Leaf, Paged, Related, TypeSpec, by_id, col


def _hotels_check(args: Mapping[str, Any], ctx: Any) -> None:
    region = args.get("region")
    if region is not None and not (region.isdigit() and 2 <= len(region) <= 6):
        raise InvalidInput("region must be 2 to 6 digits of a division code", argument="region")


ROOTS: dict[str, FieldSpec] = {
    "hotel": Related(
        source=by_id("tourism.hotel"),
        where=lambda p, t, b: f"{t}.code = {b.value(lambda a, c: a['code'].strip().upper(), 'text')}",
    ),
    "hotels": Paged(
        source=by_id("tourism.hotel"),
        where=lambda p, t, b: (
            f"{t}.stars >= {b.value(lambda a, c: a['minStars'], 'integer')} AND "
            f"({b.value(lambda a, c: a.get('region'), 'text')} IS NULL OR "
            f"{t}.region LIKE {b.value(lambda a, c: a.get('region'), 'text')} || '%')"
        ),
        scope=lambda args: f"hotels:{args['minStars']}:{args.get('region') or ''}",
        keys=ID_KEY,
        check=_hotels_check,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "Hotel": TypeSpec(
        {
            "code": Leaf(col("code")),
            "name": Leaf(col("name")),
            "address": Leaf(col("address")),
            "stars": Leaf(col("stars")),
            "ratedOn": Leaf(col("rated_on")),
            "status": Leaf(col("status")),
            "region": Embed(col("region")),
        }
    ),
}
