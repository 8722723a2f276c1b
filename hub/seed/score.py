"""The demo's integrity score story (Beijing-style 个人诚信分, under the hub's illustrative rules).

Two persons of Fuzhou whose scores tell it:

- 郑秀兰 keeps a farm-input shop in 闽侯: rated A under the agricultural-input shop scheme and
  named on the red list by FJ-AGRICULTURE. 600 + 100 (RED_LISTED) + 50 (RATED_AGRI_SHOP_A) = 750.
- 黄建国 was put on the dishonest list by the high court; stopped at a hotel front desk, he paid
  on the spot, and the court removed the entry (paid). Today: 600 + 40 (PAID_AFTER_INTERCEPTION)
  = 640; asked as of the day before he paid: 600 - 200 (DISHONEST_LISTED) = 400.

Loaded once (its own data set), after the demo agencies and ratings, through the hub's own
publishing and rating code so every event and revision is there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.identity import make_resident_id
from hub.policy import Principal
from hub.sanctions import listings, ratings

DATASET = "demo-integrity-score"
# (name, region, birth date, sequence): the resident IDs of the story's persons.
RED_LISTED = ("郑秀兰", "350121", dt.date(1978, 6, 9), 342)
PAID = ("黄建国", "350102", dt.date(1971, 3, 15), 517)
CASE = "(2025)闽01执588号"


def story_ids() -> dict[str, str]:
    """The resident IDs of the story's persons (the README and tests ask about them)."""
    return {
        "red_listed": make_resident_id(*RED_LISTED[1:]),
        "paid": make_resident_id(*PAID[1:]),
    }


def _principal(row: asyncpg.Record) -> Principal:
    return Principal(row["id"], row["code"], row["name"], row["kind"], row["region"], None, role=row["role"])


async def _person(conn: asyncpg.Connection, name: str, region: str, born: dt.date, seq: int) -> int:
    number = make_resident_id(region, born, seq)
    existing = await conn.fetchval("SELECT id FROM core.subject WHERE identifier = $1", number)
    if existing is not None:
        return int(existing)
    sex = "male" if int(number[16]) % 2 else "female"
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "person", number, name, sex, born, region)
    return subject_id


async def load_demo_score(conn: asyncpg.Connection, today: dt.date | None = None) -> bool:
    """Write the story unless done before (or its agencies are missing); whether it was written."""
    db = Database(connection=conn)
    today = today or ratings.today()
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(20180903)")
        if await conn.fetchval(QUERIES.core.dataset_loaded, DATASET) is not None:
            return False
        agencies = {
            code: await conn.fetchrow(QUERIES.agencies.agency_by_code, code)
            for code in ("FJ-AGRICULTURE", "FJ-HIGH-COURT", "FJ-POLICE-HOTELS")
        }
        found = [row for row in agencies.values() if row is not None]
        if len(found) < len(agencies):
            return False
        agriculture, court, desk = (_principal(r) for r in found)

        zheng = await _person(conn, *RED_LISTED)
        await ratings.rate(
            db,
            agriculture,
            scheme="HZ-AGRI-INPUT-SHOP",
            identifier=make_resident_id(*RED_LISTED[1:]),
            subject_kind="person",
            level="A",
            evidence="年度信用评价：经营记录完整，抽检合格，无违法违规记录",
            evidence_document=None,
            rated_on=today - dt.timedelta(days=60),
        )
        await listings.publish(
            db,
            agriculture,
            subject_id=zheng,
            list_kind="red_list",
            circumstance=None,
            published_on=today - dt.timedelta(days=45),
            term_months=None,
            basis_document="闽农红〔2026〕7号",
        )

        huang = await _person(conn, *PAID)
        case_id = await conn.fetchval(
            QUERIES.court.insert_case,
            CASE,
            "闽01",
            today - dt.timedelta(days=300),
            "(2024)闽01民初233号民事判决书",
            "福建省福州市中级人民法院",
            "偿还借款本息",
            Decimal("180000.00"),
            "none",
            Decimal(0),
        )
        await conn.execute(QUERIES.court.insert_case_party, case_id, huang)
        listed = await listings.publish(
            db,
            court,
            subject_id=huang,
            list_kind="dishonest",
            circumstance="refuses_with_ability",
            published_on=today - dt.timedelta(days=200),
            term_months=None,
            case_number=CASE,
        )
        paid_at = dt.datetime.combine(today - dt.timedelta(days=20), dt.time(10), tzinfo=dt.UTC)
        interception = await conn.fetchval(
            """INSERT INTO sanctions.interception (at, agency_id, subject_id, matter, decision, reasons,
                                                   listing_ids, region)
               VALUES ($1, $2, $3, 'HOTEL_CHECK_IN', 'BLOCK', ARRAY['LISTED'], ARRAY[$4::bigint], '350102')
               RETURNING id""",
            paid_at - dt.timedelta(minutes=30),
            desk.agency_id,
            huang,
            listed.listing_id,
        )
        # Recorded when it happened: the desk reported it at once.
        await conn.execute(
            """INSERT INTO sanctions.feedback (interception_id, agency_id, outcome, business_reference, occurred_at,
                                               recorded_at, idempotency_key, request_hash)
               VALUES ($1, $2, 'paid_on_the_spot', 'DEMO-ROOM-0806', $3, $3, $4, $5)""",
            interception,
            desk.agency_id,
            paid_at,
            "demo-score-paid-0001",
            hashlib.sha256(b"demo-score-paid-0001").digest(),
        )
        await listings.remove(db, court, listed.listing_id, "paid", paid_at.date(), note="当场履行后申请屏蔽")
        await conn.execute(QUERIES.core.record_dataset, DATASET, json.dumps({"persons": 2}))
    return True
