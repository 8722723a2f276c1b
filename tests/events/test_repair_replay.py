"""A listing removed by credit repair: every agency is pushed its removal, but replaying
listChanges shows its earlier events only to its publisher (and courts above it) and the operator."""

from __future__ import annotations

from datetime import date

import asyncpg

from hub.agencies import create_agency
from hub.db.database import Database
from tests.events.conftest import Hub, emit_committed, graphql, listed, open_ws

APPLY = """mutation($l: ID!) { applyForCreditRepair(listingId: $l, applicant: "林文斌", grounds: "已履行完毕",
  evidence: "结案通知书") { id } }"""
DECIDE = (
    """mutation($a: ID!) { decideCreditRepair(applicationId: $a, approve: true, reasons: "准予修复") { status } }"""
)
CHANGES = "subscription($after: Int) { listChanges(after: $after) { seq kind listing { id removalReason } } }"


async def _xiamen_court(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        created = await create_agency(
            Database(connection=conn), code="EV-XIAMEN", name="事件厦门法院", kind="court", region="350200"
        )
        return created.key
    finally:
        await conn.close()


async def test_a_replay_leaves_out_a_repaired_listings_past_for_other_agencies_but_sends_its_removal(
    hub: Hub,
) -> None:
    listing = await listed(hub.database_url, hub.subject_id, "(2024)闽0102执77号", date(2024, 2, 1), date(2024, 3, 1))
    published = await emit_committed(hub.database_url, hub.subject_id, listing_id=listing)
    xiamen = await _xiamen_court(hub.database_url)
    # EV-COURT is the high court (350000): above the executing court, it records and decides.
    applied = await graphql(hub, hub.keys["court"], APPLY, {"l": str(listing)})
    assert "errors" not in applied, applied
    decided = await graphql(hub, hub.keys["court"], DECIDE, {"a": applied["data"]["applyForCreditRepair"]["id"]})
    assert decided["data"]["decideCreditRepair"]["status"] == "APPROVED"

    for key, expected in (
        (xiamen, ["REMOVED"]),
        (hub.keys["court"], ["PUBLISHED", "REMOVED"]),
        (hub.keys["platform"], ["PUBLISHED", "REMOVED"]),
    ):
        client = await open_ws(hub, key)
        await client.subscribe("s", CHANGES, {"after": published - 1})
        changes = [p["data"]["listChanges"] for p in await client.next_payloads("s", len(expected))]
        assert [c["kind"] for c in changes] == expected
        assert changes[-1]["listing"] == {"id": str(listing), "removalReason": "CREDIT_REPAIR"}
        await client.ws.close()
