"""Soak: minutes of mixed load on loopback against `hub serve`, then the books balanced.

    python bench/soak.py [--minutes 10] [--clients 4] [--sample-seconds 60]

On HUB_DATABASE_URL's server when set (a database of its own, dropped after), else an
embedded PostgreSQL in a scratch folder. First a warm-up runs every workload once (what the
hub builds on a first use is then in the baseline), then the load, all at once for
``--minutes``:

- reads: a person with her listings (a compiled read), and subjects by id (the executor);
- screenings of a batch of three identities for a real-estate registration;
- list changes: the court publishes a listing and removes it again, over and over;
- an ingest: a file of land records uploaded over POST /ingest/land, once a minute;
- a GraphQL subscriber on WS /graphql (listChanges) and a webhook receiver (signatures
  checked), both counting the list changes they are told of.

Every request carries its own Hub-Operator. At the end it prints the requests by status
(no 5xx expected), the operations sent against the audit records that name them (equal),
`hub audit verify`, the hub process's RSS every ``--sample-seconds`` with the requests
answered by then (and its PostgreSQL's, when embedded), the RSS before and after the
warm-up and at the end with the growth per minute, per 10,000 requests and over the last
third of the run (the slope that says whether it is flat), and the events the subscriber
and the webhook received against the list changes committed. Exits 1 when a 5xx was
answered, the books do not balance, verify fails or an event went missing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import orjson
import psutil
import uvicorn
from harness import ROOT, UNLIMITED, bench_server, free_port, serve_hub, stop, with_database
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.asyncio.client import connect

from hub.agencies import create_agency
from hub.db.database import Database
from hub.db.embedded import ensure_database
from hub.db.migrate import migrate
from hub.events.webhooks import verify
from hub.seed.demo import load_stories

LIN = "350102197604122712"
CASE = "(2018)闽0102执1867号"
READ = "query($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
BY_IDS = "query($ids: [ID!]!) { subjects(ids: $ids) { name } }"
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""
PUBLISH = f'mutation($s: ID!) {{ publishListing(caseNumber: "{CASE}", subjectId: $s, list: RESTRICTED) {{ id }} }}'
REMOVE = "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { id } }"
REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { secret afterSeq } }"
CHANGES = "subscription { listChanges { seq kind } }"
INGEST_RECORDS = 500
# The subscriber's operator: its subscription has a record, and so has each event it is sent.
SUBSCRIBER = "soak-subscriber"


@dataclass
class Books:
    """What the load did and saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    # Each operator the load named, with the audit records its operation writes (an upload
    # writes two: one before it starts, one with its report).
    operators: dict[str, int] = field(default_factory=dict)
    changes: int = 0  # list changes committed (a publish or a removal answered without errors)
    errors: list[str] = field(default_factory=list)
    subscriber: list[int] = field(default_factory=list)
    webhook: list[int] = field(default_factory=list)
    bad_signatures: int = 0
    # (seconds since the timed load began, requests answered by then, hub RSS, PostgreSQL's)
    rss: list[tuple[float, int, int, int | None]] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    def operator(self, records: int = 1) -> str:
        name = f"soak-{next(self._numbers)}"
        self.operators[name] = records
        return name


@dataclass
class Keys:
    court: dict[str, str]
    land: dict[str, str]
    court_key: str
    land_key: str
    subjects: dict[str, int]


async def prepare(url: str) -> Keys:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        subjects = await load_stories(conn)
        db = Database(connection=conn)
        court = await create_agency(db, code="SOAK-COURT", name="法院", kind="court", region="350100")
        land = await create_agency(db, code="SOAK-LAND", name="不动产", kind="land")
    finally:
        await conn.close()
    return Keys(
        court={"Authorization": f"Bearer {court.key}", "Hub-Purpose": quote(CASE)},
        land={"Authorization": f"Bearer {land.key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"},
        court_key=court.key,
        land_key=land.key,
        subjects=subjects,
    )


async def ask(
    http: httpx.AsyncClient, books: Books, kind: str, headers: dict[str, str], query: str, variables: dict[str, Any]
) -> dict[str, Any] | None:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers={**headers, "Hub-Operator": books.operator()}
    )
    books.statuses[response.status_code] += 1
    books.by_kind[kind] += 1
    if response.status_code >= 500:
        books.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
        return None
    body: dict[str, Any] = response.json()
    return body


async def reader(base: str, keys: Keys, books: Books, until: float, n: int, once: bool = False) -> None:
    ids = [str(i) for i in keys.subjects.values()][:5]
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for i in itertools.count(n):
            if time.monotonic() >= until or (once and i > n):
                return
            if i % 3 == 0:
                await ask(http, books, "read", keys.court, READ, {"id": LIN})
            elif i % 3 == 1:
                await ask(http, books, "read", keys.court, BY_IDS, {"ids": ids})
            else:
                identities = [{"name": "林文斌", "residentId": LIN}, {"name": "曹某"}, {"name": "龚某某"}]
                await ask(http, books, "screening", keys.land, SCREEN, {"ids": identities})


async def lister(base: str, keys: Keys, books: Books, until: float, once: bool = False) -> None:
    """Publish a listing of 林文斌 and remove it again, one change after the other (one
    publication and its removal with ``once``)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        rounds: Iterable[int] = range(1) if once else itertools.count()
        for _ in rounds:
            if time.monotonic() >= until:
                return
            published = await ask(http, books, "list change", keys.court, PUBLISH, {"s": str(keys.subjects["lin"])})
            if not published or "errors" in published:
                books.errors.append(f"publish: {published}")
                await asyncio.sleep(1)  # a pause, not a wait for something: keep the error log short
                continue
            books.changes += 1
            listing = published["data"]["publishListing"]["id"]
            removed = await ask(http, books, "list change", keys.court, REMOVE, {"id": listing})
            if removed and "errors" not in removed:
                books.changes += 1
            else:
                books.errors.append(f"remove: {removed}")


def land_records(batch: int) -> bytes:
    lines = []
    for n in range(INGEST_RECORDS):
        lines.append(
            orjson.dumps(
                {
                    "certificateNumber": f"闽(2019)福州市不动产权第{batch % 100:02d}{n:05d}号",
                    "region": "350102",
                    "address": f"福州市鼓楼区某路{n}号",
                    "areaM2": "88.50",
                    "usage": "residential",
                    "registeredOn": "2024-01-02",
                    "owners": [{"name": "林文斌", "identifier": LIN, "share": "1"}],
                }
            )
        )
    return b"\n".join(lines) + b"\n"


async def upload(http: httpx.AsyncClient, keys: Keys, books: Books, batch: int) -> None:
    """One file of land records over POST /ingest/land."""
    response = await http.post(
        "/ingest/land",
        content=land_records(batch),
        params={"format": "ndjson"},
        headers={
            "Authorization": f"Bearer {keys.land_key}",
            "Content-Type": "application/x-ndjson",
            "Hub-Operator": books.operator(records=2),
        },
    )
    books.statuses[response.status_code] += 1
    books.by_kind["ingest"] += 1
    if response.status_code != 200:
        report = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        books.errors.append(f"ingest: {response.status_code} {report.get('errors', response.text)!s:.300}")


async def ingester(base: str, keys: Keys, books: Books, until: float) -> None:
    """A file of land records once a minute (the first at once; the warm-up's was batch 0)."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        for batch in itertools.count(1):
            if time.monotonic() >= until:
                return
            await upload(http, keys, books, batch)
            await asyncio.sleep(max(0.0, min(60.0, until - time.monotonic())))  # the next upload's time


async def subscriber(base: str, keys: Keys, books: Books, ready: asyncio.Event, done: asyncio.Event) -> None:
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {keys.court_key}", "purpose": CASE, "operator": SUBSCRIBER}
        await ws.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(orjson.dumps({"type": "subscribe", "id": "1", "payload": {"query": CHANGES}}).decode())
        ready.set()
        while not done.is_set():
            try:
                message = orjson.loads(await asyncio.wait_for(ws.recv(), 1))
            except TimeoutError:
                continue
            if message["type"] == "next" and "data" in message["payload"]:
                books.subscriber.append(message["payload"]["data"]["listChanges"]["seq"])
            elif message["type"] != "ping":
                books.errors.append(f"subscriber: {message}")


class Receiver:
    """The land registry's webhook endpoint: checks each signature, keeps each event's seq."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.secret = b""
        self.port = free_port()
        app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        if not verify(self.secret, headers.get("hub-timestamp", ""), body, headers.get("hub-signature", "")):
            self.books.bad_signatures += 1
        self.books.webhook.append(int(headers["hub-event-id"]))
        return Response(status_code=200)


def memory(hub: psutil.Process, postgres_dir: Path | None) -> tuple[int, int | None]:
    """RSS of the hub process, and the memory of its embedded PostgreSQL: the postmaster's
    and every backend's own pages (USS; the shared buffers they map are not counted)."""
    pg = None
    if postgres_dir is not None:
        pg = 0
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if proc.info["name"] == "postgres" and str(postgres_dir) in cmdline:
                for one in [proc, *proc.children()]:
                    try:
                        pg += one.memory_full_info().uss
                    except psutil.Error:
                        pass
    return hub.memory_info().rss, pg


async def warm_up(base: str, keys: Keys, books: Books) -> None:
    """Every workload once, one after the other, before the timed load: whatever the hub
    builds on a first use (plans, compiled reads, prepared statements, code paths paged in)
    is then in the baseline the growth is measured from."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        for n in range(3):  # a read, subjects by id, a screening
            await reader(base, keys, books, time.monotonic() + 3600, n, once=True)
        await lister(base, keys, books, time.monotonic() + 3600, once=True)
        await upload(http, keys, books, 0)


async def soak(
    base: str,
    hub: psutil.Process,
    keys: Keys,
    minutes: float,
    clients: int,
    pg: Path | None,
    sample_seconds: float,
) -> Books:
    books = Books()
    receiver = Receiver(books)
    served = asyncio.create_task(receiver.server.serve())
    await wait_until(lambda: receiver.server.started, 30)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        registered = await ask(
            http, books, "webhook", keys.land, REGISTER, {"url": f"http://127.0.0.1:{receiver.port}/hook"}
        )
        assert registered is not None
        assert "errors" not in registered, registered
        receiver.secret = registered["data"]["registerWebhook"]["secret"].encode()
    ready, done = asyncio.Event(), asyncio.Event()
    listening = asyncio.create_task(subscriber(base, keys, books, ready, done))
    await asyncio.wait_for(ready.wait(), 30)
    books.rss.append((-1.0, sum(books.statuses.values()), *memory(hub, pg)))
    await warm_up(base, keys, books)
    books.rss.append((0.0, sum(books.statuses.values()), *memory(hub, pg)))
    started = time.monotonic()
    until = started + minutes * 60

    async def sample() -> None:
        while time.monotonic() < until:
            await asyncio.sleep(min(sample_seconds, max(0.0, until - time.monotonic())))  # a sampling period
            books.rss.append((time.monotonic() - started, sum(books.statuses.values()), *memory(hub, pg)))

    await asyncio.gather(
        *(reader(base, keys, books, until, n) for n in range(clients)),
        lister(base, keys, books, until),
        ingester(base, keys, books, until),
        sample(),
    )
    # Let the subscriber and the webhook catch up with the last changes.
    await wait_until(lambda: len(books.subscriber) >= books.changes and len(set(books.webhook)) >= books.changes, 60)
    done.set()
    await listening
    receiver.server.should_exit = True
    await served
    return books


def slope(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares slope of ``points`` (x, y); 0 for fewer than two."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def rss_summary(samples: Sequence[tuple[float, int, int, int | None]]) -> str:
    """The hub's RSS before and after the warm-up and at the end, the growth per minute and per
    10,000 requests from the warm-up to the end, and the slope over the last third of the run
    (least squares over its samples): what "flat" is judged by."""
    mb = 2**20
    cold, warm, last = samples[0], samples[1], samples[-1]
    timed = [s for s in samples if s[0] >= 0]
    minutes = (last[0] - warm[0]) / 60 or 1.0
    served = (last[1] - warm[1]) / 10_000 or 1.0
    tail = [(s[0] / 60, s[2] / mb) for s in timed if s[0] >= last[0] * 2 / 3]
    tail_served = [(s[1] / 10_000, s[2] / mb) for s in timed if s[0] >= last[0] * 2 / 3]
    return (
        f"hub RSS cold {cold[2] / mb:.1f} MB, after the warm-up {warm[2] / mb:.1f} MB, end {last[2] / mb:.1f} MB "
        f"after {last[0] / 60:.1f} min: {(last[2] - warm[2]) / mb / minutes:+.2f} MB/min, "
        f"{(last[2] - warm[2]) / mb / served:+.2f} MB per 10k requests; last third: "
        f"{slope(tail):+.2f} MB/min, {slope(tail_served):+.2f} MB per 10k requests ({len(tail)} samples)"
    )


async def wait_until(check: Callable[[], bool], seconds: float) -> None:
    """Until ``check()`` holds, or ``seconds`` have passed (then the figures tell)."""
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)


async def trail(url: str) -> dict[str, int]:
    """Audit records by operator, of the operators the load named."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT operator, count(*) AS n FROM audit.event WHERE operator LIKE 'soak-%' GROUP BY 1"
        )
    finally:
        await conn.close()
    return {r["operator"]: r["n"] for r in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4, help="reading and screening clients (default 4)")
    parser.add_argument("--sample-seconds", type=float, default=60, help="RSS sampling period (default 60)")
    args = parser.parse_args()
    name = f"hub_soak_{uuid.uuid4().hex[:8]}"
    with bench_server("hubsoak", drop=name) as server:
        asyncio.run(ensure_database(server.admin_url, name))
        url = with_database(server.admin_url, name)
        keys = asyncio.run(prepare(url))
        embedded_dir = None if os.environ.get("HUB_DATABASE_URL") else (server.tmp / "db").resolve()
        env = {**UNLIMITED, "HUB_WEBHOOK_SCHEDULE": "0.2,0.5,1,2,5"}
        proc, base = serve_hub(url, server.tmp, env=env)
        try:
            hub = psutil.Process(proc.pid)
            books = asyncio.run(soak(base, hub, keys, args.minutes, args.clients, embedded_dir, args.sample_seconds))
        finally:
            stop([proc])
        recorded = asyncio.run(trail(url))
        verified = subprocess.run(
            [sys.executable, "-m", "hub.cli", "audit", "verify"],
            cwd=ROOT,
            # The hub's data directory: its checkpoints are signed with the key kept there.
            env={**os.environ, "HUB_DATABASE_URL": url, "HUB_DATA_DIR": str(server.tmp)},
            capture_output=True,
            text=True,
            timeout=600,
        )
    sent = len(books.operators)
    expected = sum(books.operators.values())
    subscribed = recorded.pop(SUBSCRIBER, 0)
    balanced = recorded == books.operators
    fives = sum(n for status, n in books.statuses.items() if status >= 500)
    print(f"soak: {args.minutes:g} min of mixed load on {server.where}, {args.clients} reading clients")
    print("requests by status: " + " ".join(f"{s}:{n}" for s, n in sorted(books.statuses.items())) + f" (5xx: {fives})")
    print("operations by kind: " + " ".join(f"{k}:{n}" for k, n in sorted(books.by_kind.items())))
    print(
        f"operations sent {sent} (audit records expected {expected}: an upload has two), audit records naming "
        f"them {sum(recorded.values())}, every one as expected: {balanced}"
    )
    print(f"subscriber: 1 subscription + {len(books.subscriber)} events sent = {subscribed} audit records")
    print(
        f"audit verify: exit {verified.returncode}: "
        + " / ".join((verified.stdout + verified.stderr).strip().splitlines()[-4:])
    )
    print(
        "RSS (minute: requests answered, hub MB"
        + (", embedded postgres MB: USS summed over its processes)" if embedded_dir else ")")
        + "; 'cold' is before the warm-up, 0.0 after it"
    )
    for at, answered, hub_rss, pg_rss in books.rss:
        print(
            ("   cold" if at < 0 else f"  {at / 60:5.1f}")
            + f": {answered:8d} {hub_rss / 2**20:7.1f}"
            + (f"  {pg_rss / 2**20:7.1f}" if pg_rss is not None else "")
        )
    print(rss_summary(books.rss))
    in_order = books.subscriber == sorted(books.subscriber)
    print(
        f"list changes committed {books.changes}; subscriber received {len(books.subscriber)} "
        f"(in order: {in_order}); webhook received {len(books.webhook)} ({len(set(books.webhook))} distinct, "
        f"bad signatures {books.bad_signatures})"
    )
    for error in books.errors[:10]:
        print("  error: " + error)
    ok = (
        fives == 0
        and balanced
        and subscribed == 1 + len(books.subscriber)
        and verified.returncode == 0
        and len(books.subscriber) == books.changes
        and len(set(books.webhook)) == books.changes
        and books.bad_signatures == 0
        and not books.errors
    )
    print("OK" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
