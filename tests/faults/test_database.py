"""PostgreSQL going away under load: a restart, and the hub's backends killed.

Each test owns its cluster (an embedded server in a folder of its own, which it may restart)
and runs `hub serve` on it. Clients keep asking (compiled reads, reads the executor answers,
screenings) while the fault happens, each request named by its own Hub-Operator. Then:
every answer is 200 or 503 with Retry-After in GraphQL's JSON error format, never a 500 nor a
200 carrying "the database went away"; every 200 has exactly one audit record and no record
names a request that was not answered 200 or 503; the chain verifies; the hub recovered by
itself.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest_asyncio

from hub.agencies import create_agency
from hub.db.database import Database
from hub.db.embedded import EmbeddedServer, ensure_database
from hub.db.migrate import migrate
from hub.seed.demo import load_stories
from tests.served import ROOT, HubProcess, poll

LIN = "350102197604122712"
COMPILED = "query($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
# A subject by an id the resolver refuses: answered by the executor (a 200 with its error).
EXECUTOR = '{ subject(id: "not-an-id") { name } }'
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""


@dataclass
class Cluster:
    server: EmbeddedServer
    url: str
    folder: Path
    court: dict[str, str] = field(default_factory=dict)
    land: dict[str, str] = field(default_factory=dict)


@pytest_asyncio.fixture
async def cluster() -> AsyncIterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="hubfault", dir="/tmp"))
    server = EmbeddedServer(folder / "db")
    try:
        url = server.start()  # the URL of its "hub" database
        await ensure_database(server.admin_url, "hub")
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            await load_stories(conn)
            db = Database(connection=conn)
            court = await create_agency(db, code="F-COURT", name="法院", kind="court", region="350100")
            land = await create_agency(db, code="F-LAND", name="不动产", kind="land")
        finally:
            await conn.close()
        yield Cluster(
            server,
            url,
            folder,
            court={"Authorization": f"Bearer {court.key}", "Hub-Purpose": quote("(2018)闽0102执1867号")},
            land={"Authorization": f"Bearer {land.key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"},
        )
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Answer:
    operator: str
    status: int
    content_type: str
    retry_after: str | None
    body: Any


@dataclass
class Load:
    """Clients asking without pause; every answer kept."""

    hub: HubProcess
    cluster: Cluster
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    async def client(self, kind: int) -> None:
        async with httpx.AsyncClient(base_url=self.hub.url, timeout=30) as http:
            while not self.stop.is_set():
                operator = f"fault-{next(self._numbers)}"
                if kind == 0:
                    headers, body = self.cluster.court, {"query": COMPILED, "variables": {"id": LIN}}
                elif kind == 1:
                    headers, body = self.cluster.court, {"query": EXECUTOR}
                else:
                    headers = self.cluster.land
                    body = {"query": SCREEN, "variables": {"ids": [{"name": "林文斌", "residentId": LIN}]}}
                try:
                    response = await http.post("/graphql", json=body, headers={**headers, "Hub-Operator": operator})
                except httpx.HTTPError as exc:  # the hub never answered: nothing to check but that
                    self.failures.append(f"{operator}: {type(exc).__name__}")
                    continue
                self.answers.append(
                    Answer(
                        operator,
                        response.status_code,
                        response.headers.get("content-type", ""),
                        response.headers.get("retry-after"),
                        response.json()
                        if response.headers.get("content-type", "").startswith("application/")
                        else response.text,
                    )
                )

    async def ok_after(self, moment: int) -> bool:
        return any(a.status == 200 for a in self.answers[moment:])


async def under_load(cluster: Cluster, fault: Callable[[Load], Awaitable[None]], tmp: Path) -> Load:
    hub = HubProcess(
        cluster.url, tmp, HUB_LIMIT_OPERATIONS_PER_MINUTE="1000000", HUB_LIMIT_SUBJECTS_PER_MINUTE="1000000"
    )
    load = Load(hub, cluster)
    try:
        await poll(hub.ready, "the hub to be ready", 60)
        clients = [asyncio.create_task(load.client(k % 3)) for k in range(6)]
        await poll(lambda: load.ok_after(0), "answers before the fault")
        await fault(load)
        moment = len(load.answers)
        # The hub recovers by itself: answers 200 again, with no restart of its own.
        await poll(lambda: load.ok_after(moment), "answers after the fault", 30)
        settled = len(load.answers)
        await poll(lambda: _count(load, settled, 30), "more answers after recovery", 30)
        load.stop.set()
        await asyncio.gather(*clients)
    finally:
        load.stop.set()
        hub.stop()
    return load


async def _count(load: Load, start: int, more: int) -> bool:
    return len(load.answers) >= start + more


async def answers_after(load: Load, start: int, more: int) -> None:
    await poll(lambda: _count(load, start, more), f"{more} more answers", 30)


async def check(load: Load, cluster: Cluster) -> None:
    # Every answer: a 200, or a 503 with Retry-After in GraphQL's JSON error format.
    statuses = {a.status for a in load.answers}
    assert statuses <= {200, 503}, sorted(statuses)
    assert not load.failures, load.failures[:5]
    for answer in load.answers:
        assert answer.content_type.startswith("application/json"), answer
        if answer.status == 503:
            assert answer.retry_after is not None, answer
            codes = {e["extensions"]["code"] for e in answer.body["errors"]}
            assert codes <= {"DATABASE_UNAVAILABLE", "AUDIT_UNAVAILABLE"}, answer
        else:
            codes = {e["extensions"]["code"] for e in answer.body.get("errors", [])}
            assert not codes & {"INTERNAL_SERVER_ERROR", "DATABASE_UNAVAILABLE"}, answer
    # The trail: one record for every 200, none for a request that got no answer.
    conn = await asyncpg.connect(cluster.url)
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
    verified = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hub.cli", "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "HUB_DATABASE_URL": cluster.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_a_restart_under_load_answers_200_or_503_and_audits_every_answer(
    cluster: Cluster, tmp_path: Path
) -> None:
    async def restart(load: Load) -> None:
        await asyncio.to_thread(cluster.server.restart, "fast")

    load = await under_load(cluster, restart, tmp_path)
    await check(load, cluster)
    assert any(a.status == 200 for a in load.answers)


async def test_killed_backends_under_load_answer_200_or_503_and_audit_every_answer(
    cluster: Cluster, tmp_path: Path
) -> None:
    async def kill_twice(load: Load) -> None:
        conn = await asyncpg.connect(cluster.url)
        try:
            for _ in range(2):
                await conn.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name IN ('hub', 'hub-reads') AND pid <> pg_backend_pid()"
                )
                await answers_after(load, len(load.answers), 10)  # some answers between the two kills
        finally:
            await conn.close()

    load = await under_load(cluster, kill_twice, tmp_path)
    await check(load, cluster)
