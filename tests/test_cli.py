"""The command line as scripts use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from hub.agencies import principal_for_key
from hub.db.database import Database

ROOT = Path(__file__).resolve().parent.parent


def hub(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


async def test_agency_create_prints_the_key_alone(fresh_database_url: str) -> None:
    done = hub(
        fresh_database_url,
        "agency",
        "create",
        "--code",
        "XM-LAND",
        "--name",
        "厦门市不动产登记中心",
        "--kind",
        "land",
        "--region",
        "350200",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("hub_")
    assert len(lines[0]) >= 40
    conn = await asyncpg.connect(fresh_database_url)
    try:
        principal = await principal_for_key(Database(connection=conn), lines[0])
        stored = await conn.fetchval(
            "SELECT count(*) FROM core.api_key WHERE key_hash = sha256($1::text::bytea)", lines[0]
        )
        plain = await conn.fetchval(
            "SELECT count(*) FROM core.api_key WHERE encode(key_hash, 'escape') LIKE '%' || $1 || '%'", lines[0]
        )
    finally:
        await conn.close()
    assert principal is not None
    assert principal.kind == "land"
    assert principal.region == "350200"
    assert stored == 1
    assert plain == 0


async def test_agency_create_refuses_bad_input_without_output(fresh_database_url: str) -> None:
    done = hub(fresh_database_url, "agency", "create", "--code", "X1", "--name", "某单位", "--kind", "spaceport")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "kind must be one of" in done.stderr
    again = hub(fresh_database_url, "agency", "create", "--code", "FJ-A", "--name", "某单位", "--kind", "court")
    assert again.returncode == 0
    duplicate = hub(fresh_database_url, "agency", "create", "--code", "FJ-A", "--name", "某单位", "--kind", "court")
    assert duplicate.returncode == 1
    assert "exists already" in duplicate.stderr


def test_migrate_on_a_current_database_applies_nothing(fresh_database_url: str) -> None:
    done = hub(fresh_database_url, "migrate")
    assert done.returncode == 0
    assert "applied 0 migration(s)" in done.stderr


def test_production_requires_a_database_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HUB_DATABASE_URL"}
    env["HUB_ENV"] = "production"
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "HUB_DATABASE_URL must be set in production" in done.stderr


def test_the_workers_listening_socket_hands_out_connections_without_nagle() -> None:
    # A response is written as head, then body: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK of the head, about 40 ms a request. Connections accepted
    # from the socket `hub serve --workers N` shares inherit TCP_NODELAY from it, whatever
    # the protocol number the server bound it with.
    import socket

    import uvicorn

    from hub.cli import listening_socket

    config = uvicorn.Config("hub.gateway.app:app_for_worker", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = listening_socket(config)
    try:
        listener.listen()  # the worker's server does this
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()


async def test_served_workers_answer_without_the_delayed_ack_stall(fresh_database_url: str, tmp_path: Path) -> None:
    # As a system calls the hub: one kept-alive connection, one request after another. A
    # response held back by Nagle's algorithm takes at least the client's delayed-ACK time
    # (40 ms on Linux) however idle the machine; without the stall a trivial answer takes a
    # millisecond or two, so the median of twenty stays far below that floor.
    import statistics
    import time

    import httpx

    from tests.served import HubProcess, poll

    served = HubProcess(fresh_database_url, tmp_path, "--workers", "2")
    try:
        await poll(served.ready, "hub serve --workers 2 to be ready", 60)
        async with httpx.AsyncClient(base_url=served.url, limits=httpx.Limits(max_connections=1)) as http:
            took = []
            for _ in range(20):
                started = time.perf_counter()
                answered = await http.post("/graphql", json={"query": "{ __typename }"})
                took.append(time.perf_counter() - started)
                assert answered.status_code == 401
    finally:
        served.stop()
    assert statistics.median(took) < 0.040, [round(t * 1000, 1) for t in took]


async def test_seed_refuses_more_subjects_than_its_serials_allow(fresh_database_url: str) -> None:
    done = hub(fresh_database_url, "seed", "--subjects", "40000001")
    assert done.returncode == 2
    assert "--subjects must be from 0 to 40,000,000" in done.stderr
    conn = await asyncpg.connect(fresh_database_url)
    try:
        # Refused before anything was written.
        assert await conn.fetchval("SELECT count(*) FROM core.dataset") == 0
        assert await conn.fetchval("SELECT count(*) FROM core.subject") == 0
    finally:
        await conn.close()
