"""Removed list entries in history, per entry and list kind (issue 14, 0026_listing_history.sql):
the agencies of a kind that publishes the entry's list kind and the operator see them with
``includeRemoved``; courts only the courts' lists; an entry removed by credit repair only in its
publisher's area; agencies that publish no list are refused. Through both the compiled reads
and graphql-core's executor."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from hub.db.database import Database
from hub.settings import Settings
from tests.gateway.test_public import LIN_CASE, public_client
from tests.sanctions.test_lifecycle import MakeAgency, post
from tests.sanctions.test_list_kinds import PUBLISH, REMOVE, _agency

HISTORY = """query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) {
  nodes { id list active removalReason publisherCode } } } }"""


def _seen(body: dict[str, Any]) -> dict[str, str | None]:
    assert "errors" not in body, body
    return {n["id"]: n["removalReason"] for n in body["data"]["subject"]["listings"]["nodes"]}


async def test_a_removed_sector_blacklist_entry_stays_in_history_for_its_list_kinds_publishers_only(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    agriculture = await _agency(db, "T-FJ-AGRI", "agriculture", "350000", "FISCAL_SUPPORT")
    xiamen_agriculture = await _agency(db, "T-XM-AGRI", "agriculture", "350200", "FISCAL_SUPPORT")
    court = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    tax = await make_agency("tax", "PUBLIC_SERVICE")
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    operator = await make_agency("platform", "PLATFORM_OVERSIGHT")
    farm = str(stories["farm_shop"])

    async def publish_and_remove(doc: str, reason: str) -> str:
        published = await post(app_client, agriculture, PUBLISH, {"s": farm, "list": "AGRI_PRODUCT_SAFETY", "doc": doc})
        assert "errors" not in published, published
        entry_id: str = published["data"]["publishListing"]["id"]
        removed = await post(app_client, agriculture, REMOVE, {"id": entry_id, "reason": reason})
        assert "errors" not in removed, removed
        return entry_id

    mistaken = await publish_and_remove("闽农黑〔2026〕7号", "PUBLISHED_IN_ERROR")
    repaired = await publish_and_remove("闽农黑〔2026〕8号", "CREDIT_REPAIR")

    plain_settings = Settings(env="development", compiled_reads=False)
    async with public_client(db, plain_settings) as plain:
        for client in (app_client, plain):
            # The publisher and the operator: both entries.
            for reader in (agriculture, operator):
                seen = _seen(await post(client, reader, HISTORY, {"id": farm}))
                assert seen[mistaken] == "PUBLISHED_IN_ERROR"
                assert seen[repaired] == "CREDIT_REPAIR"
            # Agriculture elsewhere keeps the list too (no area rule for a plain removal), but
            # not the repaired entry, outside its area (the credit repair rule).
            seen = _seen(await post(client, xiamen_agriculture, HISTORY, {"id": farm}))
            assert seen.get(mistaken) == "PUBLISHED_IN_ERROR"
            assert repaired not in seen
            # A court (the courts' lists only) and tax (the red list, not this one): neither.
            for reader in (court, tax):
                seen = _seen(await post(client, reader, HISTORY, {"id": farm}))
                assert mistaken not in seen
                assert repaired not in seen
            # An agency that publishes no list: refused, naming the argument.
            refused = await post(client, land, HISTORY, {"id": farm})
            [error] = refused["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", error
            assert error["extensions"]["argument"] == "includeRemoved"
            assert "publish a list" in error["message"]


async def test_the_sql_rule_fails_closed_and_leaves_entries_on_their_lists_alone(
    stories: dict[str, int], db: Database
) -> None:
    active = await db.fetchval(
        "SELECT id FROM court.listing WHERE subject_id = $1 AND removed_on IS NULL", stories["lin"]
    )
    court = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-COURT', '测试法院', 'court', '350102') RETURNING id"
    )
    land = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-LAND', '测试不动产', 'land', '350102') RETURNING id"
    )
    rule = "SELECT court.listing_history_visible_to($1, $2)"
    # On its list: the rule leaves it to the field's policy, whoever asks.
    assert await db.fetchval(rule, active, None) is True
    assert await db.fetchval(rule, active, -1) is True
    await db.execute(
        "UPDATE court.listing SET removed_on = current_date, removal_reason = 'paid' WHERE id = $1", active
    )
    assert await db.fetchval(rule, active, court) is True
    assert await db.fetchval(rule, active, land) is False
    # Removed: no viewer, an unknown one, an unknown entry: hidden.
    assert await db.fetchval(rule, active, None) is False
    assert await db.fetchval(rule, active, -1) is False
    assert await db.fetchval(rule, -1, court) is False
