"""Migrations apply in order, once each, and an edited applied migration is refused."""

from __future__ import annotations

import dataclasses

import asyncpg
import pytest

from hub.db.migrate import Migration, load_migrations, migrate, pending
from hub.errors import MigrationError


async def test_every_migration_is_recorded_with_its_checksum(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch("SELECT version, name, checksum FROM public.hub_migration ORDER BY version")
    on_disk = load_migrations()
    assert [(r["version"], r["name"], r["checksum"]) for r in rows] == [
        (m.version, m.name, m.checksum) for m in on_disk
    ]
    assert await pending(conn) == []


async def test_running_again_applies_nothing(conn: asyncpg.Connection) -> None:
    assert await migrate(conn) == []


async def test_an_edited_migration_is_refused_by_name(conn: asyncpg.Connection) -> None:
    migrations = load_migrations()
    edited = [dataclasses.replace(migrations[0], sql=migrations[0].sql + "\n-- a quiet edit\n"), *migrations[1:]]
    with pytest.raises(MigrationError, match=f"{migrations[0].name} was edited after it was applied"):
        await migrate(conn, edited)
    with pytest.raises(MigrationError):
        await pending(conn, edited)


async def test_a_new_migration_is_applied_once_in_order(conn: asyncpg.Connection) -> None:
    extra = Migration("9999", "9999_probe.sql", "CREATE TABLE core.probe (id int)")
    assert await migrate(conn, [*load_migrations(), extra]) == ["9999_probe.sql"]
    assert await conn.fetchval("SELECT to_regclass('core.probe') IS NOT NULL")
    assert await migrate(conn, [*load_migrations(), extra]) == []


async def test_a_failing_migration_leaves_nothing_behind(conn: asyncpg.Connection) -> None:
    broken = Migration("9998", "9998_broken.sql", "CREATE TABLE core.half (id int); SELECT 1/0;")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await migrate(conn, [*load_migrations(), broken])
    assert await conn.fetchval("SELECT to_regclass('core.half')") is None
    assert await conn.fetchval("SELECT count(*) FROM public.hub_migration WHERE version = '9998'") == 0


async def test_a_database_newer_than_the_code_is_refused(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO public.hub_migration VALUES ('9997', '9997_future.sql', 'x')")
    with pytest.raises(MigrationError, match="no such file"):
        await pending(conn)
