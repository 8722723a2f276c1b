"""The demo's ratings: published through the authorities' own path, once per data set."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import asyncpg

from hub.agencies import create_agency
from hub.db.database import Database
from hub.policy import Principal
from hub.seed import ratings as demo


async def test_fj_market_rates_the_stories_company_once(
    conn: asyncpg.Connection, db: Database, stories: dict[str, int]
) -> None:
    # Given the demo's market supervision agency
    await create_agency(db, code="FJ-MARKET", name="福建省市场监督管理局", kind="market")

    # When the demo's ratings load twice
    first = await demo.load_demo_ratings(conn)
    second = await demo.load_demo_ratings(conn)

    # Then the company is classed C once, first, by the authority's path (an event with it),
    # with the stories' other Fujian organisations (the farm shop, the tea company), and no
    # agriculture ratings are made without an agriculture agency
    organisations = await conn.fetchval(
        "SELECT count(*) FROM core.subject WHERE kind = 'organisation' AND region LIKE '35%'"
    )
    assert first == {"market": min(organisations, 7)}
    assert second == {}
    level = await conn.fetchval("SELECT level_code FROM ratings.rating WHERE subject_id = $1", stories["firm"])
    assert level == "C"
    events = await conn.fetchval("SELECT count(*) FROM events.outbox WHERE kind = 'rating.published'")
    assert events == first["market"]


async def test_the_hangzhou_figures_at_a_tenth(conn: asyncpg.Connection, db: Database) -> None:
    # Given an agriculture authority (the kind comes with the list kinds; its principal here)
    agency = await create_agency(db, code="T-AGRI", name="杭州市农业农村局", kind="market", region="330100")
    agriculture = Principal(agency.id, "T-AGRI", "杭州市农业农村局", "agriculture", "330100", None)

    # When the Hangzhou part loads
    count = await demo._hangzhou(db, conn, agriculture, dt.date(2026, 6, 1))

    # Then shops 17 A, 17 B, 1 C and producers 16 A, 4 B, all in its area
    rows = await conn.fetch(
        """SELECT s.code, r.level_code, sub.region FROM ratings.rating r
             JOIN ratings.scheme s ON s.id = r.scheme_id JOIN core.subject sub ON sub.id = r.subject_id"""
    )
    assert count == 55
    assert Counter((r["code"], r["level_code"]) for r in rows) == {
        ("HZ-AGRI-INPUT-SHOP", "A"): 17,
        ("HZ-AGRI-INPUT-SHOP", "B"): 17,
        ("HZ-AGRI-INPUT-SHOP", "C"): 1,
        ("HZ-AGRI-PRODUCER", "A"): 16,
        ("HZ-AGRI-PRODUCER", "B"): 4,
    }
    assert {r["region"] for r in rows} == {"330100"}
