"""listChanges over a real WebSocket: authentication first, replay then live, policy, resume."""

from __future__ import annotations

import gc

import asyncpg
import httpx
import pytest
from graphql.execution.collect_fields import FieldDetails
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from hub.events.outbox import emit
from hub.gateway import ws as ws_module
from tests.events.conftest import PERSON_ID, Hub, close_code, emit_committed, open_ws, payload

CHANGES = """subscription($after: Int) { listChanges(after: $after) {
  seq kind listing { id version list caseNumber removedOn removalReason }
  subject { name ... on Person { residentId } } } }"""
DEBT = """subscription { listChanges(after: 0) { seq subject { cases { nodes { amount } } } } }"""


async def test_nothing_but_connection_init_is_accepted_before_it(hub: Hub) -> None:
    early = await open_ws(hub, None)
    await early.subscribe("1", CHANGES)
    assert await close_code(early) == 4401

    garbage = await open_ws(hub, None)
    await garbage.ws.send("not json")
    assert await close_code(garbage) == 4400

    unknown = await open_ws(hub, None)
    await unknown.send({"type": "connection_init", "payload": {"authorization": "Bearer hub_nonsense"}})
    assert await close_code(unknown) == 4403

    twice = await open_ws(hub, hub.keys["court"])
    await twice.send({"type": "connection_init", "payload": {}})
    assert await close_code(twice) == 4429


async def test_the_handshake_needs_the_graphql_transport_ws_subprotocol(hub: Hub) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(hub.ws_url)
    assert refused.value.response.status_code == 403


async def test_a_silent_client_is_closed_after_the_init_timeout(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_module, "INIT_TIMEOUT_SECONDS", 0.2)
    silent = await open_ws(hub, None)
    assert await close_code(silent) == 4408


async def test_ping_is_answered(hub: Hub) -> None:
    client = await open_ws(hub, hub.keys["land"])
    await client.send({"type": "ping"})
    assert (await client.receive())["type"] == "pong"
    await client.ws.close()


async def test_list_changes_replays_then_streams_what_commits_later(hub: Hub) -> None:
    first = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    second = await emit_committed(hub.database_url, hub.subject_id, listing_id=2)
    client = await open_ws(hub, hub.keys["court"])

    await client.subscribe("s", CHANGES, {"after": first - 1})
    replayed = await client.next_payloads("s", 2)
    removed = await emit_committed(hub.database_url, hub.subject_id, "listing.removed", listing_id=1)
    [live] = await client.next_payloads("s", 1)

    assert [p["data"]["listChanges"]["seq"] for p in replayed] == [first, second]
    change = live["data"]["listChanges"]
    assert change["seq"] == removed
    assert change["kind"] == "REMOVED"
    assert change["listing"]["removalReason"] == "PAID"
    assert change["listing"]["caseNumber"] == "(2024)闽0102执77号"
    assert change["subject"] == {"name": "林文斌", "residentId": PERSON_ID}
    await client.send({"type": "complete", "id": "s"})
    await client.ws.close()


async def test_field_policy_applies_to_subscriptions(hub: Hub) -> None:
    seq = await emit_committed(hub.database_url, hub.subject_id)
    land = await open_ws(hub, hub.keys["land"])

    await land.subscribe("debt", DEBT)
    refused = await land.receive()
    await land.subscribe("ok", CHANGES, {"after": seq - 1})
    [allowed] = await land.next_payloads("ok", 1)

    assert (refused["type"], refused["id"]) == ("error", "debt")
    assert {e["extensions"]["code"] for e in refused["payload"]} == {"FIELD_NOT_ALLOWED"}
    assert {e["extensions"]["field"] for e in refused["payload"]} >= {"Subject.cases", "EnforcementCase.amount"}
    masked = allowed["data"]["listChanges"]["subject"]["residentId"]
    assert masked == PERSON_ID[:10] + "****" + PERSON_ID[14:]

    hotel = await open_ws(hub, hub.keys["hotel"])
    await hotel.subscribe("h", CHANGES)
    denied = await hotel.receive()
    assert denied["type"] == "error"
    assert denied["payload"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"


async def test_only_subscriptions_go_over_the_socket_and_not_over_http(hub: Hub) -> None:
    client = await open_ws(hub, hub.keys["court"])
    await client.subscribe("q", "{ hotels { nodes { name } } }")
    refused = await client.receive()
    assert refused["payload"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"

    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{hub.url}/graphql", json={"query": CHANGES}, headers={"Authorization": f"Bearer {hub.keys['court']}"}
        )
    assert response.status_code == 405


async def test_a_client_that_reconnects_after_its_last_seq_misses_nothing(hub: Hub) -> None:
    start = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    client = await open_ws(hub, hub.keys["land"])
    await client.subscribe("a", CHANGES, {"after": start - 1})
    seen = [p["data"]["listChanges"]["seq"] for p in await client.next_payloads("a", 1)]
    await client.ws.close()

    # Changes committed while the client is away.
    missed = [await emit_committed(hub.database_url, hub.subject_id, listing_id=i) for i in (2, 3, 4)]
    again = await open_ws(hub, hub.keys["land"])
    await again.subscribe("b", CHANGES, {"after": seen[-1]})
    resumed = [p["data"]["listChanges"]["seq"] for p in await again.next_payloads("b", 3)]
    later = await emit_committed(hub.database_url, hub.subject_id, listing_id=5)
    [live] = await again.next_payloads("b", 1)

    assert seen == [start]
    assert resumed == missed
    assert live["data"]["listChanges"]["seq"] == later
    await again.ws.close()


async def test_each_subscription_start_leaves_one_audit_record(hub: Hub) -> None:
    client = await open_ws(hub, hub.keys["land"], purpose=None, operator="clerk 7")
    await client.subscribe("a", CHANGES)
    await client.subscribe("b", DEBT)
    assert (await client.receive())["id"] == "b"  # the refusal; "a" streams nothing yet
    await client.ws.close()

    conn = await asyncpg.connect(hub.database_url)
    try:
        rows = await conn.fetch(
            "SELECT operation_type, outcome, fields, operator FROM audit.event WHERE agency_code = 'EV-LAND' ORDER BY seq"
        )
    finally:
        await conn.close()
    # The two starts run concurrently: their records may come in either order.
    assert sorted((r["operation_type"], r["outcome"]) for r in rows) == [
        ("subscription", "denied"),
        ("subscription", "ok"),
    ]
    assert all("Subscription.listChanges" in r["fields"] for r in rows)
    assert {r["operator"] for r in rows} == {"clerk 7"}


async def test_each_event_streamed_is_traced_with_the_subject_it_discloses(hub: Hub) -> None:
    client = await open_ws(hub, hub.keys["land"])
    await client.subscribe("a", CHANGES, {"after": 0})  # from the start: no race with the emits
    first = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    second = await emit_committed(hub.database_url, hub.subject_id, "listing.removed", listing_id=1)

    payloads = await client.next_payloads("a", 2)
    await client.ws.close()

    assert [p["data"]["listChanges"]["seq"] for p in payloads] == [first, second]
    conn = await asyncpg.connect(hub.database_url)
    try:
        rows = await conn.fetch("SELECT subjects, outcome FROM audit.event WHERE agency_code = 'EV-LAND' ORDER BY seq")
    finally:
        await conn.close()
    # The start (nothing disclosed yet), then one record per event, written before it was sent.
    assert [(list(r["subjects"]), r["outcome"]) for r in rows] == [
        ([], "ok"),
        ([hub.subject_id], "ok"),
        ([hub.subject_id], "ok"),
    ]


def field_details_alive() -> int:
    """graphql-core's records of the fields an execution collected, alive after a collection."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FieldDetails))


async def test_a_long_subscription_keeps_nothing_of_the_events_it_has_sent(hub: Hub) -> None:
    """Each event runs the selection set on an executor of its own; what it collected goes
    with it. (graphql-core's per-event executors share the subscription's memo of collected
    subfields, which then gained an entry for every event, as long as the subscription lasted.)"""
    conn = await asyncpg.connect(hub.database_url)
    try:
        async with conn.transaction():
            seqs = [
                await emit(
                    conn,
                    "listing.published",
                    listing_id=n,
                    subject_id=hub.subject_id,
                    payload=payload(n, hub.subject_id),
                )
                for n in range(1, 301)
            ]
    finally:
        await conn.close()
    client = await open_ws(hub, hub.keys["court"])
    await client.subscribe("s", CHANGES, {"after": seqs[0] - 1})
    first = await client.next_payloads("s", 50)
    after_50 = field_details_alive()
    rest = await client.next_payloads("s", 250)
    after_300 = field_details_alive()
    await client.ws.close()

    assert [p["data"]["listChanges"]["seq"] for p in first + rest] == seqs
    # The selection has a dozen fields: before the fix each event left that many behind.
    assert after_300 - after_50 < 50, (after_50, after_300)
