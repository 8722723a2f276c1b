"""Held party mentions and their candidate links, for the operator's console."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, group_by, index_by

Q = QUERIES.identity


async def mentions_page(db: Database, status: str, after_id: int, limit: int) -> list[Row]:
    return await db.fetch(Q.mentions_page, status, after_id, limit)


async def mentions_by_ids(db: Database, ids: Sequence[int]) -> dict[int, Row]:
    return index_by(await db.fetch(Q.mentions_by_ids, list(ids)), "id")


async def candidates_page(db: Database, status: str, mention_id: int | None, after_id: int, limit: int) -> list[Row]:
    return await db.fetch(Q.candidates_page, status, mention_id, after_id, limit)


async def candidates_by_mentions(db: Database, ids: Sequence[int]) -> dict[int, list[Row]]:
    return group_by(await db.fetch(Q.candidates_by_mentions, list(ids)), "mention_id")


async def candidate_by_id(db: Database, link_id: int) -> Row | None:
    return await db.fetchrow(Q.candidate_by_id, link_id)
