"""Rating changes are pushed like list changes: their own subscription, and webhooks; listChanges
passes them over, so a consumer of list changes never sees a kind it does not know."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from hub.agencies import create_agency
from hub.db.database import Database
from hub.identity import make_uscc
from tests.events.conftest import Hub, emit_committed, graphql, open_ws
from tests.events.test_webhooks import REGISTER, Receiver, receiver  # noqa: F401 (the fixture, shared)
from tests.served import poll

USCC = make_uscc("9", "1", "350102", "61234567")
RATE = """mutation($u: String!, $level: String!) { rateSubject(scheme: "FJ-MARKET-CREDIT-RISK", uscc: $u,
  level: $level, evidence: "双随机抽查结果") { id } }"""
LIST_CHANGES = "subscription($after: Int) { listChanges(after: $after) { seq kind listing { id } } }"
RATING_CHANGES = """subscription($after: Int) { ratingChanges(after: $after) {
  seq kind rating { id scheme level expiresOn supersedes } subject { name ... on Organisation { uscc } } } }"""


async def _market_and_company(database_url: str) -> str:
    """A provincial market supervision agency's key, and a Gulou company it may rate (committed)."""
    conn = await asyncpg.connect(database_url)
    try:
        created = await create_agency(Database(connection=conn), code="EV-MARKET", name="事件市场监管", kind="market")
        await conn.execute(
            "INSERT INTO core.subject (kind, identifier, name, region) VALUES ('organisation', $1, '福州测试贸易有限公司', '350102')",
            USCC,
        )
        return created.key
    finally:
        await conn.close()


async def test_rating_changes_stream_apart_from_list_changes(hub: Hub) -> None:
    market = await _market_and_company(hub.database_url)
    court = await open_ws(hub, hub.keys["court"])
    start = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    await court.subscribe("lists", LIST_CHANGES, {"after": start - 1})
    await court.subscribe("ratings", RATING_CHANGES, {"after": start - 1})

    first = await graphql(hub, market, RATE, {"u": USCC, "level": "C"})
    assert "errors" not in first, first
    second = await graphql(hub, market, RATE, {"u": USCC, "level": "B"})
    removed = await emit_committed(hub.database_url, hub.subject_id, "listing.removed", listing_id=1)

    # Each stream gets its own kind only, in order, whatever the interleaving on the wire.
    got: dict[str, list[Any]] = {"lists": [], "ratings": []}
    while len(got["lists"]) < 2 or len(got["ratings"]) < 2:
        message = await court.receive()
        assert message["type"] == "next", message
        got[message["id"]].append(message["payload"]["data"])
    assert [c["listChanges"]["seq"] for c in got["lists"]] == [start, removed]
    ratings = [c["ratingChanges"] for c in got["ratings"]]
    assert [r["kind"] for r in ratings] == ["PUBLISHED", "PUBLISHED"]
    assert [r["rating"]["level"] for r in ratings] == ["C", "B"]
    new_id = second["data"]["rateSubject"]["id"]
    assert ratings[1]["rating"] == {
        "id": new_id,
        "scheme": "FJ-MARKET-CREDIT-RISK",
        "level": "B",
        "expiresOn": ratings[1]["rating"]["expiresOn"],
        "supersedes": first["data"]["rateSubject"]["id"],
    }
    assert ratings[0]["subject"] == {"name": "福州测试贸易有限公司", "uscc": USCC}
    await court.ws.close()


async def test_a_webhook_receives_rating_changes_with_the_rating(
    hub: Hub,
    receiver: Receiver,  # noqa: F811 (the fixture imported above)
) -> None:
    market = await _market_and_company(hub.database_url)
    assert "errors" not in await graphql(hub, hub.keys["land"], REGISTER, {"url": receiver.url})
    listing = await emit_committed(hub.database_url, hub.subject_id, listing_id=1)
    rated = await graphql(hub, market, RATE, {"u": USCC, "level": "A"})
    assert "errors" not in rated, rated

    async def both() -> bool:
        return len(receiver.delivered()) == 2

    await poll(both, "the list change and the rating change delivered")
    bodies = [orjson.loads(c.body) for c in receiver.calls]
    assert [b["kind"] for b in bodies] == ["listing.published", "rating.published"]
    assert bodies[0]["seq"] == listing
    assert "rating" not in bodies[0]
    assert bodies[1]["listing"] is None
    assert bodies[1]["rating"]["id"] == int(rated["data"]["rateSubject"]["id"])
    assert bodies[1]["rating"]["level"] == "A"
    assert bodies[1]["subject"]["uscc"] == USCC
