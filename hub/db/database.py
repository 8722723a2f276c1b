"""The one door to PostgreSQL: a pool in production, one shared connection in tests.

Only the data layer (``hub.sources``) calls these methods. Every statement is counted, so a
test can prove that a nested query costs the same number of statements for 1 or 100 rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg


class Database:
    """Runs statements on a pool, or on a single connection guarded by a lock."""

    def __init__(
        self,
        pool: asyncpg.Pool | None = None,
        connection: asyncpg.Connection | None = None,
    ) -> None:
        if (pool is None) == (connection is None):
            raise ValueError("give exactly one of pool or connection")
        self._pool = pool
        self._connection = connection
        # One connection cannot run two statements at once; loaders run concurrently.
        self._lock = asyncio.Lock() if connection is not None else None
        self.statements = 0

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        if self._connection is not None:
            assert self._lock is not None
            async with self._lock:
                yield self._connection
        else:
            assert self._pool is not None
            async with self._pool.acquire() as conn:
                # A pooled proxy behaves as a connection.
                yield cast(asyncpg.Connection, conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction (a savepoint when the connection is already in one)."""
        async with self.acquire() as conn, conn.transaction():
            yield conn

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        self.statements += 1
        async with self.acquire() as conn:
            rows: list[asyncpg.Record] = await conn.fetch(query, *args)
            return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        self.statements += 1
        async with self.acquire() as conn:
            row: asyncpg.Record | None = await conn.fetchrow(query, *args)
            return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        self.statements += 1
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        self.statements += 1
        async with self.acquire() as conn:
            status: str = await conn.execute(query, *args)
            return status

    async def executemany(self, query: str, args: Sequence[Sequence[Any]]) -> None:
        self.statements += 1
        async with self.acquire() as conn:
            await conn.executemany(query, args)

    def child(self) -> Database:
        """A view on the same pool or connection with its own statement counter."""
        view = Database.__new__(Database)
        view._pool = self._pool
        view._connection = self._connection
        view._lock = self._lock
        view.statements = 0
        return view


async def create_pool(url: str, *, min_size: int, max_size: int) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        # No statement may hold a pooled connection for long.
        server_settings={"application_name": "hub", "statement_timeout": "30000"},
    )
    assert pool is not None
    return pool
