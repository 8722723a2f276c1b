"""The audit writer: group commit of records, one transaction per batch.

``append`` queues a record and waits for its seq. A single background task takes everything
queued (up to ``max_batch``), appends it in one statement, and answers every waiting
caller, or fails them all with ``AuditUnavailable``. Under load the batches grow, so the
trail costs one round trip per batch rather than per request. The writer remembers the head
its last append left, so it need not read it first (``hub.audit.chain``).

In ``direct`` mode there is no task: ``append`` runs the transaction itself. That is the
mode for a ``Database`` over one connection (tests), where transactions are savepoints of
the test's own and a background task would only add a hop; it is chosen by default then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg

from hub.audit.chain import Comparison, Head, append_records

if TYPE_CHECKING:
    from hub.sanctions.interceptions import NewInterception
from hub.audit.errors import AuditUnavailable
from hub.audit.record import AuditRecord
from hub.db.database import Database
from hub.metrics import AUDIT_APPEND

log = logging.getLogger(__name__)

# The database refused what was sent (a constraint, a value), rather than failed to answer.
_REFUSED_DATA = (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError)

# A record, what its request also commits with it (comparisons, interceptions), its seq to come.
_Item = tuple[AuditRecord, Sequence[Comparison], Sequence["NewInterception"], asyncio.Future[int]]


class AuditWriter:
    """Appends audit records to the chain; ``start()`` before use, ``await stop()`` after."""

    def __init__(
        self,
        db: Database,
        *,
        direct: bool | None = None,
        max_batch: int = 1000,
        timeout: float = 10.0,
    ) -> None:
        self._db = db
        # None: direct exactly when the Database wraps a single connection.
        self.direct = _single_connection(db) if direct is None else direct
        self._max_batch = max_batch
        self._timeout = timeout
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        # Transactions committed (or attempted); with group commit far fewer than records.
        self.batches = 0
        # The head as this writer's last append left it (None: read it first).
        self._head: Head | None = None

    def start(self) -> None:
        """Start the background task (nothing to do in direct mode)."""
        if self.direct or self._task is not None:
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        """Write everything queued so far, then stop; later appends are refused."""
        self._closing = True
        if self._task is None:
            return
        self._queue.put_nowait(None)
        # wait(), not await: a task that died already has failed its callers; stopping
        # must not raise its error again, nor cancel the drain if the caller is cancelled.
        await asyncio.wait([self._task])

    async def append(
        self,
        record: AuditRecord,
        comparisons: Sequence[Comparison] = (),
        interceptions: Sequence[NewInterception] = (),
    ) -> int:
        """Write ``record`` to the chain, with its request's ``comparisons`` counted and its
        ``interceptions`` written in the same commit; return its seq. Raises
        ``AuditUnavailable`` (then none of them is written)."""
        started = time.perf_counter()
        if self.direct:
            if self._closing:
                raise AuditUnavailable("the audit writer is stopped")
            [seq] = await self._write([record], comparisons, interceptions)
        else:
            if self._task is None or self._task.done() or self._closing:
                raise AuditUnavailable("the audit writer is not running")
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._queue.put_nowait((record, comparisons, interceptions, future))
            seq = await future
        AUDIT_APPEND.observe(time.perf_counter() - started)
        return seq

    @property
    def queued(self) -> int:
        """Records waiting for the next commit."""
        return self._queue.qsize()

    async def _write(
        self,
        records: list[AuditRecord],
        comparisons: Sequence[Comparison],
        interceptions: Sequence[NewInterception],
    ) -> list[int]:
        self.batches += 1
        head, self._head = self._head, None  # forgotten unless this append succeeds
        try:
            if self.direct:
                seqs, self._head = await append_records(self._db, records, comparisons, head, interceptions)
                return seqs
            # A hung database must not hold requests forever: fail closed instead.
            async with asyncio.timeout(self._timeout):
                seqs, self._head = await append_records(self._db, records, comparisons, head, interceptions)
                return seqs
        except AuditUnavailable:
            raise
        except Exception as exc:  # any failure to write means the same to the caller
            log.error("audit records not written: %s: %s", type(exc).__name__, exc)
            raise AuditUnavailable("the audit trail could not be written") from exc

    async def _run(self) -> None:
        batch: list[_Item] = []
        try:
            stopping = False
            while not stopping:
                item = await self._queue.get()
                while True:
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                    if len(batch) >= self._max_batch or self._queue.empty():
                        break
                    item = self._queue.get_nowait()
                if batch:
                    await self._flush(batch)
                    batch = []
        finally:
            # Cancelled (or broken): nobody may wait forever for a record never written.
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if pending is not None:
                    batch.append(pending)
            for *_, future in batch:
                if not future.done():
                    future.set_exception(AuditUnavailable("the audit writer stopped"))

    async def _flush(self, batch: list[_Item]) -> None:
        try:
            seqs = await self._write(
                [record for record, *_ in batch],
                [c for _, counted, _, _ in batch for c in counted],
                [i for _, _, intercepted, _ in batch for i in intercepted],
            )
        except AuditUnavailable as exc:
            if len(batch) > 1 and isinstance(
                exc.__cause__, asyncpg.IntegrityConstraintViolationError | asyncpg.DataError
            ):
                # The database refused the batch's data: one request's rows may be at fault,
                # and must not cost the others their answers. Each is tried on its own.
                for item in batch:
                    await self._flush([item])
                return
            for *_, future in batch:
                if not future.done():
                    error = AuditUnavailable(exc.message)
                    error.__cause__ = exc.__cause__
                    future.set_exception(error)
            return
        for (*_, future), seq in zip(batch, seqs, strict=True):
            # A caller that went away (cancelled) still has its record written.
            if not future.done():
                future.set_result(seq)


def _single_connection(db: Database) -> bool:
    # Database has no public flag for this; it holds exactly one of a pool or a connection.
    return db._connection is not None
