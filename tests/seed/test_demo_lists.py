"""The demo's red list and sector blacklist entries: published by the agencies' own path, once,
after the ratings they follow."""

from __future__ import annotations

import asyncpg

from hub.agencies import create_agency
from hub.db.database import Database
from hub.seed import lists, ratings


async def test_the_demo_red_lists_a_shops_and_blacklists_the_c_shop_once(
    conn: asyncpg.Connection, db: Database, stories: dict[str, int]
) -> None:
    # Given the demo's market, agriculture and tax agencies, and nothing rated yet
    await create_agency(db, code="FJ-MARKET", name="福建省市场监督管理局", kind="market")
    assert await lists.load_demo_lists(conn) == {}
    await create_agency(db, code="FJ-AGRICULTURE", name="福建省农业农村厅", kind="agriculture")
    await create_agency(db, code="FJ-TAX", name="国家税务总局福建省税务局", kind="tax")

    # When the ratings load (the Hangzhou figures at a tenth, by the agriculture agency), then the lists, twice
    loaded = await ratings.load_demo_ratings(conn)
    first = await lists.load_demo_lists(conn)
    second = await lists.load_demo_lists(conn)

    # Then 55 Hangzhou ratings, three A shops red-listed and the C shop blacklisted by
    # agriculture, each with its event; nothing the second time
    assert loaded["agriculture"] == 55
    assert first["agri_product_safety"] == 1
    assert first["red_list"] >= 3
    assert second == {}
    rows = await conn.fetch(
        """SELECT l.list, a.code AS publisher, r.level_code, l.basis_document
             FROM court.listing l JOIN core.agency a ON a.id = l.publisher_id
             JOIN ratings.rating r ON r.subject_id = l.subject_id ORDER BY l.id"""
    )
    agriculture = [(r["list"], r["level_code"]) for r in rows if r["publisher"] == "FJ-AGRICULTURE"]
    assert agriculture == [("red_list", "A")] * 3 + [("agri_product_safety", "C")]
    assert all(r["level_code"] == "A" for r in rows if r["publisher"] == "FJ-TAX")
    assert len({r["basis_document"] for r in rows}) == len(rows)
    events = await conn.fetchval(
        "SELECT count(*) FROM events.outbox WHERE kind = 'listing.published' AND listing_id IN "
        "(SELECT id FROM court.listing WHERE publisher_id IS NOT NULL)"
    )
    assert events == len(rows) == sum(first.values())
