"""The outbox: every list and rating change is appended in the transaction that makes it.

An event commits with the change or not at all; ``pg_notify('hub_events', seq)`` is sent
in the same transaction, so PostgreSQL delivers it to listeners only at commit. Listeners
treat the notification as a wake-up and read the table: the outbox is the truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta, timezone
from typing import Any, Final

import asyncpg
import orjson

from hub.db.database import Database
from hub.db.queries import QUERIES

CHANNEL: Final = "hub_events"
_CHINA: Final = timezone(timedelta(hours=8))
LISTING_KINDS: Final = frozenset(
    {"listing.published", "listing.extended", "listing.corrected", "listing.removed", "listing.expired"}
)
RATING_KINDS: Final = frozenset({"rating.published", "rating.withdrawn", "rating.expired"})
KINDS: Final = LISTING_KINDS | RATING_KINDS


async def emit(
    conn: asyncpg.Connection, kind: str, *, listing_id: int | None, subject_id: int, payload: dict[str, Any]
) -> int:
    """Append an event in ``conn``'s current transaction; returns its sequence number.

    Call it as the last step of the change: from here to the commit, other emitters wait
    (see ``lock_outbox`` in sql/queries/events.sql), which keeps sequence numbers in commit
    order.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if not conn.is_in_transaction():
        raise ValueError("emit runs in the transaction of the change it reports")
    await conn.execute(QUERIES.events.lock_outbox)
    row = await conn.fetchrow(QUERIES.events.insert_event, kind, listing_id, subject_id, orjson.dumps(payload).decode())
    assert row is not None
    return int(row["seq"])


async def events_after(db: Database, after: int, limit: int) -> list[asyncpg.Record]:
    """Events with a sequence number above ``after``, in order."""
    return await db.fetch(QUERIES.events.events_after, after, limit)


async def last_seq(db: Database) -> int:
    """The newest event's number (0 when there is none)."""
    return int(await db.fetchval(QUERIES.events.last_seq))


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    # PostgreSQL's interval arithmetic clamps to the month's last day; so does this.
    for day in range(start.day, 0, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def expires_on(published_on: date, term_months: int | None, extended_months: int = 0) -> date | None:
    """The day the term ends (None: until the obligation is performed)."""
    if term_months is None:
        return None
    return _add_months(published_on, term_months + extended_months)


def listing_payload(row: Mapping[str, Any] | asyncpg.Record) -> dict[str, Any]:
    """The event payload from a row shaped like ``listings.listing_for_change``.

    The subject's identifier is kept in full: masking happens where the event is shown
    (GraphQL field policy, webhook masking), by the receiving agency's policy.
    """
    published: date = row["published_on"]
    explicit = row.get("expires_on")
    expiry = explicit or expires_on(published, row["term_months"], row["extended_months"] or 0)
    return {
        "listing": {
            "id": row["id"],
            "version": row["version"],
            "list": row["list"],
            "circumstance": row["circumstance"],
            "publishedOn": _iso(published),
            "expiresOn": _iso(expiry),
            "removedOn": _iso(row["removed_on"]),
            "removalReason": row["removal_reason"],
            # Court lists: the case and the executing court; other lists: null.
            "caseNumber": row["case_number"],
            "courtCode": row["court_code"],
            # Other lists: the publisher's decision document and the publisher's code.
            "basisDocument": row.get("basis_document"),
            "publisherCode": row.get("publisher_code"),
        },
        "subject": {
            "id": row["subject_id"],
            "kind": row["subject_kind"],
            "name": row["subject_name"],
            "identifier": row["subject_identifier"],
        },
    }


def rating_payload(row: Mapping[str, Any] | asyncpg.Record, supersedes: int | None = None) -> dict[str, Any]:
    """The event payload from a row shaped like ``ratings.rating_for_change``; the subject as in
    ``listing_payload`` (identifier in full, masked where the event is shown)."""
    withdrawn = row["withdrawn_at"]
    return {
        "rating": {
            "id": row["id"],
            "scheme": row["scheme_code"],
            "level": row["level_code"],
            "ratedOn": _iso(row["rated_on"]),
            "expiresOn": _iso(row["expires_on"]),
            # The day in China Standard Time, as ratings are dated.
            "withdrawnOn": _iso(withdrawn.astimezone(_CHINA).date()) if withdrawn is not None else None,
            "withdrawalReason": row["withdrawal_reason"],
            "supersedes": supersedes,
        },
        "subject": {
            "id": row["subject_id"],
            "kind": row["subject_kind"],
            "name": row["subject_name"],
            "identifier": row["subject_identifier"],
        },
    }
