"""Subjects and agencies."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, index_by

Q = QUERIES.core


async def subjects_by_ids(db: Database, ids: Sequence[int]) -> dict[int, Row]:
    return index_by(await db.fetch(Q.subjects_by_ids, list(ids)), "id")


async def subjects_by_identifiers(db: Database, identifiers: Sequence[str]) -> dict[str, Row]:
    return index_by(await db.fetch(Q.subjects_by_identifiers, list(identifiers)), "identifier")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_subjects(
    db: Database,
    name: str,
    kind: str | None,
    limit: int,
    after: tuple[float, int] | None,
) -> list[Row]:
    after_rank, after_id = after if after else (None, None)
    return await db.fetch(Q.search_subjects, name, kind, limit, after_rank, after_id, like_escape(name))


async def agency_by_key_hash(db: Database, key_hash: bytes) -> Row | None:
    return await db.fetchrow(Q.agency_by_key_hash, key_hash)


async def instance_secret(db: Database, name: str) -> bytes:
    value = await db.fetchval(Q.instance_secret, name)
    if value is None:
        raise RuntimeError(f"instance secret {name!r} is missing; run `hub migrate`")
    return bytes(value)


async def matter_codes(db: Database) -> list[str]:
    return [r["code"] for r in await db.fetch(Q.matter_codes)]
