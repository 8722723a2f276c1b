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

from hub.db.database import Database
from hub.errors import ConfigurationError
from hub.events import webhooks
from hub.events.listener import EventListener
from hub.events.webhooks import (
    DEFAULT_SCHEDULE,
    Dispatcher,
    WebhookConfig,
    WebhookUrlRefused,
    check_url,
    signature,
    verify,
)
from hub.policy.rules import load_rules
from hub.schema import build_schema
from hub.sources import core
from tests.events.conftest import PERSON_ID, Hub, emit_committed, graphql, seed
from tests.served import Served, poll

REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { url secret afterSeq } }"
REDELIVER = "mutation($seq: Int!) { redeliverParked(seq: $seq) }"
RESUME = "mutation { resumeWebhook }"
STATUS = """{ webhook { url state deliveredThrough backlog failedAttempts failingSince lastHttpStatus lastError
  parkedAt parked { seq kind attempts lastHttpStatus lastError redeliveryRequested } } }"""


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


async def deliveries(hub: Hub, agency: str | None = None) -> list[tuple[int, int, str]]:
    """Every attempt recorded, in order (of the webhooks of the agency coded ``agency``)."""
    conn = await asyncpg.connect(hub.database_url)
    try:
        rows = await conn.fetch(
            """SELECT d.seq, d.attempt, d.status FROM events.delivery d
                 JOIN events.webhook w ON w.id = d.webhook_id JOIN core.agency a ON a.id = w.agency_id
                WHERE $1::text IS NULL OR a.code = $1 ORDER BY d.id""",
            agency,
        )
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
    status = (await graphql(hub, hub.keys["land"], STATUS))["data"]["webhook"]

    assert registered["afterSeq"] == first - 1
    # A delivery ends the run of failures: the next one would start the schedule over.
    assert {k: status[k] for k in ("state", "deliveredThrough", "backlog", "failedAttempts", "lastError")} == {
        "state": "DELIVERING",
        "deliveredThrough": second,
        "backlog": 0,
        "failedAttempts": 0,
        "lastError": None,
    }
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


def test_the_retry_schedule_comes_from_the_environment() -> None:
    default = WebhookConfig.from_env({})
    custom = WebhookConfig.from_env({"HUB_WEBHOOK_SCHEDULE": " 0.05, 0.1 ,2"})
    # The former settings still work: a first pause, doubling, attempts before parking.
    legacy = WebhookConfig.from_env({"HUB_WEBHOOK_BACKOFF_SECONDS": "0.5", "HUB_WEBHOOK_MAX_ATTEMPTS": "4"})
    legacy_defaults = WebhookConfig.from_env({"HUB_WEBHOOK_MAX_ATTEMPTS": "5"})

    # About a day: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h.
    assert default.schedule == DEFAULT_SCHEDULE == (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800)
    assert 23 * 3600 < sum(default.schedule) < 24 * 3600
    assert default.max_attempts == 11
    assert [custom.delay(n) for n in (1, 2, 3, 4)] == [0.05, 0.1, 2.0, None]
    assert (legacy.schedule, legacy.max_attempts) == ((0.5, 1.0, 2.0), 4)
    assert legacy_defaults.schedule == (1.0, 2.0, 4.0, 8.0)
    for refused in (
        {"HUB_WEBHOOK_SCHEDULE": "5,soon"},
        {"HUB_WEBHOOK_SCHEDULE": "5,0"},
        {"HUB_WEBHOOK_SCHEDULE": "5,-1"},
        {"HUB_WEBHOOK_SCHEDULE": "5,inf"},
        {"HUB_WEBHOOK_SCHEDULE": "5,nan"},
        {"HUB_WEBHOOK_SCHEDULE": "5,1e300"},
        {"HUB_WEBHOOK_SCHEDULE": "5,30", "HUB_WEBHOOK_MAX_ATTEMPTS": "3"},
        {"HUB_WEBHOOK_BACKOFF_SECONDS": "0"},
        {"HUB_WEBHOOK_MAX_ATTEMPTS": "many"},
    ):
        with pytest.raises(ConfigurationError):
            WebhookConfig.from_env(refused)


async def test_a_failing_event_holds_the_later_ones_back_and_the_schedule_parks_the_webhook(
    hub: Hub, receiver: Receiver
) -> None:
    await graphql(hub, hub.keys["court"], REGISTER, {"url": receiver.url})
    receiver.failures = 3  # every attempt of the schedule (0.05 s, 0.1 s: three attempts)
    first = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    following = await emit_committed(hub.database_url, hub.subject_id, listing_id=2)

    async def parked() -> bool:
        webhook = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
        return bool(webhook["state"] == "PARKED")

    await poll(parked, "the webhook parked")
    parked_status = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]

    # Parked, the webhook sends nothing, not even a new event that wakes the dispatchers.
    # The land registry's webhook witnesses the rounds: once it has the new event, the court's
    # dispatcher has had its chance too.
    witness = Receiver()
    async with Served(Starlette(routes=[Route("/hook", witness.endpoint, methods=["POST"])])) as served:
        await graphql(hub, hub.keys["land"], REGISTER, {"url": f"http://127.0.0.1:{served.port}/hook"})
        later = await emit_committed(hub.database_url, hub.subject_id, listing_id=3)

        async def witnessed() -> bool:
            return witness.delivered() == [later] and await deliveries(hub, "EV-LAND") == [(later, 1, "delivered")]

        await poll(witnessed, "the land registry's webhook to receive the new event")
    still_parked = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    calls_while_parked = [c.seq for c in receiver.calls]

    resumed = await graphql(hub, hub.keys["court"], RESUME)

    async def all_delivered() -> bool:
        # The receiver answers before the dispatcher commits its record: wait for both.
        return receiver.delivered() == [first, following, later] and len(await deliveries(hub, "EV-COURT")) == 6

    await poll(all_delivered, "every pending event after the resume")
    after = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    again = await graphql(hub, hub.keys["court"], RESUME)
    not_registered = await graphql(hub, hub.keys["platform"], RESUME)
    hotel = await graphql(hub, hub.keys["hotel"], RESUME)

    # The webhook, not the event, is parked: the cursor stays before the failing event, and
    # the following one waited behind it instead of being sent.
    assert {k: v for k, v in parked_status.items() if k not in ("url", "failingSince", "parkedAt", "lastError")} == {
        "state": "PARKED",
        "deliveredThrough": first - 1,
        "backlog": 2,
        "failedAttempts": 3,
        "lastHttpStatus": 503,
        "parked": [],
    }
    assert "503" in parked_status["lastError"]
    assert parked_status["failingSince"] <= parked_status["parkedAt"]
    assert (still_parked["state"], still_parked["backlog"]) == ("PARKED", 3)
    assert calls_while_parked == [first, first, first]
    assert resumed["data"]["resumeWebhook"] is True
    # In order from the oldest undelivered event, without asking for each.
    assert [c.seq for c in receiver.calls] == [first, first, first, first, following, later]
    assert await deliveries(hub, "EV-COURT") == [
        (first, 1, "failed"),
        (first, 2, "failed"),
        (first, 3, "failed"),
        (first, 4, "delivered"),
        (following, 1, "delivered"),
        (later, 1, "delivered"),
    ]
    assert {k: after[k] for k in ("state", "deliveredThrough", "backlog", "failedAttempts", "parkedAt")} == {
        "state": "DELIVERING",
        "deliveredThrough": later,
        "backlog": 0,
        "failedAttempts": 0,
        "parkedAt": None,
    }
    assert again["data"]["resumeWebhook"] is False  # no longer parked: nothing to do
    assert not_registered["errors"][0]["extensions"]["code"] == "NO_WEBHOOK"
    assert hotel["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    # The court sees the full resident ID.
    assert orjson.loads(receiver.calls[-1].body)["subject"]["residentId"] == PERSON_ID


async def test_an_event_parked_by_an_earlier_version_is_redelivered_on_request(hub: Hub, receiver: Receiver) -> None:
    # Before migration 0017 an event was parked by itself and the cursor moved past it: an
    # event before the webhook's start stands for it, with the rows the former dispatcher wrote.
    parked = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    await graphql(hub, hub.keys["court"], REGISTER, {"url": receiver.url})
    conn = await asyncpg.connect(hub.database_url)
    try:
        hook = await conn.fetchval("SELECT id FROM events.webhook WHERE active")
        for attempt, status in ((1, "failed"), (2, "failed"), (3, "parked")):
            await conn.execute(
                "INSERT INTO events.delivery (webhook_id, seq, attempt, status, http_status, error)"
                " VALUES ($1, $2, $3, $4, 503, 'HTTP 503')",
                hook,
                parked,
                attempt,
                status,
            )
    finally:
        await conn.close()
    following = await emit_committed(hub.database_url, hub.subject_id, listing_id=2)

    async def moved_on() -> bool:
        return receiver.delivered() == [following] and len(await deliveries(hub)) == 4

    await poll(moved_on, "the event after the parked one")
    parked_status = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    not_parked = await graphql(hub, hub.keys["court"], REDELIVER, {"seq": following})
    requested = await graphql(hub, hub.keys["court"], REDELIVER, {"seq": parked})

    async def redelivered() -> bool:
        # The receiver answers before the dispatcher commits its record: wait for both.
        return receiver.delivered() == [following, parked] and len(await deliveries(hub)) == 5

    await poll(redelivered, "the parked event redelivered")

    after = (await graphql(hub, hub.keys["court"], STATUS))["data"]["webhook"]
    assert parked_status["state"] == "DELIVERING"  # an event parked long ago does not stop the webhook
    assert parked_status["parked"] == [
        {
            "seq": parked,
            "kind": "PUBLISHED",
            "attempts": 3,
            "lastHttpStatus": 503,
            "lastError": "HTTP 503",
            "redeliveryRequested": False,
        }
    ]
    assert (after["parked"], after["deliveredThrough"], after["backlog"]) == ([], following, 0)
    assert (await graphql(hub, hub.keys["land"], STATUS))["data"]["webhook"] is None
    assert not_parked["errors"][0]["extensions"]["code"] == "EVENT_NOT_PARKED"
    assert requested["data"]["redeliverParked"] is True
    assert [c.seq for c in receiver.calls] == [following, parked]
    assert await deliveries(hub) == [
        (parked, 1, "failed"),
        (parked, 2, "failed"),
        (parked, 3, "parked"),
        (following, 1, "delivered"),
        (parked, 1, "delivered"),
    ]
    # The court sees the full resident ID.
    assert orjson.loads(receiver.calls[-1].body)["subject"]["residentId"] == PERSON_ID


async def test_a_wake_up_does_not_bring_a_pending_retry_forward(fresh_database_url: str, receiver: Receiver) -> None:
    """The dispatcher's rounds by hand: what a round sends, and how long it then sleeps."""
    _, subject_id = await seed(fresh_database_url)
    conn = await asyncpg.connect(fresh_database_url)
    db = Database(connection=conn)
    rules = load_rules(build_schema()._schema, await core.matter_codes(db))
    # A long pause, a poll longer still: a round that sleeps less than the pause loops busily.
    dispatcher = Dispatcher(
        db,
        lambda p: rules.for_principal(p, development=True),
        EventListener(poll_seconds=3600),
        WebhookConfig(schedule=(600.0,)),
    )
    dispatcher.connect()
    try:
        land = await conn.fetchval("SELECT id FROM core.agency WHERE code = 'EV-LAND'")
        await webhooks.register(db, land, receiver.url)
        receiver.failures = 1
        first = await emit_committed(fresh_database_url, subject_id, listing_id=1)
        failed = await dispatcher.run_once()
        # The receiver answers again, and a new event's NOTIFY wakes the dispatcher: a round now
        # sends nothing, neither the failed event early nor the new one ahead of it.
        second = await emit_committed(fresh_database_url, subject_id, listing_id=2)
        woken = await dispatcher.run_once()
        calls_in_the_pause = [c.seq for c in receiver.calls]
        # The pause ends (moved, not waited for): the next round sends both, in order.
        await conn.execute("UPDATE events.webhook SET next_attempt_at = now() WHERE active")
        due = await dispatcher.run_once()
        delivered = receiver.delivered()

        # The last attempt of the schedule fails: the webhook is parked, and not waited for.
        receiver.failures = 2
        third = await emit_committed(fresh_database_url, subject_id, listing_id=3)
        await dispatcher.run_once()
        await conn.execute("UPDATE events.webhook SET next_attempt_at = now() WHERE active")
        parked = await dispatcher.run_once()
        parked_at = await conn.fetchval("SELECT parked_at FROM events.webhook WHERE active")
        calls_parked = len(receiver.calls)
        while_parked = await dispatcher.run_once()
        resumed = await webhooks.resume(db, land)
        await dispatcher.run_once()
    finally:
        await dispatcher.stop()
        await conn.close()

    assert 590 < failed <= 600
    assert 590 < woken <= 600
    assert calls_in_the_pause == [first]
    assert delivered == [first, second]
    assert due == 3600  # nothing pending: the poll
    assert (parked, while_parked, parked_at is not None) == (3600, 3600, True)
    assert len(receiver.calls) == calls_parked + 1  # nothing sent while parked
    assert resumed is True
    assert [c.seq for c in receiver.calls[-3:]] == [third, third, third]
    assert receiver.delivered() == [first, second, third]
