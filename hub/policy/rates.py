"""Per-agency rate limits shared by every hub process, counted in PostgreSQL.

An agency may run ``operations_per_minute`` operations, and be returned data on
``subjects_per_minute`` distinct subjects, in its window: a minute that starts at its first
operation and rolls by PostgreSQL's clock (``core.limit_window``, migration 0018). The counts
are in one row per agency, so N processes on M hosts allow the configured limit, not N times
it; a process only keeps a lease and a buffer, never a count of its own to reset.

Operations are leased in blocks: a process takes ``lease_operations`` of the agency's budget
in one statement (``core.limit_lease``) and spends them locally, one round trip per block.
The database never hands out more than the limit, so there is **no overshoot**. The cost is a
bounded undershoot: operations leased by other processes and not yet spent can refuse the
agency early, by at most (processes - 1) x ``lease_operations``; a process killed mid-window
loses at most its one unspent lease.

Distinct subjects cannot be leased as a count (the same subject returned through two
processes is one subject), so each process records the subjects it returned in
``core.limit_subject`` (``INSERT ... ON CONFLICT DO NOTHING``, counted), in batches: every
100 ms, and before admitting anything once ``subject_batch`` new subjects wait. A subject a
process has already recorded in the window costs nothing more. The deployment's count comes
back with every lease and every batch. Bounded overshoot: an agency can be returned at most
``subject_batch`` distinct subjects past its quota per process, plus what operations already
admitted return (as with one process: the check comes before the operation, the count
after); a process killed before recording loses at most one batch from the count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.policy.limits import Limits, RateLimited

log = logging.getLogger(__name__)

Q = QUERIES.limits


@dataclass
class _Agency:
    """What one process knows of one agency's window."""

    operations: int = 0  # leased and not yet spent
    window_ends: float = 0.0  # monotonic clock, from the database's seconds left
    spent_until: float = 0.0  # the operations budget is spent until then
    subjects: int = 0  # the deployment's count of distinct subjects, at the last lease or batch
    seen: set[int] = field(default_factory=set)  # recorded (or waiting) in this window by this process
    waiting: set[int] = field(default_factory=set)  # returned, not yet recorded
    recording: int = 0  # being recorded now (counted until the deployment's count comes back)
    lease: asyncio.Lock = field(default_factory=asyncio.Lock)


class RateLimiter:
    """Admits an agency's operations and counts the subjects they returned, against the
    deployment's shared counts; ``start()`` the background recorder, ``stop()`` to flush."""

    WINDOW = 60.0
    FLUSH_SECONDS = 0.1

    # Past this many keys known in a process, those whose window has ended are dropped (a key
    # admitted again learns its window afresh from the database, as after a roll).
    PRUNE_AT = 4096

    def __init__(self, limits: Limits, db: Database, *, window: float | None = None) -> None:
        self.limits = limits
        self.db = db
        if window is not None:  # another length than a minute (the public search's day)
            self.WINDOW = window
        self._agencies: defaultdict[int, _Agency] = defaultdict(_Agency)
        self._prune_at = self.PRUNE_AT
        self._waiting = 0
        self._flushing = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _now(self) -> float:
        return time.monotonic()

    async def admit(self, agency_id: int) -> None:
        """Count one operation, or raise ``RateLimited`` (with the seconds until the window
        ends) if the agency is over either limit."""
        if len(self._agencies) >= self._prune_at:
            self._prune()
        agency = self._agencies[agency_id]
        if self._waiting >= self.limits.subject_batch:
            await self.flush()
        while True:
            now = self._now()
            if now >= agency.window_ends:
                # The window has rolled (the next lease learns the new one).
                agency.operations, agency.subjects = 0, 0
                agency.seen = set(agency.waiting)
            if agency.spent_until > now:
                raise self._operations_refused(agency.spent_until - now)
            if agency.subjects + agency.recording + len(agency.waiting) >= self.limits.subjects_per_minute:
                raise self._subjects_refused(agency.window_ends - now)
            if agency.operations > 0:
                agency.operations -= 1
                return
            async with agency.lease:
                if agency.operations == 0 and agency.spent_until <= self._now():
                    await self._lease(agency_id, agency)

    def _prune(self) -> None:
        """Forget the keys whose window has ended and that hold nothing unrecorded: admit()
        would reset them anyway. Amortised: the next prune waits until the count doubles."""
        now = self._now()
        for key in [
            k
            for k, a in self._agencies.items()
            if now >= a.window_ends and not a.waiting and not a.recording and not a.lease.locked()
        ]:
            del self._agencies[key]
        self._prune_at = max(self.PRUNE_AT, 2 * len(self._agencies))

    async def _lease(self, agency_id: int, agency: _Agency) -> None:
        row = await self.db.fetchrow(
            Q.lease, agency_id, self.limits.lease_operations, self.limits.operations_per_minute, self.WINDOW
        )
        assert row is not None
        now = self._now()
        agency.window_ends = now + row["seconds_left"]
        agency.subjects = row["subjects"]
        agency.operations = row["granted"]
        if row["granted"] == 0:
            agency.spent_until = agency.window_ends

    def returned(self, agency_id: int, subjects: Iterable[int]) -> None:
        """Note the subjects an operation returned (recorded with the next batch)."""
        agency = self._agencies[agency_id]
        new = set(subjects) - agency.seen
        if new:
            agency.seen |= new
            agency.waiting |= new
            self._waiting += len(new)
            if self._waiting >= self.limits.subject_batch:
                self._wake.set()

    async def flush(self) -> None:
        """Record every waiting subject in one statement; learn the deployment's counts."""
        async with self._flushing:
            batch = [(a, s) for a, agency in self._agencies.items() for s in agency.waiting]
            if not batch:
                return
            for agency in self._agencies.values():
                agency.recording, agency.waiting = len(agency.waiting), set()
            self._waiting = 0
            try:
                rows = await self.db.fetch(Q.record, [a for a, _ in batch], [s for _, s in batch], self.WINDOW)
            except BaseException:
                for a, s in batch:  # kept for the next batch; admit() still counts them
                    self._agencies[a].waiting.add(s)
                self._waiting += len(batch)
                raise
            finally:
                for agency in self._agencies.values():
                    agency.recording = 0
            now = self._now()
            for row in rows:
                agency = self._agencies[row["agency_id"]]
                agency.subjects = row["subjects"]
                agency.window_ends = now + row["seconds_left"]

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="limit-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:
                log.warning("limit counts not recorded (%s); retrying", type(exc).__name__)

    def _operations_refused(self, seconds: float) -> RateLimited:
        retry = _retry_after(seconds)
        return RateLimited(
            "RATE_LIMITED",
            f"over {self.limits.operations_per_minute} operations a minute; retry in {retry} s",
            self.limits.operations_per_minute,
            retry,
        )

    def _subjects_refused(self, seconds: float) -> RateLimited:
        retry = _retry_after(seconds)
        return RateLimited(
            "SUBJECT_RATE_LIMITED",
            f"data on over {self.limits.subjects_per_minute} distinct subjects a minute "
            f"(enumeration guard); retry in {retry} s",
            self.limits.subjects_per_minute,
            retry,
        )


def _retry_after(seconds: float) -> int:
    """Whole seconds until the window ends, at least 1 (Retry-After)."""
    return max(1, math.ceil(seconds))
