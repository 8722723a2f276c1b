"""Shared fixtures: a real PostgreSQL, one transaction per test, rolled back.

With ``HUB_DATABASE_URL`` set the suite runs on that database (migrated here); otherwise an
embedded server is started in a temporary directory for the session. Each test gets a
connection inside a transaction that is rolled back; the app under test shares that
connection, so the app's own transactions become savepoints.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings
from starlette.types import Receive, Scope, Send

from hub.agencies import create_agency
from hub.db.database import Database
from hub.db.embedded import EmbeddedServer, ensure_database
from hub.db.migrate import migrate
from hub.gateway.app import create_app
from hub.settings import Settings

# Property tests check behaviour, not speed: no per-example deadline and no health check on
# slow generation, which a busy shared machine (or CI running two suites) would trip now and then.
settings.register_profile("hub", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hub")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def server_admin_url() -> Iterator[str]:
    """URL of a maintenance database on the server the tests use."""
    configured = os.environ.get("HUB_DATABASE_URL")
    if configured:
        yield with_database(configured, "postgres")
        return
    directory = Path(tempfile.mkdtemp(prefix="hubtest"))
    server = EmbeddedServer(directory)
    try:
        server.start()
        yield server.admin_url
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest_asyncio.fixture(scope="session")
async def database_url(server_admin_url: str) -> AsyncIterator[str]:
    """The migrated database of this test session."""
    configured = os.environ.get("HUB_DATABASE_URL")
    if configured:
        url = configured
    else:
        await ensure_database(server_admin_url, "hub_test")
        url = with_database(server_admin_url, "hub_test")
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield url


@pytest_asyncio.fixture
async def fresh_database_url(server_admin_url: str) -> AsyncIterator[str]:
    """A new, migrated database of its own, dropped after the test (for committing code)."""
    name = f"hub_t_{uuid.uuid4().hex[:12]}"
    await ensure_database(server_admin_url, name)
    url = with_database(server_admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield url
    admin = await asyncpg.connect(server_admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest_asyncio.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


@pytest.fixture
def db(conn: asyncpg.Connection) -> Database:
    return Database(connection=conn)


@pytest.fixture
def settings() -> Settings:
    return Settings(env="development")


@asynccontextmanager
async def serve_in_process(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real ASGI app, lifespan run, sharing the test's transaction."""
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            # What the server would do with the state the lifespan yields.
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


@pytest_asyncio.fixture
async def app_client(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real ASGI app, lifespan run, sharing the test's transaction."""
    async with serve_in_process(db, settings) as client:
        yield client


@pytest_asyncio.fixture
async def agency_key(db: Database) -> str:
    created = await create_agency(db, code="TEST-COURT", name="测试法院", kind="court", region="350100")
    return created.key


COURT_PURPOSE = "(2018)闽0102执1867号"
# Headers are bytes: non-ASCII text travels percent-encoded as UTF-8.
COURT_PURPOSE_HEADER = quote(COURT_PURPOSE)


@pytest.fixture
def auth(agency_key: str) -> dict[str, str]:
    """A court's key with the case number it works on as the declared purpose."""
    return {"Authorization": f"Bearer {agency_key}", "Hub-Purpose": COURT_PURPOSE_HEADER}


@pytest_asyncio.fixture
async def make_agency(db: Database) -> Callable[..., Awaitable[dict[str, str]]]:
    """Create an agency of a kind (and role); return request headers with its key and purpose."""
    count = 0

    async def make(kind: str, purpose: str | None = None, role: str | None = None) -> dict[str, str]:
        nonlocal count
        count += 1
        created = await create_agency(db, code=f"T-{kind.upper()}-{count}", name=f"测试{kind}", kind=kind, role=role)
        headers = {"Authorization": f"Bearer {created.key}"}
        if purpose is not None:
            headers["Hub-Purpose"] = quote(purpose)
        return headers

    return make


@pytest_asyncio.fixture
async def stories(conn: asyncpg.Connection) -> dict[str, Any]:
    """The newspaper's stories loaded inside the test's transaction."""
    from hub.seed.demo import load_stories

    return await load_stories(conn)


async def gql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
