"""List kinds as data (issue 14): agriculture's sector blacklists and the red list go through the
same lifecycle as the courts' lists, driven by sanctions.list_kind, all through HTTP."""

from __future__ import annotations

import httpx
import orjson

from hub.agencies import issue_key
from hub.db.database import Database
from hub.identity import make_uscc
from hub.schema.events import change_from_row
from tests.sanctions.test_lifecycle import MakeAgency, post

FARM_SHOP = {"name": "闽侯县绿丰农资经营部", "uscc": make_uscc("9", "1", "350121", "58340712")}
TEA = {"name": "福建安溪铁观音茶业有限公司", "uscc": make_uscc("9", "1", "350524", "61550286")}
PUBLISH = """mutation($s: ID!, $list: ListKind!, $doc: String, $case: String) {
  publishListing(subjectId: $s, list: $list, basisDocument: $doc, caseNumber: $case) {
    id list termMonths expiresOn basisDocument publisherCode publisherName version active case { caseNumber } } }"""
REMOVE = """mutation($id: ID!, $reason: RemovalReasonInput!) {
  removeListing(listingId: $id, reason: $reason) { removalReason active version } }"""
SCREEN = """mutation($ids: [IdentityInput!]!, $matter: String!) { screen(matter: $matter, identities: $ids) {
  decisions { decision reasons rewardWithheld
    measures { code legalBasis list basisDocument publisherName howToResolve case { caseNumber } court { name } }
    rewards { code name legalBasis list basisDocument publisherName } } } }"""


async def _agency(db: Database, code: str, kind: str, region: str, purpose: str | None = None) -> dict[str, str]:
    agency_id = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ($1, $2, $3, $4) RETURNING id",
        code,
        f"测试{code}",
        kind,
        region,
    )
    headers = {"Authorization": f"Bearer {await issue_key(db, agency_id, 't')}"}
    if purpose:
        headers["Hub-Purpose"] = purpose
    return headers


async def _counts(db: Database) -> tuple[int, int, int]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM court.listing) AS listings,
                  (SELECT count(*) FROM court.listing_revision) AS revisions,
                  (SELECT count(*) FROM events.outbox) AS events"""
    )
    assert row is not None
    return row["listings"], row["revisions"], row["events"]


async def _screen(client: httpx.AsyncClient, headers: dict[str, str], matter: str, who: dict[str, str]) -> dict:  # type: ignore[type-arg]
    body = await post(client, headers, SCREEN, {"ids": [who], "matter": matter})
    assert "errors" not in body, body
    decision: dict = body["data"]["screen"]["decisions"][0]  # type: ignore[type-arg]
    return decision


async def test_agriculture_blacklists_a_farm_shop_agencies_are_told_and_procurement_is_refused(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    agriculture = await _agency(db, "T-FJ-AGRI", "agriculture", "350000")
    market = await make_agency("market", "GOVERNMENT_PROCUREMENT")
    assert (await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", FARM_SHOP))["decision"] == "ALLOW"

    published = await post(
        app_client,
        agriculture,
        PUBLISH,
        {"s": str(stories["farm_shop"]), "list": "AGRI_PRODUCT_SAFETY", "doc": "闽农黑〔2026〕3号"},
    )
    assert "errors" not in published, published
    entry = published["data"]["publishListing"]
    assert entry["list"] == "AGRI_PRODUCT_SAFETY"
    assert entry["termMonths"] == 36  # the kind's default term
    assert entry["basisDocument"] == "闽农黑〔2026〕3号"
    assert entry["publisherCode"] == "T-FJ-AGRI"
    assert entry["case"] is None
    assert entry["active"] is True

    # Pushed to agencies: the outbox event, in the shape every subscriber and webhook reads.
    event = await db.fetchrow("SELECT * FROM events.outbox WHERE listing_id = $1", int(entry["id"]))
    assert event is not None
    assert event["kind"] == "listing.published"
    payload = orjson.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    assert payload["listing"]["list"] == "agri_product_safety"
    assert payload["listing"]["basisDocument"] == "闽农黑〔2026〕3号"
    assert payload["listing"]["publisherCode"] == "T-FJ-AGRI"
    assert payload["listing"]["caseNumber"] is None
    change = change_from_row(event)
    assert change.listing.list == "agri_product_safety"
    assert change.listing.case_number is None
    assert await db.fetchval("SELECT count(*) FROM court.listing_revision WHERE listing_id = $1", int(entry["id"])) == 1

    blocked = await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", FARM_SHOP)
    assert blocked["decision"] == "BLOCK"
    assert blocked["reasons"] == ["LISTED"]
    [measure] = blocked["measures"]
    assert measure["code"] == "BAR_PROCUREMENT_SUPPLIER"
    assert "国发〔2016〕33号" in measure["legalBasis"]
    assert measure["list"] == "AGRI_PRODUCT_SAFETY"
    assert measure["basisDocument"] == "闽农黑〔2026〕3号"
    assert measure["case"] is None
    assert measure["court"] is None
    assert "闽农黑〔2026〕3号" in measure["howToResolve"]
    assert "信用修复" in measure["howToResolve"]
    # The courts' measures do not follow a sector blacklist: real estate is not refused.
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    assert (await _screen(app_client, land, "REAL_ESTATE_REGISTRATION", FARM_SHOP))["reasons"] == [
        "NO_MEASURE_FOR_MATTER"
    ]

    # The kind's rules: never extended; removed only for the reasons it allows.
    before = await _counts(db)
    extended = await post(
        app_client,
        agriculture,
        "mutation($id: ID!) { extendListing(listingId: $id, months: 12) { id } }",
        {"id": entry["id"]},
    )
    assert "not extended" in extended["errors"][0]["message"]
    paid = await post(app_client, agriculture, REMOVE, {"id": entry["id"], "reason": "PAID"})
    [error] = paid["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == "reason"
    assert error["extensions"]["allowedValues"] == ["CREDIT_REPAIR", "TERM_EXPIRED", "PUBLISHED_IN_ERROR", "OTHER"]
    assert "AGRI_PRODUCT_SAFETY" in error["message"]
    assert "PAID" in error["message"]
    assert await _counts(db) == before  # nothing half-written

    removed = await post(app_client, agriculture, REMOVE, {"id": entry["id"], "reason": "CREDIT_REPAIR"})
    assert removed["data"]["removeListing"] == {"removalReason": "CREDIT_REPAIR", "active": False, "version": 2}
    assert (await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", FARM_SHOP))["decision"] == "ALLOW"
    kinds = [
        r["kind"]
        for r in await db.fetch("SELECT kind FROM events.outbox WHERE listing_id = $1 ORDER BY seq", int(entry["id"]))
    ]
    assert kinds == ["listing.published", "listing.removed"]


async def test_each_list_is_published_by_its_own_kind_in_its_own_area_with_clear_errors(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    agriculture = await _agency(db, "T-FJ-AGRI", "agriculture", "350000")
    xiamen_agriculture = await _agency(db, "T-XM-AGRI", "agriculture", "350200")
    court = await _agency(db, "T-FJ-COURT", "court", "350000")
    before = await _counts(db)

    async def refused(headers: dict[str, str], variables: dict[str, str]) -> dict:  # type: ignore[type-arg]
        body = await post(app_client, headers, PUBLISH, variables)
        assert body.get("data") is None, body
        [error] = body["errors"]
        return error  # type: ignore[no-any-return]

    farm = str(stories["farm_shop"])
    # A court may not publish agriculture's list, nor agriculture the courts'.
    error = await refused(court, {"s": farm, "list": "ANIMAL_EPIDEMIC", "doc": "闽农黑〔2026〕4号"})
    assert error["extensions"]["code"] == "NOT_YOUR_LIST"
    assert "agriculture" in error["message"]
    assert "court" in error["message"]
    error = await refused(agriculture, {"s": str(stories["lin"]), "list": "RESTRICTED", "case": "(2018)闽0102执1867号"})
    assert error["extensions"]["code"] == "NOT_YOUR_LIST"
    assert "RESTRICTED" in error["message"]
    assert "court" in error["message"]
    # Xiamen's department does not cover a Minhou (Fuzhou) shop.
    error = await refused(xiamen_agriculture, {"s": farm, "list": "AGRI_PRODUCT_SAFETY", "doc": "厦农黑〔2026〕1号"})
    assert error["extensions"]["code"] == "NOT_YOUR_LIST"
    assert "350121" in error["message"]
    # The basis each kind rests on.
    error = await refused(agriculture, {"s": farm, "list": "AGRI_PRODUCT_SAFETY"})
    assert error["extensions"]["argument"] == "basisDocument"
    error = await refused(
        agriculture,
        {"s": farm, "list": "AGRI_PRODUCT_SAFETY", "doc": "闽农黑〔2026〕4号", "case": "(2018)闽0102执1867号"},
    )
    assert error["extensions"]["argument"] == "caseNumber"
    # An unknown list kind names the allowed ones.
    error = await refused(agriculture, {"s": farm, "list": "PESTICIDE_LIST", "doc": "闽农黑〔2026〕4号"})
    assert error["extensions"]["code"] == "UNKNOWN_LIST_KIND"
    assert "AGRI_PRODUCT_SAFETY" in error["message"]
    assert "RED_LIST" in error["message"]
    assert await _counts(db) == before

    # Once published, only its publisher (or one above it, of its kind) changes it.
    published = await post(
        app_client, agriculture, PUBLISH, {"s": farm, "list": "ANIMAL_EPIDEMIC", "doc": "闽农黑〔2026〕5号"}
    )
    listing_id = published["data"]["publishListing"]["id"]
    for other in (court, xiamen_agriculture):
        body = await post(app_client, other, REMOVE, {"id": listing_id, "reason": "OTHER"})
        assert body["errors"][0]["extensions"]["code"] == "NOT_YOUR_LIST", body
    # And a court list stays the courts': agriculture cannot remove 林文斌's entry.
    lin_listing = await db.fetchval("SELECT id FROM court.listing WHERE subject_id = $1", stories["lin"])
    body = await post(app_client, agriculture, REMOVE, {"id": str(lin_listing), "reason": "PAID"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_YOUR_COURT", body


async def test_the_red_list_rewards_until_a_punishment_covers_the_matter(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    tax = await _agency(db, "T-FJ-TAX", "tax", "350000")
    agriculture = await _agency(db, "T-FJ-AGRI", "agriculture", "350000")
    market = await make_agency("market", "GOVERNMENT_PROCUREMENT")
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    red = await post(
        app_client, tax, PUBLISH, {"s": str(stories["tea"]), "list": "red_list", "doc": "闽税红〔2026〕1号"}
    )
    assert "errors" not in red, red
    assert red["data"]["publishListing"]["list"] == "RED_LIST"

    rewarded = await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", TEA)
    assert rewarded["decision"] == "ALLOW"
    assert rewarded["reasons"] == ["NOT_LISTED", "REWARDED"]
    assert rewarded["measures"] == []
    [reward] = rewarded["rewards"]
    assert reward["code"] == "REWARD_PROCUREMENT_DEPOSIT"
    assert "国发〔2016〕33号" in reward["legalBasis"]
    assert reward["list"] == "RED_LIST"
    assert reward["basisDocument"] == "闽税红〔2026〕1号"
    # A red-list entry never makes a subject "listed": no reward here, and no refusal.
    assert (await _screen(app_client, land, "REAL_ESTATE_REGISTRATION", TEA))["reasons"] == ["NOT_LISTED"]
    # A wrong name gets no reward.
    other_name = await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", {**TEA, "name": "别的公司"})
    assert other_name["rewards"] == []
    assert "differs" in other_name["rewardWithheld"]

    blacklisted = await post(
        app_client,
        agriculture,
        PUBLISH,
        {"s": str(stories["tea"]), "list": "LIVESTOCK_PRODUCT_SAFETY", "doc": "闽农黑〔2026〕6号"},
    )
    assert "errors" not in blacklisted, blacklisted
    refused = await _screen(app_client, market, "GOVERNMENT_PROCUREMENT", TEA)
    assert refused["decision"] == "BLOCK"
    assert refused["reasons"] == ["LISTED", "REWARD_WITHHELD"]
    assert refused["rewards"] == []
    assert refused["rewardWithheld"].startswith("punishment prevails: BAR_PROCUREMENT_SUPPLIER")
    assert [m["code"] for m in refused["measures"]] == ["BAR_PROCUREMENT_SUPPLIER"]


async def test_list_kinds_are_readable_with_their_rules_and_measures(
    app_client: httpx.AsyncClient, make_agency: MakeAgency
) -> None:
    hotel = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    body = await post(
        app_client,
        hotel,
        """{ listKinds { code nature publisherKinds subjectKinds caseBased needsCircumstance defaultTermMonths
             openEnded extensionMaxMonths removalReasons public legalBasis measures { code nature listKinds legalBasis } } }""",
    )
    assert "errors" not in body, body
    kinds = {k["code"]: k for k in body["data"]["listKinds"]}
    assert set(kinds) == {
        "DISHONEST",
        "RESTRICTED",
        "AGRI_PRODUCT_SAFETY",
        "ANIMAL_EPIDEMIC",
        "LIVESTOCK_PRODUCT_SAFETY",
        "RED_LIST",
    }
    dishonest = kinds["DISHONEST"]
    assert dishonest["publisherKinds"] == ["court"]
    assert dishonest["caseBased"]
    assert dishonest["needsCircumstance"]
    assert dishonest["defaultTermMonths"] == 24
    assert dishonest["openEnded"]
    assert dishonest["extensionMaxMonths"] == 36
    hotel_measure = next(m for m in dishonest["measures"] if m["code"] == "RESTRICT_STAR_HOTEL")
    assert hotel_measure["listKinds"] == ["DISHONEST", "RESTRICTED"]
    agri = kinds["AGRI_PRODUCT_SAFETY"]
    assert agri["publisherKinds"] == ["agriculture"]
    assert not agri["caseBased"]
    assert sorted(m["code"] for m in agri["measures"]) == [
        "BAR_AWARDS",
        "BAR_FISCAL_SUPPORT",
        "BAR_PROCUREMENT_SUPPLIER",
    ]
    assert all("国发〔2016〕33号" in m["legalBasis"] for m in agri["measures"])
    red = kinds["RED_LIST"]
    assert red["nature"] == "reward"
    assert {m["nature"] for m in red["measures"]} == {"reward"}
    assert "PAID" not in red["removalReasons"]


async def test_terms_of_every_kind_follow_its_rules_and_expire_by_themselves(
    app_client: httpx.AsyncClient, stories: dict[str, int], db: Database
) -> None:
    import datetime as dt

    from hub.sanctions.listings import expire_due

    tax = await _agency(db, "T-FJ-TAX", "tax", "350000")
    document = """mutation($s: ID!, $term: Int) { publishListing(subjectId: $s, list: RED_LIST, basisDocument: "闽税红〔2026〕2号",
      publishedOn: "2026-01-05", termMonths: $term) { id termMonths expiresOn } }"""
    too_long = await post(app_client, tax, document, {"s": str(stories["tea"]), "term": 48})
    assert too_long["errors"][0]["message"] == "termMonths must be between 1 and 36"
    assert too_long["errors"][0]["extensions"]["argument"] == "termMonths"
    published = await post(app_client, tax, document, {"s": str(stories["tea"]), "term": 12})
    entry = published["data"]["publishListing"]
    assert entry["expiresOn"] == "2027-01-05"
    listing_id = int(entry["id"])

    await expire_due(db, dt.date(2027, 1, 4))
    assert await db.fetchval("SELECT removed_on FROM court.listing WHERE id = $1", listing_id) is None
    await expire_due(db, dt.date(2027, 1, 5))
    row = await db.fetchrow("SELECT removed_on, removal_reason FROM court.listing WHERE id = $1", listing_id)
    assert (row["removed_on"], row["removal_reason"]) == (dt.date(2027, 1, 5), "term_expired")
    event = await db.fetchrow(
        "SELECT payload FROM events.outbox WHERE listing_id = $1 AND kind = 'listing.expired'", listing_id
    )
    assert event is not None
    payload = orjson.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    assert payload["listing"]["list"] == "red_list"
    assert payload["listing"]["basisDocument"] == "闽税红〔2026〕2号"
