"""Helpers shared by the source modules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import asyncpg

from hub.db.database import Database

Row = asyncpg.Record


def group_by(rows: Iterable[Row], column: str = "parent_id") -> dict[Any, list[Row]]:
    grouped: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return dict(grouped)


def index_by(rows: Iterable[Row], column: str) -> dict[Any, Row]:
    return {row[column]: row for row in rows}


async def fetch_grouped(db: Database, query: str, keys: Sequence[Hashable], *args: Any) -> dict[Any, list[Row]]:
    return group_by(await db.fetch(query, list(keys), *args))


async def fetch_page(
    db: Database,
    query: str,
    parents: Sequence[int],
    after: int | None,
    limit: int,
    *args: Any,
) -> dict[int, list[Row]]:
    """Rows of a paged child list: at most ``limit`` per parent, sort key above ``after``."""
    return group_by(await db.fetch(query, list(parents), after or 0, limit, *args))
