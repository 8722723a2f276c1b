"""Candidate links for held mentions: proposals, confirmations that write the link, rejections."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import AlreadyDecided, LinkNotPossible, NotFound
from hub.identity import make_resident_id, make_uscc
from hub.identity.mentions import Mention, hold
from hub.identity.resolution import confirm, propose, propose_pending, reject
from hub.seed.courts import SUBJECT_COUNTIES


async def person(conn: asyncpg.Connection, name: str, region: str, born: date, seq: int) -> int:
    number = make_resident_id(region, born, seq)
    sex = "male" if int(number[16]) % 2 else "female"
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "person", number, name, sex, born, region)
    return subject_id


async def candidates(conn: asyncpg.Connection, mention_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM core.candidate_link WHERE mention_id = $1 ORDER BY score DESC, subject_id", mention_id
    )


def mention(name: str, born: date | None = None, region: str | None = None, **kw: Any) -> Mention:
    fields: dict[str, Any] = {
        "source": "court",
        "role": "case_party",
        "record_key": "(2018)闽0102执1867号",
        "kind": "person",
        "name": name,
        "birth_date": born,
        "region": region,
    }
    fields.update(kw)
    return Mention(**fields)


async def test_a_held_variant_name_gets_its_candidate_with_the_features_that_agreed(
    conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    mention_id = await hold(conn, mention("陳建華", date(1980, 9, 18), "350105"))

    [link] = await candidates(conn, mention_id)
    assert link["subject_id"] == stories["chen"]
    assert link["status"] == "proposed"
    assert link["score"] == Decimal("0.950")
    assert link["agreed"] == ["variant_name", "birth_date", "region"]
    assert "traditional/simplified variant" in link["explanation"]
    status = await conn.fetchval("SELECT status FROM core.party_mention WHERE id = $1", mention_id)
    assert status == "pending"


async def test_same_name_people_are_told_apart_by_birth_date_and_region(conn: asyncpg.Connection) -> None:
    # Given 300 people named 张伟: distinct IDs, birth dates and regions, and decoys sharing
    # the birth date of one of them but not the region, or the region but not the birth date.
    rnd = random.Random(20250701)
    counties = sorted(SUBJECT_COUNTIES)
    people: list[tuple[int, date, str]] = []
    used: set[tuple[date, str]] = set()
    while len(people) < 300:
        born = date(1950, 1, 1) + timedelta(days=rnd.randrange(20000))
        region = rnd.choice(counties)
        if (born, region) in used:
            continue
        used.add((born, region))
        people.append((await person(conn, "张伟", region, born, 2 * len(people) + 1), born, region))
    for i, (_, born, region) in enumerate(people[:20]):
        other = next(c for c in counties if c[:4] != region[:4])
        people.append((await person(conn, "张伟", other, born, 700 + 2 * i + 1), born, other))
        people.append((await person(conn, "张伟", region, born + timedelta(days=1), 800 + 2 * i + 1), born, region))
    # A namesake with the same pinyin and another written form.
    target_id, target_born, target_region = people[0]
    zhang_variant = await person(conn, "張偉", target_region, target_born, 999)

    # When mentions of 张伟 with a birth date and region are held, one per real person.
    wrong: list[tuple[int, int]] = []
    for subject_id, born, region in people[:300]:
        mention_id = await hold(conn, mention("张伟", born, region))
        for link in await candidates(conn, mention_id):
            row = await conn.fetchrow("SELECT birth_date, region FROM core.subject WHERE id = $1", link["subject_id"])
            if (row["birth_date"], row["region"]) != (born, region):
                wrong.append((subject_id, link["subject_id"]))
        best = (await candidates(conn, mention_id))[0]
        assert best["subject_id"] == subject_id
        assert best["agreed"] == ["exact_name", "birth_date", "region"]

    # Then candidates only ever point to subjects of that birth date and region ...
    assert wrong == []
    first = await conn.fetch(
        "SELECT c.subject_id FROM core.candidate_link c JOIN core.party_mention m ON m.id = c.mention_id "
        "WHERE m.birth_date = $1 AND m.region = $2 ORDER BY c.score DESC",
        target_born,
        target_region,
    )
    assert [r["subject_id"] for r in first] == [target_id, zhang_variant]
    # ... and nothing is linked without an operator.
    assert await conn.fetchval("SELECT count(*) FROM core.party_mention WHERE status <> 'pending'") == 0
    assert await conn.fetchval("SELECT count(*) FROM core.candidate_link WHERE status <> 'proposed'") == 0


async def test_a_name_alone_among_many_namesakes_proposes_nobody(conn: asyncpg.Connection) -> None:
    for i in range(8):
        await person(conn, "李娜", "350102", date(1970 + i, 3, 3), 2 * i)
    mention_id = await hold(conn, mention("李娜"))

    assert await candidates(conn, mention_id) == []


async def test_confirming_writes_the_case_party_links_the_mention_and_rejects_the_others(
    db: Database, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    namesake = await person(conn, "陈建华", "350105", date(1980, 9, 18), 771)
    mention_id = await hold(conn, mention("陳建華", date(1980, 9, 18), "350105"))
    links = {r["subject_id"]: r["id"] for r in await candidates(conn, mention_id)}
    assert set(links) == {stories["chen"], namesake}

    decided = await confirm(db, links[namesake], None, "clerk-7")

    assert (decided.mention_id, decided.subject_id) == (mention_id, namesake)
    assert await conn.fetchval(
        "SELECT EXISTS (SELECT FROM court.case_party WHERE case_id = $1 AND subject_id = $2)",
        stories["lin_case"],
        namesake,
    )
    row = await conn.fetchrow("SELECT status, subject_id FROM core.party_mention WHERE id = $1", mention_id)
    assert (row["status"], row["subject_id"]) == ("linked", namesake)
    statuses = {r["subject_id"]: (r["status"], r["operator"]) for r in await candidates(conn, mention_id)}
    assert statuses == {namesake: ("confirmed", "clerk-7"), stories["chen"]: ("rejected", "clerk-7")}
    with pytest.raises(AlreadyDecided, match="already confirmed"):
        await confirm(db, links[namesake], None, None)
    with pytest.raises(AlreadyDecided, match="already rejected"):
        await reject(db, links[stories["chen"]], "not him", None, None)
    with pytest.raises(NotFound):
        await confirm(db, 987654321, None, None)


async def test_a_rejected_pair_is_never_proposed_again(db: Database, conn: asyncpg.Connection) -> None:
    subject = await person(conn, "陈伟", "350102", date(1980, 5, 1), 11)
    first = await hold(conn, mention("陳偉", date(1980, 5, 1), "350102"))
    [link] = await candidates(conn, first)

    await reject(db, link["id"], "a different man: the court's file has another mother", None, "clerk-1")
    again = await hold(conn, mention("陳偉", date(1980, 5, 1), "350102", record_key="(2019)闽0102执77号"))

    assert await candidates(conn, again) == []
    assert await propose(conn, first) == []
    # Other features are another question: with another region the pair is proposed.
    other = await hold(conn, mention("陳偉", date(1980, 5, 1), None))
    assert [r["subject_id"] for r in await candidates(conn, other)] == [subject]
    with pytest.raises(Exception, match="say why"):
        await reject(db, link["id"], "  ", None, None)


async def test_links_for_every_role(db: Database, conn: asyncpg.Connection, stories: dict[str, int]) -> None:
    wu = stories["wu"]
    born, region = date(1983, 6, 30), "350581"
    firm_uscc = await conn.fetchval("SELECT identifier FROM core.subject WHERE id = $1", stories["firm"])
    shop = await conn.fetchval(
        QUERIES.core.insert_subject,
        "organisation",
        make_uscc("9", "2", "350581", "61234567"),
        "石狮市国栋服装店",
        None,
        None,
        "350581",
    )
    await conn.execute(
        "INSERT INTO market.company (subject_id, company_type, registered_capital, established_on, address, industry) "
        "VALUES ($1, 'individual_business', 100000, '2016-01-01', '石狮市湖滨路1号', '服装')",
        shop,
    )
    shop_uscc = await conn.fetchval("SELECT identifier FROM core.subject WHERE id = $1", shop)

    async def held_and_confirmed(**kw: Any) -> int:
        mention_id = await hold(conn, mention("吳國棟", born, region, **kw))
        [link] = await candidates(conn, mention_id)
        assert link["subject_id"] == wu
        await confirm(db, link["id"], None, None)
        return mention_id

    await held_and_confirmed(
        source="market", role="shareholder", record_key=shop_uscc, detail={"share": "0.6", "subscribed_capital": 60000}
    )
    await held_and_confirmed(source="market", role="officer", record_key=firm_uscc, detail={"role": "supervisor"})
    await held_and_confirmed(
        source="police",
        role="vehicle_owner",
        record_key="闽C2Q918",
        detail={"vin": "LFV2A21K6A3012345", "make": "丰田卡罗拉", "vehicle_type": "car", "registered_on": "2019-08-01"},
    )

    assert await conn.fetchval(
        "SELECT share FROM market.shareholding WHERE company_id = $1 AND holder_id = $2", shop, wu
    ) == Decimal("0.6")
    assert await conn.fetchval(
        "SELECT role FROM market.directorship WHERE company_id = $1 AND person_id = $2", stories["firm"], wu
    ) == ("supervisor")
    assert await conn.fetchval("SELECT owner_id FROM police.vehicle WHERE plate = '闽C2Q918'") == wu


async def test_a_link_the_record_refuses_changes_nothing(
    db: Database, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    # 林文斌 owns the whole flat: another owner's share cannot fit.
    chen_born = date(1980, 9, 18)
    mention_id = await hold(
        conn,
        mention(
            "陳建華",
            chen_born,
            "350105",
            source="land",
            role="real_estate_owner",
            record_key="闽(2016)福州市不动产权第0031522号",
            detail={"share": "0.5"},
        ),
    )
    [link] = await candidates(conn, mention_id)

    with pytest.raises(LinkNotPossible, match="shares would add up"):
        await confirm(db, link["id"], None, None)

    assert (await candidates(conn, mention_id))[0]["status"] == "proposed"
    assert await conn.fetchval("SELECT status FROM core.party_mention WHERE id = $1", mention_id) == "pending"
    missing = await hold(conn, mention("陳建華", chen_born, "350105", record_key="(2020)闽0105执1号"))
    [link] = await candidates(conn, missing)
    with pytest.raises(LinkNotPossible, match="no enforcement case"):
        await confirm(db, link["id"], None, None)


async def test_propose_pending_covers_a_batch_once_subjects_arrive(conn: asyncpg.Connection) -> None:
    held = [
        await hold(conn, mention(name, date(1990, 1, 1 + i), "350203", batch_id=4242))
        for i, name in enumerate(["黃志明", "林秀英", "鄭麗華"])
    ]
    assert [await candidates(conn, m) for m in held] == [[], [], []]
    subjects = [
        await person(conn, name, "350203", date(1990, 1, 1 + i), 31 + 2 * i)
        for i, name in enumerate(["黄志明", "林秀英", "郑丽华"])
    ]

    stored = await propose_pending(conn, 4242, chunk=2)  # two chunks

    assert len(stored) == 3
    assert [(await candidates(conn, m))[0]["subject_id"] for m in held] == subjects
    assert await propose_pending(conn, 4242) == []
