"""What the fault tests share: a hub under load, every answer kept, and the checks that an
agency's answers and the audit trail stayed true whatever broke.

Clients ask without pause (compiled reads, reads the executor answers, screenings), each
request named by its own Hub-Operator, while a test breaks something. ``check`` then holds
every answer to the hub's promise: a 200, or a 503 with Retry-After in GraphQL's JSON error
format, never a 500; one audit record for every 200 and none for a request never answered;
a chain that verifies.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx

from hub.agencies import create_agency
from hub.db.database import Database
from hub.seed.demo import load_stories
from tests.served import ROOT, HubProcess, poll

LIN = "350102197604122712"
COMPILED = "query($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
# A subject by an id the resolver refuses: answered by the executor (a 200 with its error).
EXECUTOR = '{ subject(id: "not-an-id") { name } }'
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""
# Generous rate limits: the load is one agency asking as fast as it can.
UNLIMITED = {"HUB_LIMIT_OPERATIONS_PER_MINUTE": "1000000", "HUB_LIMIT_SUBJECTS_PER_MINUTE": "1000000"}


@dataclass
class Agencies:
    """Request headers of the two agencies the load asks as."""

    court: dict[str, str]
    land: dict[str, str]


async def seed(url: str) -> Agencies:
    """The newspaper's stories, a court and a land registry, in a migrated database."""
    conn = await asyncpg.connect(url)
    try:
        await load_stories(conn)
        db = Database(connection=conn)
        court = await create_agency(db, code="F-COURT", name="法院", kind="court", region="350100")
        land = await create_agency(db, code="F-LAND", name="不动产", kind="land")
    finally:
        await conn.close()
    return Agencies(
        court={"Authorization": f"Bearer {court.key}", "Hub-Purpose": quote("(2018)闽0102执1867号")},
        land={"Authorization": f"Bearer {land.key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"},
    )


@dataclass
class Answer:
    operator: str
    status: int
    content_type: str
    retry_after: str | None
    body: Any
    # When it was asked and how long it took (time.monotonic()).
    asked: float = 0.0
    seconds: float = 0.0

    @property
    def codes(self) -> set[str]:
        errors = self.body.get("errors", []) if isinstance(self.body, dict) else []
        return {e.get("extensions", {}).get("code") for e in errors}


@dataclass
class Load:
    """Clients asking without pause; every answer kept."""

    hub: HubProcess
    agencies: Agencies
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    async def client(self, kind: int) -> None:
        async with httpx.AsyncClient(base_url=self.hub.url, timeout=60) as http:
            while not self.stop.is_set():
                operator = f"fault-{next(self._numbers)}"
                if kind == 0:
                    headers, body = self.agencies.court, {"query": COMPILED, "variables": {"id": LIN}}
                elif kind == 1:
                    headers, body = self.agencies.court, {"query": EXECUTOR}
                else:
                    headers = self.agencies.land
                    body = {"query": SCREEN, "variables": {"ids": [{"name": "林文斌", "residentId": LIN}]}}
                asked = time.monotonic()
                try:
                    response = await http.post("/graphql", json=body, headers={**headers, "Hub-Operator": operator})
                except httpx.HTTPError as exc:  # the hub never answered: nothing to check but that
                    self.failures.append(f"{operator}: {type(exc).__name__}")
                    continue
                content_type = response.headers.get("content-type", "")
                self.answers.append(
                    Answer(
                        operator,
                        response.status_code,
                        content_type,
                        response.headers.get("retry-after"),
                        response.json() if content_type.startswith("application/") else response.text,
                        asked,
                        time.monotonic() - asked,
                    )
                )

    def since(self, moment: float) -> list[Answer]:
        """The answers to requests asked at or after ``moment`` (time.monotonic())."""
        return [a for a in self.answers if a.asked >= moment]

    async def ok_after(self, start: int) -> bool:
        return any(a.status == 200 for a in self.answers[start:])

    async def more(self, start: int, count: int) -> bool:
        return len(self.answers) >= start + count

    async def answered(self, count: int, what: str, deadline_s: float = 30) -> None:
        """Wait for ``count`` more answers."""
        start = len(self.answers)
        await poll(lambda: self.more(start, count), what, deadline_s)


async def under_load(
    agencies: Agencies,
    fault: Callable[[Load], Awaitable[None]],
    hub: HubProcess,
    clients: int = 6,
) -> Load:
    """Run ``fault`` while ``clients`` clients ask ``hub``; then wait until the hub answers 200 again by itself, and for 30 more answers."""
    load = Load(hub, agencies)
    try:
        await poll(hub.ready, "the hub to be ready", 60)
        tasks = [asyncio.create_task(load.client(k % 3)) for k in range(clients)]
        await poll(lambda: load.ok_after(0), "answers before the fault")
        await fault(load)
        moment = len(load.answers)
        # The hub recovers by itself: answers 200 again, with no restart of its own.
        await poll(lambda: load.ok_after(moment), "answers after the fault", 30)
        settled = len(load.answers)
        await poll(lambda: load.more(settled, 30), "more answers after recovery", 30)
        load.stop.set()
        await asyncio.gather(*tasks)
    finally:
        load.stop.set()
        hub.stop()
    return load


async def check(load: Load, database_url: str) -> None:
    """Every answer a 200 or a 503 with Retry-After in GraphQL's JSON error format; one audit
    record for every 200, none for a request that got no answer; the chain verifies."""
    statuses = {a.status for a in load.answers}
    assert statuses <= {200, 503}, sorted(statuses)
    assert not load.failures, load.failures[:5]
    for answer in load.answers:
        assert answer.content_type.startswith("application/json"), answer
        if answer.status == 503:
            assert answer.retry_after is not None, answer
            assert answer.codes <= {"DATABASE_UNAVAILABLE", "AUDIT_UNAVAILABLE"}, answer
        else:
            assert not answer.codes & {"INTERNAL_SERVER_ERROR", "DATABASE_UNAVAILABLE"}, answer
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT operator, count(*) AS n FROM audit.event WHERE operator LIKE 'fault-%' GROUP BY 1"
        )
    finally:
        await conn.close()
    recorded = {r["operator"]: r["n"] for r in rows}
    answered = {a.operator: a.status for a in load.answers}
    for operator, status in answered.items():
        if status == 200:
            assert recorded.get(operator) == 1, (operator, recorded.get(operator))
    assert set(recorded) <= set(answered), sorted(set(recorded) - set(answered))[:5]
    assert all(n == 1 for n in recorded.values())
    await verify(database_url)


async def verify(database_url: str) -> None:
    """`hub audit verify` passes on the database."""
    verified = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hub.cli", "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "HUB_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
