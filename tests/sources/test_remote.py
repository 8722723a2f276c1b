"""The remote-source client against a real HTTP server on loopback: time limits, retries for
reads only, the circuit breaker, and errors that name the source but not its address."""

from __future__ import annotations

import datetime
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from hub.errors import SourceUnavailable
from hub.settings import RemoteSettings, Secret
from hub.sources.police import remote_vehicles_by_owners
from hub.sources.remote import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, RemoteSource
from tests.served import free_port
from tests.sources.police_system import Car, PoliceSystem, Seizure, serve_police

OWNER = "350102197604122712"
OTHER = "91350100MA2Y0R7K3P"


@pytest_asyncio.fixture
async def police() -> AsyncIterator[tuple[PoliceSystem, str]]:
    system = PoliceSystem(
        [
            Car(
                OWNER,
                "闽A00002",
                "LVSHFFAL000000002",
                seizures=[Seizure("（2020）闽0103执1号", datetime.date(2020, 4, 1))],
            ),
            Car(OWNER, "闽A00001", "LVSHFFAL000000001"),
            Car(OTHER, "闽A00003", "LVSHFFAL000000003", vehicle_type="truck"),
        ]
    )
    async with serve_police(system) as url:
        yield system, url


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def source(url: str, client: httpx.AsyncClient, **overrides: object) -> RemoteSource:
    settings = RemoteSettings(
        **{  # type: ignore[arg-type]
            "source": "police",
            "url": url,
            "timeout_ms": 300,
            "retries": 2,
            "backoff_ms": 10,
            "breaker_failures": 100,
            "breaker_cooldown_ms": 60_000,
            **overrides,
        }
    )
    return RemoteSource(settings, client)


async def test_a_batch_read_returns_each_owners_vehicles_checked_and_ordered(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    found = await remote_vehicles_by_owners(source(url, client), [OWNER, "350102199001010000"])
    assert system.calls == 1
    assert system.asked == [[OWNER, "350102199001010000"]]
    # The hub keeps what it asked for only, ordered by VIN, dates and types read.
    assert list(found) == [OWNER]
    assert [v.vin for v in found[OWNER]] == ["LVSHFFAL000000001", "LVSHFFAL000000002"]
    [seizure] = found[OWNER][1].seizures
    assert seizure.case_number == "(2020)闽0103执1号"
    assert seizure.released_on is None


async def test_the_graphql_variant_asks_the_same_question(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    found = await remote_vehicles_by_owners(source(url + "/graphql", client, kind="graphql"), [OTHER, OWNER])
    assert system.calls == 1
    assert [v.vehicle_type for v in found[OTHER]] == ["truck"]
    assert len(found[OWNER]) == 2


async def test_the_token_travels_as_a_bearer_header(client: httpx.AsyncClient) -> None:
    system = PoliceSystem([Car(OWNER, "闽A00001", "LVSHFFAL000000001")], token="s3cret-token")
    async with serve_police(system) as url:
        found = await remote_vehicles_by_owners(source(url, client, token=Secret("s3cret-token")), [OWNER])
        assert system.authorizations == ["Bearer s3cret-token"]
        assert len(found[OWNER]) == 1
        # A wrong token is a failure of the source, not retried (4xx), and says nothing of the token.
        with pytest.raises(SourceUnavailable) as refused:
            await remote_vehicles_by_owners(source(url, client, token=Secret("wrong")), [OWNER])
        assert refused.value.reason == "failed"
        assert system.calls == 2
        assert "wrong" not in refused.value.message
        assert url not in refused.value.message


async def test_a_read_is_retried_after_a_5xx_and_then_succeeds(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    system.fail_next = 2
    found = await remote_vehicles_by_owners(source(url, client, retries=2), [OWNER])
    assert system.calls == 3
    assert len(found[OWNER]) == 2


async def test_a_read_that_keeps_failing_is_tried_retries_plus_one_times(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    system.mode = "failing"
    with pytest.raises(SourceUnavailable) as failed:
        await remote_vehicles_by_owners(source(url, client, retries=2), [OWNER])
    assert system.calls == 3
    assert failed.value.as_extensions() == {"code": "SOURCE_UNAVAILABLE", "source": "police", "reason": "failed"}
    assert "127.0.0.1" not in failed.value.message


async def test_a_write_is_sent_once_even_when_it_fails(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    system.mode = "failing"
    remote = source(url, client, retries=3)
    with pytest.raises(SourceUnavailable):
        await remote.post("/notes", {"note": "x"}, idempotent=False)
    assert system.calls == 1


async def test_a_slow_source_times_out_on_each_attempt_within_the_bound(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    system.mode = "slow"
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as slow:
        await remote_vehicles_by_owners(source(url, client, timeout_ms=200, retries=1, backoff_ms=10), [OWNER])
    elapsed = time.monotonic() - started
    assert slow.value.reason == "timeout"
    assert system.calls == 2
    # Two attempts of 0.2 s and a 0.01 s pause; a wide margin for a busy machine.
    assert elapsed < 0.2 * 2 + 0.01 + 1.5


async def test_an_unreachable_source_is_unavailable(client: httpx.AsyncClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SourceUnavailable) as down:
        await remote_vehicles_by_owners(source(closed, client, retries=1), [OWNER])
    assert down.value.reason == "unreachable"
    assert closed not in down.value.message


async def test_an_answer_that_breaks_the_contract_is_not_retried(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    system.mode = "garbage"
    with pytest.raises(SourceUnavailable) as bad:
        await remote_vehicles_by_owners(source(url, client, retries=2), [OWNER])
    assert bad.value.reason == "bad_response"
    assert system.calls == 1


async def test_the_breaker_sheds_calls_once_open_and_probes_after_the_cool_down(
    police: tuple[PoliceSystem, str], client: httpx.AsyncClient
) -> None:
    system, url = police
    now = [0.0]
    remote = source(url, client, retries=1, breaker_failures=2)
    remote.breaker = CircuitBreaker(2, 5.0, clock=lambda: now[0])
    system.mode = "failing"
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            await remote_vehicles_by_owners(remote, [OWNER])
    assert system.calls == 4
    assert remote.breaker.state == OPEN

    with pytest.raises(SourceUnavailable) as shed:
        await remote_vehicles_by_owners(remote, [OWNER])
    assert shed.value.reason == "circuit_open"
    assert system.calls == 4

    # After the cool-down one probe goes out, alone and without retries; it fails: open again.
    now[0] += 5.0
    assert remote.breaker.state == HALF_OPEN
    with pytest.raises(SourceUnavailable):
        await remote_vehicles_by_owners(remote, [OWNER])
    assert system.calls == 5
    assert remote.breaker.state == OPEN

    now[0] += 5.0
    system.mode = "healthy"
    found = await remote_vehicles_by_owners(remote, [OWNER])
    assert len(found[OWNER]) == 2
    assert system.calls == 6
    assert remote.breaker.state == CLOSED


def test_a_half_open_breaker_admits_one_probe_at_a_time() -> None:
    now = [0.0]
    breaker = CircuitBreaker(1, 1.0, clock=lambda: now[0])
    breaker.failed()
    assert not breaker.admit()
    now[0] = 1.0
    assert breaker.admit()
    assert not breaker.admit()
    # A probe cancelled before its answer frees the slot: the next caller probes.
    breaker.abandoned()
    assert breaker.admit()
    breaker.succeeded()
    assert breaker.state == CLOSED
    assert breaker.admit()
    assert breaker.admit()


def test_a_success_resets_the_count_of_consecutive_failures() -> None:
    breaker = CircuitBreaker(2, 1.0, clock=lambda: 0.0)
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert breaker.state == CLOSED
    breaker.failed()
    assert breaker.state == OPEN
