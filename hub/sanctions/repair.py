"""Credit repair (信用修复): an application to take a punishment-list entry down, decided by its
publisher within the deadline its list kind sets.

Subjects have no accounts on the hub. An application reaches it through the publishing agency
(the subject hands it in with the evidence, and a clerk records it, in the console or by
``applyForCreditRepair``: origin agency), or from the subject itself on the public page
(``POST /public/repair``, ``hub.gateway.public_repair``: origin subject, recorded by nobody,
for the publisher to verify before it decides). Who may record and decide is
who may change the entry in the lists' lifecycle (``hub.sanctions.listings``): its publisher,
or an agency of its kind above it. Everyone else is refused as they would be for a removal.

An approval removes the entry with reason ``credit_repair`` through that lifecycle in the same
transaction as the decision: the revision, the ``listing.removed`` event pushed to every
agency, screening and the public search stop using it at the commit. A repaired entry then
stays in history for its publisher and the platform operator only
(``court.listing_visible_to``, 0023_credit_repair.sql).

The deadline (``sanctions.list_kind.repair_decision_working_days``) runs in working days from
the application's date; an undecided application past it is overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import AlreadyDecided, HubError, InvalidInput
from hub.policy import Principal
from hub.sanctions import listings
from hub.sanctions.ratings import today

Q = QUERIES.repair

STATUSES = ("submitted", "approved", "rejected")
MAX_TEXT = 4000
MAX_DOCUMENTS = 20


class ApplicationNotFound(HubError):
    code = "NOT_FOUND"


@dataclass(frozen=True)
class Decision:
    application_id: int
    listing_id: int
    approved: bool


def _text(value: str, argument: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{argument} must not be blank", argument=argument)
    if len(value) > limit:
        raise InvalidInput(f"{argument} is at most {limit} characters", argument=argument)
    return value


async def apply(
    db: Database,
    principal: Principal,
    *,
    listing_id: int,
    applicant: str,
    grounds: str,
    evidence: str,
    evidence_documents: list[str],
    applied_on: dt.date | None = None,
) -> int:
    """Record a repair application for entry ``listing_id`` handed in to ``principal``'s agency."""
    applicant, grounds, evidence, documents = _application_texts(applicant, grounds, evidence, evidence_documents)
    day = applied_on or today()
    if day > today():
        raise InvalidInput("appliedOn is in the future", argument="appliedOn")
    async with db.change() as conn:
        row, kind = await listings.locked_for_change(conn, listing_id, principal)
        days = await conn.fetchval(Q.kind_deadline, kind.code)
        if days is None or "credit_repair" not in kind.removal_reasons:
            raise InvalidInput(f"entries of the {kind.label} list are not repaired", argument="listingId")
        if row["removed_on"] is not None:
            raise InvalidInput("the listing is removed already: there is nothing to repair", argument="listingId")
        if day < row["published_on"]:
            raise InvalidInput("appliedOn is before the entry was published", argument="appliedOn")
        open_id = await conn.fetchval(Q.open_application_of, listing_id)
        if open_id is not None:
            raise InvalidInput(
                f"application {open_id} for this listing awaits its decision",
                argument="listingId",
                applicationId=open_id,
            )
        application_id: int = await conn.fetchval(
            Q.insert_application,
            listing_id,
            applicant,
            grounds,
            evidence,
            documents,
            day,
            days,
            principal.agency_id,
            principal.user_id,
        )
        return application_id


class RepairPending(HubError):
    """An undecided application for the entry exists already (one at a time)."""

    code = "REPAIR_PENDING"
    http_status = 409


def _application_texts(
    applicant: str, grounds: str, evidence: str, evidence_documents: list[str]
) -> tuple[str, str, str, list[str]]:
    applicant = _text(applicant, "applicant", 200)
    grounds = _text(grounds, "grounds")
    evidence = _text(evidence, "evidence")
    documents = [d.strip() for d in evidence_documents]
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidInput(f"at most {MAX_DOCUMENTS} evidenceDocuments", argument="evidenceDocuments")
    if any(not d or len(d) > 200 for d in documents):
        raise InvalidInput("each evidence document reference is 1 to 200 characters", argument="evidenceDocuments")
    return applicant, grounds, evidence, documents


def check_subject_application(
    applicant: str, grounds: str, evidence: str, evidence_documents: list[str]
) -> tuple[str, str, str, list[str]]:
    """A subject's application texts, validated (``InvalidInput`` names what is wrong)."""
    return _application_texts(applicant, grounds, evidence, evidence_documents)


async def apply_as_subject(
    db: Database, listing_id: int, applicant: str, grounds: str, evidence: str, documents: list[str]
) -> tuple[int, dt.date] | None:
    """Record the subject's own application (origin subject, from the public page) for entry
    ``listing_id``, which the caller matched by exact name, identifier and entry reference.
    None when the entry is not (or no longer) in force or its kind takes no repair;
    ``RepairPending`` when an application for it awaits its decision. Its id and due date;
    one transaction."""
    day = today()
    async with db.change() as conn:
        row = await conn.fetchrow(Q.repairable_listing, listing_id, day)
        if row is None:
            return None
        if await conn.fetchval(Q.open_application_of, listing_id) is not None:
            raise RepairPending("an application for this entry awaits its publisher's decision already")
        filed = await conn.fetchrow(
            Q.insert_subject_application, listing_id, applicant, grounds, evidence, documents, day, row["days"]
        )
        assert filed is not None
        return filed["id"], filed["due_on"]


async def decide(db: Database, principal: Principal, application_id: int, *, approve: bool, reasons: str) -> Decision:
    """Approve or reject application ``application_id``; an approval removes the entry
    (credit_repair) in the same transaction."""
    reasons = _text(reasons, "reasons")
    async with db.change() as conn:
        app = await conn.fetchrow(Q.application_for_decision, application_id)
        if app is None:
            raise ApplicationNotFound(f"no credit repair application {application_id}")
        # Who may decide is who may change the entry: the lifecycle's check (and its lock).
        await listings.locked_for_change(conn, app["listing_id"], principal)
        if app["status"] != "submitted":
            raise AlreadyDecided(f"application {application_id} was {app['status']} already")
        status = "approved" if approve else "rejected"
        await conn.execute(
            Q.decide_application, application_id, status, principal.agency_id, principal.user_id, reasons
        )
        if approve:
            await listings.remove_in(
                conn,
                principal,
                app["listing_id"],
                "credit_repair",
                today(),
                f"credit repair application {application_id}: {reasons}",
            )
        return Decision(application_id, app["listing_id"], approve)


async def applications(
    db: Database,
    principal: Principal,
    *,
    status: str | None = None,
    overdue: bool = False,
    application_id: int | None = None,
) -> list[asyncpg.Record]:
    """The applications ``principal`` may see: the operator all, an agency those of entries it
    may change (its own and those of agencies of its kind below it). Oldest deadline first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", argument="status")
    rows = await db.fetch(Q.applications, status, overdue, today(), application_id)
    if principal.kind == "platform":
        return rows
    kinds: dict[str, listings.ListKind] = {}
    seen = []
    for row in rows:
        if row["list"] not in kinds:
            async with db.acquire() as conn:
                kinds[row["list"]] = await listings.load_list_kind(conn, row["list"])
        if listings.may_change(principal, kinds[row["list"]], row):
            seen.append(row)
    return seen


async def hidden_listings(db: Database, listing_ids: list[int], viewer: int) -> set[int]:
    """Of ``listing_ids``, the entries agency ``viewer`` may not see in history (repaired, not its own)."""
    if not listing_ids:
        return set()
    return {r["id"] for r in await db.fetch(Q.hidden_listings, listing_ids, viewer)}


async def history_hidden_listings(db: Database, listing_ids: list[int], viewer: int) -> set[int]:
    """Of removed entries ``listing_ids``, those agency ``viewer`` may not see in history
    (``court.listing_history_visible_to``: the operator, the list kind's publisher kinds, and
    for a repaired entry its publisher's area only)."""
    if not listing_ids:
        return set()
    return {r["id"] for r in await db.fetch(Q.history_hidden_listings, listing_ids, viewer)}
