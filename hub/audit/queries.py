"""What operators ask of the trail: searching events and per-agency daily statistics."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from hub.audit.record import OUTCOMES
from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import InvalidInput

Q = QUERIES.audit

Row = asyncpg.Record

MAX_SEARCH_ROWS = 1000
# Days are counted in China Standard Time, the platform's.
DEFAULT_TIME_ZONE = "Asia/Shanghai"


async def search_events(
    db: Database,
    *,
    agency_id: int | None = None,
    subject_id: int | None = None,
    purpose: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    outcome: str | None = None,
    after_seq: int | None = None,
    limit: int = 100,
) -> list[Row]:
    """Events newest first; every filter optional.

    ``purpose`` matches text within the declared purpose; ``since`` is inclusive and
    ``until`` exclusive; ``after_seq`` is the last seq of the previous page (rows below it
    follow). Rows carry every column of ``audit.event`` but the hashes.
    """
    if not 1 <= limit <= MAX_SEARCH_ROWS:
        raise InvalidInput(f"limit must be between 1 and {MAX_SEARCH_ROWS}", argument="limit")
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", argument="outcome")
    return await db.fetch(Q.search_events, agency_id, subject_id, purpose, since, until, outcome, after_seq, limit)


async def daily_statistics(
    db: Database,
    *,
    since: date,
    until: date,
    agency_id: int | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> list[Row]:
    """Per day (``since`` inclusive, ``until`` exclusive, local dates) and agency.

    Rows: day, agency_id (null for unauthenticated requests), agency_code, operations,
    subjects (distinct subjects whose data was returned), denied, limited, errors; ordered
    by day, then agency.
    """
    if until <= since:
        raise InvalidInput("until must be after since", argument="until")
    return await db.fetch(Q.daily_statistics, since, until, agency_id, time_zone)
