"""Webhooks against a real HTTP receiver on loopback that fails on purpose."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.events.webhooks import WebhookUrlRefused, check_url, signature, verify
from tests.events.conftest import PERSON_ID, Hub, emit_committed, graphql
from tests.served import Served, poll

REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { url secret afterSeq } }"
REDELIVER = "mutation($seq: Int!) { redeliverParked(seq: $seq) }"
STATUS = """{ webhook { url deliveredThrough backlog
  parked { seq kind attempts lastHttpStatus lastError redeliveryRequested } } }"""


@dataclass
class Call:
    at: float
    seq: int
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Answers 503 to the first ``failures`` calls, then 200; keeps every call."""

    failures: int = 0
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        status = 503 if self.failures > 0 else 200
        self.failures -= 1
        seq = int(request.headers["hub-event-id"])
        self.calls.append(Call(time.monotonic(), seq, dict(request.headers), body, status))
        return Response(status_code=status)

    def delivered(self) -> list[int]:
        return [c.seq for c in self.calls if c.answered == 200]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiving = Receiver()
    async with Served(Starlette(routes=[Route("/hook", receiving.endpoint, methods=["POST"])])) as served:
        receiving.url = f"http://127.0.0.1:{served.port}/hook"
        yield receiving


async def deliveries(hub: Hub) -> list[tuple[int, int, str]]:
    conn = await asyncpg.connect(hub.database_url)
    try:
        rows = await conn.fetch("SELECT seq, attempt, status FROM events.delivery ORDER BY id")
    finally:
        await conn.close()
    return [(r["seq"], r["attempt"], r["status"]) for r in rows]


def test_webhook_urls_need_https_except_to_loopback() -> None:
    assert check_url("https://bank.example/hooks") == "https://bank.example/hooks"
    assert check_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    assert check_url("http://127.8.9.1/hook") == "http://127.8.9.1/hook"
    assert check_url("http://[::1]:9000/hook") == "http://[::1]:9000/hook"
    for refused in (
        "http://bank.example/hook",
        "http://localhost/hook",
        "ftp://127.0.0.1/x",
        "https://user:pw@bank.example/",
        "http://10.0.0.1/hook",
        "https:///nohost",
    ):
        with pytest.raises(WebhookUrlRefused):
            check_url(refused)


def test_a_receiver_verifies_the_signature_and_the_timestamp() -> None:
    secret, body, now = b"whsec_test", b'{"seq":1}', 1_700_000_000

    header = signature(secret, now, body)

    assert verify(secret, str(now), body, header, now=now + 10)
    assert not verify(secret, str(now), body + b" ", header, now=now)
    assert not verify(b"another", str(now), body, header, now=now)
    assert not verify(secret, str(now), body, header, now=now + 301)  # a replay, too late


async def test_registration_refuses_plain_http_to_other_hosts(hub: Hub) -> None:
    refused = await graphql(hub, hub.keys["land"], REGISTER, {"url": "http://bank.example/hook"})
    hotel = await graphql(hub, hub.keys["hotel"], REGISTER, {"url": "https://hotel.example/hook"})

    assert refused["errors"][0]["extensions"]["code"] == "WEBHOOK_URL_REFUSED"
    assert hotel["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"


async def test_events_are_retried_with_backoff_and_delivered_in_order(hub: Hub, receiver: Receiver) -> None:
    registered = (await graphql(hub, hub.keys["land"], REGISTER, {"url": receiver.url}))["data"]["registerWebhook"]
    receiver.failures = 2
    first = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    second = await emit_committed(hub.database_url, hub.subject_id, "listing.removed", listing_id=1)

    async def both_delivered() -> bool:
        # The receiver answers before the dispatcher commits its record: wait for both.
        return receiver.delivered() == [first, second] and len(await deliveries(hub)) == 4

    await poll(both_delivered, "both events delivered")

    assert registered["afterSeq"] == first - 1
    assert [c.seq for c in receiver.calls] == [first, first, first, second]
    gaps = [b.at - a.at for a, b in zip(receiver.calls[:2], receiver.calls[1:3], strict=True)]
    assert gaps[0] >= 0.04  # 0.05 s
    assert gaps[1] >= 0.09  # then 0.1 s
    assert await deliveries(hub) == [
        (first, 1, "failed"),
        (first, 2, "failed"),
        (first, 3, "delivered"),
        (second, 1, "delivered"),
    ]
    secret = registered["secret"].encode()
    for call in receiver.calls:
        header = call.headers["hub-signature"]
        assert verify(secret, call.headers["hub-timestamp"], call.body, header)
    body = orjson.loads(receiver.calls[-1].body)
    assert (body["seq"], body["kind"]) == (second, "listing.removed")
    assert body["listing"]["removalReason"] == "paid"
    # The land registry sees resident IDs masked, as over GraphQL.
    assert body["subject"]["residentId"] == PERSON_ID[:10] + "****" + PERSON_ID[14:]
    assert PERSON_ID.encode() not in b"".join(c.body for c in receiver.calls)


async def test_an_event_is_parked_after_its_last_attempt_and_redelivered_on_request(
    hub: Hub, receiver: Receiver
) -> None:
    await graphql(hub, hub.keys["court"], REGISTER, {"url": receiver.url})
    receiver.failures = 3
    parked = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    following = await emit_committed(hub.database_url, hub.subject_id, listing_id=2)

    async def moved_on() -> bool:
        return receiver.delivered() == [following]

    await poll(moved_on, "the next event after the parked one")
    parked_status = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    not_parked = await graphql(hub, hub.keys["court"], REDELIVER, {"seq": following})
    requested = await graphql(hub, hub.keys["court"], REDELIVER, {"seq": parked})

    async def redelivered() -> bool:
        # The receiver answers before the dispatcher commits its record: wait for both.
        return receiver.delivered() == [following, parked] and len(await deliveries(hub)) == 5

    await poll(redelivered, "the parked event redelivered")

    after = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    assert parked_status["parked"] == [
        {
            "seq": parked,
            "kind": "PUBLISHED",
            "attempts": 3,
            "lastHttpStatus": 503,
            "lastError": parked_status["parked"][0]["lastError"],
            "redeliveryRequested": False,
        }
    ]
    assert "503" in parked_status["parked"][0]["lastError"]
    assert (after["parked"], after["deliveredThrough"], after["backlog"]) == ([], following, 0)
    assert (await graphql(hub, hub.keys["land"], STATUS))["data"]["webhook"] is None
    assert not_parked["errors"][0]["extensions"]["code"] == "EVENT_NOT_PARKED"
    assert requested["data"]["redeliverParked"] is True
    assert [c.seq for c in receiver.calls] == [parked, parked, parked, following, parked]
    assert await deliveries(hub) == [
        (parked, 1, "failed"),
        (parked, 2, "failed"),
        (parked, 3, "parked"),
        (following, 1, "delivered"),
        (parked, 1, "delivered"),
    ]
    # The court sees the full resident ID.
    assert orjson.loads(receiver.calls[-1].body)["subject"]["residentId"] == PERSON_ID
