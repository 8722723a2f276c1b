"""An agency's webhook receiver going away while list changes happen.

The receiver is a real HTTP server on loopback that is down for a while, either answering
503 or not listening at all (connections refused), while 20 list changes are committed; then
it comes back. With a short retry schedule (HUB_WEBHOOK_SCHEDULE, fractions of a second):

- an outage shorter than the schedule: every event arrives afterwards, exactly once with a
  2xx, in seq order, correctly signed, with no operator action; while the oldest event
  failed, no later one was attempted;
- an outage longer than the schedule: the webhook (not an event) is parked, later events are
  not sent, and resumeWebhook delivers everything pending, in order;
- two hub processes: still one delivery at a time, each event answered 2xx once, in order,
  and the retries keep the schedule's pauses (two dispatchers do not retry twice as often).

Nothing here sleeps to wait: every wait is a poll with a deadline (tests/served.py).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.events.webhooks import verify
from hub.gateway.app import create_app
from hub.settings import Settings
from tests.events.conftest import Hub, emit_committed, graphql, seed
from tests.served import HubProcess, Served, poll

REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { secret afterSeq } }"
RESUME = "mutation { resumeWebhook }"
STATUS = (
    "{ webhook { state deliveredThrough backlog failedAttempts lastHttpStatus lastError parkedAt parked { seq } } }"
)
CHANGES = 20
# Longer in all than any outage below (about 6 s): the webhook must ride it out.
RIDE_OUT = "0.05,0.1,0.2,0.4,0.8,1.6,3.2"
# Four attempts in about 0.15 s: the outage outlasts it.
SHORT = "0.05,0.05,0.05"


@dataclass
class Call:
    at: float
    seq: int
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """A webhook endpoint on a fixed loopback port that goes down and comes back: ``mode``
    "503" keeps listening and answers 503 while down, "refused" stops listening."""

    mode: str
    calls: list[Call] = field(default_factory=list)
    down: bool = False
    in_flight: int = 0
    most_in_flight: int = 0
    served: Served | None = None
    port: int = 0
    # How long the receiver works on a call before answering (0: at once); a little makes two
    # overlapping deliveries visible in ``most_in_flight``.
    work_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.endpoint, methods=["POST"])])

    async def endpoint(self, request: Request) -> Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            body = await request.body()
            if self.work_seconds:
                await asyncio.sleep(self.work_seconds)  # the receiver's own work, not a wait
            status = 503 if self.down else 200
            seq = int(request.headers["hub-event-id"])
            self.calls.append(Call(time.monotonic(), seq, dict(request.headers), body, status))
            return Response(status_code=status)
        finally:
            self.in_flight -= 1

    async def start(self) -> None:
        self.served = Served(self.app(), port=self.port or None)
        await self.served.__aenter__()
        self.port = self.served.port

    async def stop(self) -> None:
        if self.served is not None:
            await self.served.__aexit__(None, None, None)
            self.served = None

    async def go_down(self) -> None:
        # "refused" never answers 503: a call accepted while the server starts again (before
        # ``start`` returns) is the receiver back, not down.
        if self.mode == "refused":
            await self.stop()
        else:
            self.down = True

    async def come_back(self) -> None:
        if self.mode == "refused":
            await self.start()  # on the same port
        else:
            self.down = False

    def answered(self) -> list[int]:
        """The events answered 2xx, in the order they arrived."""
        return [c.seq for c in self.calls if c.answered == 200]


@asynccontextmanager
async def receiving(mode: str = "503") -> AsyncIterator[Receiver]:
    receiver = Receiver(mode)
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@asynccontextmanager
async def served_hub(database_url: str, monkeypatch: pytest.MonkeyPatch, schedule: str) -> AsyncIterator[Hub]:
    """The hub in this process (its webhook dispatcher included) with ``schedule``."""
    for legacy in ("HUB_WEBHOOK_BACKOFF_SECONDS", "HUB_WEBHOOK_MAX_ATTEMPTS"):
        monkeypatch.delenv(legacy, raising=False)
    monkeypatch.setenv("HUB_WEBHOOK_SCHEDULE", schedule)
    keys, subject_id = await seed(database_url)
    settings = Settings(env="development", audit_checkpoint_seconds=0)
    async with Served(create_app(settings, database_url=database_url)) as served:
        yield Hub(served.url, database_url, keys, subject_id)


async def attempts(database_url: str, agency: str) -> list[tuple[int, str]]:
    """(seq, status) of every attempt recorded for the agency's webhook, in order."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            """SELECT d.seq, d.status FROM events.delivery d
                 JOIN events.webhook w ON w.id = d.webhook_id JOIN core.agency a ON a.id = w.agency_id
                WHERE a.code = $1 ORDER BY d.id""",
            agency,
        )
    finally:
        await conn.close()
    return [(r["seq"], r["status"]) for r in rows]


async def status(hub: Hub, kind: str) -> dict[str, Any]:
    webhook: dict[str, Any] = (await graphql(hub, hub.keys[kind], STATUS))["data"]["webhook"]
    return webhook


async def changes(hub: Hub, count: int) -> list[int]:
    """``count`` list changes, each committed by itself as a lifecycle mutation would."""
    kinds = ("listing.published", "listing.extended", "listing.corrected", "listing.removed")
    return [
        await emit_committed(hub.database_url, hub.subject_id, kinds[n % 4], listing_id=n + 1) for n in range(count)
    ]


def assert_signed(receiver: Receiver, secret: str) -> None:
    for call in receiver.calls:
        assert verify(secret.encode(), call.headers["hub-timestamp"], call.body, call.headers["hub-signature"])


@pytest.mark.parametrize("mode", ["503", "refused"])
async def test_a_receiver_down_while_20_changes_happen_gets_every_one_in_order_when_back(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    async with served_hub(fresh_database_url, monkeypatch, RIDE_OUT) as hub, receiving(mode) as receiver:
        registered = (await graphql(hub, hub.keys["land"], REGISTER, {"url": receiver.url}))["data"]["registerWebhook"]
        await receiver.go_down()
        seqs = await changes(hub, CHANGES)

        async def retried() -> bool:
            # Down through several attempts, well inside the schedule.
            return [s for s, st in await attempts(hub.database_url, "EV-LAND") if st == "failed"].count(seqs[0]) >= 3

        await poll(retried, "three failed attempts during the outage")
        during = await status(hub, "land")
        await receiver.come_back()

        async def caught_up() -> bool:
            # The receiver answers before the dispatcher commits: wait for both.
            recorded = [s for s, st in await attempts(hub.database_url, "EV-LAND") if st == "delivered"]
            return receiver.answered() == seqs and recorded == seqs

        await poll(caught_up, "every event after the receiver came back")
        after = await status(hub, "land")
        recorded = await attempts(hub.database_url, "EV-LAND")

    # While the oldest event failed, the later ones waited behind it.
    failed = [s for s, st in recorded if st == "failed"]
    assert set(failed) == {seqs[0]}
    assert len(failed) >= 3
    assert [c.seq for c in receiver.calls if c.answered != 200] == ([seqs[0]] * len(failed) if mode == "503" else [])
    assert (during["state"], during["deliveredThrough"], during["backlog"]) == ("RETRYING", seqs[0] - 1, CHANGES)
    assert during["failedAttempts"] >= 3
    assert during["lastHttpStatus"] == (503 if mode == "503" else None)
    assert during["lastError"]
    # Then every event, each once, exactly in seq order, signed; nobody asked for anything.
    assert seqs == list(range(seqs[0], seqs[0] + CHANGES))
    assert receiver.answered() == seqs
    assert [s for s, st in recorded if st == "delivered"] == seqs
    assert registered["afterSeq"] == seqs[0] - 1
    assert_signed(receiver, registered["secret"])
    assert after == {
        "state": "DELIVERING",
        "deliveredThrough": seqs[-1],
        "backlog": 0,
        "failedAttempts": 0,
        "lastHttpStatus": None,
        "lastError": None,
        "parkedAt": None,
        "parked": [],
    }


@pytest.mark.parametrize("mode", ["503", "refused"])
async def test_after_the_whole_schedule_the_webhook_is_parked_until_resumed(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    async with (
        served_hub(fresh_database_url, monkeypatch, SHORT) as hub,
        receiving(mode) as receiver,
        receiving() as witness,
    ):
        registered = (await graphql(hub, hub.keys["land"], REGISTER, {"url": receiver.url}))["data"]["registerWebhook"]
        # The court's webhook, always up, witnesses the dispatcher's rounds.
        await graphql(hub, hub.keys["court"], REGISTER, {"url": witness.url})
        await receiver.go_down()
        seqs = await changes(hub, CHANGES)

        async def parked() -> bool:
            return (await status(hub, "land"))["state"] == "PARKED"

        await poll(parked, "the land registry's webhook parked")
        parked_status = await status(hub, "land")
        await receiver.come_back()
        # Up again, but parked: new events wake the dispatchers and are not sent to it. Once the
        # court's webhook has them, the land registry's had its rounds too.
        later = await changes(hub, 2)

        async def witnessed() -> bool:
            recorded = [s for s, st in await attempts(hub.database_url, "EV-COURT") if st == "delivered"]
            return witness.answered() == seqs + later and recorded == seqs + later

        await poll(witnessed, "the court's webhook to receive every event")
        while_parked = (await status(hub, "land"), list(receiver.calls), await attempts(hub.database_url, "EV-LAND"))

        resumed = await graphql(hub, hub.keys["land"], RESUME)

        async def caught_up() -> bool:
            recorded = [s for s, st in await attempts(hub.database_url, "EV-LAND") if st == "delivered"]
            return receiver.answered() == seqs + later and recorded == seqs + later

        await poll(caught_up, "every pending event after the resume")
        after = await status(hub, "land")

    land_status, calls_while_parked, attempts_while_parked = while_parked
    # The whole schedule (four attempts) on the oldest event, then the webhook parked.
    assert attempts_while_parked == [(seqs[0], "failed")] * 4
    assert parked_status["state"] == "PARKED"
    assert parked_status["parkedAt"] is not None
    assert (parked_status["deliveredThrough"], parked_status["backlog"]) == (seqs[0] - 1, CHANGES)
    assert parked_status["failedAttempts"] == 4
    assert parked_status["parked"] == []  # no event is parked: the webhook is
    # Nothing sent while parked, even to a receiver that is back.
    assert [c.answered for c in calls_while_parked] == ([503] * 4 if mode == "503" else [])
    assert (land_status["state"], land_status["backlog"]) == ("PARKED", CHANGES + 2)
    # Resumed: everything pending, in order, from the oldest undelivered event.
    assert resumed["data"]["resumeWebhook"] is True
    assert receiver.answered() == seqs + later
    assert_signed(receiver, registered["secret"])
    assert (after["state"], after["deliveredThrough"], after["backlog"], after["parkedAt"]) == (
        "DELIVERING",
        later[-1],
        0,
        None,
    )


async def test_two_hub_processes_deliver_the_backlog_once_in_order_after_the_outage(
    fresh_database_url: str, tmp_path: Path
) -> None:
    keys, subject_id = await seed(fresh_database_url)
    settings = {"HUB_AUDIT_CHECKPOINT_SECONDS": "0", "HUB_WEBHOOK_SCHEDULE": RIDE_OUT}
    processes = [HubProcess(fresh_database_url, tmp_path, **settings) for _ in range(2)]
    try:
        for process in processes:
            await poll(process.ready, "a hub process to become ready", 15)
        hub = Hub(processes[0].url, fresh_database_url, keys, subject_id)
        async with receiving() as receiver:
            receiver.work_seconds = 0.01
            registered = (await graphql(hub, keys["land"], REGISTER, {"url": receiver.url}))["data"]["registerWebhook"]
            await receiver.go_down()
            seqs = await changes(hub, CHANGES)

            async def retried() -> bool:
                return len(receiver.calls) >= 4

            await poll(retried, "four failed attempts during the outage")
            await receiver.come_back()

            async def caught_up() -> bool:
                recorded = [s for s, st in await attempts(fresh_database_url, "EV-LAND") if st == "delivered"]
                return receiver.answered() == seqs and recorded == seqs

            await poll(caught_up, "every event after the receiver came back")
            other = await status(Hub(processes[1].url, fresh_database_url, keys, subject_id), "land")
    finally:
        for process in processes:
            process.stop()

    failures = [c for c in receiver.calls if c.answered == 503]
    assert {c.seq for c in failures} == {seqs[0]}
    # Each pause of the schedule kept between attempts, though two dispatchers were woken.
    pauses = [float(p) for p in RIDE_OUT.split(",")]
    for n, (a, b) in enumerate(itertools.pairwise(failures)):
        assert b.at - a.at >= pauses[n] * 0.9, (n, b.at - a.at)
    # One delivery at a time, each event answered once, in order.
    assert receiver.most_in_flight == 1
    assert receiver.answered() == seqs
    assert_signed(receiver, registered["secret"])
    assert (other["state"], other["deliveredThrough"], other["backlog"]) == ("DELIVERING", seqs[-1], 0)
