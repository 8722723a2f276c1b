"""GET /metrics: who may scrape it, and that the figures move with what the hub does."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.events.conftest import PERSON_ID, seed
from tests.served import HubProcess, free_port, poll

LOOKUP = "query Lookup($id: String!) { subjectByResidentId(residentId: $id) { name } }"
REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { afterSeq } }"
PURPOSE = quote("(2024)闽0102执77号")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_only_the_operators_key_may_scrape_and_the_counters_move_for_the_right_labels(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    operator = await make_agency("platform")
    court = await make_agency("court", purpose="(2018)闽0102执1867号")
    before = samples((await app_client.get("/metrics", headers=operator)).text)

    for _ in range(3):
        answered = await app_client.post(
            "/graphql", json={"query": LOOKUP, "variables": {"id": PERSON_ID}}, headers=court
        )
        assert answered.status_code == 200
    refused = await app_client.post("/graphql", json={"query": LOOKUP}, headers={"Authorization": "Bearer hub_x"})
    assert refused.status_code == 401
    scraped = await app_client.get("/metrics", headers=operator)
    by_court = await app_client.get("/metrics", headers=court)
    anonymous = await app_client.get("/metrics")

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    after = samples(scraped.text)
    ok = {"operation": "Lookup", "agency_kind": "court", "outcome": "ok"}
    denied = {"operation": "anonymous", "agency_kind": "none", "outcome": "denied"}
    assert value(after, "hub_requests_total", **ok) - value(before, "hub_requests_total", **ok) == 3
    assert (
        value(after, "hub_request_duration_seconds_count", **ok)
        - value(before, "hub_request_duration_seconds_count", **ok)
        == 3
    )
    assert value(after, "hub_requests_total", **denied) - value(before, "hub_requests_total", **denied) == 1
    assert value(after, "hub_webhooks", state="parked") == 0
    assert by_court.status_code == 403
    assert by_court.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert PERSON_ID not in scraped.text


async def test_two_workers_are_summed_and_the_metrics_port_needs_no_key(
    fresh_database_url: str, tmp_path: Path
) -> None:
    keys, _ = await seed(fresh_database_url)
    # Figures a previous run left in the data directory: they must not count in this one.
    stale = tmp_path / "metrics"
    stale.mkdir()
    previous_run = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from hub import metrics; metrics.REQUESTS.labels('Lookup', 'court', 'ok').inc(1000)",
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(stale)},
    )
    assert await previous_run.wait() == 0
    assert list(stale.iterdir())
    metrics_port = free_port()
    hub = HubProcess(
        fresh_database_url,
        tmp_path,
        "--workers",
        "2",
        HUB_LOG_FORMAT="json",
        HUB_METRICS_PORT=str(metrics_port),
        HUB_AUDIT_CHECKPOINT_SECONDS="0",
        HUB_REMOTE_POLICE_URL="http://127.0.0.1:9/police",
    )
    court = {"Authorization": f"Bearer {keys['court']}", "Hub-Purpose": PURPOSE}
    operator = {"Authorization": f"Bearer {keys['platform']}"}
    sent = 0
    try:
        await poll(hub.ready, "the hub's workers to serve", 30)

        def serving_pids() -> set[int]:
            lines = [json.loads(line) for line in hub.log.read_text().splitlines() if line.startswith("{")]
            return {line["pid"] for line in lines if line["logger"] == "hub.access"}

        async def both_workers_answered() -> bool:
            nonlocal sent
            # A new connection each time: the kernel hands connections to either worker.
            async with httpx.AsyncClient(base_url=hub.url) as http:
                answered = await http.post(
                    "/graphql", json={"query": LOOKUP, "variables": {"id": PERSON_ID}}, headers=court
                )
            assert answered.status_code == 200, answered.text
            sent += 1
            return len(serving_pids()) == 2

        await poll(both_workers_answered, "both workers to answer a lookup", 30)
        async with httpx.AsyncClient(base_url=hub.url) as http:
            await http.post(
                "/graphql",
                json={"query": REGISTER, "variables": {"url": "http://127.0.0.1:9/h"}},
                headers={"Authorization": f"Bearer {keys['land']}"},
            )
        conn = await asyncpg.connect(fresh_database_url)
        try:
            await conn.execute("UPDATE events.webhook SET parked_at = now() WHERE active")
        finally:
            await conn.close()

        scrapes = []
        for _ in range(4):
            async with httpx.AsyncClient(base_url=hub.url) as http:
                scraped = await http.get("/metrics", headers=operator)
            assert scraped.status_code == 200
            scrapes.append(samples(scraped.text))
        async with httpx.AsyncClient() as http:
            by_port = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            refused = await http.get(f"{hub.url}/metrics", headers={"Authorization": f"Bearer {keys['court']}"})
    finally:
        hub.stop()

    ok = {"operation": "Lookup", "agency_kind": "court", "outcome": "ok"}
    # Whichever worker answered the scrape, it counted both workers' lookups.
    assert [value(s, "hub_requests_total", **ok) for s in scrapes] == [sent] * 4
    assert value(scrapes[-1], "hub_audit_append_seconds_count") >= sent
    assert value(scrapes[-1], "hub_webhooks", state="parked") == 1
    assert value(scrapes[-1], "hub_pool_connections", pool="statements", state="max") == 20  # 10 a worker
    assert value(scrapes[-1], "hub_pool_connections", pool="statements", state="size") >= 2
    assert ("hub_remote_breaker_state", (("source", "police"),)) in scrapes[-1]
    assert value(scrapes[-1], "hub_remote_breaker_state", source="police") == 0
    assert by_port.status_code == 200
    assert value(samples(by_port.text), "hub_requests_total", **ok) == sent
    assert refused.status_code == 403
