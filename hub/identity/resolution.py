"""Candidate links for held party mentions, and the operator's decisions on them.

``propose`` finds the subjects that may be a held mention's party (index probes in
``sql/queries/identity.sql``), scores them (``hub.identity.names``) and stores the best as
proposed candidate links. Nothing is merged: only ``confirm`` writes a link, for the
mention's role, in one transaction that also marks the mention linked and rejects its other
candidates. ``reject`` remembers the pair (the mention's features, the subject) so it is never
proposed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import asyncpg
import orjson

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import AlreadyDecided, InvalidInput, LinkNotPossible, NotFound
from hub.identity.names import Party, best, normalise_name, pinyin_keys

Q = QUERIES.identity

# Subjects fetched per index probe and mention: enough to rank, bounded for the database.
PROBE_CAP: Final = 200
OFFICER_ROLES: Final = ("legal_representative", "executive", "director", "supervisor", "actual_controller")
VEHICLE_TYPES: Final = ("car", "truck", "bus", "motorcycle", "other")
CONFIRMED_OTHER: Final = "another candidate of the mention was confirmed"


def _party(row: asyncpg.Record) -> Party:
    return Party(
        name=row["name"],
        kind=row["kind"],
        identifier=row["identifier"],
        birth_date=row["birth_date"],
        region=row["region"],
    )


async def propose(conn: asyncpg.Connection, mention_id: int) -> list[int]:
    """Propose candidates for one held mention; the ids of the links stored now."""
    rows = await conn.fetch(Q.mentions_for_proposal, [mention_id])
    return await _propose(conn, rows)


async def propose_pending(conn: asyncpg.Connection, batch_id: int, chunk: int = 1000) -> list[int]:
    """Propose candidates for every pending mention of an ingest batch, three statements per
    ``chunk`` mentions (memory stays flat however many a batch holds).

    Idempotent: pairs already proposed or decided stay as they are, rejected pairs are skipped;
    run it again after new subjects arrive.
    """
    stored: list[int] = []
    after = 0
    while True:
        rows = await conn.fetch(Q.pending_of_batch, batch_id, after, chunk)
        if not rows:
            return stored
        stored.extend(await _propose(conn, rows))
        after = rows[-1]["id"]


async def _propose(conn: asyncpg.Connection, mentions: Sequence[asyncpg.Record]) -> list[int]:
    if not mentions:
        return []
    parties = {r["id"]: _party(r) for r in mentions}
    key_ids: list[int] = []
    keys: list[str] = []
    for mention_id, party in parties.items():
        for key in pinyin_keys(party.name):
            key_ids.append(mention_id)
            keys.append(key)
    ids = list(parties)
    found = await conn.fetch(
        Q.candidate_subjects,
        ids,
        [parties[i].kind for i in ids],
        [normalise_name(parties[i].name) for i in ids],
        [parties[i].identifier for i in ids],
        [parties[i].birth_date for i in ids],
        [parties[i].region for i in ids],
        [parties[i].key() for i in ids],
        key_ids,
        keys,
        PROBE_CAP,
    )
    by_mention: dict[int, list[tuple[int, Party]]] = {}
    for r in found:
        by_mention.setdefault(r["mention_id"], []).append((r["id"], _party(r)))
    mention_ids: list[int] = []
    subject_ids: list[int] = []
    scores: list[Decimal] = []
    agreed: list[str] = []
    explanations: list[str] = []
    for mention_id, subjects in by_mention.items():
        for subject_id, match in best(parties[mention_id], subjects):
            mention_ids.append(mention_id)
            subject_ids.append(subject_id)
            scores.append(Decimal(f"{match.score:.3f}"))
            agreed.append(",".join(match.agreed))
            explanations.append(match.explanation)
    if not mention_ids:
        return []
    stored = await conn.fetch(Q.insert_candidates, mention_ids, subject_ids, scores, agreed, explanations)
    return [r["id"] for r in stored]


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decided:
    """A decided candidate link: its id, its mention and its subject."""

    link_id: int
    mention_id: int
    subject_id: int


async def _locked(conn: asyncpg.Connection, link_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(Q.candidate_for_decision, link_id)
    if row is None:
        raise NotFound(f"no candidate link {link_id}", argument="id")
    if row["status"] != "proposed":
        raise AlreadyDecided(f"candidate link {link_id} is already {row['status']}", status=row["status"])
    if row["mention_status"] != "pending":
        raise AlreadyDecided(
            f"the mention of candidate link {link_id} is already {row['mention_status']}",
            status=row["mention_status"],
        )
    return row


async def confirm(db: Database, link_id: int, agency_id: int | None, operator: str | None) -> Decided:
    """Confirm a candidate: write the link for the mention's role, link the mention, reject the rest."""
    async with db.transaction() as conn:
        row = await _locked(conn, link_id)
        detail = orjson.loads(row["detail"])
        try:
            async with conn.transaction():
                await _write_link(conn, row["role"], row["record_key"], row["subject_id"], row["subject_kind"], detail)
        except asyncpg.CheckViolationError as error:
            raise LinkNotPossible(_check_message(error.constraint_name), argument="id") from None
        except asyncpg.UniqueViolationError:
            raise LinkNotPossible("the record already holds this subject in that capacity", argument="id") from None
        except (asyncpg.ForeignKeyViolationError, asyncpg.NotNullViolationError):
            raise LinkNotPossible("the subject cannot hold this role (kind or record)", argument="id") from None
        await conn.execute(Q.confirm_candidate, link_id, agency_id, operator)
        key = _party(row).key()
        await conn.execute(Q.reject_others, row["mention_id"], agency_id, operator, CONFIRMED_OTHER, key)
        await conn.execute(Q.link_mention, row["mention_id"], row["subject_id"])
        return Decided(link_id, row["mention_id"], row["subject_id"])


async def reject(db: Database, link_id: int, reason: str, agency_id: int | None, operator: str | None) -> Decided:
    """Reject a candidate; the pair (the mention's features, the subject) is never proposed again."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the candidate is rejected", argument="reason")
    if len(reason) > 1000:
        raise InvalidInput("a reason is at most 1,000 characters", argument="reason")
    async with db.transaction() as conn:
        row = await _locked(conn, link_id)
        await conn.execute(
            Q.reject_candidate, link_id, agency_id, operator, reason, _party(row).key(), row["subject_id"]
        )
        return Decided(link_id, row["mention_id"], row["subject_id"])


def _check_message(constraint: str | None) -> str:
    if constraint in ("ownership_shares_at_most_one", "shareholding_shares_at_most_one"):
        return "the owners' shares would add up to more than the whole"
    return "the link does not satisfy the record's rules (share, capital or dates)"


def _decimal(detail: dict[str, Any], key: str, *, required: bool = True) -> Decimal | None:
    raw = detail.get(key)
    if raw is None:
        if required:
            raise LinkNotPossible(f"the mention's detail has no {key}", argument="id", field=key)
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise LinkNotPossible(f"the mention's {key} is not a number", argument="id", field=key) from None
    if not value.is_finite():
        raise LinkNotPossible(f"the mention's {key} is not a number", argument="id", field=key)
    return value


def _date(detail: dict[str, Any], key: str, default: dt.date | None = None) -> dt.date:
    raw = detail.get(key)
    if raw is None:
        if default is None:
            raise LinkNotPossible(f"the mention's detail has no {key}", argument="id", field=key)
        return default
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise LinkNotPossible(f"the mention's {key} is not a date (YYYY-MM-DD)", argument="id", field=key) from None


def _text(detail: dict[str, Any], key: str) -> str:
    raw = detail.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise LinkNotPossible(f"the mention's detail has no {key}", argument="id", field=key)
    return raw.strip()


async def _write_link(
    conn: asyncpg.Connection, role: str, record_key: str, subject_id: int, subject_kind: str, detail: dict[str, Any]
) -> None:
    """Write the link a confirmation means; LinkNotPossible when the record or detail is missing."""
    found: Any
    if role == "case_party":
        found = await conn.fetchval(Q.link_case_party, record_key, subject_id)
        what = "enforcement case"
    elif role == "real_estate_owner":
        found = await conn.fetchval(Q.link_real_estate_owner, record_key, subject_id, _decimal(detail, "share"))
        what = "real estate with certificate"
    elif role == "shareholder":
        found = await conn.fetchval(
            Q.link_shareholder,
            record_key,
            subject_id,
            _decimal(detail, "share"),
            _decimal(detail, "subscribed_capital"),
        )
        what = "company with USCC"
    elif role == "officer":
        if subject_kind != "person":
            raise LinkNotPossible("an officer is a person; this candidate is an organisation", argument="id")
        position = _text(detail, "role")
        if position not in OFFICER_ROLES:
            raise LinkNotPossible(
                f"the mention's role must be one of {', '.join(OFFICER_ROLES)}", argument="id", field="role"
            )
        title = detail.get("title")
        found = await conn.fetchval(
            Q.link_officer,
            record_key,
            subject_id,
            position,
            title if isinstance(title, str) else None,
            _date(detail, "since", dt.date.today()),
        )
        what = "company with USCC"
    elif role == "vehicle_owner":
        found = await conn.fetchval(Q.link_vehicle_owner_update, record_key, subject_id)
        if found is None:
            vehicle_type = _text(detail, "vehicle_type")
            if vehicle_type not in VEHICLE_TYPES:
                raise LinkNotPossible(
                    f"the mention's vehicle_type must be one of {', '.join(VEHICLE_TYPES)}",
                    argument="id",
                    field="vehicle_type",
                )
            found = await conn.fetchval(
                Q.link_vehicle_owner_insert,
                record_key,
                subject_id,
                _text(detail, "vin"),
                _text(detail, "make"),
                vehicle_type,
                _date(detail, "registered_on"),
            )
        what = "vehicle with plate"
    else:  # the table's CHECK admits no other role
        raise LinkNotPossible(f"unknown mention role {role}", argument="id")
    if found is None:
        raise LinkNotPossible(f"no {what} {record_key}", argument="id", recordKey=record_key)
