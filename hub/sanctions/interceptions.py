"""Interception records, sanction feedback and the statistics built on them.

Every BLOCK and REVIEW is kept as an immutable interception; every screened identity counts
as a comparison. An agency reports what it did with an idempotency key: the same key and
body give the same result, the same key with another body is a conflict.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg
import orjson

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import HubError, InvalidInput
from hub.policy import Principal
from hub.screening import Outcome, ScreeningContext

Q = QUERIES.sanctions

OUTCOMES = ("sanction_applied", "overridden", "not_applicable", "paid_on_the_spot", "settled_on_the_spot")


class IdempotencyConflict(HubError):
    code = "IDEMPOTENCY_CONFLICT"


class InterceptionNotFound(HubError):
    code = "NOT_FOUND"


def _measures(outcome: Outcome) -> str:
    return _json_text(
        [
            {
                "measure": m.measure_code,
                "listing": m.listing_id,
                "version": m.listing_version,
                "case": m.case_id,
                "reach": m.reach,
                "via": m.via_subject_id,
            }
            for m in outcome.measures
        ]
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _array(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of plain tokens (ids, codes)."""
    return "{" + ",".join(str(v) for v in values) + "}"


class NewInterception(NamedTuple):
    """An interception to write, with its id drawn ahead (``InterceptionIds``); the columns of
    ``sanctions.interception`` (array and JSON columns as text) without ``at``."""

    id: int
    agency_id: int
    operator: str | None
    subject_id: int | None
    candidates: str
    matter: str
    context: str
    decision: str
    reasons: str
    measures: str
    listing_ids: str
    case_ids: str
    region: str


class InterceptionIds:
    """Interception ids drawn from the table's sequence a hundred at a time.

    A screening answers with its interceptions' ids, but they are written later, in the
    commit of its audit record: each is both or neither. Drawing ids ahead costs one round
    trip per ``block`` interceptions. Ids are unique, and increase within one hub process.
    """

    def __init__(self, db: Database, block: int = 100) -> None:
        self._db = db
        self._block = block
        self._free: collections.deque[int] = collections.deque()
        self._lock = asyncio.Lock()

    async def take(self, n: int) -> list[int]:
        if len(self._free) < n:
            async with self._lock:
                if len(self._free) < n:
                    rows = await self._db.fetch(Q.next_interception_ids, max(n - len(self._free), self._block))
                    self._free.extend(r["id"] for r in rows)
        return [self._free.popleft() for _ in range(n)]


async def prepare(
    ids: InterceptionIds,
    principal: Principal,
    operator: str | None,
    context: ScreeningContext,
    outcomes: Sequence[Outcome],
) -> dict[int, NewInterception]:
    """The interceptions of a screening's BLOCK and REVIEW outcomes by outcome index, in the
    batch's order (none for an all-ALLOW batch), ids drawn; the caller writes them
    (``insert``, or with its audit record)."""
    kept = [o for o in outcomes if o.decision in ("BLOCK", "REVIEW")]
    if not kept:
        return {}
    context_json = _json_text({"hotel_code": context.hotel_code} if context.hotel_code else {})
    return {
        o.index: NewInterception(
            id=id_,
            agency_id=principal.agency_id,
            operator=operator,
            subject_id=o.subject_id,
            candidates=_array(o.candidates),
            matter=context.matter,
            context=context_json,
            decision=o.decision,
            reasons=_array(o.reasons),
            measures=_measures(o),
            listing_ids=_array(sorted({m.listing_id for m in o.measures})),
            case_ids=_array(sorted({m.case_id for m in o.measures if m.case_id is not None})),
            region=principal.region,
        )
        for o, id_ in zip(kept, await ids.take(len(kept)), strict=True)
    }


async def insert(db: Database, new: Sequence[NewInterception]) -> None:
    """Write interceptions on their own (without the audit trail: development only)."""
    if new:
        await db.execute(Q.insert_interceptions, *(list(column) for column in zip(*new, strict=True)))


async def report(
    db: Database,
    principal: Principal,
    operator: str | None,
    *,
    interception_id: int,
    outcome: str,
    reason: str | None,
    business_reference: str | None,
    occurred_at: dt.datetime,
    idempotency_key: str,
) -> asyncpg.Record:
    """Record what the agency did about one of its interceptions (idempotent by key)."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", argument="outcome")
    if outcome == "overridden" and not (reason or "").strip():
        raise InvalidInput("an override needs a reason", argument="reason")
    if not 8 <= len(idempotency_key) <= 200:
        raise InvalidInput("idempotencyKey must have 8 to 200 characters", argument="idempotencyKey")
    if occurred_at.tzinfo is None:
        raise InvalidInput("occurredAt needs a time zone", argument="occurredAt")
    body = orjson.dumps(
        [interception_id, outcome, reason, business_reference, occurred_at.astimezone(dt.UTC).isoformat()]
    )
    request_hash = hashlib.sha256(body).digest()
    async with db.transaction() as conn:
        interception = await conn.fetchrow(Q.interception_by_id, interception_id)
        if interception is None or interception["agency_id"] != principal.agency_id:
            # Another agency's interception is as good as absent.
            raise InterceptionNotFound(f"no interception {interception_id} of this agency")
        row = await conn.fetchrow(
            Q.insert_feedback,
            interception_id,
            principal.agency_id,
            operator,
            outcome,
            reason,
            business_reference,
            occurred_at,
            idempotency_key,
            request_hash,
        )
        if row is None:
            row = await conn.fetchrow(Q.feedback_by_key, principal.agency_id, idempotency_key)
            assert row is not None
            if bytes(row["request_hash"]) != request_hash:
                raise IdempotencyConflict(
                    "this idempotency key was used for a different report; use a new key for a new report"
                )
        return row


MAX_PERIOD_DAYS = 366


def check_period(since: dt.date, until: dt.date) -> None:
    """A statistics period: ``until`` after ``since``, at most a year."""
    if until <= since:
        raise InvalidInput("until must be after since", argument="until")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidInput(f"ask for at most {MAX_PERIOD_DAYS} days at once", argument="until")


async def statistics(db: Database, since: dt.date, until: dt.date, agency_id: int | None) -> list[asyncpg.Record]:
    check_period(since, until)
    return await db.fetch(Q.statistics, since, until, agency_id)


async def interceptions_by_cases(db: Database, case_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    from hub.sources.base import group_by

    return group_by(await db.fetch(Q.interceptions_by_cases, list(case_ids)))


async def feedback_by_interceptions(db: Database, ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    from hub.sources.base import group_by

    return group_by(await db.fetch(Q.feedback_by_interceptions, list(ids)))


async def measures(db: Database) -> list[asyncpg.Record]:
    return await db.fetch(QUERIES.screening.catalogue_measures)


async def list_kinds(db: Database) -> list[asyncpg.Record]:
    """The list kinds with their rules and their measures' codes (sanctions.list_kind)."""
    return await db.fetch(QUERIES.screening.list_kinds)


async def matters(db: Database) -> list[asyncpg.Record]:
    return await db.fetch(Q.matters)


async def province_statistics(db: Database, since: dt.date, until: dt.date) -> list[asyncpg.Record]:
    check_period(since, until)
    return await db.fetch(Q.province_statistics, since, until)
