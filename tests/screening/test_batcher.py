"""Concurrent small screenings share facts statements, and decide exactly as alone."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from hub.db.database import Database
from hub.identity import make_resident_id
from hub.screening import Identity, Outcome, ScreeningContext, screen
from hub.seed.demo import load_stories
from hub.sources.screening import FactsBatcher

NOW = dt.datetime.now(dt.UTC)


@pytest_asyncio.fixture
async def stories_db(fresh_database_url: str) -> AsyncIterator[tuple[Database, dict[str, int]]]:
    """A pool on a database holding the newspaper's stories (committed: a pool sees them)."""
    conn = await asyncpg.connect(fresh_database_url)
    try:
        stories = await load_stories(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(fresh_database_url, min_size=2, max_size=6)
    assert pool is not None
    try:
        yield Database(pool=pool), stories
    finally:
        await pool.close()


async def _calls(db: Database, stories: dict[str, int]) -> list[tuple[list[Identity], ScreeningContext]]:
    """Small screenings of every kind: listed, unlisted, namesake, invalid, name only, a
    company, at three hotels and two matters."""
    lin = await db.fetchval("SELECT identifier FROM core.subject WHERE id = $1", stories["lin"])
    cao = await db.fetchrow("SELECT identifier, name FROM core.subject WHERE id = $1", stories["cao"])
    unlisted = await db.fetchrow("SELECT identifier, name FROM core.subject WHERE kind = 'person' ORDER BY id LIMIT 1")
    assert unlisted is not None
    assert cao is not None
    lin_born = await db.fetchval("SELECT birth_date FROM core.subject WHERE id = $1", stories["lin"])
    identities = [
        Identity(name="林文斌", resident_id=lin),
        Identity(name="林文斌", resident_id=make_resident_id("350103", lin_born, 611)),  # a namesake
        Identity(name=unlisted["name"], resident_id=unlisted["identifier"]),
        Identity(name="林文斌", resident_id=lin[:-1] + ("0" if lin[-1] != "0" else "1")),  # invalid
        Identity(name="林文斌"),  # name only
        Identity(name="无名氏", resident_id=make_resident_id("350104", dt.date(1990, 2, 3), 512)),
        Identity(name=cao["name"], resident_id=cao["identifier"]),
    ]
    contexts = [
        ScreeningContext("HOTEL_CHECK_IN", "police", hotel_code="FJ-FZ-0002", at=NOW),  # four stars
        ScreeningContext("HOTEL_CHECK_IN", "police", hotel_code="FJ-SM-0001", at=NOW),  # three stars
        ScreeningContext("REAL_ESTATE_REGISTRATION", "land", at=NOW),
    ]
    calls = []
    for n in range(60):
        size = 1 + n % 3
        batch = [identities[(n + k) % len(identities)] for k in range(size)]
        calls.append((batch, contexts[n % len(contexts)]))
    calls.append(([identities[3]], contexts[0]))  # nothing valid to look up
    return calls


def _comparable(calls: list[list[Outcome]]) -> list[list[Outcome]]:
    """Outcomes with their errors as text (an error instance equals only itself)."""
    return [[dataclasses.replace(o, error=o.error and repr(o.error)) for o in outcomes] for outcomes in calls]  # type: ignore[arg-type]


async def test_shared_statements_decide_exactly_as_one_statement_each(
    stories_db: tuple[Database, dict[str, int]],
) -> None:
    db, stories = stories_db
    calls = await _calls(db, stories)
    # Given every call decided alone, one statement each
    alone = [await screen(db, batch, context) for batch, context in calls]
    assert {o.decision for outcomes in alone for o in outcomes} == {"BLOCK", "REVIEW", "ALLOW", "INVALID"}
    # When the same calls run at once through a batcher
    batcher = FactsBatcher(db, lanes=1)
    batcher.start()
    try:
        together = await asyncio.gather(*(screen(db, batch, context, batcher) for batch, context in calls))
    finally:
        await batcher.stop()
    # Then every outcome is the same, and far fewer statements were run than calls
    assert _comparable(together) == _comparable(alone)
    assert 1 <= batcher.statements < len(calls) / 4


async def test_a_failed_statement_fails_its_callers_and_the_next_ones_are_answered(
    stories_db: tuple[Database, dict[str, int]],
) -> None:
    db, stories = stories_db
    calls = (await _calls(db, stories))[:12]
    batcher = FactsBatcher(db, lanes=1)
    batcher.start()
    try:
        # Given the facts function gone for a moment
        await db.execute("ALTER FUNCTION sanctions.screening_facts RENAME TO screening_facts_away")
        results = await asyncio.gather(
            *(screen(db, batch, context, batcher) for batch, context in calls), return_exceptions=True
        )
        # Then every call sharing a statement got its error
        assert all(isinstance(r, asyncpg.UndefinedFunctionError) for r in results), results
        # And once it is back, the same lane answers again
        await db.execute("ALTER FUNCTION sanctions.screening_facts_away RENAME TO screening_facts")
        outcomes: list[list[Outcome]] = await asyncio.gather(
            *(screen(db, batch, context, batcher) for batch, context in calls)
        )
        assert [o.decision for o in outcomes[0]] == [o.decision for o in await screen(db, *calls[0])]
    finally:
        await batcher.stop()


async def test_a_large_screening_is_not_held_behind_small_ones(stories_db: tuple[Database, dict[str, int]]) -> None:
    db, stories = stories_db
    batcher = FactsBatcher(db, small=5)
    batcher.start()
    try:
        calls = await _calls(db, stories)
        large = [identity for batch, _ in calls[:10] for identity in batch]
        assert len(large) > 5
        # When a screening larger than `small` comes, Then it runs on its own statement
        await screen(db, large, calls[2][1], batcher)
        assert batcher.statements == 0
        await screen(db, calls[0][0], calls[0][1], batcher)
        assert batcher.statements == 1
    finally:
        await batcher.stop()


@pytest.mark.parametrize("cancelled", [0, 3])
async def test_stop_fails_what_is_still_queued(stories_db: tuple[Database, dict[str, int]], cancelled: int) -> None:
    db, stories = stories_db
    calls = (await _calls(db, stories))[:8]
    batcher = FactsBatcher(db, lanes=1)
    batcher.start()
    tasks = [asyncio.create_task(screen(db, batch, context, batcher)) for batch, context in calls]
    for task in tasks[:cancelled]:  # callers that went away are skipped, not answered
        task.cancel()
    await asyncio.sleep(0)
    # When the hub stops with screenings queued or in flight
    await batcher.stop()
    # Then each one ends: answered, cancelled, or failed; none waits forever
    done, pending = await asyncio.wait(tasks, timeout=10)
    assert not pending
    for task in done:
        assert task.cancelled() or task.exception() is None or isinstance(task.exception(), RuntimeError)
