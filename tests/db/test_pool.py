"""The app's pool acts as hub_app: it may append to the audit trail but never rewrite it."""

from __future__ import annotations

import asyncpg
import pytest

from hub.db.database import create_pool


async def test_pooled_connections_cannot_rewrite_the_trail(fresh_database_url: str) -> None:
    pool = await create_pool(fresh_database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT current_user") == "hub_app"
            assert await conn.fetchval("SELECT count(*) FROM core.subject") == 0
            for statement in (
                "UPDATE audit.event SET outcome = 'ok'",
                "DELETE FROM audit.event",
                "TRUNCATE audit.event",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement)
    finally:
        await pool.close()
