"""Inputs standing for a closed set are the schema's enums, as in responses: the upper-case value
works, anything else is refused before it runs, naming the allowed values, and nothing is stored.
A value the checks let through that breaks a database rule is a clear error, never a 500."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from hub.db.database import Database, refused_write
from tests.sanctions.test_lifecycle import MakeAgency, post

CASE = "(2018)闽0102执1867号"
PUBLISH_INLINE = """mutation($s: ID!) { publishListing(caseNumber: "(2018)闽0102执1867号", subjectId: $s,
  list: DISHONEST, circumstance: %s) { list circumstance termMonths } }"""
PUBLISH_VARIABLES = """mutation($s: ID!, $list: ListKind!, $c: Circumstance) {
  publishListing(caseNumber: "(2018)闽0102执1867号", subjectId: $s, list: $list, circumstance: $c) { id } }"""
CIRCUMSTANCES = [
    "REFUSES_WITH_ABILITY",
    "OBSTRUCTS_ENFORCEMENT",
    "EVADES_ENFORCEMENT",
    "VIOLATES_ASSET_REPORTING",
    "VIOLATES_CONSUMPTION_RESTRICTION",
    "BREACHES_SETTLEMENT",
]


async def _listings(db: Database, subject: int) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM court.listing WHERE subject_id = $1", subject)
    return count


async def test_the_upper_case_enum_publishes(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    court = await make_agency("court", CASE)
    done = await post(app_client, court, PUBLISH_INLINE % "REFUSES_WITH_ABILITY", {"s": str(stories["lin"])})
    assert "errors" not in done, done
    assert done["data"]["publishListing"] == {
        "list": "DISHONEST",
        "circumstance": "REFUSES_WITH_ABILITY",
        "termMonths": None,
    }
    by_variables = await post(
        app_client, court, PUBLISH_VARIABLES, {"s": str(stories["lin"]), "list": "RESTRICTED", "c": None}
    )
    assert "errors" not in by_variables, by_variables


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        # A string literal where the enum goes, in either case, and a lower-case enum value.
        (PUBLISH_INLINE % '"REFUSES_WITH_ABILITY"', {}),
        (PUBLISH_INLINE % '"refuses_with_ability"', {}),
        (PUBLISH_INLINE % "refuses_with_ability", {}),
        # The same through variables: JSON strings that are no value of the enum.
        (PUBLISH_VARIABLES, {"list": "DISHONEST", "c": "refuses_with_ability"}),
        (PUBLISH_VARIABLES, {"list": "DISHONEST", "c": "Refuses"}),
    ],
)
async def test_a_wrong_value_is_refused_naming_the_allowed_values_and_nothing_is_stored(
    app_client: httpx.AsyncClient,
    make_agency: MakeAgency,
    stories: dict[str, int],
    db: Database,
    document: str,
    variables: dict[str, str],
) -> None:
    court = await make_agency("court", CASE)
    before = await _listings(db, stories["lin"])
    response = await app_client.post(
        "/graphql", json={"query": document, "variables": {"s": str(stories["lin"]), **variables}}, headers=court
    )
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT")
    assert error["extensions"]["allowedValues"] == CIRCUMSTANCES
    assert all(value in error["message"] for value in CIRCUMSTANCES)
    assert await _listings(db, stories["lin"]) == before


async def test_list_kind_is_data_any_case_accepted_an_unknown_one_refused_naming_the_allowed(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    """ListKind is a scalar validated against sanctions.list_kind (like screen(matter:)): the
    old upper-case names still work, the stored lower-case code too; another code is refused
    with UNKNOWN_LIST_KIND naming every kind, and nothing is stored."""
    court = await make_agency("court", CASE)
    lower = await post(app_client, court, PUBLISH_VARIABLES, {"s": str(stories["lin"]), "list": "restricted"})
    assert "errors" not in lower, lower
    before = await _listings(db, stories["lin"])
    for bad in ("PARKING_FINES", "", "RESTRICTED_LIST"):
        body = await post(app_client, court, PUBLISH_VARIABLES, {"s": str(stories["lin"]), "list": bad})
        [error] = body["errors"]
        if bad:
            assert error["extensions"]["code"] == "UNKNOWN_LIST_KIND", error
            assert error["extensions"]["allowedValues"] == [
                "AGRI_PRODUCT_SAFETY",
                "ANIMAL_EPIDEMIC",
                "DISHONEST",
                "LIVESTOCK_PRODUCT_SAFETY",
                "RED_LIST",
                "RESTRICTED",
            ]
            assert "DISHONEST" in error["message"]
            assert bad in error["message"]
        else:
            assert "list kind is a code" in error["message"], error
    inline = await post(
        app_client,
        court,
        'mutation($s: ID!) { publishListing(caseNumber: "(2018)闽0102执1867号", subjectId: $s, list: 42) { id } }',
        {"s": str(stories["lin"])},
    )
    assert "list kind is a code" in inline["errors"][0]["message"], inline
    assert await _listings(db, stories["lin"]) == before


async def test_upsert_inputs_take_the_enums(app_client: httpx.AsyncClient, make_agency: MakeAgency) -> None:
    tourism = await make_agency("tourism")
    hotel = {"code": "FJ-ENUM-1", "name": "测试酒店", "region": "350102", "address": "福州", "stars": 0}
    document = "mutation($h: HotelInput!) { upsertHotel(input: $h) { status } }"
    closed = await post(app_client, tourism, document, {"h": {**hotel, "status": "CLOSED"}})
    assert closed["data"]["upsertHotel"]["status"] == "APPLIED", closed
    lower = await post(app_client, tourism, document, {"h": {**hotel, "status": "closed"}})
    assert lower["errors"][0]["extensions"]["allowedValues"] == ["OPEN", "CLOSED"]


async def test_a_write_the_database_refuses_is_a_clear_error_without_sql(conn: asyncpg.Connection) -> None:
    """The safety net behind the checks: PostgreSQL's own refusals, each one real."""
    statements = {
        "check": "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on) "
        "SELECT subject_id, case_id, 'dishonest', 'REFUSES_WITH_ABILITY', current_date FROM court.case_party LIMIT 1",
        "not null": "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on) "
        "SELECT subject_id, case_id, 'restricted', NULL, NULL FROM court.case_party LIMIT 1",
        "foreign key": "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on) "
        "VALUES (-1, -1, 'restricted', NULL, current_date)",
    }
    from hub.seed.demo import load_stories

    await load_stories(conn)
    for kind, statement in statements.items():
        with pytest.raises(asyncpg.IntegrityConstraintViolationError) as raised:
            async with conn.transaction():
                await conn.execute(statement)
        error = refused_write(raised.value)
        assert error is not None, kind
        assert error.code == "CONSTRAINT_VIOLATION"
        for internal in ("court", "listing", "INSERT", "constraint", "circumstance", "_check", "_fkey"):
            assert internal not in error.message, (kind, error.message)
    assert refused_write(ValueError("not the database")) is None


async def test_a_value_the_checks_miss_is_a_constraint_violation_over_http_not_a_500(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    """A business reference longer than the table allows: no check before the write catches it,
    the database does, and the agency gets a clear error, nothing stored."""
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    screened = await post(
        app_client,
        desk,
        """mutation { screen(matter: "HOTEL_CHECK_IN", hotelCode: "FJ-FZ-0002",
             identities: [{name: "林文斌", residentId: "350102197604122712"}]) { decisions { interceptionId } } }""",
    )
    interception = screened["data"]["screen"]["decisions"][0]["interceptionId"]
    report = {
        "interceptionId": interception,
        "outcome": "SANCTION_APPLIED",
        "occurredAt": "2026-11-28T10:00:00+08:00",
        "idempotencyKey": "desk-0001-constraint",
        "businessReference": "R" * 300,
    }
    response = await app_client.post(
        "/graphql",
        json={
            "query": "mutation($r: SanctionReportInput!) { reportSanction(input: $r) { id } }",
            "variables": {"r": report},
        },
        headers=desk,
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "CONSTRAINT_VIOLATION"
    for internal in ("sanctions", "feedback", "business_reference", "INSERT", "check"):
        assert internal not in error["message"]
    assert await db.fetchval("SELECT count(*) FROM sanctions.feedback") == 0
