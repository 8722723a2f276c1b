"""The operator's identity decisions over GraphQL: held mentions, candidates, confirm and reject."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from urllib.parse import quote

import asyncpg
import httpx

from hub.db.database import Database
from hub.identity.mentions import Mention, hold
from tests.conftest import gql

MakeAgency = Callable[..., Awaitable[dict[str, str]]]

PENDING = """
query Pending {
  partyMentions(first: 10) {
    nodes {
      id role recordKey name birthDate region { code } status
      candidates { id score agreed explanation status subject { id name } }
    }
    pageInfo { hasNextPage }
  }
}
"""
PROPOSED = """
query Proposed($mention: ID) {
  candidateLinks(mentionId: $mention) { nodes { id score mention { id } subject { id } } }
}
"""
CONFIRM = """
mutation Confirm($id: ID!) {
  confirmCandidate(id: $id) { id status operator decidedBy mention { status subject { id } } }
}
"""
REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectCandidate(id: $id, reason: $reason) { id status reason }
}
"""
CHEN = Mention(
    source="court",
    role="case_party",
    record_key="(2018)闽0102执1867号",
    kind="person",
    name="陳建華",
    birth_date=date(1980, 9, 18),
    region="350105",
)


async def test_the_operator_sees_a_held_mention_with_its_scored_candidates(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    platform = await make_agency("platform")
    mention_id = await hold(conn, CHEN)

    body = await gql(app_client, platform, PENDING)

    assert "errors" not in body
    [mention] = body["data"]["partyMentions"]["nodes"]
    assert mention["id"] == str(mention_id)
    assert (mention["name"], mention["status"], mention["region"]) == ("陳建華", "PENDING", {"code": "350105"})
    [candidate] = mention["candidates"]
    assert candidate["subject"] == {"id": str(stories["chen"]), "name": "陈建华"}
    assert candidate["score"] == 0.95
    assert candidate["agreed"] == ["variant_name", "birth_date", "region"]
    assert "variant" in candidate["explanation"]
    body = await gql(app_client, platform, PROPOSED, {"mention": str(mention_id)})
    assert [n["id"] for n in body["data"]["candidateLinks"]["nodes"]] == [candidate["id"]]


async def test_confirming_links_and_the_audit_record_names_the_subject(
    app_client: httpx.AsyncClient,
    make_agency: MakeAgency,
    conn: asyncpg.Connection,
    db: Database,
    stories: dict[str, int],
) -> None:
    platform = await make_agency("platform")
    mention_id = await hold(conn, CHEN)
    link_id = await conn.fetchval("SELECT id FROM core.candidate_link WHERE mention_id = $1", mention_id)

    body = await gql(app_client, {**platform, "Hub-Operator": quote("核查员 李静")}, CONFIRM, {"id": str(link_id)})

    assert "errors" not in body, body
    confirmed = body["data"]["confirmCandidate"]
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["operator"] == "核查员 李静"
    assert confirmed["decidedBy"].startswith("T-PLATFORM")
    assert confirmed["mention"] == {"status": "LINKED", "subject": {"id": str(stories["chen"])}}
    assert await conn.fetchval(
        "SELECT EXISTS (SELECT FROM court.case_party WHERE case_id = $1 AND subject_id = $2)",
        stories["lin_case"],
        stories["chen"],
    )
    event = await db.fetchrow("SELECT * FROM audit.event WHERE operation_name = 'Confirm'")
    assert event is not None
    assert event["operation_type"] == "mutation"
    assert event["subjects"] == [stories["chen"]]
    assert event["outcome"] == "ok"

    again = await gql(app_client, platform, CONFIRM, {"id": str(link_id)})
    assert again["errors"][0]["extensions"]["code"] == "ALREADY_DECIDED"
    unknown = await gql(app_client, platform, CONFIRM, {"id": "99999999"})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = await gql(app_client, platform, CONFIRM, {"id": "abc"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_rejecting_needs_a_reason_and_records_it(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    platform = await make_agency("platform")
    mention_id = await hold(conn, CHEN)
    link_id = await conn.fetchval("SELECT id FROM core.candidate_link WHERE mention_id = $1", mention_id)

    blank = await gql(app_client, platform, REJECT, {"id": str(link_id), "reason": " "})
    body = await gql(app_client, platform, REJECT, {"id": str(link_id), "reason": "户籍地不符"})

    assert blank["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"]["rejectCandidate"] == {"id": str(link_id), "status": "REJECTED", "reason": "户籍地不符"}
    assert await conn.fetchval("SELECT count(*) FROM core.rejected_pair WHERE subject_id = $1", stories["chen"]) == 1


async def test_only_the_platform_operator_decides(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    court = await make_agency("court", "(2018)闽0102执1867号")
    mention_id = await hold(conn, CHEN)
    link_id = await conn.fetchval("SELECT id FROM core.candidate_link WHERE mention_id = $1", mention_id)

    listed = await app_client.post("/graphql", json={"query": PENDING}, headers=court)
    confirmed = await app_client.post(
        "/graphql", json={"query": CONFIRM, "variables": {"id": str(link_id)}}, headers=court
    )

    assert listed.status_code == confirmed.status_code == 403
    assert listed.json()["errors"][0]["extensions"] == {
        "code": "FIELD_NOT_ALLOWED",
        "field": "Query.partyMentions",
        "path": "partyMentions",
    }
    assert confirmed.json()["errors"][0]["extensions"]["field"] == "Mutation.confirmCandidate"
    assert await conn.fetchval("SELECT status FROM core.candidate_link WHERE id = $1", link_id) == "proposed"
