"""What the deployment-wide limits cost on the hot path, side by side with per-process ones.

Every operation passes ``admit`` (before) and ``returned`` (after, with the subjects it
returned). The per-process limiter (the hub's before migration 0018) counts in this process's
memory; the shared one (``hub.policy.rates``) leases operations in blocks from PostgreSQL and
records new subjects in batches. Measured here, one agency at a time, with limits too high to
refuse anything:

- ``new subject``: each operation returns a subject not seen before (a hotel desk's screening);
- ``same subject``: each returns the same one (a screen refreshed);
- ``2 processes``: two limiters, each on its own pool, take turns (the lease row is shared).

Prints microseconds per operation, statements per 1,000 operations, and the ratio to the
per-process limiter. Run: ``python bench/limits.py [--operations N]`` (HUB_DATABASE_URL's
server, else an embedded one).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

import asyncpg
from harness import bench_server, with_database

from hub.agencies import create_agency
from hub.db.database import Database, create_pool
from hub.db.embedded import ensure_database
from hub.db.migrate import migrate
from hub.policy.limits import Limits, RateLimited
from hub.policy.rates import RateLimiter

HIGH = Limits(operations_per_minute=10**9, subjects_per_minute=10**9)


class ProcessLimiter:
    """The per-process limiter the hub had before migration 0018 (sliding minute windows in
    this process's memory), kept here as the baseline."""

    WINDOW = 60.0

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._operations: defaultdict[int, deque[float]] = defaultdict(deque)
        self._subjects: defaultdict[int, dict[int, float]] = defaultdict(dict)

    async def admit(self, agency_id: int) -> None:
        now = time.monotonic()
        window = self._operations[agency_id]
        while window and window[0] <= now - self.WINDOW:
            window.popleft()
        if len(window) >= self.limits.operations_per_minute:
            raise RateLimited("RATE_LIMITED", "over", self.limits.operations_per_minute, 1)
        seen = self._subjects[agency_id]
        while seen:
            _, at = next(iter(seen.items()))
            if at > now - self.WINDOW:
                break
            del seen[next(iter(seen))]
        if len(seen) >= self.limits.subjects_per_minute:
            raise RateLimited("SUBJECT_RATE_LIMITED", "over", self.limits.subjects_per_minute, 1)
        window.append(now)

    def returned(self, agency_id: int, subjects: tuple[int, ...]) -> None:
        now = time.monotonic()
        seen = self._subjects[agency_id]
        for subject in subjects:
            seen.pop(subject, None)
            seen[subject] = now


Limiter = ProcessLimiter | RateLimiter


async def _run(limiters: list[Limiter], agency: int, operations: int, new_subjects: bool) -> float:
    """Microseconds per operation over ``operations``, the limiters taking turns."""
    started = time.perf_counter()
    for n in range(operations):
        limiter = limiters[n % len(limiters)]
        await limiter.admit(agency)
        limiter.returned(agency, (n if new_subjects else 1,))
    for limiter in limiters:
        if isinstance(limiter, RateLimiter):
            await limiter.flush()
    return (time.perf_counter() - started) / operations * 1e6


async def _round_trip(db: Database, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await db.fetchval("SELECT 1")
    return (time.perf_counter() - started) / count * 1e6


async def main(admin_url: str, where: str, operations: int) -> None:
    name = f"hub_bench_limits_{uuid.uuid4().hex[:8]}"
    await ensure_database(admin_url, name)
    url = with_database(admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    pools = [await create_pool(url, min_size=2, max_size=4) for _ in range(2)]
    try:
        dbs = [Database(pool=pool) for pool in pools]
        agencies = iter(range(1, 100))

        async def agency() -> int:
            created = await create_agency(dbs[0], code=f"B-{next(agencies)}", name="基准", kind="court")
            return created.id

        print(f"limits on the hot path, {operations} operations each, on {where}")
        print(f"one SELECT 1 round trip: {await _round_trip(dbs[0], 2000):.1f} us")
        print(f"{'case':<18}{'per-process us/op':>20}{'shared us/op':>15}{'ratio':>8}{'stmts/1000 ops':>16}")
        cases: list[tuple[str, bool, int]] = [
            ("new subject", True, 1),
            ("same subject", False, 1),
            ("2 processes", True, 2),
        ]
        for label, new_subjects, processes in cases:
            baseline = await _run([ProcessLimiter(HIGH)], await agency(), operations, new_subjects)
            views = [db.child() for db in dbs[:processes]]
            shared: list[Limiter] = [RateLimiter(HIGH, view) for view in views]
            starts: list[Callable[[], Awaitable[None]]] = []
            for limiter in shared:
                assert isinstance(limiter, RateLimiter)
                limiter.start()
                starts.append(limiter.stop)
            try:
                cost = await _run(shared, await agency(), operations, new_subjects)
            finally:
                for stop in starts:
                    await stop()
            statements = sum(view.statements for view in views) / operations * 1000
            print(f"{label:<18}{baseline:>20.1f}{cost:>15.1f}{cost / baseline:>7.1f}x{statements:>16.0f}")
    finally:
        for pool in pools:
            await pool.close()
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=20_000)
    args = parser.parse_args()
    with bench_server("hubbenchlimits") as server:
        asyncio.run(main(server.admin_url, server.where, args.operations))
