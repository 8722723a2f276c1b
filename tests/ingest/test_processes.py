"""A served hub: uploads over real sockets, a client that goes away, a server killed mid-batch, the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from hub.agencies import create_agency
from hub.db.database import Database
from hub.seed.courts import ensure_courts
from tests.ingest.conftest import EXAMPLES, example
from tests.served import HubProcess, poll

ROOT = Path(__file__).resolve().parents[2]
COUNTS = """SELECT (SELECT count(*) FROM land.real_estate) AS estates, (SELECT count(*) FROM land.ownership) AS owners,
                   (SELECT count(*) FROM core.subject) AS subjects, (SELECT count(*) FROM ingest.record_history) AS history,
                   (SELECT string_agg(address, ',' ORDER BY id) FROM land.real_estate) AS addresses"""


def _poll(check, deadline_s: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def served(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[HubProcess, dict[str, str]]]:  # type: ignore[misc]
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await ensure_courts(conn)
        db = Database(connection=conn)
        keys = {
            kind: (await create_agency(db, code=f"P-{kind}", name=f"测试{kind}", kind=kind)).key
            for kind in ("court", "land")
        }
    finally:
        await conn.close()
    hub = HubProcess(fresh_database_url, tmp_path, HUB_EXPIRY_SECONDS="0")
    try:
        await poll(hub.ready, "the hub to become ready", 120)
        async with httpx.AsyncClient(base_url=hub.url) as client:
            for source in ("court", "land"):
                response = await client.post(
                    f"/ingest/{source}",
                    content=example(f"{source}.ndjson"),
                    headers={"Authorization": f"Bearer {keys[source]}"},
                )
                assert response.status_code == 200, response.text
        yield hub, keys
    finally:
        hub.stop()


async def _counts(url: str) -> asyncpg.Record:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchrow(COUNTS)
    finally:
        await conn.close()


def _changed_records(count: int) -> bytes:
    """``count`` records: the examples with new addresses, then new estates of new owners."""
    from hub.identity import make_resident_id

    records = [orjson.loads(line) for line in example("land.ndjson").splitlines()]
    for record in records:
        record["address"] += "（变更）"
    base = __import__("datetime").date(1960, 1, 1)
    for n in range(count - len(records)):
        owner = make_resident_id("350102", base + __import__("datetime").timedelta(days=n % 15000), n % 1000)
        records.append(
            {
                "certificateNumber": f"闽(2023)福州市不动产权第{n:07d}号",
                "region": "350102",
                "address": f"福州市鼓楼区某路{n}号",
                "areaM2": "60.00",
                "usage": "residential",
                "registeredOn": "2023-01-01",
                "owners": [{"name": f"业主{n}", "identifier": owner, "share": "1"}],
            }
        )
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


async def test_a_client_that_goes_away_mid_upload_changes_nothing(served, fresh_database_url: str) -> None:  # type: ignore[no-untyped-def]
    hub, keys = served
    before = await _counts(fresh_database_url)
    body = _changed_records(5_000)
    # given an upload that announces the whole file but sends only part of it
    sock = socket.create_connection(("127.0.0.1", hub.port))
    head = (
        f"POST /ingest/land HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {keys['land']}\r\n"
        f"Content-Type: application/x-ndjson\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])

    def receiving() -> bool:
        return bool(
            httpx.post(
                f"{hub.url}/graphql",
                json={"query": '{ ingestBatch(id: "3") { status } }'},
                headers={"Authorization": f"Bearer {keys['land']}"},
            ).json()["data"]["ingestBatch"]
        )

    await asyncio.to_thread(_poll, receiving, 30, "the hub to start the batch")
    # when the client goes away
    sock.close()

    # then the batch ends failed, and the stored data is as it was
    def failed() -> dict | None:  # type: ignore[type-arg]
        batch = httpx.post(
            f"{hub.url}/graphql",
            json={"query": '{ ingestBatch(id: "3") { status message records } }'},
            headers={"Authorization": f"Bearer {keys['land']}"},
        ).json()["data"]["ingestBatch"]
        return batch if batch["status"] == "FAILED" else None

    batch = await asyncio.to_thread(_poll, failed, 30, "the batch to fail")
    assert "interrupted" in batch["message"]
    assert await _counts(fresh_database_url) == before
    conn = await asyncpg.connect(fresh_database_url)
    try:
        audit = await conn.fetchval(
            "SELECT error_codes FROM audit.event WHERE operation_name = 'ingest.land' ORDER BY seq DESC LIMIT 1"
        )
    finally:
        await conn.close()
    assert audit == ["UPLOAD_INTERRUPTED"]


async def test_a_hub_killed_mid_merge_leaves_the_data_as_it_was(served, fresh_database_url: str) -> None:  # type: ignore[no-untyped-def]
    hub, keys = served
    before = await _counts(fresh_database_url)
    # given the merge will have to wait for a lock this test holds
    blocker = await asyncpg.connect(fresh_database_url)
    lock = blocker.transaction()
    await lock.start()
    await blocker.execute("LOCK TABLE land.real_estate IN SHARE MODE")
    try:

        def send() -> None:
            # The hub dies before it answers: the connection just ends.
            with contextlib.suppress(httpx.TransportError):
                httpx.post(
                    f"{hub.url}/ingest/land",
                    content=_changed_records(2_000),
                    headers={"Authorization": f"Bearer {keys['land']}"},
                    timeout=60,
                )

        sent = threading.Thread(target=send, daemon=True)
        sent.start()

        async def merging() -> bool:
            return bool(
                await blocker.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hub' AND wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            )

        deadline = time.monotonic() + 60
        while not await merging():
            assert time.monotonic() < deadline, "the merge never reached the lock"
            await asyncio.sleep(0.05)
        # when the hub process is killed in the middle of the merge
        hub.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(hub.proc.wait, 30)
    finally:
        await lock.rollback()
        await blocker.close()

    # then nothing of the batch is stored, and the batch reads as failed
    conn = await asyncpg.connect(fresh_database_url)
    try:
        deadline = time.monotonic() + 30
        while await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hub' AND datname = current_database()"
        ):
            assert time.monotonic() < deadline, "the killed hub's sessions did not end"
            await asyncio.sleep(0.05)
        from hub.db.queries import QUERIES

        batch = await conn.fetchrow(QUERIES.ingest.batch_by_id, 3)
    finally:
        await conn.close()
    assert batch["status"] == "failed"
    assert await _counts(fresh_database_url) == before


def test_the_cli_uploads_a_file_and_shows_its_batch(served) -> None:  # type: ignore[no-untyped-def]
    hub, keys = served

    def hub_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", "ingest", *args, "--key", keys["land"], "--url", hub.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    gb = EXAMPLES.parent.parent / "examples" / "ingest" / "land.csv"
    converted = Path(hub.log.parent / "land-gb18030.csv")
    converted.write_bytes(gb.read_text(encoding="utf-8").replace("118.50", "118.60").encode("gb18030"))
    done = hub_cli(str(converted), "--source", "land", "--encoding", "gb18030", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "applied" in done.stdout
    assert "updated 1" in done.stdout
    assert "unchanged 2" in done.stdout
    batch_id = done.stdout.split()[1]

    shown = hub_cli("status", batch_id)
    assert shown.returncode == 0, shown.stderr
    assert f"batch {batch_id} (land, csv, atomic): applied" in shown.stdout

    bad = Path(hub.log.parent / "bad.ndjson")
    bad.write_text('{"certificateNumber": "nope"}\n', encoding="utf-8")
    refused = hub_cli(str(bad), "--source", "land", "--quiet")
    assert refused.returncode == 1
    assert "rejected" in refused.stdout
    assert "line 1: certificateNumber" in refused.stdout

    denied = hub_cli(str(bad), "--source", "court", "--quiet")
    assert denied.returncode == 1
    assert "SOURCE_NOT_ALLOWED" in denied.stderr


def test_the_cli_shows_its_own_progress_not_the_http_library_s_log(served) -> None:  # type: ignore[no-untyped-def]
    hub, keys = served
    file = EXAMPLES.parent.parent / "examples" / "ingest" / "land.ndjson"
    records = len(file.read_bytes().splitlines())

    def upload(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", "ingest", str(file), "--source", "land", "--key", keys["land"]]
            + ["--url", hub.url, *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    plain = upload()
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "HTTP Request:" not in plain.stderr
    assert " INFO " not in f" {plain.stderr}"
    # Its own progress: the file, and the records sent.
    assert "uploading land.ndjson" in plain.stderr
    assert f"{records} records" in plain.stderr
    assert "applied" in plain.stdout

    verbose = upload("--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "HTTP Request:" in verbose.stderr
