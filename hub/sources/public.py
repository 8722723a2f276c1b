"""The public disclosure search's reads (``sql/queries/public.sql``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row

Q = QUERIES.public


async def entries_by_identifier(db: Database, identifier: str, day: date, limit: int) -> list[Row]:
    return await db.fetch(Q.entries_by_identifier, identifier, day, limit)


async def entries_by_case(db: Database, case_numbers: Collection[str], day: date, limit: int) -> list[Row]:
    return await db.fetch(Q.entries_by_case, list(case_numbers), day, limit)
