"""The demo province's red list and sector blacklist entries, published as the agencies would
(``hub.sanctions.listings``), once: after the demo's ratings, since they follow the ratings.

- FJ-AGRICULTURE red-lists the first three A-rated agricultural-input shops (守信红名单);
- FJ-TAX red-lists the companies FJ-MARKET classed A (A-level taxpayers in the story);
- FJ-AGRICULTURE blacklists the C-rated shop (farm-product safety, 农产品质量安全黑名单).

Loaded only once both agencies exist and the ratings are in; a later start adds it otherwise.
"""

from __future__ import annotations

import datetime as dt
import json

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sanctions import listings, ratings
from hub.seed.ratings import AGRICULTURE_DATASET, MARKET_DATASET, MARKET_SCHEME, principal_of

DATASET = "demo-lists"
# (publisher, scheme, level, how many, list kind, decision document prefix)
ENTRIES = (
    ("FJ-AGRICULTURE", "HZ-AGRI-INPUT-SHOP", "A", 3, "red_list", "闽农信〔{year}〕"),
    ("FJ-TAX", MARKET_SCHEME, "A", 2, "red_list", "闽税信〔{year}〕"),
    ("FJ-AGRICULTURE", "HZ-AGRI-INPUT-SHOP", "C", 1, "agri_product_safety", "闽农黑〔{year}〕"),
)


async def load_demo_lists(conn: asyncpg.Connection) -> dict[str, int]:
    """Publish the demo's red and black list entries unless done before; how many per kind now."""
    db = Database(connection=conn)
    done: dict[str, int] = {}
    # Two weeks ago: after the ratings (a month ago), in force for the kinds' three years.
    on = ratings.today() - dt.timedelta(days=14)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(20180903)")
        if await conn.fetchval(QUERIES.core.dataset_loaded, DATASET) is not None:
            return done
        for dataset in (MARKET_DATASET, AGRICULTURE_DATASET):
            if await conn.fetchval(QUERIES.core.dataset_loaded, dataset) is None:
                return done
        publishers = {}
        for code in {e[0] for e in ENTRIES}:
            row = await conn.fetchrow(QUERIES.agencies.agency_by_code, code)
            if row is None:
                return done
            publishers[code] = principal_of(row)
        number = 0
        for publisher, scheme, level, how_many, kind, document in ENTRIES:
            for subject_id in await conn.fetch(QUERIES.ratings.demo_rated_subjects, scheme, level, how_many):
                number += 1
                await listings.publish(
                    db,
                    publishers[publisher],
                    subject_id=subject_id["subject_id"],
                    list_kind=kind,
                    circumstance=None,
                    published_on=on,
                    term_months=None,
                    basis_document=document.format(year=on.year) + f"{number}号",
                )
                done[kind] = done.get(kind, 0) + 1
        await conn.execute(QUERIES.core.record_dataset, DATASET, json.dumps(done))
    return done
