"""Every list's lifecycle: publishers publish, extend, correct and remove entries; terms expire.

What each list allows is data (sanctions.list_kind, 0019_list_kinds.sql): who publishes it
(agency kinds), whom it covers, whether an entry rests on a court case or on the publisher's
decision document, its term and extensions, and the reasons an entry may be removed for. One
code path serves every kind, driven by that row.

Every change happens in one transaction with its revision (what the listing was) and its
event in the outbox, so agencies are told exactly what committed. Who may change an entry:

* lists resting on a court case (the courts' dishonest and restricted lists): a court whose
  area covers the executing court: the high court (350000) all of them, an intermediate court
  those of its city, a basic court its own;
* other lists: an agency of the list's publisher kinds publishes entries for subjects whose
  region (from the resident ID or USCC) its area covers; an entry is then changed by an agency
  of its publisher's kind whose area covers the publisher's (the publisher or one above it).
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

CIRCUMSTANCES = (
    "refuses_with_ability",
    "obstructs_enforcement",
    "evades_enforcement",
    "violates_asset_reporting",
    "violates_consumption_restriction",
    "breaches_settlement",
)
# A debtor able to pay who refuses stays listed until performance (SPC rules 2017, art. 2).
OPEN_ENDED_CIRCUMSTANCES = frozenset({"refuses_with_ability"})
REMOVAL_REASONS = ("paid", "settled", "credit_repair", "term_expired", "published_in_error", "other")


class NotYourCourt(HubError):
    code = "NOT_YOUR_COURT"


class NotYourList(HubError):
    """The agency's kind does not publish this list, or the entry is outside its area."""

    code = "NOT_YOUR_LIST"


class UnknownListKind(InvalidInput):
    code = "UNKNOWN_LIST_KIND"


class ListingNotFound(HubError):
    code = "NOT_FOUND"


@dataclass(frozen=True)
class Change:
    listing_id: int
    version: int
    kind: str


@dataclass(frozen=True, slots=True)
class ListKind:
    """One row of sanctions.list_kind: the rules of a list."""

    code: str
    nature: str
    publisher_kinds: tuple[str, ...]
    subject_kinds: tuple[str, ...]
    case_based: bool
    needs_circumstance: bool
    default_term_months: int | None
    max_term_months: int
    open_ended: bool
    extension_min_months: int
    extension_max_months: int
    removal_reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        """The code as the API shows it (DISHONEST)."""
        return self.code.upper()


def api_code(code: str) -> str:
    """A list kind's code as the API shows it: DISHONEST, AGRI_PRODUCT_SAFETY."""
    return code.upper()


async def load_list_kind(conn: asyncpg.Connection, code: str) -> ListKind:
    """The rules of list kind ``code`` (any case); ``UnknownListKind`` naming the allowed codes."""
    row = await conn.fetchrow(Q.list_kind, code.strip().lower())
    if row is None:
        allowed = [api_code(r["code"]) for r in await conn.fetch(Q.list_kind_codes)]
        raise UnknownListKind(
            f"unknown list kind {api_code(code.strip())!r}; allowed: {', '.join(allowed)}",
            argument="list",
            allowedValues=allowed,
        )
    return ListKind(
        code=row["code"],
        nature=row["nature"],
        publisher_kinds=tuple(row["publisher_kinds"]),
        subject_kinds=tuple(row["subject_kinds"]),
        case_based=row["case_based"],
        needs_circumstance=row["needs_circumstance"],
        default_term_months=row["default_term_months"],
        max_term_months=row["max_term_months"],
        open_ended=row["open_ended"],
        extension_min_months=row["extension_min_months"],
        extension_max_months=row["extension_max_months"],
        removal_reasons=tuple(row["removal_reasons"]),
    )


def covers(agency_region: str, court_region: str) -> bool:
    """Whether an agency's area covers a region (350000 > 350100 > 350102)."""
    prefix = agency_region.rstrip("0")
    if len(prefix) % 2:  # 3501 stays 3501; 35010 would cut a county digit
        prefix += "0"
    return court_region.startswith(prefix)


def _check_kind(principal: Principal, kind: ListKind) -> None:
    if principal.kind not in kind.publisher_kinds:
        raise NotYourList(
            f"the {kind.label} list is published by {' or '.join(kind.publisher_kinds)} agencies, "
            f"not by a {principal.kind} agency",
            list=kind.label,
        )


def _check_court(principal: Principal, court_region: str, case_number: str) -> None:
    if principal.kind != "court" or not covers(principal.region, court_region):
        raise NotYourCourt(f"only the executing court, or a court above it, may change listings of {case_number}")


def _check_change(principal: Principal, kind: ListKind, row: asyncpg.Record) -> None:
    """May ``principal`` change the entry ``row`` (shaped like ``listing_for_change``)?"""
    if kind.case_based:
        _check_court(principal, row["court_region"], row["case_number"])
        return
    _check_kind(principal, kind)
    if principal.kind != row["publisher_kind"] or not covers(principal.region, row["publisher_region"]):
        raise NotYourList(
            f"only {row['publisher_code']}, which published entry {row['id']}, or an agency of its kind above it, "
            "may change it",
            list=kind.label,
        )


def _check_circumstance(kind: ListKind, circumstance: str | None) -> None:
    if kind.needs_circumstance and circumstance is None:
        raise InvalidInput(f"the {kind.label} list needs a circumstance", argument="circumstance")
    if not kind.needs_circumstance and circumstance is not None:
        raise InvalidInput(f"the {kind.label} list takes no circumstance", argument="circumstance")


def _check_term(kind: ListKind, term_months: int | None) -> None:
    if term_months is None:
        if not kind.open_ended:
            raise InvalidInput(f"an entry of the {kind.label} list needs a term", argument="termMonths")
    elif not 1 <= term_months <= kind.max_term_months:
        raise InvalidInput(f"termMonths must be between 1 and {kind.max_term_months}", argument="termMonths")


def _snapshot(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "list": row["list"],
        "circumstance": row["circumstance"],
        "published_on": row["published_on"].isoformat(),
        "term_months": row["term_months"],
        "extended_months": row["extended_months"],
        "removed_on": row["removed_on"].isoformat() if row["removed_on"] else None,
        "removal_reason": row["removal_reason"],
        "basis_document": row["basis_document"],
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


async def _locked(conn: asyncpg.Connection, listing_id: int, principal: Principal) -> tuple[asyncpg.Record, ListKind]:
    row = await conn.fetchrow(Q.listing_for_change, listing_id)
    if row is None:
        raise ListingNotFound(f"no listing {listing_id}")
    kind = await load_list_kind(conn, row["list"])
    _check_change(principal, kind, row)
    return row, kind


async def locked_for_change(
    conn: asyncpg.Connection, listing_id: int, principal: Principal
) -> tuple[asyncpg.Record, ListKind]:
    """The entry (locked, shaped like ``listing_for_change``) and its kind, once ``principal``
    is found to be an agency that may change it; ``ListingNotFound``, ``NotYourCourt`` or
    ``NotYourList`` otherwise. For features acting on an entry for its publisher (credit repair)."""
    return await _locked(conn, listing_id, principal)


def may_change(principal: Principal, kind: ListKind, row: asyncpg.Record) -> bool:
    """Whether ``principal`` is an agency that may change the entry ``row`` (its publisher or an
    agency of its kind above it), by the lifecycle's own check."""
    try:
        _check_change(principal, kind, row)
    except (NotYourCourt, NotYourList):
        return False
    return True


async def publish(
    db: Database,
    principal: Principal,
    *,
    subject_id: int,
    list_kind: str,
    circumstance: str | None,
    published_on: dt.date,
    term_months: int | None,
    case_number: str | None = None,
    basis_document: str | None = None,
) -> Change:
    """Publish an entry of ``list_kind``; ``term_months`` None takes the kind's default term
    (none for an open-ended circumstance)."""
    if circumstance is not None and circumstance not in CIRCUMSTANCES:
        raise InvalidInput(f"circumstance must be one of {', '.join(CIRCUMSTANCES)}", argument="circumstance")
    case_number = None if case_number is None else case_number.strip() or None
    basis_document = None if basis_document is None else basis_document.strip() or None
    async with db.change() as conn:
        kind = await load_list_kind(conn, list_kind)
        _check_circumstance(kind, circumstance)
        if term_months is None and not (kind.open_ended and circumstance in OPEN_ENDED_CIRCUMSTANCES):
            term_months = kind.default_term_months
        _check_term(kind, term_months)
        if kind.case_based:
            if case_number is None:
                raise InvalidInput(f"an entry of the {kind.label} list needs caseNumber", argument="caseNumber")
            if basis_document is not None:
                raise InvalidInput(
                    f"an entry of the {kind.label} list rests on its case: give no basisDocument",
                    argument="basisDocument",
                )
        else:
            if basis_document is None:
                raise InvalidInput(
                    f"an entry of the {kind.label} list needs basisDocument (the decision's document number)",
                    argument="basisDocument",
                )
            if len(basis_document) > 200:
                raise InvalidInput("basisDocument is at most 200 characters", argument="basisDocument")
            if case_number is not None:
                raise InvalidInput(
                    f"the {kind.label} list does not rest on a court case: give no caseNumber", argument="caseNumber"
                )
        _check_kind(principal, kind)
        subject = await conn.fetchrow(Q.subject_for_listing, subject_id)
        if subject is None:
            raise InvalidInput(f"no subject {subject_id}", argument="subjectId")
        if subject["kind"] not in kind.subject_kinds:
            raise InvalidInput(
                f"the {kind.label} list covers {' and '.join(kind.subject_kinds)} subjects, not {subject['kind']}s",
                argument="subjectId",
            )
        case_id: int | None = None
        publisher_id: int | None = None
        if kind.case_based:
            assert case_number is not None
            case = await conn.fetchrow(Q.case_for_listing, case_number)
            if case is None:
                raise InvalidInput(f"no enforcement case {case_number}", argument="caseNumber")
            _check_court(principal, case["court_region"], case_number)
            if not await conn.fetchval(Q.is_party, case["id"], subject_id):
                raise InvalidInput("the subject is not a debtor of this case", argument="subjectId")
            case_id = case["id"]
        else:
            if not covers(principal.region, subject["region"]):
                raise NotYourList(
                    f"the subject's region {subject['region']} is outside the area of {principal.agency_code} "
                    f"({principal.region})",
                    list=kind.label,
                )
            publisher_id = principal.agency_id
        listing_id = await conn.fetchval(
            Q.insert_listing,
            subject_id,
            case_id,
            kind.code,
            circumstance,
            published_on,
            term_months,
            basis_document,
            publisher_id,
        )
        return await _record(conn, listing_id, principal, "published", None)


async def extend(db: Database, principal: Principal, listing_id: int, months: int) -> Change:
    async with db.change() as conn:
        row, kind = await _locked(conn, listing_id, principal)
        if row["removed_on"] is not None:
            raise InvalidInput("a removed listing cannot be extended", argument="listingId")
        if kind.extension_max_months == 0:
            raise InvalidInput(f"entries of the {kind.label} list are not extended", argument="listingId")
        if row["term_months"] is None:
            raise InvalidInput("the listing has no term to extend (until performance)", argument="listingId")
        low, high = kind.extension_min_months, kind.extension_max_months
        if not low <= row["extended_months"] + months <= high or months < 1:
            raise InvalidInput(
                f"extensions add up to {low} to {high} months; already {row['extended_months']}",
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
        row, kind = await _locked(conn, listing_id, principal)
        if list_kind is not None and list_kind.strip().lower() != kind.code:
            # Moving an entry to another list: the same basis (case or document) and publisher.
            new_kind = await load_list_kind(conn, list_kind)
            if new_kind.case_based != kind.case_based or new_kind.nature != kind.nature:
                raise InvalidInput(
                    f"an entry of the {kind.label} list cannot become one of the {new_kind.label} list",
                    argument="list",
                )
            _check_kind(principal, new_kind)
            kind = new_kind
        new_circumstance = circumstance if circumstance is not None else row["circumstance"]
        if not kind.needs_circumstance:
            new_circumstance = None
        _check_circumstance(kind, new_circumstance)
        new_term = None if clear_term else (term_months if term_months is not None else row["term_months"])
        _check_term(kind, new_term)
        try:
            await conn.execute(
                Q.correct_listing,
                listing_id,
                new_circumstance,
                published_on or row["published_on"],
                new_term,
                kind.code,
            )
        except asyncpg.CheckViolationError:
            raise InvalidInput("the corrected listing is not consistent (dates, term or extension)") from None
        return await _record(conn, listing_id, principal, "corrected", note.strip())


async def remove(
    db: Database, principal: Principal, listing_id: int, reason: str, removed_on: dt.date, note: str | None = None
) -> Change:
    async with db.change() as conn:
        return await remove_in(conn, principal, listing_id, reason, removed_on, note)


async def remove_in(
    conn: asyncpg.Connection,
    principal: Principal,
    listing_id: int,
    reason: str,
    removed_on: dt.date,
    note: str | None = None,
) -> Change:
    """``remove`` in the caller's transaction (credit repair removes an entry with its decision)."""
    if reason not in REMOVAL_REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(REMOVAL_REASONS)}", argument="reason")
    row, kind = await _locked(conn, listing_id, principal)
    if reason not in kind.removal_reasons:
        allowed = [r.upper() for r in kind.removal_reasons]
        raise InvalidInput(
            f"an entry of the {kind.label} list is not removed for {reason.upper()}; "
            f"allowed reasons: {', '.join(allowed)}",
            argument="reason",
            allowedValues=allowed,
        )
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
