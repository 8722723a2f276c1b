"""PostgreSQL going away under load: a restart, and the hub's backends killed.

Each test owns its cluster (an embedded server in a folder of its own, which it may restart)
and runs `hub serve` on it. Clients keep asking (compiled reads, reads the executor answers,
screenings) while the fault happens, each request named by its own Hub-Operator. Then:
every answer is 200 or 503 with Retry-After in GraphQL's JSON error format, never a 500 nor a
200 carrying "the database went away"; every 200 has exactly one audit record and no record
names a request that was not answered 200 or 503; the chain verifies; the hub recovered by
itself.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest_asyncio

from hub.db.embedded import EmbeddedServer, ensure_database
from hub.db.migrate import migrate
from tests.faults.harness import UNLIMITED, Agencies, Load, check, seed, under_load
from tests.served import HubProcess


@dataclass
class Cluster:
    server: EmbeddedServer
    url: str
    folder: Path
    agencies: Agencies


@pytest_asyncio.fixture
async def cluster() -> AsyncIterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="hubfault", dir="/tmp"))
    server = EmbeddedServer(folder / "db")
    try:
        url = server.start()  # the URL of its "hub" database
        await ensure_database(server.admin_url, "hub")
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield Cluster(server, url, folder, await seed(url))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def _under_load(cluster: Cluster, fault: Callable[[Load], Awaitable[None]], tmp: Path) -> Load:
    return await under_load(cluster.agencies, fault, HubProcess(cluster.url, tmp, **UNLIMITED))


async def test_a_restart_under_load_answers_200_or_503_and_audits_every_answer(
    cluster: Cluster, tmp_path: Path
) -> None:
    async def restart(load: Load) -> None:
        await asyncio.to_thread(cluster.server.restart, "fast")

    load = await _under_load(cluster, restart, tmp_path)
    await check(load, cluster.url)
    assert any(a.status == 200 for a in load.answers)


async def test_killed_backends_under_load_answer_200_or_503_and_audit_every_answer(
    cluster: Cluster, tmp_path: Path
) -> None:
    async def kill_twice(load: Load) -> None:
        conn = await asyncpg.connect(cluster.url)
        try:
            for _ in range(2):
                await conn.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name IN ('hub', 'hub-reads') AND pid <> pg_backend_pid()"
                )
                await load.answered(10, "answers between the two kills")
        finally:
            await conn.close()

    load = await _under_load(cluster, kill_twice, tmp_path)
    await check(load, cluster.url)
