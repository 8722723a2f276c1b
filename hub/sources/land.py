"""Real estate, owners and encumbrances."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, fetch_page

Q = QUERIES.land


async def holdings_by_subjects(
    db: Database, subject_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.holdings_by_subjects, subject_ids, after, limit)


async def owners_by_estates(db: Database, estate_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.owners_by_estates, estate_ids)


async def encumbrances_by_estates(db: Database, estate_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.encumbrances_by_estates, estate_ids)
