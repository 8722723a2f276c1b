"""Each agency sees exactly what it may: checked before anything executes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import COURT_PURPOSE
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


BY_ID = "query($id: String!) { subjectByResidentId(residentId: $id) { name ... on Person { residentId } listings { nodes { list } } } }"


async def test_land_registry_sees_listings_and_masked_ids(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    response = await post(app_client, land, BY_ID, {"id": LIN_ID})
    assert response.status_code == 200
    lin = response.json()["data"]["subjectByResidentId"]
    assert lin["residentId"] == LIN_ID[:10] + "****" + LIN_ID[14:]
    assert lin["listings"]["nodes"] == [{"list": "DISHONEST"}]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("{ subjectByResidentId(residentId: $id) { vehicles { nodes { plate } } } }", "subjectByResidentId.vehicles"),
        ("{ subjectByResidentId(residentId: $id) { cars: vehicles { nodes { plate } } } }", "subjectByResidentId.cars"),
        (
            "{ subjectByResidentId(residentId: $id) { ... on Person { vehicles { nodes { plate } } } } }",
            "subjectByResidentId.vehicles",
        ),
        (
            "{ subjectByResidentId(residentId: $id) { ...Cars } } fragment Cars on Subject { vehicles { nodes { plate } } }",
            "subjectByResidentId.vehicles",
        ),
        (
            "{ subjectByResidentId(residentId: $id) { listings { nodes { case { amount } } } } }",
            "subjectByResidentId.listings.nodes.case.amount",
        ),
        ("{ subjectByResidentId(residentId: $id) { ... on Person { birthDate } } }", "subjectByResidentId.birthDate"),
    ],
)
async def test_a_field_outside_the_policy_is_refused_whatever_the_spelling(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], query: str, path: str
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    document = "query($id: String!) " + query.replace("{ subjectByResidentId", "{ subjectByResidentId", 1)
    if document.count("fragment"):
        head, tail = document.split(" fragment ", 1)
        document = head + " fragment " + tail
    response = await post(app_client, land, document, {"id": LIN_ID})
    assert response.status_code == 403
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert error["extensions"]["path"] == path


async def test_the_hotel_system_cannot_search_by_name(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    hotel = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    response = await post(app_client, hotel, '{ searchSubjects(name: "林文斌") { nodes { name } } }')
    assert response.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    hotels = await post(app_client, hotel, '{ hotel(code: "FJ-FZ-0002") { name stars } }')
    assert hotels.json() == {"data": {"hotel": {"name": "福州温泉宾馆", "stars": 4}}}


async def test_tourism_maintains_hotels_only(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    tourism = await make_agency("tourism")
    assert (await post(app_client, tourism, "{ hotels(minStars: 4) { nodes { code } } }")).status_code == 200
    denied = await post(app_client, tourism, BY_ID, {"id": LIN_ID})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"


async def test_a_purpose_is_required_to_read_subject_data(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    land = await make_agency("land")
    missing = await post(app_client, land, BY_ID, {"id": LIN_ID})
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    wrong = await post(app_client, {**land, "Hub-Purpose": "HOTEL_CHECK_IN"}, BY_ID, {"id": LIN_ID})
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PURPOSE_NOT_ALLOWED"
    # Reading hotels needs no purpose.
    assert (await post(app_client, land, "{ hotels { nodes { code } } }")).status_code == 200


async def test_courts_declare_a_case_number(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    court = await make_agency("court", COURT_PURPOSE)
    assert "errors" not in (await post(app_client, court, BY_ID, {"id": LIN_ID})).json()
    matter = await post(app_client, {**court, "Hub-Purpose": "LOAN_APPROVAL"}, BY_ID, {"id": LIN_ID})
    assert matter.json()["errors"][0]["extensions"]["code"] == "PURPOSE_NOT_ALLOWED"


async def test_only_the_operator_administers_agencies(app_client: httpx.AsyncClient, make_agency: MakeAgency) -> None:
    court = await make_agency("court", COURT_PURPOSE)
    operator = await make_agency("platform", "PLATFORM_OVERSIGHT")
    create = """mutation { createAgency(input: {code: "XM-BANK", name: "厦门某银行", kind: FINANCE, regionCode: "350200"}) {
        apiKey label agency { code kind } } }"""
    refused = await post(app_client, court, create)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"

    created = (await post(app_client, operator, create)).json()["data"]["createAgency"]
    assert created["agency"] == {"code": "XM-BANK", "kind": "FINANCE"}
    bank = {"Authorization": f"Bearer {created['apiKey']}", "Hub-Purpose": "LOAN_APPROVAL"}
    assert (await post(app_client, bank, "{ hotels { nodes { code } } }")).status_code == 200

    # Rotate: a second key, then revoke the first; the old key is refused at once.
    issued = (
        await post(
            app_client, operator, 'mutation { issueApiKey(agencyCode: "XM-BANK", label: "2026-rotation") { apiKey } }'
        )
    ).json()
    new_key = issued["data"]["issueApiKey"]["apiKey"]
    revoked = await post(
        app_client,
        operator,
        'mutation { revokeApiKey(agencyCode: "XM-BANK", label: "default") { apiKeys { label revokedAt } } }',
    )
    keys = {k["label"]: k["revokedAt"] for k in revoked.json()["data"]["revokeApiKey"]["apiKeys"]}
    assert keys["default"] is not None
    assert keys["2026-rotation"] is None
    assert (await post(app_client, bank, "{ hotels { nodes { code } } }")).status_code == 401
    assert (
        await post(app_client, {**bank, "Authorization": f"Bearer {new_key}"}, "{ hotels { nodes { code } } }")
    ).status_code == 200

    twice = await post(
        app_client, operator, 'mutation { issueApiKey(agencyCode: "XM-BANK", label: "2026-rotation") { apiKey } }'
    )
    assert twice.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_introspection_in_development(app_client: httpx.AsyncClient, make_agency: MakeAgency) -> None:
    court = await make_agency("court")
    response = await post(app_client, court, "{ __schema { queryType { name } } }")
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
