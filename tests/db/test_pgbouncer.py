"""`hub serve` behind PgBouncer in transaction mode (Debian's ``pgbouncer``), LISTEN and
session state on a direct connection: reads, a screening, a list change that reaches a
subscriber, a key revocation heard over LISTEN, and the shared limits.

Without the ``pgbouncer`` binary these tests are skipped, or fail under
``HUB_REQUIRE_PGBOUNCER=1`` (CI, which installs it as the README says)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.agencies import revoke_key
from hub.db.database import Database, StatementTimeout, create_pool
from hub.errors import ConfigurationError
from tests.events.conftest import PERSON_ID, Hub, graphql, listed, open_ws, seed
from tests.ingest.conftest import EXAMPLES
from tests.served import DEADLINE, HubProcess, Served, free_port, poll

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")
OPERATIONS = 30
REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { afterSeq } }"
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""


def _pgbouncer() -> str:
    if PGBOUNCER is not None:
        return PGBOUNCER
    message = "PgBouncer is not installed: apt-get install -y pgbouncer"
    if os.environ.get("HUB_REQUIRE_PGBOUNCER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def pooled(fresh_database_url: str, tmp_path: Path) -> Iterator[str]:
    """PgBouncer in transaction mode in front of the test's server; the URL of the test's
    database through it. Few server connections, so transactions really change hands."""
    binary = _pgbouncer()
    direct = urlsplit(fresh_database_url)
    # The embedded server listens on a Unix socket only (``?host=<directory>``).
    socket_dir = parse_qs(direct.query).get("host", [None])[0]
    server_host = socket_dir or direct.hostname or "127.0.0.1"
    port = free_port()
    directory = tmp_path / "pgbouncer"
    directory.mkdir()
    user = direct.username or "postgres"
    password = f" password={direct.password}" if direct.password else ""
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server_host} port={direct.port or 5432}{password}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
pool_mode = transaction
default_pool_size = 4
max_client_conn = 500
"""
    )
    # PgBouncer refuses to run as root: it reads its files, then becomes the owner of the
    # server's socket directory (who may reach the socket), or ``nobody``.
    run_as = pwd.getpwuid(os.stat(socket_dir).st_uid).pw_name if socket_dir else "nobody"
    command = [binary, *(["-u", run_as] if os.geteuid() == 0 else []), str(directory / "pgbouncer.ini")]
    log = (directory / "pgbouncer.log").open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _listening(proc, port, directory / "pgbouncer.log")
        yield urlunsplit(direct._replace(netloc=f"{direct.netloc.rsplit('@', 1)[0]}@127.0.0.1:{port}", query=""))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until PgBouncer accepts connections on ``port`` (polled, with a deadline)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise AssertionError(f"PgBouncer did not listen within {DEADLINE} s: {log.read_text()}")


async def _status(url: str, key: str, query: str = "{ __typename }") -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(f"{url}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {key}"})


async def test_the_hub_serves_behind_pgbouncer_in_transaction_mode(
    fresh_database_url: str, pooled: str, tmp_path: Path
) -> None:
    keys, subject_id = await seed(fresh_database_url)
    listing_id = await listed(fresh_database_url, subject_id, "(2026)闽0102执1号", date.today(), date.today())
    process = HubProcess(
        pooled,
        tmp_path,
        HUB_DIRECT_DATABASE_URL=fresh_database_url,
        HUB_DATABASE_POOLER="pgbouncer",
        HUB_AUDIT_CHECKPOINT_SECONDS="0",
        # A key stays cached for an hour unless a revocation is heard over LISTEN.
        HUB_KEY_CACHE_SECONDS="3600",
        HUB_LIMIT_OPERATIONS_PER_MINUTE=str(OPERATIONS),
        HUB_POOL_MIN_SIZE="4",
        HUB_POOL_MAX_SIZE="8",
    )
    try:
        await poll(process.ready, "the hub to become ready behind PgBouncer", 30)
        hub = Hub(process.url, fresh_database_url, keys, subject_id)

        land = {"Authorization": f"Bearer {keys['land']}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"}
        ids = {"ids": [{"name": "林文斌", "residentId": PERSON_ID}]}
        async with httpx.AsyncClient(timeout=10, headers=land) as http:
            # Reads, many at once over few server connections (no prepared statement lost).
            reads = await asyncio.gather(
                *(
                    http.post(f"{hub.url}/graphql", json={"query": f'{{ subject(id: "{subject_id}") {{ name }} }}'})
                    for _ in range(12)
                )
            )
            # A screening: BLOCK on the active listing.
            screened = (await http.post(f"{hub.url}/graphql", json={"query": SCREEN, "variables": ids})).json()
        assert [r.json() for r in reads] == [{"data": {"subject": {"name": "林文斌"}}}] * 12
        assert screened["data"]["screen"]["decisions"] == [{"decision": "BLOCK"}], screened
        subscriber = await open_ws(hub, keys["land"])
        await subscriber.subscribe("s", "subscription { listChanges(after: 0) { kind listing { id } } }")
        posted: list[str] = []

        async def endpoint(request: Request) -> Response:
            posted.append(orjson.loads(await request.body())["kind"])
            return Response(status_code=204)

        # A removal through the pooler reaches the subscriber and a webhook (the NOTIFY heard
        # on the direct LISTEN connection), and the next screening is ALLOW.
        async with Served(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as receiver:
            hook = {"url": f"http://127.0.0.1:{receiver.port}/hook"}
            registered = await graphql(hub, keys["land"], REGISTER, hook)
            assert "errors" not in registered, registered
            removed = await graphql(
                hub,
                keys["court"],
                "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { version } }",
                {"id": str(listing_id)},
            )
            assert "errors" not in removed, removed
            [change] = await subscriber.next_payloads("s", 1)
            await subscriber.ws.close()

            async def delivered() -> bool:
                return bool(posted)

            await poll(delivered, "the webhook delivery")
        assert change["data"]["listChanges"] == {"kind": "REMOVED", "listing": {"id": str(listing_id)}}
        assert posted == ["listing.removed"]
        async with httpx.AsyncClient(timeout=10, headers=land) as http:
            screened = (await http.post(f"{hub.url}/graphql", json={"query": SCREEN, "variables": ids})).json()
        assert screened["data"]["screen"]["decisions"] == [{"decision": "ALLOW"}], screened

        # An ingest batch (staging tables and a batch lock: its session past the pooler).
        async with httpx.AsyncClient(timeout=30) as http:
            ingested = await http.post(
                f"{hub.url}/ingest/land",
                content=(EXAMPLES / "land.ndjson").read_bytes(),
                headers={"Authorization": f"Bearer {keys['land']}"},
                params={"mode": "partial"},  # one estate names a case this database lacks
            )
        assert ingested.status_code == 200, ingested.text
        assert ingested.json()["inserted"] == 2, ingested.text

        # A key revoked elsewhere is refused long before its hour in the cache: the
        # announcement was heard over LISTEN.
        assert (await _status(hub.url, keys["platform"])).status_code == 200
        conn = await asyncpg.connect(fresh_database_url)
        try:
            agency_id = await conn.fetchval("SELECT id FROM core.agency WHERE code = 'EV-PLATFORM'")
            await revoke_key(Database(connection=conn), agency_id, "default")
        finally:
            await conn.close()

        async def refused() -> bool:
            return (await _status(hub.url, keys["platform"])).status_code == 401

        await poll(refused, "the revoked key refused", 15)

        # The limits' statements run through the pooler too: the court (one removal so far)
        # is refused at its total.
        statuses = [(await _status(hub.url, keys["court"])).status_code for _ in range(OPERATIONS + 4)]
        assert statuses == [200] * (OPERATIONS - 1) + [429] * 5
    finally:
        process.stop()
    assert "Traceback" not in process.log.read_text()


async def test_behind_pgbouncer_the_statement_timeout_still_holds(pooled: str) -> None:
    """No statement_timeout can be set at connect through PgBouncer: the client keeps it, and
    PgBouncer passes its cancel on. The pool then goes on answering."""
    pool = await create_pool(pooled, min_size=1, max_size=2, statement_timeout_ms=300, pooler="pgbouncer")
    try:
        db = Database(pool=pool)
        with pytest.raises(StatementTimeout):
            await db.fetchval("SELECT pg_sleep(5)")
        assert await db.fetchval("SELECT $1::int + 1", 41) == 42
    finally:
        await pool.close()


async def test_without_the_pooler_setting_the_refusal_names_it(pooled: str) -> None:
    with pytest.raises(ConfigurationError, match="HUB_DATABASE_POOLER=pgbouncer"):
        await create_pool(pooled, min_size=1, max_size=1)
