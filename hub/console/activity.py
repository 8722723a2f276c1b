"""What the dashboard reads besides the statistics: recent interceptions and a change marker."""

from __future__ import annotations

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES

Q = QUERIES.console


async def recent_interceptions(db: Database, agency_id: int | None, limit: int) -> list[asyncpg.Record]:
    """The latest interceptions of one agency, or of all when ``agency_id`` is None."""
    return await db.fetch(Q.recent_interceptions, agency_id, limit)


async def marker(db: Database) -> tuple[int, int, int]:
    """The newest interception, sanction report and list change: moves when any is written."""
    row = await db.fetchrow(Q.activity_marker)
    assert row is not None
    return int(row["interceptions"]), int(row["feedback"]), int(row["changes"])
