"""The demo's integrity score story, loaded once, told through HTTP."""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx

from hub.agencies import create_agency
from hub.db.database import Database
from hub.seed.score import load_demo_score, story_ids
from tests.conftest import gql
from tests.sanctions.test_lifecycle import MakeAgency
from tests.score.test_score_http import SCORE


async def test_the_story_scores_tell_it(
    conn: asyncpg.Connection, db: Database, app_client: httpx.AsyncClient, make_agency: MakeAgency
) -> None:
    # Given the demo's agriculture department, high court and hotel front desks
    for code, kind, role in (
        ("FJ-AGRICULTURE", "agriculture", None),
        ("FJ-HIGH-COURT", "court", None),
        ("FJ-POLICE-HOTELS", "police", "hotel"),
    ):
        await create_agency(db, code=code, name=f"演示{code}", kind=kind, region="350000", role=role)
    from hub.seed.courts import ensure_courts

    await ensure_courts(conn)

    # When the story loads twice
    assert await load_demo_score(conn) is True
    assert await load_demo_score(conn) is False

    # Then the red-listed, A-rated shopkeeper scores 750 and the debtor who paid 640, 400 before
    market = await make_agency("market", "ENTERPRISE_REGISTRATION_CHANGE")
    ids = story_ids()
    zheng = (await gql(app_client, market, SCORE, {"rid": ids["red_listed"]}))["data"]["integrityScore"]
    assert [(i["rule"], i["points"]) for i in zheng["items"]] == [("RED_LISTED", 100), ("RATED_AGRI_SHOP_A", 50)]
    assert zheng["score"] == 750
    huang = (await gql(app_client, market, SCORE, {"rid": ids["paid"]}))["data"]["integrityScore"]
    assert [(i["rule"], i["points"]) for i in huang["items"]] == [("PAID_AFTER_INTERCEPTION", 40)]
    assert huang["score"] == 640
    paid_at = await conn.fetchval(
        "SELECT occurred_at FROM sanctions.feedback WHERE idempotency_key = 'demo-score-paid-0001'"
    )
    before = await gql(
        app_client, market, SCORE, {"rid": ids["paid"], "asOf": (paid_at - dt.timedelta(days=1)).isoformat()}
    )
    assert [(i["rule"], i["points"]) for i in before["data"]["integrityScore"]["items"]] == [("DISHONEST_LISTED", -200)]
