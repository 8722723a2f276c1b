"""Read replicas (``HUB_REPLICA_URLS``): which one may answer a read, and when none may.

Subject reads, searches, statistics and a screening's facts may run on a streaming replica
of the primary; writes, the audit trail and the outbox always run on the primary. A read
asks ``Replicas.pick()`` for a replica's ``Database`` and runs on the primary when it gets
none.

**Freshness.** A removal takes effect at once everywhere and a new listing blocks at once, so
a replica may answer only when it has replayed every list change this process knows of.

- Every list change sends ``pg_notify('hub_events', '<seq>@<lsn>')`` in its transaction
  (an applied ingest batch, ``'change@<lsn>'``: hotels, cases and identities decide too);
  PostgreSQL delivers it only after the commit. ``<lsn>`` is the primary's WAL insert
  position after the change's last row: a lower bound of the change's commit record, which
  is written after it. ``known`` is raised to it at once.
- A lower bound is not enough (a replica past it may not have replayed the commit yet). So
  hearing a notification also makes the process *unsettled*: no replica is trusted until the
  monitor has read the primary's ``pg_current_wal_lsn()``. That position is read after the
  notification arrived, hence after the commit, so it is at or past the end of the commit
  record; ``known`` is raised to it and the process settles again.
- A replica is used only while ``pg_last_wal_replay_lsn()`` (polled every ``poll_seconds``,
  and at once after each notification) is at or past ``known``. The polled value is a lower
  bound of the replica's replay, which only moves forward, so a stale cache can only send a
  read to the primary, never to a replica that lacks a change.
- A process that made a change itself does not wait for its own notification: the change
  commits in ``Database.change``, which unsettles the process before the writer is answered.
- A process that has not heard another's change cannot wait for it. Replicas are used only while the
  LISTEN connection is up (``listening``); on every (re)connection the process is unsettled
  and settles on the primary's position read after LISTEN started, so changes committed while
  it was not listening are covered. What remains is the delivery of one notification to a
  listening session: PostgreSQL signals the listening backends as the change commits, before
  the writer is told it committed, and a listening backend that is idle sends it at once. A
  request reaching another process after the writer's answer can only overtake it by the
  time that message spends between the two machines (sub-millisecond on one network), not by
  any poll interval. Without a listener every read goes to the primary.

**Health.** A replica that does not answer, is not in recovery (``pg_is_in_recovery()``
false: promoted, or a primary named by mistake), or lags by more than ``max_lag_seconds`` is
left out until it answers, is a replica and has caught up. A statement that loses its
replica connection marks the replica down at once, so the retry of the read goes to the
primary.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlsplit

import asyncpg

from hub.db.database import Database, create_pool
from hub.db.queries import QUERIES

log = logging.getLogger(__name__)

Q = QUERIES.replicas

STARTING: Final = "starting"
SERVING: Final = "serving"
LAGGING: Final = "lagging"
DOWN: Final = "down"
NOT_A_REPLICA: Final = "not_a_replica"


def parse_lsn(text: str) -> int:
    """A WAL position (``16/B374D848``) as a number."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def display_name(url: str) -> str:
    """A replica's URL as it may be shown and logged: host, port and database, no user or
    password."""
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = parts.hostname or query.get("host", ["localhost"])[0]
        port = parts.port or int(query.get("port", ["5432"])[0])
    except ValueError:
        return "(unparsable replica URL)"
    database = parts.path.lstrip("/") or "(default database)"
    return f"{host}:{port}/{database}"


@dataclass(frozen=True)
class ReplicaState:
    """One replica as ``/readyz`` and the metrics show it."""

    name: str
    # serving | lagging | down | not_a_replica | starting
    state: str
    # Behind the primary: seconds since the primary first had WAL the replica has not
    # replayed, and bytes of WAL behind the primary's position at the last poll; None when
    # unknown.
    lag_seconds: float | None
    lag_bytes: int | None
    replay_lsn: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "lagSeconds": self.lag_seconds,
            "lagBytes": self.lag_bytes,
            "replayLsn": self.replay_lsn,
        }


class Replica:
    """One replica: its monitor connection, its pools once it has answered as a replica."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = display_name(url)
        self.state = STARTING
        self.replay = 0
        self.lag_seconds: float | None = None
        self.lag_bytes: int | None = None
        # Why it is down, for the start-up report (an exception's class name, never its text).
        self.reason = "unknown"
        self.db: Database | None = None
        self.monitor: asyncpg.Connection | None = None
        self.pools: list[asyncpg.Pool] = []

    def snapshot(self) -> ReplicaState:
        return ReplicaState(
            self.name,
            self.state,
            None if self.lag_seconds is None else round(self.lag_seconds, 3),
            self.lag_bytes,
            format_lsn(self.replay) if self.replay else None,
        )

    def lost(self) -> None:
        """A statement on this replica found the database gone: out until the monitor sees it
        answer again."""
        if self.state != DOWN:
            log.warning("replica %s is down; reads go to the primary", self.name)
        self.state = DOWN


class Replicas:
    """The process's replicas, their monitor, and what this process knows of list changes."""

    def __init__(
        self,
        urls: Sequence[str],
        primary: Database,
        listening: Callable[[], bool],
        *,
        max_lag_seconds: float = 5.0,
        poll_seconds: float = 0.15,
        pool_min_size: int = 2,
        pool_max_size: int = 10,
        statement_timeout_ms: int = 5_000,
        acquire_timeout: float = 5.0,
        connect_timeout: float = 2.0,
        pooler: str = "none",
    ) -> None:
        self.replicas = [Replica(url) for url in urls]
        self._primary = primary
        self._listening = listening
        self.max_lag_seconds = max_lag_seconds
        self.poll_seconds = poll_seconds
        self._pool_sizes = (pool_min_size, pool_max_size)
        self._statement_timeout_ms = statement_timeout_ms
        self._acquire_timeout = acquire_timeout
        self._connect_timeout = connect_timeout
        # Replicas are reached as the primary is (``HUB_DATABASE_POOLER``): a pooler's mode is
        # safe on a direct connection too.
        self._pooler = pooler
        # The highest primary WAL position a list change is known to have reached.
        self.known = 0
        # Notifications heard, and how many of them the last primary position read covers.
        self._heard = 1  # unsettled until the first primary position is read
        self._settled = 0
        self._wake = asyncio.Event()
        # The primary's WAL position as polled, when it was first seen: what lag is measured by.
        self._history: deque[tuple[float, int]] = deque()
        self._window = max(2 * max_lag_seconds, 10.0)
        self._task: asyncio.Task[None] | None = None
        self._turn = itertools.count()

    # -- what reads ask ---------------------------------------------------------------------

    def pick(self) -> Database | None:
        """A replica that has replayed every list change this process knows of, or None (the
        read goes to the primary). Takes the fresh replicas in turn."""
        if self._heard != self._settled or not self._listening():
            return None
        fresh = [r for r in self.replicas if r.state == SERVING and r.db is not None and r.replay >= self.known]
        if not fresh:
            return None
        return fresh[next(self._turn) % len(fresh)].db

    def states(self) -> list[ReplicaState]:
        """Each replica's state and lag (for ``/readyz`` and the metrics)."""
        return [r.snapshot() for r in self.replicas]

    # -- what the listener tells ------------------------------------------------------------

    def heard(self, payload: str | None = None) -> None:
        """A list change (or a reconnection of the listener, ``payload`` None): trust no
        replica until the primary's position after it is known."""
        if payload and "@" in payload:
            with contextlib.suppress(ValueError):
                self.known = max(self.known, parse_lsn(payload.rpartition("@")[2]))
        self._heard += 1
        self._wake.set()

    # -- the monitor ------------------------------------------------------------------------

    async def start(self) -> None:
        """Look at every replica once (reporting any that is left out), then keep looking."""
        await self._poll()
        for replica in self.replicas:
            if replica.state != SERVING:
                log.warning("replica %s left out at start: %s", replica.name, _why(replica))
            else:
                log.info("replica %s serving reads", replica.name)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="replica-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        for replica in self.replicas:
            if replica.monitor is not None:
                with contextlib.suppress(Exception):
                    await replica.monitor.close(timeout=2)
            for pool in replica.pools:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pool.close(), 5)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            try:
                await self._poll()
            except Exception:  # the monitor must outlive any one failure
                log.exception("replica monitor failed; trying again")

    async def _poll(self) -> None:
        self._wake.clear()
        heard = self._heard
        primary: int | None = None
        try:
            primary = parse_lsn(await self._primary.fetchval(Q.primary_position))
        except Exception as exc:  # the primary gone: reads fail there too; keep looking
            log.debug("could not read the primary's WAL position: %s", type(exc).__name__)
        if primary is not None:
            if self._settled != heard:
                # Read after every notification counted in ``heard`` arrived: past their
                # commits. (Only then: the primary's position moves with every audit record,
                # and a replica is always a little behind it.)
                self.known = max(self.known, primary)
                self._settled = heard
            now = time.monotonic()
            if not self._history or primary > self._history[-1][1]:
                self._history.append((now, primary))
            while self._history and self._history[0][0] < now - self._window:
                self._history.popleft()
        await asyncio.gather(*(self._look(r, primary) for r in self.replicas))

    def _lag(self, replay: int) -> float:
        """How long ago the primary first had WAL the replica has not replayed (0: none).

        Measured against the primary's positions as polled, not the replica's replay
        timestamp: a replica whose replay is paused, or that stopped receiving, lags by the
        clock even while the primary writes little."""
        positions = [p for _, p in self._history]
        index = bisect.bisect_right(positions, replay)
        if index == len(self._history):
            return 0.0
        return time.monotonic() - self._history[index][0]

    async def _look(self, replica: Replica, primary: int | None) -> None:
        try:
            async with asyncio.timeout(self._connect_timeout):
                if replica.monitor is None or replica.monitor.is_closed():
                    replica.monitor = await asyncpg.connect(
                        replica.url,
                        timeout=self._connect_timeout,
                        server_settings={"application_name": "hub-replica-monitor"},
                        # No named prepared statements: the URL may be a pooler's.
                        statement_cache_size=0,
                    )
                row = await replica.monitor.fetchrow(Q.replica_position)
        except Exception as exc:  # refused, timed out, authentication, gone: all mean down
            if replica.state != DOWN and replica.state != STARTING:
                log.warning("replica %s is down (%s); reads go to the primary", replica.name, type(exc).__name__)
            replica.state = DOWN
            replica.reason = type(exc).__name__
            if replica.monitor is not None:
                replica.monitor.terminate()
                replica.monitor = None
            return
        assert row is not None
        if not row["in_recovery"]:
            if replica.state not in (NOT_A_REPLICA, STARTING):  # at start, ``start`` reports it
                log.warning("%s is not a replica (not in recovery); it is left out", replica.name)
            replica.state = NOT_A_REPLICA
            replica.lag_seconds = replica.lag_bytes = None
            return
        if row["replay_lsn"] is not None:
            replica.replay = max(replica.replay, parse_lsn(row["replay_lsn"]))
        replica.lag_seconds = self._lag(replica.replay)
        replica.lag_bytes = max(0, primary - replica.replay) if primary is not None else None
        if replica.db is None:
            try:
                await self._open(replica)
            except Exception as exc:
                log.warning("replica %s: could not open its pools (%s)", replica.name, type(exc).__name__)
                replica.state = DOWN
                return
        behind = replica.lag_seconds > self.max_lag_seconds
        state = LAGGING if behind else SERVING
        if replica.state == DOWN:
            # Back after being down: its pooled sessions may be dead ones; open new ones.
            for pool in replica.pools:
                await pool.expire_connections()
        if state != replica.state and replica.state != STARTING:
            if behind:
                log.warning("replica %s lags %.1f s; reads go to the primary", replica.name, replica.lag_seconds)
            else:
                log.info("replica %s serving reads again", replica.name)
        replica.state = state

    async def _open(self, replica: Replica) -> None:
        """The replica's two pools, as the primary's: statements, and compiled reads."""
        low, high = self._pool_sizes
        pool = await create_pool(
            replica.url,
            min_size=low,
            max_size=high,
            statement_timeout_ms=self._statement_timeout_ms,
            pooler=self._pooler,
        )
        try:
            read_pool = await create_pool(
                replica.url,
                min_size=low,
                max_size=high,
                statement_timeout_ms=self._statement_timeout_ms,
                generic_plans=True,
                pooler=self._pooler,
            )
        except BaseException:
            await pool.close()
            raise
        replica.pools = [pool, read_pool]
        db = Database(pool=pool, read_pool=read_pool, acquire_timeout=self._acquire_timeout)
        db.on_lost = db.reads.on_lost = replica.lost
        replica.db = db


def _why(replica: Replica) -> str:
    if replica.state == NOT_A_REPLICA:
        return "it is not a replica (pg_is_in_recovery() is false)"
    if replica.state == LAGGING:
        return f"it lags {replica.lag_seconds:.1f} s"
    return f"it does not answer ({replica.reason})"
