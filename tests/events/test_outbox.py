"""The outbox: an event commits with the change, or not at all."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from hub.events.outbox import emit, expires_on, listing_payload

PAYLOAD = {"listing": {"id": 1}, "subject": {"id": 2}}


async def test_emit_returns_increasing_numbers(conn: asyncpg.Connection) -> None:
    first = await emit(conn, "listing.published", listing_id=1, subject_id=2, payload=PAYLOAD)
    second = await emit(conn, "listing.removed", listing_id=1, subject_id=2, payload=PAYLOAD)

    assert second > first
    row = await conn.fetchrow("SELECT kind, payload FROM events.outbox WHERE seq = $1", second)
    assert row is not None
    assert row["kind"] == "listing.removed"


async def test_emit_in_a_rolled_back_transaction_leaves_no_event(conn: asyncpg.Connection) -> None:
    before = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM events.outbox")

    transaction = conn.transaction()
    await transaction.start()
    await emit(conn, "listing.published", listing_id=1, subject_id=2, payload=PAYLOAD)
    await transaction.rollback()

    assert await conn.fetchval("SELECT count(*) FROM events.outbox WHERE seq > $1", before) == 0


async def test_the_outbox_is_append_only(conn: asyncpg.Connection) -> None:
    seq = await emit(conn, "listing.published", listing_id=1, subject_id=2, payload=PAYLOAD)

    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM events.outbox WHERE seq = $1", seq)


async def test_emit_refuses_an_unknown_kind(conn: asyncpg.Connection) -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        await emit(conn, "listing.vanished", listing_id=1, subject_id=2, payload=PAYLOAD)


def test_listing_payload_computes_the_end_of_term() -> None:
    row = {
        "id": 7,
        "version": 2,
        "list": "dishonest",
        "circumstance": "evades_enforcement",
        "published_on": date(2020, 8, 31),
        "term_months": 24,
        "extended_months": 6,
        "removed_on": None,
        "removal_reason": None,
        "case_number": "(2019)闽0102执1号",
        "court_code": "闽0102",
        "subject_id": 3,
        "subject_kind": "person",
        "subject_name": "张三",
        "subject_identifier": "110101199003074514",
    }

    payload = listing_payload(row)

    assert payload["listing"]["expiresOn"] == "2023-02-28"
    assert payload["subject"]["identifier"] == "110101199003074514"
    assert expires_on(date(2020, 1, 1), None) is None
