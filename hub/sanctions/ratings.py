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
import re
from dataclasses import dataclass
from decimal import Decimal

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


AUTHORITY_KINDS = ("agriculture", "market", "tax")
MEASURE_KINDS = ("supervision", "incentive", "restriction")
_SCHEME_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,63}$")
_LEVEL_CODE = re.compile(r"^[A-Z][A-Z0-9+-]{0,7}$")
MAX_LEVELS = 10


@dataclass(frozen=True)
class MeasureDefinition:
    kind: str
    description_zh: str
    description_en: str
    inspection_multiplier: float | None
    legal_basis: str


@dataclass(frozen=True)
class LevelDefinition:
    code: str
    meaning_zh: str
    meaning_en: str
    measures: tuple[MeasureDefinition, ...] = ()


@dataclass(frozen=True)
class SchemeDefinition:
    code: str
    name_zh: str
    name_en: str
    subject_kinds: tuple[str, ...]
    validity_months: int
    legal_basis: str
    source_note: str | None
    # Best first.
    levels: tuple[LevelDefinition, ...]


def _text(value: str, argument: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InvalidInput(f"{argument} must be 1 to {limit} characters", argument=argument)
    return value


def _check_definition(scheme: SchemeDefinition) -> None:
    """Every rule of the tables, checked first so the error names the argument."""
    if not _SCHEME_CODE.fullmatch(scheme.code):
        raise InvalidInput("code must be 2 to 64 of A-Z, 0-9, '_' and '-', starting with a letter", argument="code")
    for argument, value, limit in (
        ("nameZh", scheme.name_zh, 200),
        ("nameEn", scheme.name_en, 200),
        ("legalBasis", scheme.legal_basis, 2000),
    ):
        _text(value, argument, limit)
    if scheme.source_note is not None and len(scheme.source_note) > 1000:
        raise InvalidInput("sourceNote must be at most 1000 characters", argument="sourceNote")
    if not scheme.subject_kinds:
        raise InvalidInput("subjectKinds must name whom the scheme rates", argument="subjectKinds")
    if not 1 <= scheme.validity_months <= 120:
        raise InvalidInput("validityMonths must be between 1 and 120", argument="validityMonths")
    if not 2 <= len(scheme.levels) <= MAX_LEVELS:
        raise InvalidInput(f"a scheme has 2 to {MAX_LEVELS} levels, best first", argument="levels")
    codes = [level.code for level in scheme.levels]
    if len(set(codes)) != len(codes):
        raise InvalidInput("level codes must differ from each other", argument="levels")
    for level in scheme.levels:
        if not _LEVEL_CODE.fullmatch(level.code):
            raise InvalidInput(
                f"level code {level.code!r}: 1 to 8 of A-Z, 0-9, '+', '-', starting with a letter", argument="levels"
            )
        _text(level.meaning_zh, "levels.meaningZh", 1000)
        _text(level.meaning_en, "levels.meaningEn", 1000)
        for measure in level.measures:
            if measure.kind not in MEASURE_KINDS:
                raise InvalidInput(f"measure kind must be one of {', '.join(MEASURE_KINDS)}", argument="levels")
            multiplier = measure.inspection_multiplier
            if (measure.kind == "supervision") != (multiplier is not None):
                raise InvalidInput(
                    f"level {level.code}: a supervision class needs inspectionMultiplier; other measures have none",
                    argument="levels",
                )
            if multiplier is not None and not 0.01 <= multiplier <= 99.99:
                raise InvalidInput(
                    f"level {level.code}: inspectionMultiplier must be between 0.01 and 99.99", argument="levels"
                )
            _text(measure.description_zh, "levels.measures.descriptionZh", 1000)
            _text(measure.description_en, "levels.measures.descriptionEn", 1000)
            _text(measure.legal_basis, "levels.measures.legalBasis", 2000)


async def define_scheme(db: Database, principal: Principal, scheme: SchemeDefinition) -> int:
    """A new scheme owned by the caller's agency kind; its id. A scheme is never redefined: a
    changed scheme is a new code (ratings keep the validity they were given)."""
    if principal.kind not in AUTHORITY_KINDS:
        raise NotRatingAuthority(
            f"rating schemes are defined by {', '.join(AUTHORITY_KINDS)} agencies, not {principal.kind}",
            scheme=scheme.code,
        )
    _check_definition(scheme)
    async with db.transaction() as conn:
        scheme_id = await conn.fetchval(
            Q.insert_scheme,
            scheme.code,
            scheme.name_zh.strip(),
            scheme.name_en.strip(),
            principal.kind,
            list(scheme.subject_kinds),
            scheme.validity_months,
            scheme.legal_basis.strip(),
            scheme.source_note.strip() if scheme.source_note else None,
        )
        if scheme_id is None:
            raise InvalidInput(f"a rating scheme {scheme.code} exists already", argument="code")
        for rank, level in enumerate(scheme.levels, start=1):
            await conn.execute(
                Q.insert_level, scheme_id, level.code, rank, level.meaning_zh.strip(), level.meaning_en.strip()
            )
            for position, m in enumerate(level.measures, start=1):
                await conn.execute(
                    Q.insert_measure,
                    scheme_id,
                    level.code,
                    position,
                    m.kind,
                    m.description_zh.strip(),
                    m.description_en.strip(),
                    None if m.inspection_multiplier is None else Decimal(str(round(m.inspection_multiplier, 2))),
                    m.legal_basis.strip(),
                )
        return int(scheme_id)


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
        open_row = await conn.fetchrow(Q.open_rating, subject["id"], row["id"])
        previous: int | None = None if open_row is None else open_row["id"]
        if open_row is not None and rated_on < open_row["rated_on"]:
            # A rating supersedes an older one, never a newer one.
            raise InvalidInput(
                f"ratedOn is before the date of the subject's latest rating of {scheme} "
                f"({open_row['rated_on'].isoformat()}); the newer rating stands",
                argument="ratedOn",
            )
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
