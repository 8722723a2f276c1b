"""A hub served for real on loopback (uvicorn in this process), committed data, a WS client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hub.agencies import create_agency
from hub.db.database import Database
from hub.events.outbox import emit, listing_payload
from hub.gateway.app import create_app
from hub.identity import make_resident_id
from hub.settings import Settings
from tests.served import DEADLINE, Served

PERSON_ID = make_resident_id("350102", date(1976, 4, 12), 271)


@dataclass
class Hub:
    url: str
    database_url: str
    keys: dict[str, str]
    subject_id: int

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"


async def seed(database_url: str) -> tuple[dict[str, str], int]:
    """Agencies of several kinds (keys by kind) and one listed person, committed."""
    conn = await asyncpg.connect(database_url)
    try:
        db = Database(connection=conn)
        keys = {}
        for kind, role in (("court", None), ("land", None), ("police", "hotel"), ("platform", None)):
            name = role or kind
            created = await create_agency(db, code=f"EV-{name.upper()}", name=f"事件{name}", kind=kind, role=role)
            keys[name] = created.key
        subject_id = await conn.fetchval(
            """INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region)
               VALUES ('person', $1, '林文斌', 'male', DATE '1976-04-12', '350102') RETURNING id""",
            PERSON_ID,
        )
        return keys, int(subject_id)
    finally:
        await conn.close()


def payload(listing_id: int, subject_id: int, version: int = 1, removed: bool = False) -> dict[str, Any]:
    return listing_payload(
        {
            "id": listing_id,
            "version": version,
            "list": "dishonest",
            "circumstance": "evades_enforcement",
            "published_on": date(2024, 3, 1),
            "term_months": 24,
            "extended_months": 0,
            "removed_on": date(2025, 1, 2) if removed else None,
            "removal_reason": "paid" if removed else None,
            "case_number": "(2024)闽0102执77号",
            "court_code": "闽0102",
            "subject_id": subject_id,
            "subject_kind": "person",
            "subject_name": "林文斌",
            "subject_identifier": PERSON_ID,
        }
    )


async def emit_committed(
    database_url: str, subject_id: int, kind: str = "listing.published", listing_id: int = 1
) -> int:
    """An event committed by a connection of its own, as a lifecycle mutation would."""
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            return await emit(
                conn,
                kind,
                listing_id=listing_id,
                subject_id=subject_id,
                payload=payload(listing_id, subject_id, removed=kind == "listing.removed"),
            )
    finally:
        await conn.close()


@pytest.fixture
def webhook_schedule() -> str:
    """HUB_WEBHOOK_SCHEDULE of the ``hub`` fixture: two short pauses, three attempts, then the
    webhook is parked. A test sets its own with ``@pytest.mark.parametrize("webhook_schedule", ...)``."""
    return "0.05,0.1"


@pytest_asyncio.fixture
async def hub(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, webhook_schedule: str) -> AsyncIterator[Hub]:
    """The hub on a pool, with its LISTEN connection and webhook dispatcher (fast retries)."""
    for legacy in ("HUB_WEBHOOK_BACKOFF_SECONDS", "HUB_WEBHOOK_MAX_ATTEMPTS"):
        monkeypatch.delenv(legacy, raising=False)
    monkeypatch.setenv("HUB_WEBHOOK_SCHEDULE", webhook_schedule)
    keys, subject_id = await seed(fresh_database_url)
    settings = Settings(env="development", audit_checkpoint_seconds=0)
    async with Served(create_app(settings, database_url=fresh_database_url)) as served:
        yield Hub(f"http://127.0.0.1:{served.port}", fresh_database_url, keys, subject_id)


async def graphql(hub: Hub, key: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{hub.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
    # 403: refused by the field policy before anything ran.
    assert response.status_code in (200, 403), response.text
    body: dict[str, Any] = response.json()
    return body


class GraphQLWs:
    """A minimal graphql-transport-ws client for the tests."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def receive(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), DEADLINE)
        message: dict[str, Any] = orjson.loads(raw)
        return message

    async def subscribe(self, ident: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"type": "subscribe", "id": ident, "payload": {"query": query, "variables": variables}})

    async def next_payloads(self, ident: str, count: int) -> list[dict[str, Any]]:
        found = []
        while len(found) < count:
            message = await self.receive()
            assert (message["type"], message["id"]) == ("next", ident), message
            found.append(message["payload"])
        return found


async def open_ws(hub: Hub, key: str | None, **init: Any) -> GraphQLWs:
    """A connection acknowledged with ``key`` (or, with None, not yet initialised)."""
    ws = await connect(hub.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    client = GraphQLWs(ws)
    if key is not None:
        await client.send({"type": "connection_init", "payload": {"authorization": f"Bearer {key}", **init}})
        assert (await client.receive())["type"] == "connection_ack"
    return client


async def close_code(client: GraphQLWs) -> int:
    """The code the hub closed the connection with."""
    ws = client.ws
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 10)
    code: int = ws.close_code
    return code


async def listed(database_url: str, subject_id: int, case_number: str, filed_on: date, published_on: date) -> int:
    """The seeded subject a party to an enforcement case at 闽0102 and on its dishonest list from
    ``published_on``, written straight to the tables (as a court's data already held); the
    listing's id."""
    from hub.seed.courts import ensure_courts

    conn = await asyncpg.connect(database_url)
    try:
        await ensure_courts(conn)
        case_id = await conn.fetchval(
            "INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer,"
            " obligation, amount) VALUES ($1, '闽0102', $2, '(2017)闽0102民初4321号',"
            " '福州市鼓楼区人民法院', '偿还借款', 486000) RETURNING id",
            case_number,
            filed_on,
        )
        await conn.execute("INSERT INTO court.case_party VALUES ($1, $2)", case_id, subject_id)
        listing_id: int = await conn.fetchval(
            "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on)"
            " VALUES ($1, $2, 'dishonest', 'refuses_with_ability', $3) RETURNING id",
            subject_id,
            case_id,
            published_on,
        )
    finally:
        await conn.close()
    return listing_id
