"""What the dashboard reads besides the statistics: recent interceptions, a change marker, and
rewards granted next to punishments."""

from __future__ import annotations

import datetime as dt

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


# The dashboard's period: the last 30 days in China time, today included (dashboard.js).
DASHBOARD_DAYS = 30


async def rewards_and_punishments(db: Database, agency_id: int | None, today: dt.date) -> tuple[int, int]:
    """Rewards granted (screened identities answered REWARDED) and punishments (BLOCK
    interceptions) over the dashboard's days up to ``today``, of one agency or of all."""
    since = today - dt.timedelta(days=DASHBOARD_DAYS - 1)
    row = await db.fetchrow(Q.rewards_and_punishments, since, today + dt.timedelta(days=1), agency_id)
    assert row is not None
    return int(row["rewards"]), int(row["punishments"])
