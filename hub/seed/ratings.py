"""The demo province's credit ratings, published as an authority would (``hub.sanctions.ratings``).

FJ-MARKET classes a few demo companies by credit risk (企业信用风险分类). The Hangzhou figures
(agricultural-input shops since 2015: 166 A, 173 B, 8 C; producers: 158 A, 42 B) are loaded at
a tenth of their size, by the first agency of kind ``agriculture``, only once there is one:
each part is its own data set, so a later start adds what an earlier one could not.
"""

from __future__ import annotations

import datetime as dt
import json

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.identity import make_uscc
from hub.policy import Principal
from hub.sanctions import ratings

MARKET_DATASET = "demo-ratings-market"
AGRICULTURE_DATASET = "demo-ratings-agriculture"
MARKET_SCHEME = "FJ-MARKET-CREDIT-RISK"
STORY_COMPANY = "福州鑫源贸易有限公司"
# (scheme, level, how many) at a tenth of Hangzhou's totals since 2015 (8 C shops: 1).
HANGZHOU = (
    ("HZ-AGRI-INPUT-SHOP", "A", 17),
    ("HZ-AGRI-INPUT-SHOP", "B", 17),
    ("HZ-AGRI-INPUT-SHOP", "C", 1),
    ("HZ-AGRI-PRODUCER", "A", 16),
    ("HZ-AGRI-PRODUCER", "B", 4),
)
EVIDENCE = {
    "A": "年度信用评价：经营记录完整，抽检合格，无违法违规记录",
    "B": "年度信用评价：存在一般性问题，已按期整改",
    "C": "年度信用评价：抽检发现违法违规行为，列为重点监管",
    "D": "年度信用评价：信用风险高，列为重点监管",
}


def principal_of(row: asyncpg.Record) -> Principal:
    """The agency of ``row`` (core.agency) acting as itself, as its key would."""
    return Principal(row["id"], row["code"], row["name"], row["kind"], row["region"], None, role=row["role"])


async def _rate(db: Database, who: Principal, scheme: str, uscc: str, level: str, on: dt.date) -> None:
    await ratings.rate(
        db,
        who,
        scheme=scheme,
        identifier=uscc,
        subject_kind="organisation",
        level=level,
        evidence=EVIDENCE[level],
        evidence_document=None,
        rated_on=on,
    )


async def load_demo_ratings(conn: asyncpg.Connection) -> dict[str, int]:
    """Rate the demo subjects unless done before; how many ratings each part published now."""
    db = Database(connection=conn)
    done: dict[str, int] = {}
    # A month ago: current for most of the schemes' twelve months' validity.
    on = ratings.today() - dt.timedelta(days=30)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(20180902)")
        market = await conn.fetchrow(QUERIES.agencies.agency_by_code, "FJ-MARKET")
        if market is not None and await conn.fetchval(QUERIES.core.dataset_loaded, MARKET_DATASET) is None:
            done["market"] = await _market(db, conn, principal_of(market), on)
            await conn.execute(QUERIES.core.record_dataset, MARKET_DATASET, json.dumps(done))
        agriculture = await conn.fetchrow(QUERIES.ratings.first_agency_of_kind, "agriculture")
        if agriculture is not None and await conn.fetchval(QUERIES.core.dataset_loaded, AGRICULTURE_DATASET) is None:
            done["agriculture"] = await _hangzhou(db, conn, principal_of(agriculture), on)
            await conn.execute(QUERIES.core.record_dataset, AGRICULTURE_DATASET, json.dumps(done))
    return done


async def _market(db: Database, conn: asyncpg.Connection, market: Principal, on: dt.date) -> int:
    """The stories' company first (its legal representative is listed: C), then six synthetic ones."""
    rows = await conn.fetch(QUERIES.ratings.demo_organisations, "35", 7, STORY_COMPANY)
    for row, level in zip(rows, ("C", "A", "A", "B", "B", "B", "D"), strict=False):
        await _rate(db, market, MARKET_SCHEME, row["identifier"], level, on)
    return len(rows)


async def _hangzhou(db: Database, conn: asyncpg.Connection, agriculture: Principal, on: dt.date) -> int:
    """Shops and producers in the agriculture agency's own area, rated by it."""
    region = agriculture.region
    count = 0
    for scheme, level, how_many in HANGZHOU:
        kind = "农资经营部" if scheme == "HZ-AGRI-INPUT-SHOP" else "农业专业合作社"
        for _ in range(how_many):
            count += 1
            uscc = make_uscc("9", "3", region, f"H{count:07d}")
            name = f"示范{kind}{count:03d}号"
            await conn.execute(QUERIES.core.insert_subject, "organisation", uscc, name, None, None, region)
            await _rate(db, agriculture, scheme, uscc, level, on)
    return count
