"""Credit ratings: schemes, levels, measures and ratings (``sql/queries/ratings.sql``)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, index_by

Q = QUERIES.ratings


async def schemes(db: Database, authority_kind: str | None) -> list[Row]:
    return await db.fetch(Q.schemes, authority_kind)


async def schemes_by_ids(db: Database, ids: Sequence[int]) -> dict[int, Row]:
    return index_by(await db.fetch(Q.schemes_by_ids, list(ids)), "id")


async def levels_by_schemes(db: Database, ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.levels_by_schemes, ids)


async def measures_by_levels(db: Database, keys: Sequence[str]) -> dict[str, list[Row]]:
    return await fetch_grouped(db, Q.measures_by_levels, keys)


async def current_by_subjects(db: Database, ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.current_by_subjects, ids)


async def rating_by_id(db: Database, rating_id: int) -> Row | None:
    return await db.fetchrow(Q.rating_by_id, rating_id)


async def history_by_subjects(
    db: Database, keys: Sequence[tuple[int, str | None]]
) -> dict[tuple[int, str | None], list[Row]]:
    """Every rating of some subjects, newest first; a key's kind keeps to that authority kind's
    schemes (None: all)."""
    found: dict[tuple[int, str | None], list[Row]] = {}
    for kind in {k for _, k in keys}:
        ids = [s for s, k in keys if k == kind]
        for subject_id, rows in (await fetch_grouped(db, Q.history_by_subjects, ids, kind)).items():
            found[(subject_id, kind)] = rows
    return found
