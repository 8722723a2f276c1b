"""Credit ratings: rating authorities publish and withdraw ratings under schemes kept as data.

A scheme (``ratings.scheme``) names the agency kind that owns it, the subjects it rates, its
levels in order and how long a rating holds. Only an agency of that kind whose area covers
the subject's region may rate (the area rule of listings: ``listings.covers``). A new rating
supersedes the subject's open one of the same scheme; both stay in the history. Each change
is one transaction with its change record and its event in the outbox, like a list change.

A rating is current while neither withdrawn nor superseded and before ``expires_on``; reads
compute that, so nothing waits for ``expire_due``, which only tells agencies (rating.expired).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import HubError, InvalidInput, NotFound
from hub.events.outbox import emit, rating_payload
from hub.policy import Principal
from hub.sanctions.listings import covers

Q = QUERIES.ratings
CHINA = dt.timezone(dt.timedelta(hours=8))


class NotRatingAuthority(HubError):
    """The agency's kind does not own the scheme, or its area does not cover the subject."""

    code = "NOT_RATING_AUTHORITY"


@dataclass(frozen=True)
class RatingChange:
    rating_id: int
    kind: str


async def _record(
    conn: asyncpg.Connection,
    rating_id: int,
    principal: Principal | None,
    change: str,
    note: str | None,
    supersedes: int | None = None,
) -> RatingChange:
    await conn.execute(Q.insert_change, rating_id, change, principal.agency_id if principal else None, note)
    row = await conn.fetchrow(Q.rating_for_change, rating_id)
    assert row is not None
    event = "published" if change == "rated" else change
    payload = rating_payload(row, supersedes=supersedes)
    # Last: emitting holds the outbox's ordering lock until commit.
    await emit(conn, f"rating.{event}", listing_id=None, subject_id=row["subject_id"], payload=payload)
    return RatingChange(rating_id, event)


def _check_kind(principal: Principal, authority_kind: str, scheme: str) -> None:
    if principal.kind != authority_kind:
        raise NotRatingAuthority(
            f"scheme {scheme} is owned by {authority_kind} agencies; a {principal.kind} agency may not rate under it",
            scheme=scheme,
        )


def _check_area(principal: Principal, scheme: str, subject_region: str) -> None:
    if not covers(principal.region, subject_region):
        raise NotRatingAuthority(
            f"the subject's region {subject_region} is outside this agency's area ({principal.region})", scheme=scheme
        )


async def rate(
    db: Database,
    principal: Principal,
    *,
    scheme: str,
    identifier: str,
    subject_kind: str,
    level: str,
    evidence: str,
    evidence_document: str | None,
    rated_on: dt.date,
) -> RatingChange:
    """Publish a rating; ``identifier`` is a validated, normalised resident ID or USCC."""
    evidence = evidence.strip()
    if not evidence or len(evidence) > 4000:
        raise InvalidInput("evidence must say what the rating rests on (1 to 4000 characters)", argument="evidence")
    document = evidence_document.strip() if evidence_document else None
    if document is not None and len(document) > 500:
        raise InvalidInput("evidenceDocument is a reference of at most 500 characters", argument="evidenceDocument")
    if rated_on > today():
        raise InvalidInput("ratedOn is in the future", argument="ratedOn")
    async with db.change() as conn:
        row = await conn.fetchrow(Q.scheme_for_rating, scheme)
        if row is None:
            raise InvalidInput(f"no rating scheme {scheme}; see ratingSchemes", argument="scheme")
        levels: list[str] = list(row["levels"])
        if level not in levels:
            raise InvalidInput(
                f"level {level} is not a level of {scheme}; its levels are {', '.join(levels)}", argument="level"
            )
        # The owner first: whether a subject is known is none of another agency's business.
        _check_kind(principal, row["authority_kind"], scheme)
        if subject_kind not in row["subject_kinds"]:
            raise InvalidInput(f"scheme {scheme} does not rate a {subject_kind}", argument="scheme")
        subject = await conn.fetchrow(Q.subject_by_identifier, identifier)
        if subject is None or subject["kind"] != subject_kind:
            raise NotFound(f"no {subject_kind} with this identifier is known to the hub")
        _check_area(principal, scheme, subject["region"])
        rating_id: int = await conn.fetchval(Q.next_rating_id)
        previous = await conn.fetchval(Q.open_rating, subject["id"], row["id"])
        if previous is not None:
            # Closed before the new one is inserted: one open rating per scheme and subject.
            await conn.execute(Q.supersede_rating, previous, rating_id)
            await conn.execute(
                Q.insert_change, previous, "superseded", principal.agency_id, f"superseded by rating {rating_id}"
            )
        await conn.execute(
            Q.insert_rating,
            rating_id,
            row["id"],
            subject["id"],
            level,
            rated_on,
            row["validity_months"],
            evidence,
            document,
            principal.agency_id,
        )
        return await _record(conn, rating_id, principal, "rated", None, supersedes=previous)


async def withdraw(db: Database, principal: Principal, rating_id: int, reason: str) -> RatingChange:
    """Withdraw a rating (current or not yet superseded) with the reason; it stays in the history."""
    reason = reason.strip()
    if not reason or len(reason) > 1000:
        raise InvalidInput("reason must say why the rating is withdrawn (1 to 1000 characters)", argument="reason")
    async with db.change() as conn:
        row = await conn.fetchrow(Q.rating_for_change, rating_id)
        if row is None:
            raise NotFound(f"no rating {rating_id}")
        _check_kind(principal, row["authority_kind"], row["scheme_code"])
        _check_area(principal, row["scheme_code"], row["subject_region"])
        if row["withdrawn_at"] is not None:
            raise InvalidInput("the rating is withdrawn already", argument="ratingId")
        if row["superseded_by"] is not None:
            raise InvalidInput(
                f"the rating was superseded by rating {row['superseded_by']}; withdraw that one", argument="ratingId"
            )
        await conn.execute(Q.withdraw_rating, rating_id, principal.agency_id, reason)
        return await _record(conn, rating_id, principal, "withdrawn", reason)


def today() -> dt.date:
    """Today in China Standard Time, the day ratings are dated and expire by."""
    return dt.datetime.now(CHINA).date()


async def expire_due(db: Database, day: dt.date, batch: int = 100, pause: float = 0.0) -> int:
    """Announce ratings whose validity ended by ``day`` (rating.expired), each with its change.

    Reads never wait for this: an expired rating is not current from its expiry day on. This
    tells agencies, as listing expiry does (``hub.sanctions.expiry``).
    """
    done = 0
    while True:
        async with db.change() as conn:
            ids = [r["id"] for r in await conn.fetch(Q.due_to_expire, day, batch)]
            for rating_id in ids:
                await conn.execute(Q.announce_expiry, rating_id)
                await _record(conn, rating_id, None, "expired", None)
                done += 1
        if len(ids) < batch:
            return done
        if pause:
            await asyncio.sleep(pause)
