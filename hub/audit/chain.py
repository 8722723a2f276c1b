"""Appending records to the one chain, in one transaction.

The transaction takes the chain's advisory lock, reads the head from ``audit.head``, chains
the records in order, inserts them in one ``executemany`` and moves the head. Under READ
COMMITTED each statement sees what was committed before it began, so the head read after
the lock is the last append's. Under REPEATABLE READ or SERIALIZABLE the snapshot may
predate the lock and two appends would fork the chain, so those are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.audit.errors import AuditUnavailable
from hub.audit.record import AuditRecord, canonical_bytes, chain_hash
from hub.db.database import Database
from hub.db.queries import QUERIES

Q = QUERIES.audit

# Any fixed number, distinct from the migrator's: it only serialises appends.
LOCK_KEY = 7_202_611_281

# Identities a request screened: (agency id, matter, region, how many).
Comparison = tuple[int, str, str, int]


async def append_records(
    db: Database, records: Sequence[AuditRecord], comparisons: Sequence[Comparison] = ()
) -> list[int]:
    """Append ``records`` in order and return their seqs; nothing is written on failure.

    ``comparisons`` (identities screened by those requests) are counted in the same commit.
    """
    if not records:
        return []
    async with db.transaction() as conn:
        isolation = await conn.fetchval(Q.lock_chain, LOCK_KEY)
        if isolation != "read committed":
            raise AuditUnavailable(f"the audit chain is appended under READ COMMITTED only, not {isolation}")
        head = await conn.fetchrow(Q.chain_head)
        if head is None:
            raise AuditUnavailable("the audit chain has no head row")
        first = seq = int(head["seq"]) + 1
        prev = bytes(head["hash"])
        rows = []
        for record in records:
            digest = chain_hash(prev, canonical_bytes(seq, record))
            rows.append((seq, *record.columns(), prev, digest))
            prev = digest
            seq += 1
        await conn.executemany(Q.insert_event, rows)
        await conn.execute(Q.move_head, seq - 1, prev)
        if comparisons:
            await conn.execute(Q.count_comparisons, *_summed(comparisons))
    return list(range(first, seq))


async def count_comparisons(db: Database, comparisons: Sequence[Comparison]) -> None:
    """Count comparisons on their own (the trail disabled, development only)."""
    await db.execute(Q.count_comparisons, *_summed(comparisons))


def _summed(comparisons: Sequence[Comparison]) -> tuple[list[int], list[str], list[str], list[int]]:
    """The statement's arrays, one entry per agency, matter and region."""
    summed: dict[tuple[int, str, str], int] = {}
    for agency_id, matter, region, count in comparisons:
        summed[(agency_id, matter, region)] = summed.get((agency_id, matter, region), 0) + count
    keys = list(summed)
    return [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [summed[k] for k in keys]


async def chain_head(db: Database) -> tuple[int, bytes]:
    """The seq and hash of the last record (``0`` and the genesis hash when empty)."""
    row = await db.fetchrow(Q.chain_head)
    if row is None:
        raise AuditUnavailable("the audit chain has no head row")
    return int(row["seq"]), bytes(row["hash"])
