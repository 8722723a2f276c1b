"""Vehicles asked of the police system at query time, over real HTTP on loopback.

The stand-in police system (tests/sources/police_system.py) runs healthy, slow or failing; the
hub answers the rest of the response either way, with the vehicles fields null and the error
at their paths when the police system lets it down.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from hub.db.database import Database
from hub.errors import SourceUnavailable
from hub.identity import make_resident_id, make_uscc
from hub.settings import RemoteSettings, Settings
from tests.conftest import gql, serve_in_process
from tests.served import poll
from tests.sources.police_system import Car, PoliceSystem, Seizure, serve_police

NESTED = """
query($ids: [ID!]!) { subjects(ids: $ids) {
  id name
  listings { nodes { list case { caseNumber } } }
  cases { nodes { caseNumber } }
  realEstate { nodes { share } }
  vehicles(first: 5) {
    nodes { id plate vin vehicleType seized owner { name } seizures { caseNumber seizedOn releasedOn case { caseNumber } } }
    pageInfo { hasNextPage }
  }
} }
"""

VEHICLES_PAGE = """
query($id: ID!, $after: String) { subject(id: $id) {
  name vehicles(first: 1, after: $after) { nodes { plate } pageInfo { hasNextPage endCursor } }
} }
"""

NAMES_AND_VEHICLES = """
query($ids: [ID!]!) { subjects(ids: $ids) { name vehicles { nodes { plate } } } }
"""

DEBTORS = 12


@dataclass
class Debtors:
    ids: list[str]
    identifiers: list[str]
    case_numbers: list[str]


@pytest_asyncio.fixture
async def debtors(db: Database, stories: dict[str, Any]) -> Debtors:
    """Eleven persons and one company, each a debtor in a case and on the dishonest list (the
    stories bring the courts)."""
    ids, identifiers, numbers = [], [], []
    for i in range(DEBTORS):
        if i < DEBTORS - 1:
            identifier = make_resident_id("350103", dt.date(1970, 1, 1) + dt.timedelta(days=41 * i), 600 + i)
            born = dt.date(int(identifier[6:10]), int(identifier[10:12]), int(identifier[12:14]))
            sex = "male" if int(identifier[16]) % 2 else "female"
            subject = await db.fetchval(
                "INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region) "
                "VALUES ('person', $1, '车主' || $2, $3, $4, '350103') RETURNING id",
                identifier,
                str(i),
                sex,
                born,
            )
        else:
            identifier = make_uscc("9", "1", "350100", "MA2Y0R7K")
            subject = await db.fetchval(
                "INSERT INTO core.subject (kind, identifier, name, region) "
                "VALUES ('organisation', $1, '福州运输有限公司', '350100') RETURNING id",
                identifier,
            )
        number = f"(2021)闽0103执{8100 + i}号"
        case = await db.fetchval(
            "INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer, obligation, amount) "
            "VALUES ($1, '闽0103', '2021-01-05', '(2020)闽0103民初9号', '福州市台江区人民法院', '还款', 5000) RETURNING id",
            number,
        )
        await db.execute("INSERT INTO court.case_party VALUES ($1, $2)", case, subject)
        await db.execute(
            "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on) "
            "VALUES ($1, $2, 'dishonest', 'refuses_with_ability', '2021-03-01')",
            subject,
            case,
        )
        ids.append(str(subject))
        identifiers.append(identifier)
        numbers.append(number)
    return Debtors(ids, identifiers, numbers)


def cars_for(debtors: Debtors) -> list[Car]:
    """A car for every debtor, seized in the debtor's case; the first debtor has a second car,
    seized in a case the hub's court records do not hold."""
    cars = [
        Car(owner, f"闽A{70000 + i:05d}", f"LVSHFFAL{70000 + i:09d}", seizures=[Seizure(number, dt.date(2021, 4, 1))])
        for i, (owner, number) in enumerate(zip(debtors.identifiers, debtors.case_numbers, strict=True))
    ]
    cars.append(
        Car(
            debtors.identifiers[0],
            "闽AD99999",
            "LVSHFFAL999999999",
            vehicle_type="truck",
            seizures=[Seizure("（2019）闽0999执1号", dt.date(2019, 9, 9), dt.date(2020, 1, 1))],
        )
    )
    return cars


HubFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest_asyncio.fixture
async def police(debtors: Debtors) -> AsyncIterator[tuple[PoliceSystem, str]]:
    system = PoliceSystem(cars_for(debtors))
    async with serve_police(system) as url:
        yield system, url


@pytest_asyncio.fixture
async def hub_with_remote(db: Database, police: tuple[PoliceSystem, str]) -> HubFactory:
    """The hub, in process over the test's transaction, asking the stand-in for vehicles."""
    _, url = police

    @asynccontextmanager
    async def start(path: str = "", **knobs: Any) -> AsyncIterator[httpx.AsyncClient]:
        remote = RemoteSettings(
            **{"source": "police", "url": url + path, "timeout_ms": 1_000, "backoff_ms": 10, **knobs}
        )
        async with serve_in_process(db, Settings(env="development", remote_sources=(remote,))) as client:
            yield client

    return start


def errors_at(body: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(e["path"]): e for e in body.get("errors", [])}


async def test_one_call_to_the_police_system_answers_vehicles_for_every_subject(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, auth: dict[str, str]
) -> None:
    system, _ = police
    async with hub_with_remote() as hub:
        body = await gql(hub, auth, NESTED, {"ids": debtors.ids})
    assert "errors" not in body, body["errors"]
    # Twelve owners' vehicles in one HTTP call, asked by resident ID and USCC.
    assert system.calls == 1
    assert sorted(system.asked[0]) == sorted(debtors.identifiers)
    subjects = body["data"]["subjects"]
    first, company = subjects[0], subjects[-1]
    assert company["name"] == "福州运输有限公司"
    assert [v["plate"] for v in company["vehicles"]["nodes"]] == [f"闽A{70000 + DEBTORS - 1:05d}"]
    assert [v["vin"] for v in first["vehicles"]["nodes"]] == ["LVSHFFAL000070000", "LVSHFFAL999999999"]
    car, truck = first["vehicles"]["nodes"]
    # Shaped into the same types: the owner is the hub's subject, seizures point at the hub's cases.
    assert car["id"] == "LVSHFFAL000070000"
    assert car["owner"] == {"name": "车主0"}
    assert car["seized"] is True
    assert car["seizures"] == [
        {
            "caseNumber": debtors.case_numbers[0],
            "seizedOn": "2021-04-01",
            "releasedOn": None,
            "case": {"caseNumber": debtors.case_numbers[0]},
        }
    ]
    # A case the hub's court records do not hold: the number, no case; released, so not seized.
    assert truck["vehicleType"] == "TRUCK"
    assert truck["seized"] is False
    assert truck["seizures"][0]["caseNumber"] == "(2019)闽0999执1号"
    assert truck["seizures"][0]["case"] is None
    # The rest of the response comes from the hub's own tables as before.
    assert first["listings"]["nodes"] == [{"list": "DISHONEST", "case": {"caseNumber": debtors.case_numbers[0]}}]


async def test_the_graphql_variant_of_the_police_system_answers_the_same(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, auth: dict[str, str]
) -> None:
    system, _ = police
    async with hub_with_remote("/graphql", kind="graphql") as hub:
        body = await gql(hub, auth, NESTED, {"ids": debtors.ids})
    assert "errors" not in body, body["errors"]
    assert system.calls == 1
    plates = [[v["plate"] for v in s["vehicles"]["nodes"]] for s in body["data"]["subjects"]]
    assert plates[0] == ["闽A70000", "闽AD99999"]
    assert plates[1:] == [[f"闽A{70000 + i:05d}"] for i in range(1, DEBTORS)]


async def test_policy_applies_before_the_police_system_is_asked(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, make_agency: Any
) -> None:
    system, _ = police
    land = await make_agency("land", purpose="REAL_ESTATE_REGISTRATION")
    async with hub_with_remote() as hub:
        response = await hub.post(
            "/graphql", json={"query": NAMES_AND_VEHICLES, "variables": {"ids": debtors.ids}}, headers=land
        )
    assert response.status_code == 403
    assert {e["extensions"]["code"] for e in response.json()["errors"]} == {"FIELD_NOT_ALLOWED"}
    assert system.calls == 0


async def test_remote_vehicles_page_with_cursors_of_their_own(
    hub_with_remote: HubFactory, debtors: Debtors, auth: dict[str, str]
) -> None:
    async with hub_with_remote() as hub:
        first = await gql(hub, auth, VEHICLES_PAGE, {"id": debtors.ids[0]})
        page = first["data"]["subject"]["vehicles"]
        assert [n["plate"] for n in page["nodes"]] == ["闽A70000"]
        assert page["pageInfo"]["hasNextPage"] is True
        second = await gql(hub, auth, VEHICLES_PAGE, {"id": debtors.ids[0], "after": page["pageInfo"]["endCursor"]})
        page = second["data"]["subject"]["vehicles"]
        assert [n["plate"] for n in page["nodes"]] == ["闽AD99999"]
        assert page["pageInfo"]["hasNextPage"] is False


async def test_a_cursor_of_the_local_list_is_refused_by_the_remote_one(
    hub_with_remote: HubFactory, app_client: httpx.AsyncClient, debtors: Debtors, db: Database, auth: dict[str, str]
) -> None:
    await db.execute(
        "INSERT INTO police.vehicle (plate, vin, owner_id, make, vehicle_type, registered_on) "
        "VALUES ('闽A60001', 'LVSHFFAL000060001', $1, '比亚迪', 'car', '2018-01-01'), "
        "       ('闽A60002', 'LVSHFFAL000060002', $1, '比亚迪', 'car', '2018-01-01')",
        int(debtors.ids[0]),
    )
    local = await gql(app_client, auth, VEHICLES_PAGE, {"id": debtors.ids[0]})
    cursor = local["data"]["subject"]["vehicles"]["pageInfo"]["endCursor"]
    async with hub_with_remote() as hub:
        body = await gql(hub, auth, VEHICLES_PAGE, {"id": debtors.ids[0], "after": cursor})
    assert body["data"]["subject"] == {"name": "车主0", "vehicles": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CURSOR"]


async def test_a_slow_police_system_leaves_only_the_vehicles_null_within_the_time_bound(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, auth: dict[str, str]
) -> None:
    system, _ = police
    system.mode = "slow"
    async with hub_with_remote(timeout_ms=250, retries=1, backoff_ms=10) as hub:
        started = time.monotonic()
        response = await hub.post("/graphql", json={"query": NESTED, "variables": {"ids": debtors.ids}}, headers=auth)
        elapsed = time.monotonic() - started
    body = response.json()
    assert response.status_code == 200
    # Two attempts of 0.25 s and a 0.01 s pause, plus a wide margin for a busy machine.
    assert elapsed < 0.25 * 2 + 0.01 + 2.0
    assert system.calls == 2
    subjects = body["data"]["subjects"]
    assert all(s["vehicles"] is None for s in subjects)
    assert [s["name"] for s in subjects][:2] == ["车主0", "车主1"]
    assert all(s["listings"]["nodes"] and s["cases"]["nodes"] for s in subjects)
    errors = errors_at(body)
    assert set(errors) == {("subjects", i, "vehicles") for i in range(DEBTORS)}
    assert {e["extensions"]["code"] for e in errors.values()} == {"SOURCE_UNAVAILABLE"}
    assert errors[("subjects", 0, "vehicles")]["extensions"] == {
        "code": "SOURCE_UNAVAILABLE",
        "source": "police",
        "reason": "timeout",
    }
    # Neither the address nor the library's words reach the agency: only the hub's own message.
    assert "127.0.0.1" not in response.text
    assert {e["message"] for e in errors.values()} == {SourceUnavailable("police", "timeout").message}


async def test_a_failing_police_system_is_retried_then_shed_by_the_breaker(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, auth: dict[str, str]
) -> None:
    system, _ = police
    system.mode = "failing"
    async with hub_with_remote(retries=1, breaker_failures=2, breaker_cooldown_ms=600_000) as hub:
        for calls_after in (2, 4):
            body = await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
            assert system.calls == calls_after
            assert {e["extensions"]["reason"] for e in body["errors"]} == {"failed"}
            assert body["data"]["subjects"][0] == {"name": "车主0", "vehicles": None}

        # Open: the next request is answered at once, without calling the police system.
        body = await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
    assert system.calls == 4
    assert {e["extensions"]["reason"] for e in body["errors"]} == {"circuit_open"}
    assert [s["name"] for s in body["data"]["subjects"]][-1] == "福州运输有限公司"


async def test_after_the_cool_down_one_probe_closes_the_breaker_again(
    hub_with_remote: HubFactory, police: tuple[PoliceSystem, str], debtors: Debtors, auth: dict[str, str]
) -> None:
    system, _ = police
    system.mode = "failing"
    async with hub_with_remote(retries=0, breaker_failures=1, breaker_cooldown_ms=300) as hub:
        await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
        assert system.calls == 1
        system.mode = "healthy"
        body = await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
        assert {e["extensions"]["reason"] for e in body["errors"]} == {"circuit_open"}

        async def vehicles_back() -> bool:
            body = await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
            return body["data"]["subjects"][1]["vehicles"] is not None

        await poll(vehicles_back, "the breaker's probe to succeed")
        # Requests during the cool-down never reached it; the probe did, and closed the breaker.
        assert system.calls == 2
        body = await gql(hub, auth, NAMES_AND_VEHICLES, {"ids": debtors.ids})
    assert "errors" not in body
    assert system.calls == 3
