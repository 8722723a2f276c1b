"""Operators' questions: searching the trail and per-agency daily statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hub.audit import AuditWriter
from hub.audit.chain import chain_head
from hub.audit.queries import daily_statistics, search_events
from hub.db.database import Database
from hub.errors import InvalidInput
from tests.audit.records import make_record

# 2024-05-01 17:30 UTC is 2024-05-02 01:30 in Shanghai.
LATE = datetime(2024, 5, 1, 17, 30, tzinfo=UTC)


@pytest.fixture
async def events(db: Database) -> int:
    """Six records of two agencies and one unauthenticated request; returns the base seq."""
    base, _ = await chain_head(db)
    writer = AuditWriter(db)
    at = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    for record in [
        make_record(1, at=at, agency_id=1, subjects=(11, 12), purpose="执行查询"),
        make_record(2, at=at + timedelta(minutes=1), agency_id=1, subjects=(12,), outcome="denied"),
        make_record(
            3, at=at + timedelta(minutes=2), agency_id=2, agency_code="FJ-LAND", subjects=(11,), purpose="不动产登记"
        ),
        make_record(
            4, at=at + timedelta(minutes=3), agency_id=2, agency_code="FJ-LAND", subjects=(), outcome="limited"
        ),
        make_record(
            5,
            at=at + timedelta(minutes=4),
            agency_id=None,
            agency_code=None,
            key_id=None,
            subjects=(),
            outcome="denied",
            error_codes=("UNAUTHENTICATED",),
        ),
        make_record(6, at=LATE, agency_id=1, subjects=(13,), outcome="error", error_codes=("X",)),
    ]:
        await writer.append(record)
    return base


async def test_search_filters_and_pages_newest_first(db: Database, events: int) -> None:
    async def found(**filters: Any) -> list[int]:
        since = datetime(2024, 5, 1, tzinfo=UTC)
        return [row["seq"] - events for row in await search_events(db, since=since, **filters)]

    assert await found() == [6, 5, 4, 3, 2, 1]
    assert await found(agency_id=1) == [6, 2, 1]
    assert await found(subject_id=11) == [3, 1]
    assert await found(purpose="登记") == [3]
    assert await found(outcome="denied") == [5, 2]
    assert await found(until=datetime(2024, 5, 1, 2, 3, tzinfo=UTC)) == [3, 2, 1]
    # Keyset pages: two rows, then the two below the last seq seen
    first = await found(limit=2)
    assert await found(limit=2, after_seq=first[-1] + events) == [4, 3]
    assert first == [6, 5]
    [row] = await search_events(db, agency_id=2, outcome="limited")
    assert "hash" not in row.keys()


async def test_search_refuses_bad_arguments(db: Database) -> None:
    with pytest.raises(InvalidInput):
        await search_events(db, limit=0)
    with pytest.raises(InvalidInput):
        await search_events(db, outcome="maybe")


async def test_daily_statistics_per_agency_per_local_day(db: Database, events: int) -> None:
    rows = await daily_statistics(db, since=date(2024, 5, 1), until=date(2024, 5, 3))
    got = [
        (
            r["day"],
            r["agency_id"],
            r["agency_code"],
            r["operations"],
            r["subjects"],
            r["denied"],
            r["limited"],
            r["errors"],
        )
        for r in rows
    ]
    assert got == [
        (date(2024, 5, 1), None, None, 1, 0, 1, 0, 0),
        (date(2024, 5, 1), 1, "FJ-COURT", 2, 2, 1, 0, 0),
        (date(2024, 5, 1), 2, "FJ-LAND", 2, 1, 0, 1, 0),
        # 17:30 UTC is already the next day in Shanghai
        (date(2024, 5, 2), 1, "FJ-COURT", 1, 1, 0, 0, 1),
    ]
    only = await daily_statistics(db, since=date(2024, 5, 1), until=date(2024, 5, 2), agency_id=2)
    assert [(r["agency_id"], r["operations"]) for r in only] == [(2, 2)]
    utc = await daily_statistics(db, since=date(2024, 5, 1), until=date(2024, 5, 2), agency_id=1, time_zone="UTC")
    assert [r["operations"] for r in utc] == [3]
    with pytest.raises(InvalidInput):
        await daily_statistics(db, since=date(2024, 5, 2), until=date(2024, 5, 2))
