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
    # uvicorn binds it with protocol 0, so asyncio never sets TCP_NODELAY on what it accepts:
    # a response written as head then body would wait ~40 ms for the client's delayed ACK.
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
            assert accepted.proto == 0  # why asyncio would not set it itself
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
