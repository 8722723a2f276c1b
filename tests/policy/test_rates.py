"""The per-agency limits hold for the deployment: two limiters on two connections of one
database (two processes) share one budget, which survives either being killed."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from hub.agencies import create_agency
from hub.db.database import Database
from hub.policy.limits import Limits, RateLimited
from hub.policy.rates import RateLimiter
from tests.served import HubProcess, poll

LIMITS = Limits(operations_per_minute=20, subjects_per_minute=6, lease_operations=5, subject_batch=3)


@pytest_asyncio.fixture
async def two(fresh_database_url: str) -> AsyncIterator[tuple[Database, Database, int]]:
    """Two processes' databases (one connection each) and a committed agency."""
    a = await asyncpg.connect(fresh_database_url)
    b = await asyncpg.connect(fresh_database_url)
    try:
        created = await create_agency(Database(connection=a), code="T-RATES", name="限额", kind="court")
        agency_id = await a.fetchval("SELECT id FROM core.agency WHERE code = 'T-RATES'")
        assert created.key
        yield Database(connection=a), Database(connection=b), int(agency_id)
    finally:
        await a.close()
        await b.close()


async def _refusal(limiter: RateLimiter, agency_id: int) -> RateLimited | None:
    """The refusal of one more operation, or None if it was admitted."""
    try:
        await limiter.admit(agency_id)
    except RateLimited as exc:
        return exc
    return None


async def _admitted(limiter: RateLimiter, agency_id: int) -> bool:
    refused = await _refusal(limiter, agency_id)
    if refused is None:
        return True
    assert refused.code == "RATE_LIMITED"
    assert 1 <= refused.retry_after <= 60
    return False


async def test_two_processes_share_one_operations_budget(two: tuple[Database, Database, int]) -> None:
    db_a, db_b, agency = two
    a, b = RateLimiter(LIMITS, db_a), RateLimiter(LIMITS, db_b)
    results = [await _admitted(limiter, agency) for _ in range(30) for limiter in (a, b)]
    # Each alone would admit 20 (40 together); the database hands out 20 in all, and
    # spent evenly no lease is left unspent: refused at exactly the configured total.
    assert results.count(True) == 20
    assert results[:20] == [True] * 20
    count = await db_a.fetchval("SELECT operations FROM core.limit_window WHERE agency_id = $1", agency)
    assert count == 20


async def test_unspent_leases_refuse_early_never_late(two: tuple[Database, Database, int]) -> None:
    db_a, db_b, agency = two
    a, b = RateLimiter(LIMITS, db_a), RateLimiter(LIMITS, db_b)
    assert await _admitted(b, agency)  # b holds 4 unspent operations from here on
    admitted = 1
    while await _admitted(a, agency):
        admitted += 1
    assert LIMITS.operations_per_minute - LIMITS.lease_operations < admitted <= LIMITS.operations_per_minute


async def test_a_killed_process_resets_nothing(fresh_database_url: str, two: tuple[Database, Database, int]) -> None:
    db_a, db_b, agency = two
    a = RateLimiter(LIMITS, db_a)
    for _ in range(12):
        assert await _admitted(a, agency)
    # "Killed": the process is gone with its connection and its 3 unspent operations.
    pid = await db_a.fetchval("SELECT pg_backend_pid()")
    assert await db_b.fetchval("SELECT pg_terminate_backend($1)", pid)
    restarted = RateLimiter(LIMITS, db_b)
    admitted = 0
    while await _admitted(restarted, agency):
        admitted += 1
    assert admitted == LIMITS.operations_per_minute - 15


async def test_distinct_subjects_are_counted_once_across_processes(two: tuple[Database, Database, int]) -> None:
    db_a, db_b, agency = two
    a, b = RateLimiter(LIMITS, db_a), RateLimiter(LIMITS, db_b)
    await a.admit(agency)
    a.returned(agency, [1, 2, 3])
    await a.flush()
    await b.admit(agency)
    b.returned(agency, [2, 3, 4, 5])  # 2 and 3 were returned through a already
    await b.flush()
    assert await db_a.fetchval("SELECT subjects FROM core.limit_window WHERE agency_id = $1", agency) == 5
    await a.admit(agency)  # a learns the deployment's 5 with this batch or its next lease
    a.returned(agency, [6])
    await a.flush()
    with pytest.raises(RateLimited) as refused:
        await a.admit(agency)
    assert refused.value.code == "SUBJECT_RATE_LIMITED"
    assert 1 <= refused.value.retry_after <= 60
    # b learns the deployment's count with its next lease at the latest: meanwhile it can
    # admit what it leased, and what those return counts against its own next batch.
    admitted = 0
    while (refusal := await _refusal(b, agency)) is None:
        admitted += 1
    assert refusal.code == "SUBJECT_RATE_LIMITED"
    assert admitted < LIMITS.lease_operations


async def test_waiting_subjects_count_before_they_are_recorded(two: tuple[Database, Database, int]) -> None:
    db_a, _, agency = two
    limits = Limits(subjects_per_minute=2, subject_batch=100)
    a = RateLimiter(limits, db_a)
    await a.admit(agency)
    a.returned(agency, [7, 8])  # not recorded yet (the batch is 100)
    with pytest.raises(RateLimited):
        await a.admit(agency)


async def test_the_window_rolls_by_the_database_clock(two: tuple[Database, Database, int]) -> None:
    db_a, db_b, agency = two
    a, b = RateLimiter(LIMITS, db_a), RateLimiter(LIMITS, db_b)
    a.WINDOW = b.WINDOW = 1.0
    while await _admitted(a, agency):
        pass
    assert not await _admitted(b, agency)

    async def admitted_again() -> bool:
        return await _admitted(b, agency)

    await poll(admitted_again, "the next window", 10)


async def test_two_hub_processes_refuse_an_agency_at_the_configured_total(
    fresh_database_url: str, tmp_path: Path
) -> None:
    """Two `hub serve` processes on one database, one agency alternating between them (as a
    balancer would): 429 with Retry-After at the configured 20 operations, not at 2 x 20."""
    conn = await asyncpg.connect(fresh_database_url)
    try:
        key = (await create_agency(Database(connection=conn), code="T-SERVED", name="限额", kind="court")).key
    finally:
        await conn.close()
    settings = {
        "HUB_AUDIT_CHECKPOINT_SECONDS": "0",
        "HUB_LIMIT_OPERATIONS_PER_MINUTE": "20",
        "HUB_LIMIT_LEASE_OPERATIONS": "5",
    }
    processes = [HubProcess(fresh_database_url, tmp_path, **settings) for _ in range(2)]
    try:
        for process in processes:
            await poll(process.ready, "a hub process to become ready", 30)
        statuses: list[int] = []
        retry_after: list[int] = []
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=10) as http:
            for _ in range(20):
                for process in processes:
                    response = await http.post(f"{process.url}/graphql", json={"query": "{ __typename }"})
                    statuses.append(response.status_code)
                    if response.status_code == 429:
                        retry_after.append(int(response.headers["retry-after"]))
            # One process killed, a new one started: the count is the database's, not theirs.
            processes[0].proc.send_signal(signal.SIGKILL)
            processes[0].proc.wait()
            processes.append(HubProcess(fresh_database_url, tmp_path, **settings))
            await poll(processes[-1].ready, "the new hub process to become ready", 30)
            after_restart = await http.post(f"{processes[-1].url}/graphql", json={"query": "{ __typename }"})
    finally:
        for process in processes:
            process.stop()
    # Spent evenly, no lease is left unspent: exactly the configured total, then refusals
    # from both processes until the window ends.
    assert statuses == [200] * 20 + [429] * 20
    assert all(1 <= seconds <= 60 for seconds in retry_after)
    assert after_restart.status_code == 429
    assert 1 <= int(after_restart.headers["retry-after"]) <= 60
