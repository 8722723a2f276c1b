"""The trail is append-only: the application role lacks the grants, and triggers refuse anyone."""

from __future__ import annotations

import asyncpg
import pytest

from hub.audit import AuditWriter
from hub.db.database import Database
from tests.audit.records import make_record

CHANGES = [
    "UPDATE audit.event SET purpose = 'changed'",
    "DELETE FROM audit.event",
    "TRUNCATE audit.event",
    "UPDATE audit.checkpoint SET key_id = '0000000000000000'",
    "DELETE FROM audit.checkpoint",
    "TRUNCATE audit.checkpoint",
]


@pytest.fixture
async def app_role(conn: asyncpg.Connection) -> str:
    if not await conn.fetchval("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app')"):
        pytest.skip("the migrating user could not create the hub_app role")
    return "hub_app"


async def as_role(conn: asyncpg.Connection, role: str | None, statement: str) -> None:
    """Run ``statement`` in a savepoint, as ``role`` (None: as the superuser)."""
    async with conn.transaction():
        if role is not None:
            await conn.execute(f"SET LOCAL ROLE {role}")
        await conn.execute(statement)


async def _one_of_each(db: Database) -> None:
    await AuditWriter(db).append(make_record())
    await db.execute(
        "INSERT INTO audit.checkpoint (seq, hash, at, signature, key_id, public_key)"
        " VALUES (1, $1, now(), $2, '0123456789abcdef', $1)",
        bytes(32),
        bytes(64),
    )


@pytest.mark.parametrize("statement", CHANGES)
async def test_the_app_role_may_not_change_the_trail(
    conn: asyncpg.Connection, db: Database, app_role: str, statement: str
) -> None:
    # Given a record and a checkpoint
    await _one_of_each(db)
    # When the application's role tries to change them, Then it lacks the privilege (SQLSTATE
    # 42501; the server's wording of it depends on its version and lc_messages)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_role(conn, app_role, statement)


async def test_the_app_role_may_append_and_read(conn: asyncpg.Connection, db: Database, app_role: str) -> None:
    # Given the application's role
    await conn.execute(f"SET LOCAL ROLE {app_role}")
    try:
        # When it appends through the writer and reads the trail and the sources
        seq = await AuditWriter(db).append(make_record())
        assert await conn.fetchval("SELECT seq FROM audit.head") == seq
        assert await conn.fetchval("SELECT count(*) FROM audit.event WHERE seq = $1", seq) == 1
        await conn.fetchval("SELECT count(*) FROM core.subject")
        await conn.fetchval("SELECT count(*) FROM court.listing")
    finally:
        await conn.execute("RESET ROLE")


@pytest.mark.parametrize("statement", CHANGES)
async def test_the_triggers_refuse_even_the_superuser(conn: asyncpg.Connection, db: Database, statement: str) -> None:
    await _one_of_each(db)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await as_role(conn, None, statement)
