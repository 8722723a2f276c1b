"""Migrations: ``sql/migrations/NNNN_name.sql`` applied in order, each once, checksummed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from hub.db.queries import sql_dir
from hub.errors import MigrationError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any fixed number: it only has to keep two migrators from running at once.
_LOCK_KEY = 7_202_611_280

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS public.hub_migration (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or sql_dir() / "migrations"
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append(Migration(match.group(1), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


async def _applied(conn: asyncpg.Connection) -> dict[str, tuple[str, str]]:
    exists = await conn.fetchval("SELECT to_regclass('public.hub_migration') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, name, checksum FROM public.hub_migration")
    return {r["version"]: (r["name"], r["checksum"]) for r in rows}


def _check_applied(migrations: list[Migration], applied: dict[str, tuple[str, str]]) -> None:
    known = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        migration = known.get(version)
        if migration is None:
            raise MigrationError(
                f"the database has migration {name} applied, but no such file exists; "
                "this hub is older than its database"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"migration {name} was edited after it was applied "
                f"(checksum {checksum[:12]} in the database, {migration.checksum[:12]} on disk); "
                "restore the file and put the change in a new migration"
            )


async def pending(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Names of migrations not yet applied; raises if an applied one was edited."""
    migrations = load_migrations() if migrations is None else migrations
    applied = await _applied(conn)
    _check_applied(migrations, applied)
    return [m.name for m in migrations if m.version not in applied]


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations, each in its own transaction; return their names."""
    migrations = load_migrations() if migrations is None else migrations
    done: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await conn.execute(_CREATE_TABLE)
        applied = await _applied(conn)
        _check_applied(migrations, applied)
        for migration in migrations:
            if migration.version in applied:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO public.hub_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.name)
    return done
