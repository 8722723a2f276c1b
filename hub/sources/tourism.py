"""Star-rated hotels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, index_by

Q = QUERIES.tourism


async def hotels_by_codes(db: Database, codes: Sequence[str]) -> dict[str, Row]:
    return index_by(await db.fetch(Q.hotels_by_codes, list(codes)), "code")


async def hotels_page(
    db: Database, min_stars: int, region_prefix: str | None, after: int | None, limit: int
) -> list[Row]:
    return await db.fetch(Q.hotels_page, min_stars, region_prefix, after or 0, limit)


async def add_hotel(
    db: Database, code: str, name: str, region: str, address: str, stars: int, rated_on: date | None
) -> Row | None:
    """The new hotel, or None when the code is taken."""
    return await db.fetchrow(Q.add_hotel, code, name, region, address, stars, rated_on)


async def rate_hotel(db: Database, code: str, stars: int, rated_on: date | None) -> Row | None:
    return await db.fetchrow(Q.rate_hotel, code, stars, rated_on)


async def close_hotel(db: Database, code: str) -> Row | None:
    return await db.fetchrow(Q.close_hotel, code)
