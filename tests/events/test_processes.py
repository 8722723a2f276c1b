"""Two `hub serve` processes on one database: events cross processes through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.events.conftest import Hub, emit_committed, graphql, listed, open_ws, seed
from tests.served import HubProcess, Served, poll

CHANGES = "subscription { listChanges(after: 0) { seq kind listing { id } } }"
REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { afterSeq } }"


@pytest.fixture
def processes(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[HubProcess, HubProcess]]:
    settings = {"HUB_AUDIT_CHECKPOINT_SECONDS": "0", "HUB_WEBHOOK_SCHEDULE": "0.05,0.1,0.2,0.4"}
    pair = (HubProcess(fresh_database_url, tmp_path, **settings), HubProcess(fresh_database_url, tmp_path, **settings))
    try:
        yield pair
    finally:
        for process in pair:
            process.stop()


async def test_an_event_committed_through_one_process_reaches_a_subscriber_of_the_other(
    fresh_database_url: str, processes: tuple[HubProcess, HubProcess]
) -> None:
    keys, subject_id = await seed(fresh_database_url)
    a, b = processes
    for process in processes:
        await poll(process.ready, "a hub process to become ready", 15)
    hub_a = Hub(a.url, fresh_database_url, keys, subject_id)
    hub_b = Hub(b.url, fresh_database_url, keys, subject_id)
    calls: list[int] = []

    async def endpoint(request: Request) -> Response:
        calls.append(orjson.loads(await request.body())["seq"])
        return Response(status_code=204)

    async with Served(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as receiver:
        # Registered through A; both processes run a dispatcher.
        await graphql(hub_a, keys["land"], REGISTER, {"url": f"http://127.0.0.1:{receiver.port}/hook"})
        subscriber = await open_ws(hub_b, keys["court"])
        await subscriber.subscribe("s", CHANGES)

        published = await emit_committed(fresh_database_url, subject_id, "listing.published", listing_id=9)
        removed = await emit_committed(fresh_database_url, subject_id, "listing.removed", listing_id=9)
        streamed = await subscriber.next_payloads("s", 2)

        async def both_posted() -> bool:
            return len(calls) >= 2

        await poll(both_posted, "the webhook deliveries")
        await subscriber.ws.close()
    conn = await asyncpg.connect(fresh_database_url)
    try:
        # Both dispatchers were woken by both events; the cursor moves with each delivery
        # under the webhook's row lock, so once both are recorded no process sends them again.
        recorded = await conn.fetch("SELECT seq, status FROM events.delivery ORDER BY id")
        cursor = await conn.fetchval("SELECT last_seq FROM events.webhook WHERE active")
    finally:
        await conn.close()

    assert [(p["data"]["listChanges"]["seq"], p["data"]["listChanges"]["kind"]) for p in streamed] == [
        (published, "PUBLISHED"),
        (removed, "REMOVED"),
    ]
    assert calls == [published, removed]
    assert [(r["seq"], r["status"]) for r in recorded] == [(published, "delivered"), (removed, "delivered")]
    assert cursor == removed


async def test_a_removal_through_one_process_reaches_a_subscriber_of_the_other(
    fresh_database_url: str, processes: tuple[HubProcess, HubProcess]
) -> None:
    keys, subject_id = await seed(fresh_database_url)
    listing_id = await listed(
        fresh_database_url, subject_id, "(2018)闽0102执1867号", date(2018, 3, 6), date(2018, 5, 20)
    )
    a, b = processes
    for process in processes:
        await poll(process.ready, "a hub process to become ready", 15)
    hub_a = Hub(a.url, fresh_database_url, keys, subject_id)
    hub_b = Hub(b.url, fresh_database_url, keys, subject_id)
    subscriber = await open_ws(hub_b, keys["land"])
    await subscriber.subscribe("s", "subscription { listChanges(after: 0) { seq kind listing { id removalReason } } }")

    removed = await graphql(
        hub_a,
        keys["court"],
        "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { version } }",
        {"id": str(listing_id)},
    )
    assert "errors" not in removed, removed
    [change] = await subscriber.next_payloads("s", 1)
    await subscriber.ws.close()
    assert change["data"]["listChanges"]["kind"] == "REMOVED"
    assert change["data"]["listChanges"]["listing"] == {"id": str(listing_id), "removalReason": "PAID"}
