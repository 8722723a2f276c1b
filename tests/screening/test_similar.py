"""Screening reviews variant and same-pinyin names of listed subjects, and pending candidate links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from hub.db.database import Database
from hub.identity import make_resident_id, make_uscc
from hub.identity.mentions import Mention, hold
from hub.screening import Identity, screen
from hub.screening.engine import SIMILAR_NAME_LISTED
from tests.conftest import gql
from tests.screening.test_service import company, ctx, identifier, listing, one, person

MakeAgency = Callable[..., Awaitable[dict[str, str]]]

LIN_BORN = dt.date(1976, 4, 12)


async def test_a_variant_name_with_the_listed_subjects_birth_date_asks_for_review(
    db: Database, stories: dict[str, Any]
) -> None:
    outcomes = await screen(
        db,
        [
            # Traditional form, another ID of the same birth date and region.
            Identity(name="林文斌", resident_id=make_resident_id("350102", LIN_BORN, 613)),
            Identity(name="林文彬", resident_id=make_resident_id("350102", LIN_BORN, 615)),  # same pinyin
            Identity(name="林雯斌", birth_date=LIN_BORN),  # same pinyin, birth date given
        ],
        ctx(),
    )

    assert [o.reasons for o in outcomes] == [
        ("SAME_NAME_AND_BIRTH_DATE_LISTED",),
        (SIMILAR_NAME_LISTED,),
        (SIMILAR_NAME_LISTED,),
    ]
    assert all(o.decision == "REVIEW" for o in outcomes)
    assert all(o.candidates == (stories["lin"],) for o in outcomes)
    [why] = outcomes[1].explanations
    assert why.startswith(f"subject {stories['lin']}: name 林文彬 reads the same in pinyin as 林文斌")
    assert "birth date agrees (1976-04-12)" in why
    assert "region agrees (350102" in why
    assert outcomes[1].measures[0].measure_code == "RESTRICT_REAL_ESTATE"


async def test_traditional_characters_and_another_birth_date(db: Database, conn: asyncpg.Connection) -> None:
    subject, number = await person(conn, "陈伟", dt.date(1980, 5, 1), 11)
    await listing(conn, subject, "(2023)闽0102执501号")

    variant = await one(db, Identity(name="陳偉", resident_id=make_resident_id("350102", dt.date(1980, 5, 1), 13)))
    other_day = await one(db, Identity(name="陳偉", resident_id=make_resident_id("350102", dt.date(1980, 5, 2), 13)))
    itself = await one(db, Identity(name="陈伟", resident_id=number))

    assert (variant.decision, variant.reasons, variant.candidates) == ("REVIEW", (SIMILAR_NAME_LISTED,), (subject,))
    assert "traditional/simplified variant" in variant.explanations[0]
    # Another birth date is another person; the listed subject itself is blocked, not reviewed.
    assert (other_day.decision, other_day.reasons) == ("ALLOW", ("NOT_LISTED",))
    assert (itself.decision, itself.reasons) == ("BLOCK", ("LISTED",))


async def test_an_organisation_with_a_variant_name_in_the_same_region(db: Database, conn: asyncpg.Connection) -> None:
    firm, _ = await company(conn, "福州長興貿易有限公司", "55512345")
    await listing(conn, firm, "(2023)闽0102执502号")
    same_region = make_uscc("9", "1", "350102", "55512346")
    elsewhere = make_uscc("9", "1", "350203", "55512347")

    outcomes = await screen(
        db,
        [
            Identity(name="福州长兴贸易有限公司", uscc=same_region),
            Identity(name="福州长兴贸易有限公司", uscc=elsewhere),
        ],
        ctx(),
    )

    assert [(o.decision, o.reasons, o.candidates) for o in outcomes] == [
        ("REVIEW", (SIMILAR_NAME_LISTED,), (firm,)),
        ("ALLOW", ("NOT_LISTED",), ()),
    ]
    assert "region agrees (350102" in outcomes[0].explanations[0]


async def test_a_pending_candidate_link_to_a_listed_subject_asks_for_review(
    db: Database, conn: asyncpg.Connection, stories: dict[str, Any]
) -> None:
    # A land record names 林文斌 in 350102 without ID or birth date: the listed 林文斌 and a
    # 林文彬 of the same region (another birth date) are both proposed for it.
    other, other_id = await person(conn, "林文彬", dt.date(1990, 2, 2), 911)
    await hold(
        conn,
        Mention(
            source="land",
            role="real_estate_owner",
            record_key="闽(2016)福州市不动产权第0031522号",
            kind="person",
            name="林文斌",
            region="350102",
            detail={"share": "0.1"},
        ),
    )
    proposed = await conn.fetch("SELECT subject_id FROM core.candidate_link WHERE status = 'proposed'")
    assert {r["subject_id"] for r in proposed} == {other, stories["lin"]}

    outcome = await one(db, Identity(name="林文彬", resident_id=other_id))
    listed = await one(db, Identity(name="林文斌", resident_id=await identifier(conn, stories["lin"])))

    assert (outcome.decision, outcome.subject_id, outcome.candidates) == ("REVIEW", other, (stories["lin"],))
    assert outcome.reasons == ("PENDING_LINK_LISTED",)
    assert "proposed candidates" in outcome.explanations[0]
    # The listed subject itself stays blocked.
    assert listed.decision == "BLOCK"
    # Once the operator rejects the listed alternative, the review goes.
    await conn.execute(
        "UPDATE core.candidate_link SET status = 'rejected', decided_at = now(), reason = 'x' WHERE subject_id = $1",
        stories["lin"],
    )
    assert (await one(db, Identity(name="林文彬", resident_id=other_id))).decision == "ALLOW"


SCREEN_EXPLAINED = """mutation($ids: [IdentityInput!]!) {
  screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
    decisions { decision reasons explanations interceptionId candidates { id name } } } }"""


async def test_the_agency_sees_the_review_and_what_agreed_over_graphql(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, Any], db: Database
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    ids = [{"name": "林文彬", "residentId": make_resident_id("350102", LIN_BORN, 615)}]

    body = await gql(app_client, land, SCREEN_EXPLAINED, {"ids": ids})

    assert "errors" not in body, body
    [decision] = body["data"]["screen"]["decisions"]
    assert (decision["decision"], decision["reasons"]) == ("REVIEW", [SIMILAR_NAME_LISTED])
    assert decision["candidates"] == [{"id": str(stories["lin"]), "name": "林文斌"}]
    [why] = decision["explanations"]
    assert "reads the same in pinyin" in why
    assert "birth date agrees" in why
    # A review is an interception like any other.
    assert decision["interceptionId"] is not None
    assert await db.fetchval("SELECT decision FROM sanctions.interception") == "REVIEW"
