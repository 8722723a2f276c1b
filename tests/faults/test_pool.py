"""The pool exhausted: every pooled connection held by a statement that waits on a lock.

The hub runs with two connections per pool and a one-second wait for a free one; a
connection held elsewhere locks the tables the reads and screenings need, so the statements
that got a connection wait, and the requests behind them find none. Those must be answered
503 with Retry-After in bounded time (a few times the pool's wait), never left hanging, and
the held ones answered once the lock goes; the trail stays whole and verifies.
"""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg

from tests.faults.harness import UNLIMITED, Load, check, seed, under_load
from tests.served import HubProcess, poll

POOL_TIMEOUT = 1
# The longest a request may wait for its 503: its statement's wait for a connection, its
# retry's, and the audit record's (which also waits for one), with room for a busy machine.
BOUND = 4 * POOL_TIMEOUT + 3


async def test_an_exhausted_pool_answers_503_in_bounded_time(fresh_database_url: str, tmp_path: Path) -> None:
    agencies = await seed(fresh_database_url)
    hub = HubProcess(
        fresh_database_url,
        tmp_path,
        HUB_POOL_MIN_SIZE="1",
        HUB_POOL_MAX_SIZE="2",
        HUB_POOL_TIMEOUT_SECONDS=str(POOL_TIMEOUT),
        HUB_STATEMENT_TIMEOUT_MS="60000",  # the held statements wait for the lock, not time out
        **UNLIMITED,
    )
    held: list[float] = []

    async def hold_the_pool(load: Load) -> None:
        conn = await asyncpg.connect(fresh_database_url)
        try:
            async with conn.transaction():
                # The reads (and screenings) wait on the listings; the audit trail does not.
                await conn.execute("LOCK TABLE court.listing IN ACCESS EXCLUSIVE MODE")
                held.append(time.monotonic())

                async def refused() -> bool:
                    return sum(a.status == 503 for a in load.since(held[0])) >= 5

                await poll(refused, "503s while the pool is held", 30)
                held.append(time.monotonic())
        finally:
            await conn.close()

    load = await under_load(agencies, hold_the_pool, hub, clients=8)
    await check(load, fresh_database_url)
    during = [a for a in load.since(held[0]) if a.asked + a.seconds <= held[1]]
    refused = [a for a in during if a.status == 503]
    assert refused, sorted({(a.status, a.seconds) for a in during})
    slowest = max(a.seconds for a in refused)
    assert slowest < BOUND, (slowest, sorted(round(a.seconds, 2) for a in refused))
