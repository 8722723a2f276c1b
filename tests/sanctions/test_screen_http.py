"""Screen, intercept, report: through the real HTTP interface."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.db.database import Database
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]

SCREEN = """mutation($matter: String!, $ids: [IdentityInput!]!, $hotel: String) {
  screen(matter: $matter, identities: $ids, hotelCode: $hotel) {
    decisions { index decision reasons interceptionId
      measures { name legalBasis howToResolve case { caseNumber } court { name } }
      error { code position } } } }"""
HOTEL_VIEW = """mutation($ids: [IdentityInput!]!, $hotel: String) {
  screen(matter: "HOTEL_CHECK_IN", identities: $ids, hotelCode: $hotel) {
    decisions { decision interceptionId measures { name } } } }"""


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def test_the_registry_blocks_a_listed_debtor_and_says_what_he_can_do(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    ids = [
        {"name": "林文斌", "residentId": LIN_ID},
        {"name": "林文斌", "residentId": LIN_ID[:17] + ("0" if LIN_ID[17] != "0" else "1")},
        {"name": "张三", "residentId": "11010519491231002X"},
    ]
    body = await post(app_client, land, SCREEN, {"matter": "REAL_ESTATE_REGISTRATION", "ids": ids})
    assert "errors" not in body, body
    block, invalid, allow = body["data"]["screen"]["decisions"]
    assert block["decision"] == "BLOCK"
    assert block["measures"][0]["case"]["caseNumber"] == "(2018)闽0102执1867号"
    assert "福州市鼓楼区人民法院" in block["measures"][0]["howToResolve"]
    assert block["interceptionId"] is not None
    assert invalid["decision"] == "INVALID"
    assert invalid["error"] == {"code": "INVALID_IDENTIFIER", "position": 18}
    assert allow["decision"] == "ALLOW"
    assert allow["interceptionId"] is None
    # The BLOCK is stored; every identity counted as a comparison.
    assert await db.fetchval("SELECT count(*) FROM sanctions.interception") == 1
    assert await db.fetchval("SELECT sum(comparisons) FROM sanctions.comparison_count") == 3


async def test_an_interception_is_written_with_its_audit_record_or_not_at_all(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    lin = {"matter": "REAL_ESTATE_REGISTRATION", "ids": [{"name": "林文斌", "residentId": LIN_ID}]}
    # Given a BLOCK answered with its interception's id
    body = await post(app_client, land, SCREEN, lin)
    interception_id = int(body["data"]["screen"]["decisions"][0]["interceptionId"])
    # Then that interception is stored, in the same commit as the request's audit record
    stored = await db.fetchrow(
        "SELECT i.subject_id, i.decision, xmin = (SELECT xmin FROM audit.event ORDER BY seq DESC LIMIT 1) AS together"
        " FROM sanctions.interception i WHERE i.id = $1",
        interception_id,
    )
    assert stored is not None
    assert (stored["subject_id"], stored["decision"], stored["together"]) == (stories["lin"], "BLOCK", True)
    # When the trail cannot be written, Then neither the answer nor the interception exists
    await db.execute("ALTER TABLE audit.event RENAME TO event_unreachable")
    refused = await app_client.post("/graphql", json={"query": SCREEN, "variables": lin}, headers=land)
    assert refused.status_code == 503
    assert refused.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
    assert await db.fetchval("SELECT count(*) FROM sanctions.interception") == 1


async def test_the_hotel_front_desk_sees_the_decision_and_the_measure_name_only(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    four_stars = await post(
        app_client, desk, HOTEL_VIEW, {"ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-FZ-0002"}
    )
    [decision] = four_stars["data"]["screen"]["decisions"]
    assert decision["decision"] == "BLOCK"
    assert decision["measures"][0]["name"]
    three_stars = await post(
        app_client, desk, HOTEL_VIEW, {"ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-SM-0001"}
    )
    assert three_stars["data"]["screen"]["decisions"][0]["decision"] == "ALLOW"
    # Anything more is refused before it runs.
    nosy = await post(
        app_client,
        desk,
        SCREEN,
        {"matter": "HOTEL_CHECK_IN", "ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-FZ-0002"},
    )
    assert nosy["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"


async def test_the_matter_must_be_the_declared_purpose(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    body = await post(
        app_client,
        land,
        SCREEN,
        {"matter": "LUXURY_PROPERTY_PURCHASE", "ids": [{"name": "林文斌", "residentId": LIN_ID}]},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_report_is_idempotent_and_conflicts_are_named(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    body = await post(
        app_client, desk, HOTEL_VIEW, {"ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-FZ-0001"}
    )
    interception = body["data"]["screen"]["decisions"][0]["interceptionId"]
    report = """mutation($input: SanctionReportInput!) { reportSanction(input: $input) { id outcome occurredAt } }"""
    sent = {
        "interceptionId": interception,
        "outcome": "SANCTION_APPLIED",
        "occurredAt": "2026-11-28T10:00:00+08:00",
        "idempotencyKey": "desk-0001-20261128-1",
        "businessReference": "ROOM-1203",
    }
    first = await post(app_client, desk, report, {"input": sent})
    again = await post(app_client, desk, report, {"input": sent})
    assert "errors" not in first, first
    assert first == again
    other = await post(app_client, desk, report, {"input": {**sent, "outcome": "OVERRIDDEN", "reason": "经理批准"}})
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CONFLICT"
    no_reason = await post(
        app_client, desk, report, {"input": {**sent, "outcome": "OVERRIDDEN", "idempotencyKey": "desk-0001-20261128-2"}}
    )
    assert no_reason["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Another agency cannot report on it.
    other_desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    foreign = await post(app_client, other_desk, report, {"input": {**sent, "idempotencyKey": "other-desk-00001"}})
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_court_sees_interceptions_and_payment_counts_in_statistics(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    body = await post(
        app_client, desk, HOTEL_VIEW, {"ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-FZ-0001"}
    )
    interception = body["data"]["screen"]["decisions"][0]["interceptionId"]
    await post(
        app_client,
        desk,
        "mutation($i: SanctionReportInput!) { reportSanction(input: $i) { id } }",
        {
            "i": {
                "interceptionId": interception,
                "outcome": "PAID_ON_THE_SPOT",
                "occurredAt": "2026-11-28T10:05:00+08:00",
                "idempotencyKey": "desk-paid-000001",
            }
        },
    )
    court = await make_agency("court", "(2018)闽0102执1867号")
    case = await post(
        app_client,
        court,
        '{ enforcementCase(caseNumber: "(2018)闽0102执1867号") { interceptions { matter decision feedback { outcome } } } }',
        {},
    )
    assert case["data"]["enforcementCase"]["interceptions"] == [
        {"matter": "HOTEL_CHECK_IN", "decision": "BLOCK", "feedback": [{"outcome": "PAID_ON_THE_SPOT"}]}
    ]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    stats = await post(
        app_client,
        desk,
        "query($a: Date!, $b: Date!) { sanctionStatistics(since: $a, until: $b) { matter comparisons interceptions sanctions debtorsPaid } }",
        {"a": str(today), "b": str(today + dt.timedelta(days=1))},
    )
    assert stats["data"]["sanctionStatistics"] == [
        {"matter": "HOTEL_CHECK_IN", "comparisons": 1, "interceptions": 1, "sanctions": 1, "debtorsPaid": 1}
    ]
    province = await post(
        app_client,
        desk,
        "query($a: Date!, $b: Date!) { provinceStatistics(since: $a, until: $b) { day queries comparisons interceptions sanctions debtorsPaid } }",
        {"a": str(today), "b": str(today + dt.timedelta(days=1))},
    )
    # The court's case query above and the statistics query itself were answered queries.
    assert province["data"]["provinceStatistics"] == [
        {"day": str(today), "queries": 2, "comparisons": 1, "interceptions": 1, "sanctions": 1, "debtorsPaid": 1}
    ]


async def test_every_agency_reads_the_catalogue(app_client: httpx.AsyncClient, make_agency: MakeAgency) -> None:
    tourism = await make_agency("tourism")
    body = await post(
        app_client,
        tourism,
        "{ matters { code name } measures { code name legalBasis matters hotelMinStars reaches } }",
        {},
    )
    assert "errors" not in body, body
    assert {"code": "HOTEL_CHECK_IN", "name": "星级以上宾馆入住"} in body["data"]["matters"]
    hotel = [m for m in body["data"]["measures"] if "HOTEL_CHECK_IN" in m["matters"]]
    assert hotel
    assert all(m["hotelMinStars"] == 4 for m in hotel)
    assert any("第三条" in m["legalBasis"] for m in hotel)
