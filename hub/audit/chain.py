"""Appending records to the one chain, in one statement.

The records are chained in Python on the head as last seen, and one statement (its own
transaction) inserts them and moves ``audit.head`` from that head to their last, together
with the comparisons counted with them, or, when another append moved the head first,
changes nothing; then the head is read again and the records chained again. So a batch
costs one round trip and one commit, and two hub processes can never fork the chain: the
head row's lock lets exactly one of two racing appends move it. Only READ COMMITTED is
accepted, where a statement sees every append committed before it began.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from hub.audit.errors import AuditUnavailable
from hub.audit.record import AuditRecord, canonical_bytes, chain_hash
from hub.db.database import Database
from hub.db.queries import QUERIES

if TYPE_CHECKING:
    from hub.sanctions.interceptions import NewInterception

Q = QUERIES.audit

# Identities a request screened: (agency id, matter, region, how many, how many were granted a
# reward).
Comparison = tuple[int, str, str, int, int]
# The chain's head: the last record's seq and hash (0 and the genesis hash when empty).
Head = tuple[int, bytes]

# Appends racing this one from other processes: each lost race costs a read of the head.
MAX_ATTEMPTS = 50


async def append_records(
    db: Database,
    records: Sequence[AuditRecord],
    comparisons: Sequence[Comparison] = (),
    head: Head | None = None,
    interceptions: Sequence[NewInterception] = (),
) -> tuple[list[int], Head]:
    """Append ``records`` in order; their seqs and the new head. Nothing is written on failure.

    ``head`` is the head as last seen (read first when ``None``); a stale one costs a retry.
    ``comparisons`` (identities screened by those requests) are counted, and the requests'
    ``interceptions`` written, in the same commit.
    """
    if not records:
        return [], head if head is not None else await chain_head(db)
    counted = _comparisons_json(comparisons)
    intercepted = orjson.dumps([_interception_json(i) for i in interceptions]).decode()
    for _ in range(MAX_ATTEMPTS):
        if head is None:
            head = await chain_head(db)
        seq, prev = head
        first = seq + 1
        events = []
        for record in records:
            seq += 1
            digest = chain_hash(prev, canonical_bytes(seq, record))
            events.append(record.row(seq, prev, digest))
            prev = digest
        row = await db.fetchrow(
            Q.append_chained, head[0], head[1], seq, prev, orjson.dumps(events).decode(), counted, intercepted
        )
        assert row is not None
        if row["isolation"] != "read committed":
            raise AuditUnavailable(f"the audit chain is appended under READ COMMITTED only, not {row['isolation']}")
        if row["moved"]:
            return list(range(first, seq + 1)), (seq, prev)
        head = None  # another append moved the head first
    raise AuditUnavailable(f"the audit chain's head moved under {MAX_ATTEMPTS} attempts in a row")


def _comparisons_json(comparisons: Sequence[Comparison]) -> str:
    agency_ids, matters, regions, counts, rewards = _summed(comparisons)
    return orjson.dumps(
        [
            {"agency_id": a, "matter": m, "region": r, "n": n, "rewards": g}
            for a, m, r, n, g in zip(agency_ids, matters, regions, counts, rewards, strict=True)
        ]
    ).decode()


def _interception_json(interception: NewInterception) -> dict[str, Any]:
    """An interception's columns for json_populate_recordset: array columns as their literal
    text, JSON columns as JSON."""
    row: dict[str, Any] = interception._asdict()
    row["context"] = orjson.Fragment(interception.context)
    row["measures"] = orjson.Fragment(interception.measures)
    return row


async def count_comparisons(db: Database, comparisons: Sequence[Comparison]) -> None:
    """Count comparisons on their own (the trail disabled, development only)."""
    await db.execute(Q.count_comparisons, *_summed(comparisons))


def _summed(
    comparisons: Sequence[Comparison],
) -> tuple[list[int], list[str], list[str], list[int], list[int]]:
    """The statement's arrays, one entry per agency, matter and region."""
    summed: dict[tuple[int, str, str], tuple[int, int]] = {}
    for agency_id, matter, region, count, rewarded in comparisons:
        n, g = summed.get((agency_id, matter, region), (0, 0))
        summed[(agency_id, matter, region)] = (n + count, g + rewarded)
    keys = list(summed)
    return (
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [summed[k][0] for k in keys],
        [summed[k][1] for k in keys],
    )


async def chain_head(db: Database) -> Head:
    """The seq and hash of the last record (``0`` and the genesis hash when empty)."""
    row = await db.fetchrow(Q.chain_head)
    if row is None:
        raise AuditUnavailable("the audit chain has no head row")
    return int(row["seq"]), bytes(row["hash"])
