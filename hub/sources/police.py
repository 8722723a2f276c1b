"""Vehicles and seizures."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, fetch_page

Q = QUERIES.police


async def vehicles_by_owners(
    db: Database, owner_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.vehicles_by_owners, owner_ids, after, limit)


async def seizures_by_vehicles(db: Database, vehicle_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.seizures_by_vehicles, vehicle_ids)
