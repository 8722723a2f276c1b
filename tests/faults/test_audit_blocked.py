"""Audit appends blocked: another session holds a lock on the trail that stops every insert.

While it is held, nothing the hub answers may go out unaudited: every request is answered
503 AUDIT_UNAVAILABLE with Retry-After, in bounded time (the append gives up when its
statement times out), and none 200. Once the lock goes, the hub answers again by itself,
every 200 has its one record, and `hub audit verify` is clean.
"""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg

from tests.faults.harness import UNLIMITED, Load, check, seed, under_load
from tests.served import HubProcess

STATEMENT_TIMEOUT_S = 2
# The longest a request may wait for its 503: the batch before its own, then its own, each
# ended by the statement timeout, with room for a busy machine.
BOUND = 2 * STATEMENT_TIMEOUT_S + 3


async def test_blocked_audit_appends_answer_503_and_recover(fresh_database_url: str, tmp_path: Path) -> None:
    agencies = await seed(fresh_database_url)
    hub = HubProcess(
        fresh_database_url, tmp_path, HUB_STATEMENT_TIMEOUT_MS=str(STATEMENT_TIMEOUT_S * 1000), **UNLIMITED
    )
    held: list[float] = []

    async def block_the_trail(load: Load) -> None:
        conn = await asyncpg.connect(fresh_database_url)
        try:
            async with conn.transaction():
                # EXCLUSIVE: the trail can still be read, but not appended to.
                await conn.execute("LOCK TABLE audit.event IN EXCLUSIVE MODE")
                held.append(time.monotonic())
                await load.answered(20, "answers while the trail is blocked")
                held.append(time.monotonic())
        finally:
            await conn.close()

    load = await under_load(agencies, block_the_trail, hub)
    await check(load, fresh_database_url)
    during = [a for a in load.since(held[0]) if a.asked + a.seconds <= held[1]]
    assert len(during) >= 10, len(during)
    assert all(a.status == 503 and a.codes == {"AUDIT_UNAVAILABLE"} for a in during), [
        (a.status, a.codes) for a in during
    ]
    slowest = max(a.seconds for a in during)
    assert slowest < BOUND, (slowest, sorted(round(a.seconds, 2) for a in during))
