"""Credit ratings through HTTP: rate, read current and history, supersede, withdraw, expire,
who may rate, bad input refused with nothing stored, and the push events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.agencies import create_agency
from hub.db.database import Database
from hub.events.webhooks import event_body
from hub.identity import make_uscc
from hub.policy import Principal
from hub.policy.rules import load_rules
from hub.sanctions import expiry, ratings
from hub.schema import build_schema
from hub.sources import core
from tests.conftest import gql
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]
SCHEME = "FJ-MARKET-CREDIT-RISK"
# The demo company of the stories (福州鑫源贸易有限公司, 350105).
FIRM_USCC = make_uscc("9", "1", "350105", "73212345")
PURPOSE = "ENTERPRISE_REGISTRATION_CHANGE"

RATE = """mutation($scheme: String!, $uscc: String, $residentId: String, $level: String!, $on: Date) {
  rateSubject(scheme: $scheme, uscc: $uscc, residentId: $residentId, level: $level, ratedOn: $on,
              evidence: "2026年度双随机抽查：年报未按期公示", evidenceDocument: "闽市监信〔2026〕12号") {
    id current ratedOn expiresOn evidence evidenceDocument ratedBy
    level { code rank meaningZh measures { kind inspectionMultiplier legalBasis } }
    scheme { code authorityKind validityMonths } } }"""
WITHDRAW = """mutation($id: ID!, $reason: String!) { withdrawRating(ratingId: $id, reason: $reason) {
  id current withdrawnAt withdrawalReason } }"""
CURRENT = """query($uscc: String!) { subjectByUscc(uscc: $uscc) { name
  ratings { id level { code } scheme { code } expiresOn } } }"""
HISTORY = """query($uscc: String!) { subjectByUscc(uscc: $uscc) {
  ratingHistory { id current level { code } supersededBy withdrawalReason evidence } } }"""


async def refused(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A request the field policy refuses before anything runs (403); its first error."""
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 403, response.text
    error: dict[str, Any] = response.json()["errors"][0]
    return error


def _purpose(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Hub-Purpose": PURPOSE}


async def _rate(
    client: httpx.AsyncClient, headers: dict[str, str], level: str, on: str | None = None, **who: str
) -> dict[str, Any]:
    variables: dict[str, Any] = {"scheme": SCHEME, "level": level, "on": on, **(who or {"uscc": FIRM_USCC})}
    return await gql(client, headers, RATE, variables)


async def test_rate_read_supersede_and_withdraw(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    # Given a market supervision agency (a rating authority of the market scheme)
    market = await make_agency("market", PURPOSE)

    # When it rates the company C, then B a month later
    first = await _rate(app_client, market, "C", "2026-10-01")
    assert "errors" not in first, first
    rated = first["data"]["rateSubject"]
    assert rated["current"] is True
    assert (rated["ratedOn"], rated["expiresOn"]) == ("2026-10-01", "2027-10-01")
    assert rated["level"]["code"] == "C"
    assert rated["level"]["measures"][0]["kind"] == "SUPERVISION"
    # "C means inspected twice as often", with its basis.
    assert rated["level"]["measures"][0]["inspectionMultiplier"] == 2.0
    assert rated["level"]["measures"][0]["legalBasis"]
    assert rated["scheme"] == {"code": SCHEME, "authorityKind": "market", "validityMonths": 12}
    assert rated["evidenceDocument"] == "闽市监信〔2026〕12号"
    second = (await _rate(app_client, market, "b", "2026-11-01"))["data"]["rateSubject"]
    assert second["level"]["code"] == "B"
    # An older rating entered afterwards never supersedes a newer one.
    backdated = await _rate(app_client, market, "D", "2026-09-15")
    assert backdated["errors"][0]["extensions"]["argument"] == "ratedOn"
    assert "2026-11-01" in backdated["errors"][0]["message"]

    # Then one current rating per scheme, the newer; the older is kept, superseded by it
    current = await gql(app_client, _purpose(market), CURRENT, {"uscc": FIRM_USCC})
    assert "errors" not in current, current
    assert [(r["id"], r["level"]["code"]) for r in current["data"]["subjectByUscc"]["ratings"]] == [(second["id"], "B")]
    history = (await gql(app_client, _purpose(market), HISTORY, {"uscc": FIRM_USCC}))["data"]["subjectByUscc"]
    assert [(r["id"], r["current"], r["supersededBy"]) for r in history["ratingHistory"]] == [
        (second["id"], True, None),
        (rated["id"], False, second["id"]),
    ]

    # When it withdraws the current one with a reason
    withdrawn = await gql(app_client, market, WITHDRAW, {"id": second["id"], "reason": "评价依据的年报系误录"})
    assert "errors" not in withdrawn, withdrawn
    assert withdrawn["data"]["withdrawRating"]["current"] is False
    assert withdrawn["data"]["withdrawRating"]["withdrawalReason"] == "评价依据的年报系误录"

    # Then no current rating remains, the history keeps all three states, and twice is refused
    current = await gql(app_client, _purpose(market), CURRENT, {"uscc": FIRM_USCC})
    assert current["data"]["subjectByUscc"]["ratings"] == []
    history = (await gql(app_client, _purpose(market), HISTORY, {"uscc": FIRM_USCC}))["data"]["subjectByUscc"]
    assert [r["withdrawalReason"] for r in history["ratingHistory"]] == ["评价依据的年报系误录", None]
    again = await gql(app_client, market, WITHDRAW, {"id": second["id"], "reason": "再次"})
    assert again["errors"][0]["extensions"]["argument"] == "ratingId"
    superseded = await gql(app_client, market, WITHDRAW, {"id": rated["id"], "reason": "旧的"})
    assert "superseded" in superseded["errors"][0]["message"]

    # And every change was recorded and pushed in its transaction
    kinds = [
        r["kind"]
        for r in await db.fetch(
            "SELECT kind FROM events.outbox WHERE subject_id = $1 AND kind LIKE 'rating.%' ORDER BY seq",
            stories["firm"],
        )
    ]
    assert kinds == ["rating.published", "rating.published", "rating.withdrawn"]
    changes = [
        (r["rating_id"], r["change"])
        for r in await db.fetch("SELECT rating_id, change FROM ratings.rating_change ORDER BY id")
    ]
    first_id, second_id = int(rated["id"]), int(second["id"])
    assert changes == [
        (first_id, "rated"),
        (first_id, "superseded"),
        (second_id, "rated"),
        (second_id, "withdrawn"),
    ]
    payload = await db.fetchval(
        "SELECT payload FROM events.outbox WHERE kind = 'rating.published' ORDER BY seq DESC LIMIT 1"
    )
    assert '"supersedes": ' + rated["id"] in payload


async def test_subject_readers_see_current_ratings_but_not_evidence_nor_history(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    market = await make_agency("market", PURPOSE)
    assert "errors" not in await _rate(app_client, market, "A", "2026-09-01")
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")

    seen = await gql(app_client, land, CURRENT, {"uscc": FIRM_USCC})
    assert "errors" not in seen, seen
    assert [r["level"]["code"] for r in seen["data"]["subjectByUscc"]["ratings"]] == ["A"]
    evidence = "query($u: String!) { subjectByUscc(uscc: $u) { ratings { evidence } } }"
    assert (await refused(app_client, land, evidence, {"u": FIRM_USCC}))["extensions"]["field"] == "Rating.evidence"
    history_refused = await refused(app_client, land, HISTORY, {"uscc": FIRM_USCC})
    assert history_refused["extensions"]["field"] == "Subject.ratingHistory"

    # The operator sees every scheme's history, evidence included.
    platform = await make_agency("platform", "PLATFORM_OVERSIGHT")
    history = await gql(app_client, platform, HISTORY, {"uscc": FIRM_USCC})
    assert [r["evidence"] for r in history["data"]["subjectByUscc"]["ratingHistory"]] == [
        "2026年度双随机抽查：年报未按期公示"
    ]


async def test_a_rating_past_its_validity_is_not_current_and_its_expiry_is_pushed(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    # Given a rating made long ago (12 months' validity ended in 2021)
    market = await make_agency("market", PURPOSE)
    old = (await _rate(app_client, market, "D", "2020-03-01"))["data"]["rateSubject"]
    assert (old["expiresOn"], old["current"]) == ("2021-03-01", False)

    # Then it is not current, with no job having run, and stays in the history
    current = await gql(app_client, _purpose(market), CURRENT, {"uscc": FIRM_USCC})
    assert current["data"]["subjectByUscc"]["ratings"] == []
    history = (await gql(app_client, _purpose(market), HISTORY, {"uscc": FIRM_USCC}))["data"]["subjectByUscc"]
    assert [(r["id"], r["current"]) for r in history["ratingHistory"]] == [(old["id"], False)]

    # When the expiry round runs (the one that ends listings' terms too)
    assert await ratings.expire_due(db, dt.date(2021, 2, 28)) == 0
    done = await expiry.expire_due(db, dt.date(2021, 3, 1))
    assert done["rating(s) reached the end of their validity"] == 1

    # Then the expiry is pushed once, and recorded
    rows = await db.fetch("SELECT kind, payload FROM events.outbox WHERE kind = 'rating.expired'")
    assert len(rows) == 1
    assert await ratings.expire_due(db, dt.date(2021, 3, 2)) == 0
    assert await db.fetchval("SELECT change FROM ratings.rating_change ORDER BY id DESC LIMIT 1") == "expired"


async def test_only_the_owning_kind_in_its_area_may_rate(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    before = await db.fetchval("SELECT count(*) FROM events.outbox")

    # A kind that is no rating authority at all is refused by the field policy.
    court = await make_agency("court")
    denied = await refused(app_client, court, RATE, {"scheme": SCHEME, "level": "A", "uscc": FIRM_USCC})
    assert denied["extensions"]["code"] == "FIELD_NOT_ALLOWED"

    # A market agency under an agriculture scheme: not its scheme.
    agri = await gql(
        app_client,
        market,
        'mutation($u: String!) { rateSubject(scheme: "HZ-AGRI-INPUT-SHOP", uscc: $u, level: "A", evidence: "x") { id } }',
        {"u": FIRM_USCC},
    )
    error = agri["errors"][0]
    assert error["extensions"]["code"] == "NOT_RATING_AUTHORITY"
    assert "agriculture" in error["message"]

    # A Xiamen market agency may not rate a Fuzhou company.
    xiamen = await create_agency(db, code="T-MARKET-XM", name="厦门市市场监督管理局", kind="market", region="350200")
    outside = await _rate(app_client, {"Authorization": f"Bearer {xiamen.key}"}, "A")
    assert outside["errors"][0]["extensions"]["code"] == "NOT_RATING_AUTHORITY"
    assert "350105" in outside["errors"][0]["message"]

    # Nothing was stored, nothing pushed.
    assert await db.fetchval("SELECT count(*) FROM ratings.rating") == 0
    assert await db.fetchval("SELECT count(*) FROM events.outbox") == before


async def test_only_the_authority_in_its_area_may_withdraw(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    rated = (await _rate(app_client, market, "A", "2026-09-01"))["data"]["rateSubject"]
    xiamen = await create_agency(db, code="T-MARKET-XM2", name="厦门市市场监督管理局", kind="market", region="350200")

    refused = await gql(
        app_client, {"Authorization": f"Bearer {xiamen.key}"}, WITHDRAW, {"id": rated["id"], "reason": "越权"}
    )

    assert refused["errors"][0]["extensions"]["code"] == "NOT_RATING_AUTHORITY"
    current = await gql(app_client, _purpose(market), CURRENT, {"uscc": FIRM_USCC})
    assert [r["id"] for r in current["data"]["subjectByUscc"]["ratings"]] == [rated["id"]]
    assert await db.fetchval("SELECT count(*) FROM events.outbox WHERE kind = 'rating.withdrawn'") == 0


async def test_bad_input_is_refused_naming_what_is_wrong_and_nothing_is_stored(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    before = await db.fetchval("SELECT count(*) FROM events.outbox")

    # An identifier failing its checksum.
    broken = FIRM_USCC[:-1] + ("0" if FIRM_USCC[-1] != "0" else "1")
    invalid = await _rate(app_client, market, "A", uscc=broken)
    assert invalid["errors"][0]["extensions"]["code"] == "INVALID_IDENTIFIER"
    assert invalid["errors"][0]["extensions"]["position"] == 18

    # A level outside the scheme: the message lists its levels.
    level = await _rate(app_client, market, "E")
    assert level["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "level"}
    assert "A, B, C, D" in level["errors"][0]["message"]

    # An unknown scheme, a person under an organisations' scheme, both or neither identifier.
    unknown = await gql(
        app_client,
        market,
        'mutation($u: String!) { rateSubject(scheme: "NO-SUCH", uscc: $u, level: "A", evidence: "x") { id } }',
        {"u": FIRM_USCC},
    )
    assert unknown["errors"][0]["extensions"]["argument"] == "scheme"
    person = await _rate(app_client, market, "A", residentId=LIN_ID)
    assert "does not rate a person" in person["errors"][0]["message"]
    neither = await gql(
        app_client, market, f'mutation {{ rateSubject(scheme: "{SCHEME}", level: "A", evidence: "x") {{ id }} }}'
    )
    assert neither["errors"][0]["extensions"]["argument"] == "residentId"

    # Blank evidence, a date in the future, an unknown subject.
    blank = await gql(
        app_client,
        market,
        f'mutation($u: String!) {{ rateSubject(scheme: "{SCHEME}", uscc: $u, level: "A", evidence: "  ") {{ id }} }}',
        {"u": FIRM_USCC},
    )
    assert blank["errors"][0]["extensions"]["argument"] == "evidence"
    future = await _rate(app_client, market, "A", (ratings.today() + dt.timedelta(days=2)).isoformat())
    assert future["errors"][0]["extensions"]["argument"] == "ratedOn"
    stranger = await _rate(app_client, market, "A", uscc=make_uscc("9", "1", "350105", "99999999"))
    assert stranger["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    assert await db.fetchval("SELECT count(*) FROM ratings.rating") == 0
    assert await db.fetchval("SELECT count(*) FROM ratings.rating_change") == 0
    assert await db.fetchval("SELECT count(*) FROM events.outbox") == before


async def test_rating_schemes_are_data_with_levels_measures_and_basis(
    app_client: httpx.AsyncClient, make_agency: MakeAgency
) -> None:
    land = await make_agency("land")
    body = await gql(
        app_client,
        land,
        """{ ratingSchemes { code nameZh authorityKind subjectKinds validityMonths legalBasis sourceNote
             levels { code rank meaningZh meaningEn measures { kind descriptionZh inspectionMultiplier legalBasis } } } }""",
    )
    assert "errors" not in body, body
    schemes = {s["code"]: s for s in body["data"]["ratingSchemes"]}
    assert set(schemes) == {"FJ-MARKET-CREDIT-RISK", "HZ-AGRI-INPUT-SHOP", "HZ-AGRI-PRODUCER"}
    assert [lv["code"] for lv in schemes["HZ-AGRI-INPUT-SHOP"]["levels"]] == ["A", "B", "C"]
    assert [lv["code"] for lv in schemes["HZ-AGRI-PRODUCER"]["levels"]] == ["A", "B"]
    assert schemes["HZ-AGRI-PRODUCER"]["authorityKind"] == "agriculture"
    market = schemes["FJ-MARKET-CREDIT-RISK"]
    assert market["nameZh"] == "企业信用风险分类"
    assert market["subjectKinds"] == ["ORGANISATION"]
    assert "国发〔2016〕33号" in market["legalBasis"]
    assert [lv["measures"][0]["inspectionMultiplier"] for lv in market["levels"]] == [0.5, 1.0, 2.0, 3.0]
    # Paraphrase is marked as such.
    assert "not checked" in schemes["HZ-AGRI-INPUT-SHOP"]["sourceNote"]
    only = await gql(app_client, land, '{ ratingSchemes(authorityKind: "agriculture") { code } }')
    assert {s["code"] for s in only["data"]["ratingSchemes"]} == {"HZ-AGRI-INPUT-SHOP", "HZ-AGRI-PRODUCER"}


async def test_the_scheme_owner_is_data_any_kind_may_own_one(db: Database, stories: dict[str, int]) -> None:
    """The authority check reads the scheme's kind: an agriculture agency (a kind the list-kinds
    work adds) rates under the Hangzhou schemes the same way; here its principal, not its row."""
    agency_id = (await create_agency(db, code="T-MARKET-AG", name="测试", kind="market")).id
    principal = Principal(agency_id, "T-AGRI", "测试农业", "agriculture", "350000", None)
    change = await ratings.rate(
        db,
        principal,
        scheme="HZ-AGRI-INPUT-SHOP",
        identifier=FIRM_USCC,
        subject_kind="organisation",
        level="C",
        evidence="农资抽检不合格",
        evidence_document=None,
        rated_on=dt.date(2026, 6, 1),
    )
    assert change.kind == "published"
    assert await db.fetchval("SELECT level_code FROM ratings.rating WHERE id = $1", change.rating_id) == "C"


async def test_webhook_body_of_a_rating_event_carries_the_rating_and_masks_as_for_listings(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    assert "errors" not in await _rate(app_client, market, "B", "2026-08-01")
    event = await db.fetchrow("SELECT seq, at, kind, payload FROM events.outbox WHERE kind = 'rating.published'")
    rules = load_rules(build_schema()._schema, await core.matter_codes(db))
    land = rules.for_principal(Principal(1, "L", "land", "land", "350100", None), development=True)
    body = event_body(event, land)
    assert body["kind"] == "rating.published"
    assert body["listing"] is None
    assert body["rating"]["scheme"] == SCHEME
    assert body["rating"]["level"] == "B"
    assert body["subject"]["uscc"] == FIRM_USCC


DEFINE = """mutation($input: RatingSchemeInput!) { defineRatingScheme(input: $input) {
  code authorityKind subjectKinds validityMonths
  levels { code rank meaningEn measures { kind inspectionMultiplier legalBasis } } } }"""


def _scheme(**changes: Any) -> dict[str, Any]:
    scheme: dict[str, Any] = {
        "code": "FJ-MARKET-TEST",
        "nameZh": "测试分类",
        "nameEn": "Test classification",
        "subjectKinds": ["ORGANISATION"],
        "validityMonths": 6,
        "legalBasis": "国发〔2016〕33号",
        "levels": [
            {
                "code": "A",
                "meaningZh": "好",
                "meaningEn": "Good",
                "measures": [
                    {
                        "kind": "SUPERVISION",
                        "descriptionZh": "少查",
                        "descriptionEn": "Fewer inspections",
                        "inspectionMultiplier": 0.5,
                        "legalBasis": "国发〔2016〕33号",
                    }
                ],
            },
            {
                "code": "C",
                "meaningZh": "差",
                "meaningEn": "Poor",
                "measures": [
                    {
                        "kind": "SUPERVISION",
                        "descriptionZh": "加倍检查",
                        "descriptionEn": "Inspected twice as often",
                        "inspectionMultiplier": 2,
                        "legalBasis": "国发〔2016〕33号",
                    },
                    {"kind": "RESTRICTION", "descriptionZh": "限制", "descriptionEn": "Limits", "legalBasis": "x"},
                ],
            },
        ],
    }
    scheme.update(changes)
    return scheme


async def test_an_authority_defines_a_scheme_as_data_and_rates_under_it(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    # Given a market supervision agency
    market = await make_agency("market", PURPOSE)

    # When it defines a scheme of its own
    defined = await gql(app_client, market, DEFINE, {"input": _scheme()})

    # Then the scheme is owned by its kind, levels in order, and it rates under it at once
    assert "errors" not in defined, defined
    scheme = defined["data"]["defineRatingScheme"]
    assert (scheme["code"], scheme["authorityKind"], scheme["subjectKinds"]) == (
        "FJ-MARKET-TEST",
        "market",
        ["ORGANISATION"],
    )
    assert [(lv["code"], lv["rank"]) for lv in scheme["levels"]] == [("A", 1), ("C", 2)]
    assert [m["inspectionMultiplier"] for m in scheme["levels"][1]["measures"]] == [2.0, None]
    rated = await gql(
        app_client,
        market,
        'mutation($u: String!) { rateSubject(scheme: "FJ-MARKET-TEST", uscc: $u, level: "C", evidence: "抽查",'
        ' ratedOn: "2026-06-01") { expiresOn } }',
        {"u": FIRM_USCC},
    )
    assert rated["data"]["rateSubject"]["expiresOn"] == "2026-12-01"
    # A code is never reused.
    again = await gql(app_client, market, DEFINE, {"input": _scheme()})
    assert again["errors"][0]["extensions"]["argument"] == "code"


async def test_a_bad_scheme_is_refused_naming_what_is_wrong_and_nothing_is_stored(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, db: Database
) -> None:
    market = await make_agency("market", PURPOSE)
    before = await db.fetchval("SELECT count(*) FROM ratings.scheme")
    levels = _scheme()["levels"]
    no_multiplier = [levels[0], {**levels[1], "measures": [{**levels[1]["measures"][0], "inspectionMultiplier": None}]}]
    for changes, argument, words in (
        ({"code": "x"}, "code", "code must be"),
        ({"validityMonths": 0}, "validityMonths", "between 1 and 120"),
        ({"levels": levels[:1]}, "levels", "2 to 10 levels"),
        ({"levels": [levels[0], {**levels[1], "code": "A"}]}, "levels", "differ"),
        ({"levels": no_multiplier}, "levels", "needs inspectionMultiplier"),
        ({"subjectKinds": []}, "subjectKinds", "whom"),
        ({"legalBasis": " "}, "legalBasis", "legalBasis must be"),
    ):
        answer = await gql(app_client, market, DEFINE, {"input": _scheme(**changes)})
        error = answer["errors"][0]
        assert error["extensions"]["argument"] == argument, (changes, error)
        assert words in error["message"], (changes, error)
    # An agency of a kind that owns no schemes (by policy), and nothing stored.
    court = await make_agency("court")
    assert (await refused(app_client, court, DEFINE, {"input": _scheme()}))["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert await db.fetchval("SELECT count(*) FROM ratings.scheme") == before
    assert await db.fetchval("SELECT count(*) FROM ratings.level") == 9
