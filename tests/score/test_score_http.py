"""The explainable integrity score through HTTP (issue 14): clean, red-listed, blacklisted, rated
and paid-after-interception subjects with their exact items; asOf in the past; versions that
never change; the audit record naming the version; who may ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import httpx
import pytest

from hub.db.database import Database
from hub.identity import make_uscc
from hub.sanctions.score import CHINA
from tests.conftest import gql
from tests.ratings.test_ratings_http import FIRM_USCC, RATE
from tests.sanctions.test_lifecycle import MakeAgency, post
from tests.sanctions.test_list_kinds import PUBLISH, TEA, _agency
from tests.sanctions.test_screen_http import HOTEL_VIEW
from tests.schema.test_subjects import LIN_ID

V1 = "HUB-ILLUSTRATIVE-2026.1"
SCORE = """query($rid: String, $uscc: String, $asOf: DateTime, $rules: String) {
  integrityScore(residentId: $rid, uscc: $uscc, asOf: $asOf, rules: $rules) {
    score baseScore unclamped minScore maxScore rulesVersion asOf explanation
    items { rule fact points rulePoints capped legalBasis explanation listKind listingId publishedOn
            scheme level ratingId ratedOn expiresOn outcome interceptionId occurredAt } } }"""
RULES = """query($v: String) { integrityScoreRules(version: $v) { version effectiveFrom baseScore minScore maxScore
  sourceNote rules { code fact listKind scheme level outcome windowMonths points cap legalBasis } } }"""
REPORT = """mutation($input: SanctionReportInput!) { reportSanction(input: $input) { id } }"""
PURPOSE = "ENTERPRISE_REGISTRATION_CHANGE"


async def _score(client: httpx.AsyncClient, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    body = await gql(client, headers, SCORE, variables)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["integrityScore"]
    return found


def _items(found: dict[str, Any]) -> list[tuple[str, int]]:
    return [(i["rule"], i["points"]) for i in found["items"]]


async def test_clean_red_listed_rated_and_blacklisted_subjects_with_their_items(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    tax = await _agency(db, "T-FJ-TAX", "tax", "350000")

    # A clean organisation: the base, no items, under the version in effect
    clean = await _score(app_client, market, uscc=TEA["uscc"])
    assert (clean["score"], clean["rulesVersion"], clean["items"]) == (600, V1, [])
    assert clean["explanation"] == "600 (base) = 600"

    # Red-listed by the tax authority: +100, with the entry and the basis
    red = await post(
        app_client, tax, PUBLISH, {"s": str(stories["tea"]), "list": "red_list", "doc": "闽税红〔2026〕1号"}
    )
    entry = red["data"]["publishListing"]
    found = await _score(app_client, market, uscc=TEA["uscc"])
    assert found["score"] == 700
    [item] = found["items"]
    assert (item["rule"], item["fact"], item["points"], item["listKind"], item["listingId"]) == (
        "RED_LISTED",
        "LISTING",
        100,
        "RED_LIST",
        entry["id"],
    )
    assert "国发〔2016〕33号" in item["legalBasis"]
    assert found["explanation"] == "600 (base) + 100 (RED_LISTED) = 700"

    # A rated company (class C, then A): the current rating counts, not the superseded one
    rated = await gql(
        app_client,
        market,
        RATE,
        {"scheme": "FJ-MARKET-CREDIT-RISK", "level": "C", "uscc": FIRM_USCC, "on": "2026-10-01"},
    )
    assert "errors" not in rated, rated
    c_rating = rated["data"]["rateSubject"]["id"]
    # (the firm is also on the consumption-restriction list of its case)
    found = await _score(app_client, market, uscc=FIRM_USCC)
    assert _items(found) == [("RESTRICTED_LISTED", -100), ("RATED_MARKET_C", -50)]
    assert (found["items"][1]["scheme"], found["items"][1]["level"], found["items"][1]["ratingId"]) == (
        "FJ-MARKET-CREDIT-RISK",
        "C",
        c_rating,
    )
    assert found["score"] == 450
    later = await gql(
        app_client,
        market,
        RATE,
        {"scheme": "FJ-MARKET-CREDIT-RISK", "level": "A", "uscc": FIRM_USCC, "on": "2026-11-01"},
    )
    assert "errors" not in later, later
    assert _items(await _score(app_client, market, uscc=FIRM_USCC)) == [
        ("RESTRICTED_LISTED", -100),
        ("RATED_MARKET_A", 50),
    ]

    # The blacklisted person 林文斌: the dishonest list entry of 2018
    lin = await _score(app_client, market, rid=LIN_ID)
    assert _items(lin) == [("DISHONEST_LISTED", -200)]
    assert lin["items"][0]["publishedOn"] == "2018-05-20"
    assert "失信被执行人名单" in lin["items"][0]["legalBasis"]
    assert lin["score"] == 400


async def test_as_of_in_the_past_excludes_later_facts(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    await gql(
        app_client,
        market,
        RATE,
        {"scheme": "FJ-MARKET-CREDIT-RISK", "level": "D", "uscc": FIRM_USCC, "on": "2026-10-01"},
    )
    before = await _score(app_client, market, uscc=FIRM_USCC, asOf="2026-09-30T12:00:00+08:00")
    assert (before["score"], _items(before)) == (500, [("RESTRICTED_LISTED", -100)])
    assert before["asOf"] == "2026-09-30T12:00:00+08:00"
    # A rating published only now was not known then, even for a day it covers.
    known = await _score(app_client, market, uscc=FIRM_USCC, asOf="2026-10-02T12:00:00+08:00")
    assert _items(known) == [("RESTRICTED_LISTED", -100)]
    now = await _score(app_client, market, uscc=FIRM_USCC)
    assert _items(now) == [("RESTRICTED_LISTED", -100), ("RATED_MARKET_D", -100)]

    # Before 林文斌 was listed (and before the rules took effect: name the version)
    early = await gql(app_client, market, SCORE, {"rid": LIN_ID, "asOf": "2018-01-01T00:00:00+08:00"})
    assert early["errors"][0]["extensions"]["argument"] == "asOf"
    assert V1 in early["errors"][0]["message"]
    then = await _score(app_client, market, rid=LIN_ID, asOf="2018-01-01T00:00:00+08:00", rules=V1)
    assert (then["score"], then["items"]) == (600, [])
    future = await gql(app_client, market, SCORE, {"rid": LIN_ID, "asOf": "2999-01-01T00:00:00+08:00"})
    assert future["errors"][0]["extensions"]["argument"] == "asOf"


async def test_payment_after_an_interception_counts_and_is_capped(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    market = await make_agency("market", PURPOSE)
    interceptions = []
    for n in range(3):
        body = await post(
            app_client, desk, HOTEL_VIEW, {"ids": [{"name": "林文斌", "residentId": LIN_ID}], "hotel": "FJ-FZ-0001"}
        )
        interception = body["data"]["screen"]["decisions"][0]["interceptionId"]
        interceptions.append(interception)
        sent = {
            "interceptionId": interception,
            "outcome": "PAID_ON_THE_SPOT",
            "occurredAt": f"2026-11-2{n}T10:00:00+08:00",
            "idempotencyKey": f"desk-pay-2026112{n}",
        }
        assert "errors" not in await post(app_client, desk, REPORT, {"input": sent})
    found = await _score(app_client, market, rid=LIN_ID)
    # 40 per payment, capped at 80: the third counts 0 and says so.
    assert _items(found) == [
        ("DISHONEST_LISTED", -200),
        ("PAID_AFTER_INTERCEPTION", 40),
        ("PAID_AFTER_INTERCEPTION", 40),
        ("PAID_AFTER_INTERCEPTION", 0),
    ]
    assert [i["capped"] for i in found["items"]] == [False, False, False, True]
    assert [i["interceptionId"] for i in found["items"][1:]] == interceptions
    assert found["items"][1]["outcome"] == "PAID_ON_THE_SPOT"
    assert found["score"] == 480
    assert found["explanation"] == (
        "600 (base) - 200 (DISHONEST_LISTED) + 40 (PAID_AFTER_INTERCEPTION) + 40 (PAID_AFTER_INTERCEPTION) "
        "+ 0 (PAID_AFTER_INTERCEPTION) = 480"
    )
    # The window: as of a day before the first payment, none counts.
    early = await _score(app_client, market, rid=LIN_ID, asOf="2026-11-19T10:00:00+08:00")
    assert _items(early) == [("DISHONEST_LISTED", -200)]


async def _publish_v2(db: Database) -> None:
    await db.execute(
        """INSERT INTO score.rule_set (version, effective_from, base_score, min_score, max_score, description, source_note)
           VALUES ('HUB-TEST-2', DATE '2026-06-01', 500, 0, 1000, 'test rules', 'test only')"""
    )
    await db.execute(
        """INSERT INTO score.rule (version, code, position, fact, list_kind, points, cap, description, legal_basis)
           VALUES ('HUB-TEST-2', 'DISHONEST_LISTED', 1, 'listing', 'dishonest', -300, 300, 'dishonest', '测试依据')"""
    )
    await db.execute("UPDATE score.rule_set SET published_at = now() WHERE version = 'HUB-TEST-2'")


async def test_a_new_version_never_rewrites_past_answers_and_the_trail_names_the_version(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    at = "2026-12-01T09:00:00+08:00"
    v1 = await _score(app_client, market, rid=LIN_ID, asOf=at, rules=V1)
    await _publish_v2(db)
    again = await _score(app_client, market, rid=LIN_ID, asOf=at, rules=V1)
    assert again == v1
    v2 = await _score(app_client, market, rid=LIN_ID, asOf=at, rules="hub-test-2")
    assert (v2["rulesVersion"], v2["score"], _items(v2)) == ("HUB-TEST-2", 200, [("DISHONEST_LISTED", -300)])
    assert v2["score"] != v1["score"]
    # Without a version: the newest in effect on the day asked about.
    assert (await _score(app_client, market, rid=LIN_ID))["rulesVersion"] == "HUB-TEST-2"

    # The audit record of each read names the version it used.
    rows = await db.fetch(
        "SELECT fields, subjects FROM audit.event WHERE 'Query.integrityScore' = ANY(fields) ORDER BY seq"
    )
    versions = [[f for f in r["fields"] if f.startswith("IntegrityScoreRules:")] for r in rows]
    assert versions == [
        [f"IntegrityScoreRules:{V1}"],
        [f"IntegrityScoreRules:{V1}"],
        ["IntegrityScoreRules:HUB-TEST-2"],
        ["IntegrityScoreRules:HUB-TEST-2"],
    ]
    assert all(r["subjects"] == [stories["lin"]] for r in rows)
    listed = await gql(app_client, market, RULES, {})
    assert [s["version"] for s in listed["data"]["integrityScoreRules"]] == ["HUB-TEST-2", V1]


async def test_unknown_version_and_bad_subjects_are_named(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    market = await make_agency("market", PURPOSE)
    body = await gql(app_client, market, SCORE, {"rid": LIN_ID, "rules": "HUB-NOPE-9"})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert (error["extensions"]["unknownVersion"], error["extensions"]["versions"]) == ("HUB-NOPE-9", [V1])
    assert "HUB-NOPE-9" in error["message"]
    assert V1 in error["message"]
    rules = await gql(app_client, market, RULES, {"v": "HUB-NOPE-9"})
    assert rules["errors"][0]["extensions"]["versions"] == [V1]

    neither = await gql(app_client, market, SCORE, {})
    assert neither["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    both = await gql(app_client, market, SCORE, {"rid": LIN_ID, "uscc": FIRM_USCC})
    assert both["errors"][0]["extensions"]["argument"] == "residentId"
    bad = await gql(app_client, market, SCORE, {"rid": LIN_ID[:-1] + ("0" if LIN_ID[-1] != "0" else "1")})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_IDENTIFIER"
    # A valid number the hub does not know: no score.
    unknown = await gql(app_client, market, SCORE, {"uscc": make_uscc("9", "1", "350102", "99990001")})
    assert unknown == {"data": {"integrityScore": None}}


async def test_the_rules_are_published_and_frozen(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, db: Database
) -> None:
    tourism = await make_agency("tourism")
    body = await gql(app_client, tourism, RULES, {"v": V1})
    [rule_set] = body["data"]["integrityScoreRules"]
    assert (rule_set["baseScore"], rule_set["minScore"], rule_set["maxScore"]) == (600, 0, 1000)
    assert "NOT Beijing's formula" in rule_set["sourceNote"]
    codes = {r["code"]: r for r in rule_set["rules"]}
    assert codes["PAID_AFTER_INTERCEPTION"]["outcome"] == "PAID_ON_THE_SPOT"
    assert codes["RATED_MARKET_C"]["scheme"] == "FJ-MARKET-CREDIT-RISK"
    assert codes["RED_LISTED"]["listKind"] == "RED_LIST"
    assert all(r["legalBasis"] for r in rule_set["rules"])

    for statement in (
        "UPDATE score.rule SET points = -1 WHERE version = 'HUB-ILLUSTRATIVE-2026.1' AND code = 'DISHONEST_LISTED'",
        "DELETE FROM score.rule WHERE version = 'HUB-ILLUSTRATIVE-2026.1'",
        """INSERT INTO score.rule (version, code, position, fact, list_kind, points, description, legal_basis)
           VALUES ('HUB-ILLUSTRATIVE-2026.1', 'NEW_RULE', 99, 'listing', 'dishonest', -1, 'x', 'x')""",
        "UPDATE score.rule_set SET base_score = 700 WHERE version = 'HUB-ILLUSTRATIVE-2026.1'",
        "UPDATE score.rule_set SET published_at = now() WHERE version = 'HUB-ILLUSTRATIVE-2026.1'",
        "DELETE FROM score.rule_set WHERE version = 'HUB-ILLUSTRATIVE-2026.1'",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="published"):
            async with db.transaction() as conn:
                await conn.execute(statement)
    # A draft may change until it is published.
    await db.execute(
        """INSERT INTO score.rule_set (version, effective_from, base_score, min_score, max_score, description, source_note)
           VALUES ('HUB-DRAFT-3', DATE '2027-01-01', 500, 0, 1000, 'draft', 'test only')"""
    )
    await db.execute("UPDATE score.rule_set SET base_score = 550 WHERE version = 'HUB-DRAFT-3'")
    drafts = await gql(app_client, tourism, RULES, {"v": "HUB-DRAFT-3"})
    assert drafts["errors"][0]["extensions"]["unknownVersion"] == "HUB-DRAFT-3"


async def test_who_may_ask(app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]) -> None:
    market = await make_agency("market", PURPOSE)
    tourism = await make_agency("tourism")
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    for headers in (tourism, desk):
        response = await app_client.post(
            "/graphql", json={"query": SCORE, "variables": {"rid": LIN_ID}}, headers=headers
        )
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    # A subject reader must declare its purpose.
    no_purpose = {k: v for k, v in market.items() if k != "Hub-Purpose"}
    response = await app_client.post(
        "/graphql", json={"query": SCORE, "variables": {"rid": LIN_ID}}, headers=no_purpose
    )
    assert response.status_code in (400, 403), response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"


def test_china_day() -> None:
    assert dt.datetime(2026, 11, 30, 20, tzinfo=dt.UTC).astimezone(CHINA).date() == dt.date(2026, 12, 1)


async def test_the_console_page_shows_the_score_with_its_explanation(
    app_client: httpx.AsyncClient, stories: dict[str, int], db: Database
) -> None:
    from hub.agencies import create_agency
    from hub.console.users import create_user
    from tests.console.test_sessions import PASSWORD, log_in, page_csrf

    await create_agency(db, code="T-COURT", name="测试法院", kind="court", mode="console")
    await create_user(db, agency_code="T-COURT", username="court.c", role="clerk", password=PASSWORD)
    await create_agency(db, code="T-TOUR", name="测试旅游", kind="tourism", mode="console")
    await create_user(db, agency_code="T-TOUR", username="tour.c", role="clerk", password=PASSWORD)

    # A court clerk opens the page (labels in Chinese, English on request)...
    await log_in(app_client, "court.c")
    page = await app_client.get("/console/score")
    assert page.status_code == 200, page.text
    assert "诚信分及其说明" in page.text
    assert "/console/static/score.js" in page.text
    assert "Integrity score and its explanation" in (await app_client.get("/console/score?lang=en")).text
    # ...and the page's question, asked as the page asks it, answers the score with its items.
    token = await page_csrf(app_client, "/console/score")
    script = (await app_client.get("/console/static/score.js")).text
    query = script.split("const QUERY = `")[1].split("`;")[0]
    answer = await app_client.post(
        "/graphql",
        json={"query": query, "variables": {"rid": LIN_ID}},
        headers={"X-CSRF-Token": token, "Hub-Purpose": "(2018)%E9%97%BD0102%E6%89%A71867%E5%8F%B7"},
    )
    assert answer.status_code == 200, answer.text
    score = answer.json()["data"]["s"]
    assert (score["score"], [i["rule"] for i in score["items"]]) == (400, ["DISHONEST_LISTED"])
    assert score["explanation"] == "600 (base) - 200 (DISHONEST_LISTED) = 400"

    # A tourism clerk, whose agency may not ask about subjects, may not open it.
    await app_client.post("/console/logout", data={"csrf": token})
    app_client.cookies.clear()
    await log_in(app_client, "tour.c")
    refused = await app_client.get("/console/score")
    assert refused.status_code == 403
