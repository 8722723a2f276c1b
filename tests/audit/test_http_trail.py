"""Every question over HTTP leaves its trace, and no answer leaves without one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

import httpx

from hub.db.database import Database
from tests.conftest import COURT_PURPOSE
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]
LOOKUP = "query Lookup($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list } } } }"


async def _events(db: Database) -> list[dict]:  # type: ignore[type-arg]
    rows = await db.fetch("SELECT * FROM audit.event ORDER BY seq")
    return [dict(r) for r in rows]


async def test_an_answered_question_is_recorded_with_what_it_touched(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    court = await make_agency("court", COURT_PURPOSE)
    response = await app_client.post(
        "/graphql",
        json={"query": LOOKUP, "variables": {"id": LIN_ID}},
        headers={**court, "Hub-Operator": quote("窗口02 王敏")},
    )
    assert response.status_code == 200
    [event] = [e for e in await _events(db) if e["outcome"] == "ok"]
    assert event["operation_type"] == "query"
    assert event["operation_name"] == "Lookup"
    assert event["fields"] == [
        "Listing.list",
        "ListingConnection.nodes",
        "Query.subjectByResidentId",
        "Subject.listings",
        "Subject.name",
    ]
    assert event["subjects"] == [stories["lin"]]
    assert event["purpose"] == COURT_PURPOSE
    assert event["operator"] == "窗口02 王敏"
    assert event["agency_code"].startswith("T-COURT")
    assert event["duration_us"] > 0
    # Never a raw ID number anywhere in the record.
    assert LIN_ID not in repr(event)


async def test_refused_questions_are_recorded_too(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    await app_client.post("/graphql", json={"query": "{ __typename }"})  # no key
    await app_client.post(
        "/graphql", json={"query": '{ subject(id: "1") { vehicles { nodes { plate } } } }'}, headers=land
    )
    await app_client.post("/graphql", json={"query": "{ subject(id: 1) { nam } }"}, headers=land)
    events = await _events(db)
    assert [(e["outcome"], e["agency_code"] is None, e["error_codes"]) for e in events] == [
        ("denied", True, ["UNAUTHENTICATED"]),
        ("denied", False, ["FIELD_NOT_ALLOWED"]),
        ("error", False, ["GRAPHQL_VALIDATION_FAILED"]),
    ]
    assert events[1]["subjects"] == []  # nothing was returned


async def test_no_trace_no_answer(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    court = await make_agency("court", COURT_PURPOSE)
    # Given the trail cannot be written
    await db.execute("ALTER TABLE audit.event RENAME TO event_unreachable")
    response = await app_client.post("/graphql", json={"query": LOOKUP, "variables": {"id": LIN_ID}}, headers=court)
    assert response.status_code == 503
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
    assert "data" not in body
    assert "林文斌" not in response.text


async def test_the_operator_searches_the_trail_and_verifies_it(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    court = await make_agency("court", COURT_PURPOSE)
    for _ in range(2):
        await app_client.post("/graphql", json={"query": LOOKUP, "variables": {"id": LIN_ID}}, headers=court)
    await app_client.post(
        "/graphql", json={"query": '{ subject(id: "1") { name } }'}, headers={**court, "Hub-Purpose": "LOAN_APPROVAL"}
    )
    operator = await make_agency("platform")
    query = """query($subject: ID!) {
      auditEvents(subjectId: $subject, first: 10) { nodes { agencyCode outcome purpose subjectIds fields } }
      denied: auditEvents(outcome: DENIED) { nodes { errorCodes } }
      auditVerification { ok records firstBreak { seq } }
    }"""
    body = (
        await app_client.post(
            "/graphql", json={"query": query, "variables": {"subject": str(stories["lin"])}}, headers=operator
        )
    ).json()
    assert "errors" not in body, body
    found = body["data"]["auditEvents"]["nodes"]
    assert len(found) == 2
    assert all(e["purpose"] == COURT_PURPOSE and e["outcome"] == "OK" for e in found)
    assert body["data"]["denied"]["nodes"] == [{"errorCodes": ["PURPOSE_NOT_ALLOWED"]}]
    assert body["data"]["auditVerification"]["ok"] is True
    assert body["data"]["auditVerification"]["records"] >= 3

    import datetime as dt

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    stats = (
        await app_client.post(
            "/graphql",
            json={
                "query": "query($a: Date!, $b: Date!) { agencyStatistics(since: $a, until: $b) { agencyCode operations subjects denied } }",
                "variables": {"a": str(today), "b": str(today + dt.timedelta(days=1))},
            },
            headers=operator,
        )
    ).json()
    rows = {r["agencyCode"]: r for r in stats["data"]["agencyStatistics"]}
    court_row = next(r for code, r in rows.items() if code and code.startswith("T-COURT"))
    assert court_row == {**court_row, "operations": 3, "subjects": 1, "denied": 1}
