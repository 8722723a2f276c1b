"""Courts publish, extend, correct and remove listings; every decision follows at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.db.database import Database
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision } } }"""


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    return body


async def test_a_removal_takes_effect_at_once_and_leaves_history_for_courts_only(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    court = await make_agency("court", "(2018)闽0102执1867号")
    lin = [{"name": "林文斌", "residentId": LIN_ID}]
    assert (await post(app_client, land, SCREEN, {"ids": lin}))["data"]["screen"]["decisions"] == [
        {"decision": "BLOCK"}
    ]
    listing_id = await db.fetchval("SELECT id FROM court.listing WHERE subject_id = $1", stories["lin"])

    removed = await post(
        app_client,
        court,
        "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { removedOn removalReason version active } }",
        {"id": str(listing_id)},
    )
    assert "errors" not in removed, removed
    assert removed["data"]["removeListing"]["removalReason"] == "PAID"
    assert removed["data"]["removeListing"]["version"] == 2
    assert (await post(app_client, land, SCREEN, {"ids": lin}))["data"]["screen"]["decisions"] == [
        {"decision": "ALLOW"}
    ]

    history = "query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) { nodes { removalReason } } } }"
    assert (await post(app_client, court, history, {"id": str(stories["lin"])}))["data"]["subject"]["listings"][
        "nodes"
    ] == [{"removalReason": "PAID"}]
    refused = await post(app_client, land, history, {"id": str(stories["lin"])})
    assert refused["errors"][0]["extensions"]["argument"] == "includeRemoved"
    # The change went out as an event, with its revision kept.
    assert (
        await db.fetchval(
            "SELECT count(*) FROM events.outbox WHERE listing_id = $1 AND kind = 'listing.removed'", listing_id
        )
        == 1
    )
    assert await db.fetchval("SELECT count(*) FROM court.listing_revision WHERE listing_id = $1", listing_id) == 1


async def test_only_the_executing_court_or_above_may_change_listings(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    listing_id = await db.fetchval("SELECT id FROM court.listing WHERE subject_id = $1", stories["lin"])
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    denied = await post(
        app_client,
        land,
        "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { id } }",
        {"id": str(listing_id)},
    )
    assert denied["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    # A court of another city (Xiamen) may not touch a Gulou listing.
    created = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('XM-COURT', '厦门中院', 'court', '350200') RETURNING id"
    )
    from hub.agencies import issue_key

    key = await issue_key(db, created, "t")
    other = await post(
        app_client,
        {"Authorization": f"Bearer {key}"},
        "mutation($id: ID!) { removeListing(listingId: $id, reason: PAID) { id } }",
        {"id": str(listing_id)},
    )
    assert other["errors"][0]["extensions"]["code"] == "NOT_YOUR_COURT"


async def test_publish_extend_and_correct(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    court = await make_agency("court", "(2018)闽0102执1867号")
    published = await post(
        app_client,
        court,
        'mutation($s: ID!) { publishListing(caseNumber: "(2018)闽0102执1867号", subjectId: $s, list: RESTRICTED) { id list termMonths version } }',
        {"s": str(stories["lin"])},
    )
    assert "errors" not in published, published
    listing = published["data"]["publishListing"]
    assert listing["list"] == "RESTRICTED"
    assert listing["termMonths"] == 24
    assert listing["version"] == 1
    extended = await post(
        app_client,
        court,
        "mutation($id: ID!) { extendListing(listingId: $id, months: 12) { extendedMonths version } }",
        {"id": listing["id"]},
    )
    assert extended["data"]["extendListing"] == {"extendedMonths": 12, "version": 2}
    too_long = await post(
        app_client,
        court,
        "mutation($id: ID!) { extendListing(listingId: $id, months: 36) { version } }",
        {"id": listing["id"]},
    )
    assert too_long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    corrected = await post(
        app_client,
        court,
        'mutation($id: ID!) { correctListing(listingId: $id, note: "公布日期有误", publishedOn: "2025-01-02") { publishedOn version } }',
        {"id": listing["id"]},
    )
    assert corrected["data"]["correctListing"] == {"publishedOn": "2025-01-02", "version": 3}
    not_party = await post(
        app_client,
        court,
        'mutation($s: ID!) { publishListing(caseNumber: "(2018)闽0102执1867号", subjectId: $s, list: RESTRICTED) { id } }',
        {"s": str(stories["cao"])},
    )
    assert "not a debtor" in not_party["errors"][0]["message"]
    kinds = [
        r["kind"]
        for r in await db.fetch("SELECT kind FROM events.outbox WHERE listing_id = $1 ORDER BY seq", int(listing["id"]))
    ]
    assert kinds == ["listing.published", "listing.extended", "listing.corrected"]


async def test_terms_expire_by_themselves(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    import datetime as dt

    from hub.sanctions.listings import expire_due

    # Gong's listing: 24 months from 2025-06-10.
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    assert await expire_due(db, dt.date(2027, 6, 9)) == 0
    assert await expire_due(db, dt.date(2027, 6, 10)) >= 1
    row = await db.fetchrow(
        "SELECT removed_on, removal_reason FROM court.listing WHERE subject_id = $1", stories["gong"]
    )
    assert (row["removed_on"], row["removal_reason"]) == (dt.date(2027, 6, 10), "term_expired")
    assert await db.fetchval("SELECT count(*) FROM events.outbox WHERE kind = 'listing.expired'") >= 1
    del land


async def test_tourism_keeps_the_hotel_list_and_the_next_decision_uses_it(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int]
) -> None:
    tourism = await make_agency("tourism")
    desk = await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
    screen = 'mutation($ids: [IdentityInput!]!) { screen(matter: "HOTEL_CHECK_IN", identities: $ids, hotelCode: "FJ-SM-0001") { decisions { decision } } }'
    lin = [{"name": "林文斌", "residentId": LIN_ID}]
    assert (await post(app_client, desk, screen, {"ids": lin}))["data"]["screen"]["decisions"] == [
        {"decision": "ALLOW"}
    ]
    rated = await post(app_client, tourism, 'mutation { rateHotel(code: "FJ-SM-0001", stars: 4) { stars ratedOn } }')
    assert rated["data"]["rateHotel"]["stars"] == 4
    assert (await post(app_client, desk, screen, {"ids": lin}))["data"]["screen"]["decisions"] == [
        {"decision": "BLOCK"}
    ]
    added = await post(
        app_client,
        tourism,
        'mutation { addHotel(code: "FJ-QZ-0009", name: "泉州酒店", regionCode: "350502", address: "鲤城区", stars: 5) { code status } }',
    )
    assert added["data"]["addHotel"] == {"code": "FJ-QZ-0009", "status": "OPEN"}
    closed = await post(app_client, tourism, 'mutation { closeHotel(code: "FJ-QZ-0009") { status } }')
    assert closed["data"]["closeHotel"]["status"] == "CLOSED"
    not_tourism = await post(app_client, desk, 'mutation { rateHotel(code: "FJ-SM-0001", stars: 1) { stars } }')
    assert not_tourism["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
