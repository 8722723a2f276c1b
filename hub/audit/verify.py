"""Verifying the chain: walk it from seq 1 and report the first place it breaks.

Each record is checked in seq order, in batches, with a look at its neighbours to name the
break precisely. The first failing check decides (``seq`` is what the report gives):

``deleted``        seq k expected, a later one found: records are missing; seq k.
``inserted``       a record that does not belong was put in: the record after it still
                   links to the record before it; the inserted record's seq.
``reordered``      the record at seq k links to the record stored at k+1, and that one
                   links to k-1: the two were swapped; seq k.
``modified``       a record's stored hash does not match its content (or its values are not
                   in canonical form); that seq. Also a record changed *with* its hash
                   recomputed, seen because the next record still links to the old hash;
                   the changed record's seq.
``unlinked``       any other broken prev link; that seq.
``rewritten``      the chain is whole but a record's hash differs from a checkpoint's: the
                   records after the last matching checkpoint up to it were rewritten
                   consistently; the checkpoint's seq (the lowest such).
``truncated``      the chain ends (last seq L) before a checkpoint's seq, or before the seq
                   the head names; L + 1.
``head_mismatch``  ``audit.head`` names a seq below the last record, or another hash.
``bad_checkpoint`` a checkpoint whose key id is not its public key's, whose signature does
                   not verify, or (with ``trusted_key_ids``) whose key is not trusted; its seq.

Checkpoints are those in ``audit.checkpoint`` and any given (e.g. read from an export held
elsewhere); a consistent rewrite of the tail is caught only by a checkpoint past its start.
When two breaks are found the lower seq is reported; on a tie, the chain's own.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from hub.audit.chain import chain_head
from hub.audit.checkpoint import Checkpoint, stored_checkpoints
from hub.audit.record import GENESIS_HASH, AuditRecord, Row, canonical_bytes, chain_hash
from hub.db.database import Database
from hub.db.queries import QUERIES

Q = QUERIES.audit

BATCH_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain first breaks, how, and what was seen."""

    seq: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of one walk: intact or not, how far it got, and the first break."""

    ok: bool
    # Records that passed every check before the first break (all of them when ok).
    records: int
    head_seq: int
    head_hash: str
    # Checkpoints whose seq was reached and whose hash matched.
    checkpoints: int
    first_break: Break | None


@dataclass(frozen=True, slots=True)
class _Event:
    seq: int
    prev_hash: bytes
    hash: bytes
    # The hash the stored values give with the stored prev hash; None when the values are
    # not a record the writer could have written.
    recomputed: bytes | None

    @classmethod
    def from_row(cls, row: Row) -> _Event:
        seq, prev_hash = int(row["seq"]), bytes(row["prev_hash"])
        recomputed: bytes | None
        try:
            record = AuditRecord.from_row(row)
        except (ValueError, TypeError):
            recomputed = None
        else:
            # Normalising would hide a reordered or duplicated array element.
            client = row["client"]
            canonical = (
                tuple(row["fields"]) == record.fields
                and tuple(row["subjects"]) == record.subjects
                and (None if client is None else str(client)) == record.client
            )
            recomputed = chain_hash(prev_hash, canonical_bytes(seq, record)) if canonical else None
        return cls(seq, prev_hash, bytes(row["hash"]), recomputed)


class _Walk:
    """The state of one walk along the chain."""

    def __init__(self, checkpoints: Mapping[int, Sequence[Checkpoint]]) -> None:
        self.checkpoints = checkpoints
        self.expected_seq = 1
        self.expected_prev = GENESIS_HASH
        self.previous: _Event | None = None
        self.records = 0
        self.matched = 0
        self.last_matched_seq = 0

    def step(self, event: _Event, following: _Event | None) -> Break | None:
        found = self._check(event, following)
        if found is None:
            found = self._check_checkpoints(event)
        if found is None:
            self.expected_seq = event.seq + 1
            self.expected_prev = event.hash
            self.previous = event
            self.records += 1
        return found

    def _check(self, event: _Event, following: _Event | None) -> Break | None:
        k, previous, expected = event.seq, self.previous, self.expected_seq
        if k != expected:
            gap = f"records {expected}..{k - 1} are" if k > expected + 1 else f"record {k - 1} is"
            return Break(expected, "deleted", f"{gap} missing; seq {k} follows")
        if event.prev_hash != self.expected_prev:
            if previous is not None and event.prev_hash == previous.prev_hash:
                return Break(
                    previous.seq,
                    "inserted",
                    f"record {previous.seq} was inserted: record {k} links to the record before it",
                )
            if following is not None and following.prev_hash == self.expected_prev:
                if event.prev_hash == following.hash:
                    return Break(k, "reordered", f"records {k} and {following.seq} were swapped")
                return Break(k, "inserted", f"record {k} was inserted: record {following.seq} links to record {k - 1}")
            if previous is not None and event.recomputed == event.hash:
                return Break(
                    previous.seq,
                    "modified",
                    f"record {previous.seq} was changed and its hash recomputed: record {k} links to its former hash",
                )
            return Break(k, "unlinked", f"record {k} does not link to record {k - 1}")
        if event.recomputed != event.hash:
            if following is not None and following.prev_hash == event.prev_hash:
                return Break(k, "inserted", f"record {k} was inserted: record {following.seq} links to record {k - 1}")
            if event.recomputed is None:
                return Break(k, "modified", f"record {k} holds values the writer never writes")
            return Break(k, "modified", f"record {k}'s stored hash does not match its content")
        return None

    def _check_checkpoints(self, event: _Event) -> Break | None:
        for checkpoint in self.checkpoints.get(event.seq, ()):
            if checkpoint.hash != event.hash:
                return Break(
                    event.seq,
                    "rewritten",
                    f"record {event.seq}'s hash differs from the checkpoint signed at "
                    f"{checkpoint.at.isoformat()} by key {checkpoint.key_id}: records "
                    f"within {self.last_matched_seq + 1}..{event.seq} were rewritten",
                )
            self.matched += 1
            self.last_matched_seq = event.seq
        return None


async def verify(
    db: Database,
    checkpoints: Sequence[Checkpoint] | None = None,
    *,
    trusted_key_ids: Collection[str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> VerifyReport:
    """Walk the whole chain against the stored and the given checkpoints."""
    breaks: list[Break] = []
    by_seq: dict[int, list[Checkpoint]] = {}
    # The same checkpoint is often both stored and held elsewhere: count it once.
    for checkpoint in dict.fromkeys([*await stored_checkpoints(db), *(checkpoints or ())]):
        problem = _checkpoint_problem(checkpoint, trusted_key_ids)
        if problem is not None:
            breaks.append(Break(checkpoint.seq, "bad_checkpoint", f"the checkpoint at seq {checkpoint.seq} {problem}"))
        else:
            by_seq.setdefault(checkpoint.seq, []).append(checkpoint)

    walk = _Walk(by_seq)
    chain_break = await _walk(db, walk, 0, batch_size)
    head_seq, head_hash = await chain_head(db)
    # Records appended while we walked moved the head on: walk them too.
    while chain_break is None and head_seq > walk.expected_seq - 1:
        last = walk.expected_seq - 1
        chain_break = await _walk(db, walk, last, batch_size)
        if walk.expected_seq - 1 == last:
            break
        head_seq, head_hash = await chain_head(db)
    if chain_break is None:
        chain_break = _check_end(walk, head_seq, head_hash, by_seq)
    if chain_break is not None:
        breaks.insert(0, chain_break)
    first = min(breaks, key=lambda found: found.seq) if breaks else None
    return VerifyReport(
        ok=first is None,
        records=walk.records,
        head_seq=head_seq,
        head_hash=head_hash.hex(),
        checkpoints=walk.matched,
        first_break=first,
    )


def _checkpoint_problem(checkpoint: Checkpoint, trusted_key_ids: Collection[str] | None) -> str | None:
    if not checkpoint.is_valid():
        return f"does not verify with its public key (key id {checkpoint.key_id})"
    if trusted_key_ids is not None and checkpoint.key_id not in trusted_key_ids:
        return f"is signed by key {checkpoint.key_id}, which is not trusted"
    return None


def _check_end(
    walk: _Walk, head_seq: int, head_hash: bytes, checkpoints: Mapping[int, Sequence[Checkpoint]]
) -> Break | None:
    last = walk.expected_seq - 1
    beyond = [seq for seq in checkpoints if seq > last]
    if beyond:
        return Break(last + 1, "truncated", f"the chain ends at seq {last} but a checkpoint covers seq {max(beyond)}")
    if head_seq > last:
        return Break(last + 1, "truncated", f"the chain ends at seq {last} but the head names seq {head_seq}")
    if head_seq < last:
        return Break(
            head_seq + 1, "head_mismatch", f"the head names seq {head_seq} but the chain goes on to seq {last}"
        )
    if head_hash != walk.expected_prev:
        return Break(last, "head_mismatch", f"the head's hash differs from record {last}'s")
    return None


async def _walk(db: Database, walk: _Walk, after: int, batch_size: int) -> Break | None:
    async with aclosing(_with_next(_events(db, after, batch_size))) as pairs:
        async for event, following in pairs:
            found = walk.step(event, following)
            if found is not None:
                return found
    return None


async def _events(db: Database, after: int, batch_size: int) -> AsyncGenerator[_Event, None]:
    while True:
        rows = await db.fetch(Q.events_after, after, batch_size)
        for row in rows:
            yield _Event.from_row(row)
        if len(rows) < batch_size:
            return
        after = int(rows[-1]["seq"])


async def _with_next(
    events: AsyncGenerator[_Event, None],
) -> AsyncGenerator[tuple[_Event, _Event | None], None]:
    current: _Event | None = None
    async with aclosing(events):
        async for event in events:
            if current is not None:
                yield current, event
            current = event
    if current is not None:
        yield current, None
