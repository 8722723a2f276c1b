"""Screening against the real database: the demo stories plus rows of each test's own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import InvalidIdentifier, InvalidInput
from hub.identity import make_resident_id, make_uscc
from hub.screening import MAX_BATCH, Identity, Outcome, ScreeningContext, UnknownMatter, screen
from hub.seed.courts import ensure_courts

NOW = dt.datetime.now(dt.UTC)
TODAY = dt.date.today()


def ctx(matter: str = "REAL_ESTATE_REGISTRATION", kind: str = "land", hotel: str | None = None) -> ScreeningContext:
    return ScreeningContext(matter=matter, agency_kind=kind, hotel_code=hotel, at=NOW)


async def identifier(conn: asyncpg.Connection, subject_id: int) -> str:
    value: str = await conn.fetchval("SELECT identifier FROM core.subject WHERE id = $1", subject_id)
    return value


async def person(
    conn: asyncpg.Connection, name: str, born: dt.date, seq: int, region: str = "350102"
) -> tuple[int, str]:
    number = make_resident_id(region, born, seq)
    sex = "male" if int(number[16]) % 2 else "female"
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "person", number, name, sex, born, region)
    return subject_id, number


async def company(conn: asyncpg.Connection, name: str, body: str) -> tuple[int, str]:
    code = make_uscc("9", "1", "350102", body)
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "organisation", code, name, None, None, "350102")
    await conn.execute(
        QUERIES.market.insert_company,
        subject_id,
        "limited_liability",
        Decimal(1_000_000),
        dt.date(2015, 1, 5),
        "active",
        "福州市鼓楼区测试路1号",
        "批发和零售业",
    )
    return subject_id, code


async def listing(
    conn: asyncpg.Connection,
    subject_id: int,
    number: str,
    *,
    list_kind: str = "dishonest",
    published: dt.date = dt.date(2024, 1, 10),
    term: int | None = None,
    extended: int = 0,
    removed: dt.date | None = None,
) -> int:
    await ensure_courts(conn)
    case_id = await conn.fetchval(
        QUERIES.court.insert_case,
        number,
        "闽0102",
        dt.date(2023, 5, 1),
        "(2022)闽0102民初1号民事判决书",
        "福州市鼓楼区人民法院",
        "偿还借款",
        Decimal("10000.00"),
        "none",
        Decimal(0),
    )
    await conn.execute(QUERIES.court.insert_case_party, case_id, subject_id)
    circumstance = "refuses_with_ability" if list_kind == "dishonest" else None
    listing_id: int = await conn.fetchval(
        QUERIES.court.insert_listing,
        subject_id,
        case_id,
        list_kind,
        circumstance,
        published,
        term,
        extended,
        removed,
        None if removed is None else "paid",
    )
    return listing_id


async def one(db: Database, identity: Identity, context: ScreeningContext | None = None) -> Outcome:
    [outcome] = await screen(db, [identity], context or ctx())
    return outcome


async def test_listed_debtor_is_blocked_at_real_estate_registration(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    lin_id = await identifier(conn, stories["lin"])

    outcome = await one(db, Identity(name="林文斌", resident_id=lin_id))

    assert outcome.decision == "BLOCK"
    assert outcome.reasons == ("LISTED",)
    assert outcome.subject_id == stories["lin"]
    [hit] = outcome.measures
    assert hit.measure_code == "RESTRICT_REAL_ESTATE"
    assert "第三条第一款第（三）项" in hit.legal_basis
    assert (hit.case_id, hit.case_number, hit.court_code) == (stories["lin_case"], "(2018)闽0102执1867号", "闽0102")
    assert hit.court_name == "福州市鼓楼区人民法院"
    assert (hit.reach, hit.via_subject_id, hit.list, hit.listing_version) == ("self", None, "dishonest", 1)


async def test_full_width_and_spaced_input_is_the_same_person(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    lin_id = await identifier(conn, stories["lin"])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in lin_id)

    outcome = await one(db, Identity(name=" 林 文斌 ", resident_id=full_width))

    assert outcome.decision == "BLOCK"


async def test_hotel_check_in_depends_on_the_hotels_stars(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    guest = Identity(name="林文斌", resident_id=await identifier(conn, stories["lin"]))

    four_stars = await one(db, guest, ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002"))
    three_stars = await one(db, guest, ctx("HOTEL_CHECK_IN", "police", "FJ-SM-0001"))

    assert four_stars.decision == "BLOCK"
    assert [m.measure_code for m in four_stars.measures] == ["RESTRICT_STAR_HOTEL"]
    assert (three_stars.decision, three_stars.reasons) == ("ALLOW", ("HOTEL_BELOW_THRESHOLD",))


async def test_hotel_rerated_or_closed_is_used_at_once(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    guest = Identity(name="林文斌", resident_id=await identifier(conn, stories["lin"]))
    await conn.execute("UPDATE tourism.hotel SET stars = 4 WHERE code = 'FJ-SM-0001'")
    await conn.execute("UPDATE tourism.hotel SET status = 'closed' WHERE code = 'FJ-FZ-0002'")

    rerated = await one(db, guest, ctx("HOTEL_CHECK_IN", "police", "FJ-SM-0001"))
    closed = await one(db, guest, ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002"))

    assert rerated.decision == "BLOCK"
    assert (closed.decision, closed.reasons) == ("ALLOW", ("HOTEL_CLOSED",))


async def test_hotel_matter_needs_a_known_hotel(db: Database, stories: dict[str, Any]) -> None:
    guest = Identity(name="林文斌")
    with pytest.raises(InvalidInput, match="FJ-NOPE-9"):
        await screen(db, [guest], ctx("HOTEL_CHECK_IN", "police", "FJ-NOPE-9"))
    with pytest.raises(InvalidInput, match="hotel"):
        await screen(db, [guest], ctx("HOTEL_CHECK_IN", "police", None))


async def test_unknown_matter_is_refused(db: Database) -> None:
    with pytest.raises(UnknownMatter, match="NO_SUCH_MATTER"):
        await screen(db, [Identity(name="张三")], ctx("NO_SUCH_MATTER"))


async def test_removed_listing_never_blocks(db: Database, conn: asyncpg.Connection) -> None:
    subject, number = await person(conn, "郑晓燕", dt.date(1985, 3, 3), 12)
    await listing(conn, subject, "(2024)闽0102执9001号", removed=TODAY)

    outcome = await one(db, Identity(name="郑晓燕", resident_id=number))

    assert (outcome.decision, outcome.reasons, outcome.subject_id) == ("ALLOW", ("NOT_LISTED",), subject)


async def test_expired_listing_never_blocks_and_extended_one_does(db: Database, conn: asyncpg.Connection) -> None:
    expired, expired_id = await person(conn, "黄志远", dt.date(1979, 8, 8), 31)
    extended, extended_id = await person(conn, "黄志强", dt.date(1979, 8, 9), 33)
    published = TODAY - dt.timedelta(days=3 * 365)
    await listing(conn, expired, "(2022)闽0102执9002号", published=published, term=24)
    await listing(conn, extended, "(2022)闽0102执9003号", published=published, term=24, extended=24)

    outcomes = await screen(
        db, [Identity(name="黄志远", resident_id=expired_id), Identity(name="黄志强", resident_id=extended_id)], ctx()
    )

    assert [o.decision for o in outcomes] == ["ALLOW", "BLOCK"]


async def test_corrected_listing_counts_in_its_current_version(db: Database, conn: asyncpg.Connection) -> None:
    subject, number = await person(conn, "邱美玲", dt.date(1990, 1, 20), 44)
    listing_id = await listing(conn, subject, "(2024)闽0102执9004号")
    await conn.execute(
        "UPDATE court.listing SET version = 2, published_on = published_on + 1 WHERE id = $1", listing_id
    )

    outcome = await one(db, Identity(name="邱美玲", resident_id=number))

    assert [(m.listing_id, m.listing_version) for m in outcome.measures] == [(listing_id, 2)]


async def test_name_differing_from_the_listed_subject_asks_for_review(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    outcome = await one(db, Identity(name="林文兵", resident_id=await identifier(conn, stories["lin"])))

    assert (outcome.decision, outcome.reasons) == ("REVIEW", ("NAME_DIFFERS",))
    assert outcome.candidates == (stories["lin"],)


async def test_same_name_and_birth_date_as_a_listed_subject_asks_for_review(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    # Another 林文斌 born the same day: in the database but not listed, and one not in it.
    other, other_id = await person(conn, "林文斌", dt.date(1976, 4, 12), 513)
    unknown_id = make_resident_id("350103", dt.date(1976, 4, 12), 77)

    outcomes = await screen(
        db,
        [
            Identity(name="林文斌", resident_id=other_id),
            Identity(name="林文斌", resident_id=unknown_id),
            Identity(name="林文斌", birth_date=dt.date(1976, 4, 12)),
        ],
        ctx(),
    )

    assert [(o.decision, o.reasons, o.candidates) for o in outcomes] == [
        ("REVIEW", ("SAME_NAME_AND_BIRTH_DATE_LISTED",), (stories["lin"],))
    ] * 3
    assert [o.subject_id for o in outcomes] == [other, None, None]


async def test_namesake_with_another_birth_date_is_allowed(db: Database, stories: dict[str, Any]) -> None:
    outcomes = await screen(
        db,
        [
            Identity(name="林文斌", resident_id=make_resident_id("350102", dt.date(1988, 10, 1), 21)),
            Identity(name="林文斌", birth_date=dt.date(1988, 10, 1)),
        ],
        ctx(),
    )

    assert [(o.decision, o.reasons) for o in outcomes] == [("ALLOW", ("NOT_LISTED",))] * 2


async def test_name_only_match_asks_for_review(db: Database, stories: dict[str, Any]) -> None:
    outcome = await one(db, Identity(name="林文斌"))

    assert (outcome.decision, outcome.reasons, outcome.candidates) == (
        "REVIEW",
        ("NAME_ONLY_MATCH",),
        (stories["lin"],),
    )


async def test_restricted_company_reaches_its_legal_representative(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    # 陈建华 is listed himself and is legal representative and actual controller of the firm,
    # which is on the restricted list.
    outcome = await one(db, Identity(name="陈建华", resident_id=await identifier(conn, stories["chen"])))

    assert outcome.decision == "BLOCK"
    assert outcome.reasons == ("LISTED", "LISTED_VIA_ORGANISATION")
    reached = {(m.reach, m.via_subject_id, m.list) for m in outcome.measures}
    assert reached == {
        ("self", None, "dishonest"),
        ("legal_representative", stories["firm"], "restricted"),
        ("actual_controller", stories["firm"], "restricted"),
    }


async def test_organisation_measures_reach_only_the_roles_they_name(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    firm, firm_code = await company(conn, "福州测试贸易有限公司", "81234567")
    officers = {"legal_representative": "许立新", "executive": "许经理", "director": "许董事", "supervisor": "许监事"}
    batch = []
    for seq, (role, name) in enumerate(officers.items(), start=1):
        subject, number = await person(conn, name, dt.date(1970, 1, seq), 10 + seq)
        await conn.execute(QUERIES.market.insert_directorship, firm, subject, role, None, dt.date(2015, 1, 5))
        batch.append(Identity(name=name, resident_id=number))
    await listing(conn, firm, "(2024)闽0102执9005号", list_kind="restricted")

    at_hotel = await screen(db, batch, ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002"))
    firm_itself = await one(
        db, Identity(name="福州测试贸易有限公司", uscc=firm_code), ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002")
    )

    assert [o.decision for o in at_hotel] == ["BLOCK", "BLOCK", "ALLOW", "ALLOW"]
    assert at_hotel[0].reasons == ("LISTED_VIA_ORGANISATION",)
    assert [(m.reach, m.via_subject_id) for m in at_hotel[0].measures] == [("legal_representative", firm)]
    assert [(m.reach, m.via_subject_id) for m in at_hotel[1].measures] == [("executive", firm)]
    assert (firm_itself.decision, firm_itself.subject_id) == ("BLOCK", firm)


async def test_dishonest_only_measures_do_not_reach_related_persons(db: Database, conn: asyncpg.Connection) -> None:
    firm, firm_code = await company(conn, "福州测试建设有限公司", "81234568")
    rep, rep_id = await person(conn, "许建设", dt.date(1971, 2, 2), 15)
    await conn.execute(QUERIES.market.insert_directorship, firm, rep, "legal_representative", None, dt.date(2015, 1, 5))
    await listing(conn, firm, "(2024)闽0102执9006号", list_kind="dishonest")

    outcomes = await screen(
        db,
        [Identity(name="福州测试建设有限公司", uscc=firm_code), Identity(name="许建设", resident_id=rep_id)],
        ctx("GOVERNMENT_PROCUREMENT", "market"),
    )

    assert [(o.decision, o.reasons) for o in outcomes] == [
        ("BLOCK", ("LISTED",)),
        ("ALLOW", ("NO_MEASURE_FOR_MATTER",)),
    ]


async def test_listed_but_no_measure_for_the_matter(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    # The firm is on the restricted list only; procurement is barred to the dishonest list.
    outcome = await one(
        db,
        Identity(name="福州鑫源贸易有限公司", uscc=await identifier(conn, stories["firm"])),
        ctx("GOVERNMENT_PROCUREMENT", "market"),
    )

    assert (outcome.decision, outcome.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))


async def test_agency_kind_filters_measures_except_for_the_platform(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    guest = Identity(name="林文斌", resident_id=await identifier(conn, stories["lin"]))

    land = await one(db, guest, ctx("HOTEL_CHECK_IN", "land", "FJ-FZ-0002"))
    platform = await one(db, guest, ctx("HOTEL_CHECK_IN", "platform", "FJ-FZ-0002"))

    assert (land.decision, land.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))
    assert platform.decision == "BLOCK"


async def test_invalid_item_does_not_spoil_the_batch(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    lin_id = await identifier(conn, stories["lin"])
    bad = lin_id[:-1] + ("0" if lin_id[-1] != "0" else "1")

    outcomes = await screen(
        db,
        [
            Identity(name="林文斌", resident_id=bad),
            Identity(name="林文斌", resident_id=lin_id),
            Identity(name="某公司", uscc="91350102XXXX"),
        ],
        ctx(),
    )

    assert [(o.index, o.decision) for o in outcomes] == [(0, "INVALID"), (1, "BLOCK"), (2, "INVALID")]
    assert isinstance(outcomes[0].error, InvalidIdentifier)
    assert outcomes[0].error.position == 18
    assert outcomes[1].error is None


async def test_whole_call_errors(db: Database) -> None:
    with pytest.raises(InvalidInput, match="at most 1000"):
        await screen(db, [Identity(name="张三")] * (MAX_BATCH + 1), ctx())
    with pytest.raises(InvalidInput, match="identity 1"):
        await screen(db, [Identity(name="张三"), Identity(name=" ")], ctx())


async def test_statements_do_not_grow_with_the_batch(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    lin_id = await identifier(conn, stories["lin"])
    chen_id = await identifier(conn, stories["chen"])
    mix = [
        Identity(name="林文斌", resident_id=lin_id),
        Identity(name="陈建华", resident_id=chen_id),
        Identity(name="林文斌"),
        Identity(name="王小明", resident_id=make_resident_id("350102", dt.date(1990, 5, 5), 12)),
        Identity(name="坏号码", resident_id="350102199005051234"),
    ]
    await screen(db, mix, ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002"))  # the catalogue is cached from here on

    counts = []
    for size in (1, 10, 1000):
        batch = [mix[i % len(mix)] for i in range(size)] if size > 1 else mix[:1]
        view = db.child()
        outcomes = await screen(view, batch, ctx("HOTEL_CHECK_IN", "police", "FJ-FZ-0002"))
        assert len(outcomes) == size
        counts.append(view.statements)

    assert counts[0] == counts[1] == counts[2] == 1  # facts, catalogue token and hotel together


async def test_catalogue_covers_every_sanction_matter_and_the_app_can_read_it(conn: asyncpg.Connection) -> None:
    uncovered = await conn.fetch(
        """SELECT code FROM core.matter m
            WHERE NOT EXISTS (SELECT FROM sanctions.measure_matter mm WHERE mm.matter_code = m.code)"""
    )
    assert sorted(r["code"] for r in uncovered) == ["PLATFORM_OVERSIGHT", "VEHICLE_ENFORCEMENT"]
    if await conn.fetchval("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app')"):
        await conn.execute("SET LOCAL ROLE hub_app")
        try:
            assert await conn.fetchval("SELECT count(*) FROM sanctions.measure") >= 16
            assert await conn.fetchval("SELECT count(*) FROM sanctions.measure_matter") > 0
            assert await conn.fetchval("SELECT count(*) FROM sanctions.measure_agency_kind") > 0
            assert await conn.fetchval("SELECT token FROM sanctions.catalogue_version") is not None
        finally:
            await conn.execute("RESET ROLE")


async def test_a_catalogue_change_is_used_by_the_next_decision(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    buyer = Identity(name="林文斌", resident_id=await identifier(conn, stories["lin"]))
    assert (await one(db, buyer)).decision == "BLOCK"
    await conn.execute(
        "DELETE FROM sanctions.measure_matter WHERE matter_code = 'REAL_ESTATE_REGISTRATION'"
        " AND measure_code = 'RESTRICT_REAL_ESTATE'"
    )

    outcome = await one(db, buyer)

    assert (outcome.decision, outcome.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))
