"""The list's lifecycle: courts publish, extend, correct and remove listings; terms expire.

Every change happens in one transaction with its revision (what the listing was) and its
event in the outbox, so agencies are told exactly what committed. Only a court whose area
covers the executing court may change a listing: the high court (350000) all of them, an
intermediate court those of its city, a basic court its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import HubError, InvalidInput
from hub.events.outbox import emit, expires_on, listing_payload
from hub.policy import Principal

Q = QUERIES.listings

LISTS = ("dishonest", "restricted")
CIRCUMSTANCES = (
    "refuses_with_ability",
    "obstructs_enforcement",
    "evades_enforcement",
    "violates_asset_reporting",
    "violates_consumption_restriction",
    "breaches_settlement",
)
REMOVAL_REASONS = ("paid", "settled", "credit_repair", "term_expired", "published_in_error", "other")
DEFAULT_TERM_MONTHS = 24


class NotYourCourt(HubError):
    code = "NOT_YOUR_COURT"


class ListingNotFound(HubError):
    code = "NOT_FOUND"


@dataclass(frozen=True)
class Change:
    listing_id: int
    version: int
    kind: str


def covers(agency_region: str, court_region: str) -> bool:
    """Whether an agency's area covers a court's seat (350000 > 350100 > 350102)."""
    prefix = agency_region.rstrip("0")
    if len(prefix) % 2:  # 3501 stays 3501; 35010 would cut a county digit
        prefix += "0"
    return court_region.startswith(prefix)


def _check_court(principal: Principal, court_region: str, case_number: str) -> None:
    if principal.kind != "court" or not covers(principal.region, court_region):
        raise NotYourCourt(f"only the executing court, or a court above it, may change listings of {case_number}")


def _snapshot(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "list": row["list"],
        "circumstance": row["circumstance"],
        "published_on": row["published_on"].isoformat(),
        "term_months": row["term_months"],
        "extended_months": row["extended_months"],
        "removed_on": row["removed_on"].isoformat() if row["removed_on"] else None,
        "removal_reason": row["removal_reason"],
        "version": row["version"],
    }


async def _record(
    conn: asyncpg.Connection, listing_id: int, principal: Principal | None, change: str, note: str | None
) -> Change:
    row = await conn.fetchrow(Q.listing_for_change, listing_id)
    assert row is not None
    await conn.execute(
        Q.insert_revision,
        listing_id,
        row["version"],
        principal.agency_id if principal else None,
        change,
        note,
        json.dumps(_snapshot(row)),
    )
    # Last: emitting holds the outbox's ordering lock until commit.
    await emit(
        conn, f"listing.{change}", listing_id=listing_id, subject_id=row["subject_id"], payload=listing_payload(row)
    )
    return Change(listing_id, row["version"], change)


async def _locked(conn: asyncpg.Connection, listing_id: int, principal: Principal) -> asyncpg.Record:
    row = await conn.fetchrow(Q.listing_for_change, listing_id)
    if row is None:
        raise ListingNotFound(f"no listing {listing_id}")
    _check_court(principal, row["court_region"], row["case_number"])
    return row


async def publish(
    db: Database,
    principal: Principal,
    *,
    case_number: str,
    subject_id: int,
    list_kind: str,
    circumstance: str | None,
    published_on: dt.date,
    term_months: int | None,
) -> Change:
    if list_kind not in LISTS:
        raise InvalidInput(f"list must be one of {', '.join(LISTS)}", argument="list")
    if circumstance is not None and circumstance not in CIRCUMSTANCES:
        raise InvalidInput(f"circumstance must be one of {', '.join(CIRCUMSTANCES)}", argument="circumstance")
    if (list_kind == "dishonest") != (circumstance is not None):
        raise InvalidInput(
            "the dishonest list needs a circumstance; the restriction list has none", argument="circumstance"
        )
    if term_months is not None and not 1 <= term_months <= 120:
        raise InvalidInput("termMonths must be between 1 and 120", argument="termMonths")
    async with db.change() as conn:
        case = await conn.fetchrow(Q.case_for_listing, case_number)
        if case is None:
            raise InvalidInput(f"no enforcement case {case_number}", argument="caseNumber")
        _check_court(principal, case["court_region"], case_number)
        if not await conn.fetchval(Q.is_party, case["id"], subject_id):
            raise InvalidInput("the subject is not a debtor of this case", argument="subjectId")
        listing_id = await conn.fetchval(
            Q.insert_listing, subject_id, case["id"], list_kind, circumstance, published_on, term_months
        )
        return await _record(conn, listing_id, principal, "published", None)


async def extend(db: Database, principal: Principal, listing_id: int, months: int) -> Change:
    async with db.change() as conn:
        row = await _locked(conn, listing_id, principal)
        if row["removed_on"] is not None:
            raise InvalidInput("a removed listing cannot be extended", argument="listingId")
        if row["term_months"] is None:
            raise InvalidInput("the listing has no term to extend (until performance)", argument="listingId")
        if not 12 <= row["extended_months"] + months <= 36 or months < 1:
            raise InvalidInput(
                f"extensions add up to 1 to 3 years (12 to 36 months); already {row['extended_months']}",
                argument="months",
            )
        await conn.execute(Q.extend_listing, listing_id, months)
        return await _record(conn, listing_id, principal, "extended", None)


async def correct(
    db: Database,
    principal: Principal,
    listing_id: int,
    *,
    note: str,
    list_kind: str | None = None,
    circumstance: str | None = None,
    published_on: dt.date | None = None,
    term_months: int | None = None,
    clear_term: bool = False,
) -> Change:
    if not note.strip():
        raise InvalidInput("say what the correction is in note", argument="note")
    if circumstance is not None and circumstance not in CIRCUMSTANCES:
        raise InvalidInput(f"circumstance must be one of {', '.join(CIRCUMSTANCES)}", argument="circumstance")
    async with db.change() as conn:
        row = await _locked(conn, listing_id, principal)
        new_list = list_kind or row["list"]
        new_circumstance = circumstance if circumstance is not None else row["circumstance"]
        if new_list == "restricted":
            new_circumstance = None
        if new_list not in LISTS or (new_list == "dishonest") != (new_circumstance is not None):
            raise InvalidInput(
                "the dishonest list needs a circumstance; the restriction list has none", argument="circumstance"
            )
        new_term = None if clear_term else (term_months if term_months is not None else row["term_months"])
        try:
            await conn.execute(
                Q.correct_listing, listing_id, new_circumstance, published_on or row["published_on"], new_term, new_list
            )
        except asyncpg.CheckViolationError:
            raise InvalidInput("the corrected listing is not consistent (dates, term or extension)") from None
        return await _record(conn, listing_id, principal, "corrected", note.strip())


async def remove(
    db: Database, principal: Principal, listing_id: int, reason: str, removed_on: dt.date, note: str | None = None
) -> Change:
    if reason not in REMOVAL_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(REMOVAL_REASONS)}", argument="reason")
    async with db.change() as conn:
        row = await _locked(conn, listing_id, principal)
        if row["removed_on"] is not None:
            raise InvalidInput("the listing is removed already", argument="listingId")
        if removed_on < row["published_on"]:
            raise InvalidInput("removedOn is before the publication date", argument="removedOn")
        await conn.execute(Q.remove_listing, listing_id, removed_on, reason)
        return await _record(conn, listing_id, principal, "removed", note)


async def expire_due(db: Database, today: dt.date, batch: int = 100, pause: float = 0.0) -> int:
    """Mark listings whose term has ended as removed (term_expired), each with its event.

    Decisions never wait for this: a listing past its term is inactive at once. This keeps
    the list itself, and every agency's copy of it, in step (run by ``hub.sanctions.expiry``). Small transactions with a
    ``pause`` between them keep a large backlog (a restored or freshly seeded database) from
    crowding out requests.
    """
    done = 0
    while True:
        async with db.change() as conn:
            ids = [r["id"] for r in await conn.fetch(Q.due_to_expire, today, batch)]
            for listing_id in ids:
                row = await conn.fetchrow(Q.listing_for_change, listing_id)
                expires = (
                    None if row is None else expires_on(row["published_on"], row["term_months"], row["extended_months"])
                )
                if row is None or row["removed_on"] is not None or expires is None:
                    continue
                await conn.execute(Q.remove_listing, listing_id, expires, "term_expired")
                await _record(conn, listing_id, None, "expired", None)
                done += 1
        if len(ids) < batch:
            return done
        if pause:
            await asyncio.sleep(pause)
