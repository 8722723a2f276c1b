"""Read replicas with a real streaming replica: freshness by WAL position, health, and proof
that reads reach the replica.

Each test owns a primary and a replica made by ``pg_basebackup -R`` (``tests.db.streaming``),
with the embedded binaries and, where installed, the PostgreSQL 15 server's, and runs
`hub serve` on them. Which server answered a read is counted on the servers themselves: the
scans of ``core.subject`` (``pg_stat_user_tables``), which only the reads touch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
import pytest_asyncio

from hub.agencies import create_agency
from hub.db.database import Database
from hub.db.embedded import ensure_database
from hub.db.migrate import migrate
from hub.seed.demo import load_stories
from tests.db.streaming import SERVER_BIN, StreamingPair, embedded_bin, fetchval
from tests.served import HubProcess, free_port, poll

LIN = "350102197604122712"
CASE = "(2018)闽0102执1867号"
READ = "query($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""
PASSWORD = "n0t-to-be-shown"
# Scans of the subjects' table on a server: the reads' footprint (its indexes and itself).
SUBJECT_SCANS = (
    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
    "WHERE schemaname = 'core' AND relname = 'subject'"
)

BINARIES = [
    pytest.param(embedded_bin(), id="embedded"),
    pytest.param(
        SERVER_BIN,
        id="server15",
        marks=pytest.mark.skipif(not (SERVER_BIN / "pg_basebackup").exists(), reason="no PostgreSQL 15 installed"),
    ),
]


@dataclass
class Pair:
    cluster: StreamingPair
    court: dict[str, str]
    land: dict[str, str]
    tourism: dict[str, str]


@pytest_asyncio.fixture(params=BINARIES)
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    cluster = StreamingPair(request.param)
    try:
        await asyncio.to_thread(cluster.start_primary)
        await ensure_database(cluster.url(cluster.primary_port, "postgres"), "hub")
        conn = await asyncpg.connect(cluster.primary_url)
        try:
            await migrate(conn)
            await load_stories(conn)
            db = Database(connection=conn)
            court = await create_agency(db, code="R-COURT", name="法院", kind="court", region="350100")
            land = await create_agency(db, code="R-LAND", name="不动产", kind="land")
            tourism = await create_agency(db, code="R-TOURISM", name="文旅厅", kind="tourism")
        finally:
            await conn.close()
        await asyncio.to_thread(cluster.start_replica)

        async def replaying() -> bool:
            try:
                return bool(await fetchval(cluster.replica_url, "SELECT pg_is_in_recovery()"))
            except (OSError, asyncpg.PostgresError):
                return False

        await poll(replaying, "the replica to take connections", 60)
        yield Pair(
            cluster,
            court={"Authorization": f"Bearer {court.key}", "Hub-Purpose": quote(CASE)},
            land={"Authorization": f"Bearer {land.key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"},
            tourism={"Authorization": f"Bearer {tourism.key}"},
        )
    finally:
        await asyncio.to_thread(cluster.stop)


async def ask(hub: HubProcess, headers: dict[str, str], query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def decision(hub: HubProcess, pair: Pair) -> str:
    data = await ask(hub, pair.land, SCREEN, {"ids": [{"name": "林文斌", "residentId": LIN}]})
    verdict: str = data["screen"]["decisions"][0]["decision"]
    return verdict


async def replicas(hub: HubProcess) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{hub.url}/readyz", timeout=5)
    assert response.status_code == 200, response.text
    assert PASSWORD not in response.text
    shown: list[dict[str, Any]] = response.json()["replicas"]
    return shown


async def scans(url: str) -> int:
    return int(await fetchval(url, SUBJECT_SCANS))  # type: ignore[call-overload]


async def reads_reach(hub: HubProcess, pair: Pair, url: str, n: int = 20) -> None:
    """``n`` subject reads, all answered, and at least ``n`` more scans counted on ``url``
    (statistics reach the view within about a second)."""
    before = await scans(url)
    for _ in range(n):
        data = await ask(hub, pair.court, READ, {"id": LIN})
        assert data["subjectByResidentId"]["name"] == "林文斌"

    async def counted() -> bool:
        return await scans(url) - before >= n

    await poll(counted, f"{n} reads counted on {url.rsplit('@', 1)[1]}", 15)


@asynccontextmanager
async def serving(pair: Pair, folder: Path, max_lag_seconds: int) -> AsyncIterator[HubProcess]:
    """`hub serve` on the pair, its replica serving reads; its log never shows the password."""
    metrics_port = free_port()
    process = HubProcess(
        pair.cluster.primary_url,
        folder,
        HUB_REPLICA_URLS=pair.cluster.url(pair.cluster.replica_port, password=PASSWORD),
        HUB_METRICS_PORT=str(metrics_port),
        HUB_REPLICA_MAX_LAG_SECONDS=str(max_lag_seconds),
        HUB_REPLICA_POLL_MS="50",
        HUB_LIMIT_OPERATIONS_PER_MINUTE="1000000",
        HUB_LIMIT_SUBJECTS_PER_MINUTE="1000000",
    )
    METRICS[process.port] = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        await poll(process.ready, "the hub to be ready", 60)
        await poll(lambda: states_are(process, "serving"), "the replica to serve reads")
        yield process
    finally:
        process.stop()
    assert PASSWORD not in process.log.read_text()


# Each hub process's /metrics address, by its API port.
METRICS: dict[int, str] = {}


async def metrics_show(hub: HubProcess, pair: Pair, state: str) -> bool:
    """Whether the hub's metrics give its replica ``state`` (refreshed every few seconds)."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(METRICS[hub.port], timeout=5)).text
    assert PASSWORD not in text
    replica = f"127.0.0.1:{pair.cluster.replica_port}/hub"
    return f'hub_replica_state{{replica="{replica}",state="{state}"}} 1.0' in text


async def states_are(hub: HubProcess, state: str) -> bool:
    return [r["state"] for r in await replicas(hub)] == [state]


@pytest_asyncio.fixture
async def hubs(pair: Pair, tmp_path: Path) -> AsyncIterator[tuple[HubProcess, HubProcess]]:
    """Two hub processes on the pair: the writer takes the courts' and bureaus' changes, the
    reader the reads and screenings, so it learns of each change only by its notification.
    A lag bound far above what the test takes: only the WAL positions keep reads off the
    paused replica."""
    (tmp_path / "writer").mkdir()
    (tmp_path / "reader").mkdir()
    async with (
        serving(pair, tmp_path / "writer", max_lag_seconds=600) as writer,
        serving(pair, tmp_path / "reader", max_lag_seconds=600) as reader,
    ):
        yield writer, reader


async def test_reads_reach_the_replica_and_a_paused_replica_never_answers_a_changed_list(
    pair: Pair, hubs: tuple[HubProcess, HubProcess]
) -> None:
    cluster = pair.cluster
    writer, hub = hubs
    # Given a replica serving: subject reads are counted there, and screenings decide.
    await reads_reach(hub, pair, cluster.replica_url)
    assert await decision(hub, pair) == "BLOCK"

    # When its replay is paused and a court removes the listing through the writer,
    await fetchval(cluster.replica_url, "SELECT pg_wal_replay_pause()")

    async def paused() -> bool:
        return await fetchval(cluster.replica_url, "SELECT pg_get_wal_replay_pause_state()") == "paused"

    await poll(paused, "replay to pause")
    listing = await fetchval(
        cluster.primary_url,
        "SELECT l.id FROM court.listing l JOIN core.subject s ON s.id = l.subject_id "
        f"WHERE s.identifier = '{LIN}' AND l.removed_on IS NULL",
    )
    removed = await ask(
        writer,
        pair.court,
        "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { active } }",
        {"id": str(listing)},
    )
    assert removed["removeListing"]["active"] is False
    # then the very next screening allows, on the reader as on the writer, and the next
    # read shows no listing in force,
    assert await decision(hub, pair) == "ALLOW"
    assert await decision(writer, pair) == "ALLOW"
    read = await ask(hub, pair.court, READ, {"id": LIN})
    assert read["subjectByResidentId"]["listings"]["nodes"] == []
    # though the replica still holds the listing active, and counts as serving by its lag.
    assert await fetchval(cluster.replica_url, f"SELECT removed_on IS NULL FROM court.listing WHERE id = {listing}")
    assert [r["state"] for r in await replicas(hub)] == ["serving"]

    # When the court publishes a new listing, replay still paused, the next screening blocks.
    published = await ask(
        writer,
        pair.court,
        'mutation($s: ID!) { publishListing(caseNumber: "'
        + CASE
        + '", subjectId: $s, list: DISHONEST, circumstance: REFUSES_WITH_ABILITY) { id } }',
        {"s": str(await fetchval(cluster.primary_url, f"SELECT id FROM core.subject WHERE identifier = '{LIN}'"))},
    )
    assert await decision(hub, pair) == "BLOCK"
    read = await ask(hub, pair.court, READ, {"id": LIN})
    assert read["subjectByResidentId"]["listings"]["nodes"] == [{"list": "DISHONEST", "active": True}]
    assert not await fetchval(
        cluster.replica_url,
        f"SELECT count(*) FROM court.listing WHERE id = {published['publishListing']['id']}",
    )

    # When replay resumes, reads go back to the replica once it has replayed the changes.
    await fetchval(cluster.replica_url, "SELECT pg_wal_replay_resume()")
    await reads_reach(hub, pair, cluster.replica_url)
    assert await decision(hub, pair) == "BLOCK"

    # When replay is paused again and the tourism bureau rerates a hotel (an ingest batch,
    # not a list change), the next read of it shows the new rating.
    await fetchval(cluster.replica_url, "SELECT pg_wal_replay_pause()")
    await poll(paused, "replay to pause")
    hotel = {"code": "FJ-FZ-0001", "name": "福州西湖大酒店", "region": "350102", "address": "福州市鼓楼区湖滨路158号"}
    rerated = await ask(
        writer,
        pair.tourism,
        "mutation($input: HotelInput!) { upsertHotel(input: $input) { status } }",
        {"input": {**hotel, "stars": 3, "ratedOn": "2026-12-01"}},
    )
    assert rerated["upsertHotel"]["status"] == "APPLIED"
    read = await ask(hub, pair.tourism, 'query { hotel(code: "FJ-FZ-0001") { stars } }', {})
    assert read["hotel"] == {"stars": 3}
    assert await fetchval(cluster.replica_url, "SELECT stars FROM tourism.hotel WHERE code = 'FJ-FZ-0001'") == 5


async def test_a_lagging_replica_is_left_out_until_it_catches_up_and_reads_go_on_when_it_stops(
    pair: Pair, tmp_path: Path
) -> None:
    cluster = pair.cluster
    async with serving(pair, tmp_path, max_lag_seconds=1) as hub:
        await reads_reach(hub, pair, cluster.replica_url)

        # When its replay is paused while the primary writes (each read's audit record),
        await fetchval(cluster.replica_url, "SELECT pg_wal_replay_pause()")

        async def lagging() -> bool:
            await ask(hub, pair.court, READ, {"id": LIN})
            return await states_are(hub, "lagging")

        # then it is left out once it lags past the bound, and reads go to the primary;
        await poll(lagging, "/readyz to show the replica lagging")
        assert (await replicas(hub))[0]["lagSeconds"] > 1
        await poll(lambda: metrics_show(hub, pair, "lagging"), "the metrics to show the replica lagging", 15)
        await reads_reach(hub, pair, cluster.primary_url)

        # when replay resumes, it comes back;
        await fetchval(cluster.replica_url, "SELECT pg_wal_replay_resume()")
        await poll(lambda: states_are(hub, "serving"), "the replica to serve again")
        await reads_reach(hub, pair, cluster.replica_url)

        # when it stops, every read and screening is still answered, by the primary.
        await asyncio.to_thread(cluster.stop_replica)
        await reads_reach(hub, pair, cluster.primary_url)
        assert await decision(hub, pair) == "BLOCK"
        await poll(lambda: states_are(hub, "down"), "/readyz to show the replica down")
        await poll(lambda: metrics_show(hub, pair, "down"), "the metrics to show the replica down", 15)


async def test_a_replica_that_does_not_answer_or_is_not_one_is_left_out_at_start(
    fresh_database_url: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await load_stories(conn)
        land = await create_agency(Database(connection=conn), code="R-LAND", name="不动产", kind="land")
    finally:
        await conn.close()
    silent = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/hub"
    # The second "replica" is the primary itself, named by mistake.
    hub = HubProcess(fresh_database_url, tmp_path, HUB_REPLICA_URLS=f"{silent},{fresh_database_url}")
    try:
        await poll(hub.ready, "the hub to be ready", 60)
        assert [r["state"] for r in await replicas(hub)] == ["down", "not_a_replica"]
        headers = {"Authorization": f"Bearer {land.key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"}
        data = await ask(hub, headers, SCREEN, {"ids": [{"name": "林文斌", "residentId": LIN}]})
        assert data["screen"]["decisions"] == [{"decision": "BLOCK"}]
    finally:
        hub.stop()
    log = hub.log.read_text()
    assert PASSWORD not in log
    assert f"replica 127.0.0.1:{silent.rsplit(':', 1)[1]} left out at start" in log
    assert "is not a replica" in log
