"""The hub's Prometheus metrics: every definition in one place, and the text of a scrape.

Served as ``GET /metrics`` to the platform operator's key, or without a key on a port of its
own (``HUB_METRICS_PORT``, on ``HUB_METRICS_HOST``, 127.0.0.1 by default). Under
``hub serve --workers N`` every process writes its figures to files in
``<data dir>/metrics`` (prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``,
emptied at each start), and a scrape adds up all the processes'.

Counters and histograms move as things happen (an operation answered, an audit record
appended); gauges of what a process holds (pool connections, the audit queue, remote
breakers) and of the database (webhooks and their backlog) are set by :func:`refresh`, run
every few seconds by each serving process and before each scrape it answers. Labels never
carry subject data: operation names a client chose are kept only when they look like names.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as multiprocess_files

from hub.db.database import Database, lost
from hub.db.queries import QUERIES
from hub.errors import HubError
from hub.sources.remote import RemoteSources

if TYPE_CHECKING:
    import asyncpg

    from hub.audit import AuditWriter

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# How often a serving process sets its gauges (a scrape of the process also sets them).
REFRESH_SECONDS = 5.0

REQUESTS = Counter(
    "hub_requests",
    "Operations answered, by operation name, agency kind and outcome (ok, denied, error, limited, unavailable...).",
    ["operation", "agency_kind", "outcome"],
)
LATENCY = Histogram(
    "hub_request_duration_seconds",
    "Time from a request's arrival to its answer (its audit record written), by operation, agency kind and outcome.",
    ["operation", "agency_kind", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
AUDIT_QUEUE = Gauge(
    "hub_audit_queue_depth",
    "Audit records waiting for the writer's next commit (summed over processes).",
    multiprocess_mode="livesum",
)
AUDIT_APPEND = Histogram(
    "hub_audit_append_seconds",
    "Time an answer waits for its audit record to be committed.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)
POOL = Gauge(
    "hub_pool_connections",
    "Connections of each pool (statements, reads, webhooks) by state: size (open), in_use, idle, max.",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
WEBHOOKS = Gauge(
    "hub_webhooks",
    "Active webhooks by state: delivering, retrying or parked (parked: waits for an operator or its agency).",
    ["state"],
    multiprocess_mode="mostrecent",
)
WEBHOOK_BACKLOG = Gauge(
    "hub_webhook_backlog_events",
    "Events not yet delivered to active webhooks, by the webhook's state (at most 100,000 counted per webhook).",
    ["state"],
    multiprocess_mode="mostrecent",
)
BREAKER = Gauge(
    "hub_remote_breaker_state",
    "Each remote source's circuit breaker: 0 closed, 1 half-open, 2 open (the worst over processes).",
    ["source"],
    multiprocess_mode="livemax",
)
REPLICA_LAG = Gauge(
    "hub_replica_lag_seconds",
    "How far each read replica is behind the primary: seconds since the primary first had WAL "
    "the replica has not replayed (NaN while it does not answer or is not a replica).",
    ["replica"],
    multiprocess_mode="mostrecent",
)
REPLICA_STATE = Gauge(
    "hub_replica_state",
    "Each read replica's state as this process sees it: 1 for its state, 0 for the others "
    "(serving replicas answer reads; the others' reads go to the primary).",
    ["replica", "state"],
    multiprocess_mode="mostrecent",
)
REPLICA_STATES = ("serving", "lagging", "down", "not_a_replica", "starting")

WEBHOOK_STATES = ("delivering", "retrying", "parked")
BREAKER_VALUES = {"closed": 0, "half-open": 1, "open": 2}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# A name holding a long run of digits might hold an identifier: it is not a label.
_DIGITS = re.compile(r"[0-9]{6}")
_MAX_NAMES = 500
_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """``name`` as a label value: ``anonymous`` without one, ``other`` for a name that does not
    look like a GraphQL name, holds six digits in a row, or comes after 500 distinct names."""
    if not name:
        return "anonymous"
    if name in _names:
        return name
    if not _NAME.fullmatch(name) or _DIGITS.search(name) or len(_names) >= _MAX_NAMES:
        return "other"
    _names.add(name)
    return name


def observe_operation(operation: str | None, agency_kind: str | None, outcome: str, started: float) -> None:
    """One answered operation, begun at ``started`` (``time.perf_counter()``); the gateway
    calls it as it writes the per-operation log line."""
    labels = (operation_label(operation), agency_kind or "none", outcome)
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(time.perf_counter() - started)


def observe_replica_lag(replica: str, seconds: float) -> None:
    """The hook for read replicas: call it with each replica's lag as it is measured."""
    REPLICA_LAG.labels(replica).set(seconds)


def observe_replicas(db: Database) -> None:
    """Each read replica's state and lag (``Database.replica_states``; named by host, port and
    database, never with credentials)."""
    for replica in db.replica_states():
        observe_replica_lag(replica.name, math.nan if replica.lag_seconds is None else replica.lag_seconds)
        for state in REPLICA_STATES:
            REPLICA_STATE.labels(replica.name, state).set(1 if replica.state == state else 0)


def observe_pools(pools: dict[str, asyncpg.Pool]) -> None:
    for name, pool in pools.items():
        size, idle = pool.get_size(), pool.get_idle_size()
        POOL.labels(name, "size").set(size)
        POOL.labels(name, "idle").set(idle)
        POOL.labels(name, "in_use").set(size - idle)
        POOL.labels(name, "max").set(pool.get_max_size())


def observe_breakers(remote: RemoteSources) -> None:
    for source in remote:
        BREAKER.labels(source.name).set(BREAKER_VALUES[source.breaker.state])


async def observe_webhooks(db: Database) -> None:
    counts = {row["state"]: row for row in await db.fetch(QUERIES.events.webhook_backlog)}
    for state in WEBHOOK_STATES:
        row = counts.get(state)
        WEBHOOKS.labels(state).set(row["webhooks"] if row else 0)
        WEBHOOK_BACKLOG.labels(state).set(row["events"] if row else 0)


@dataclass
class Watch:
    """What one process's gauges are read from; ``refresh`` sets them."""

    db: Database
    pools: dict[str, asyncpg.Pool] = field(default_factory=dict)
    writer: AuditWriter | None = None
    remote: RemoteSources = field(default_factory=RemoteSources)

    async def refresh(self) -> None:
        observe_pools(self.pools)
        AUDIT_QUEUE.set(self.writer.queued if self.writer is not None else 0)
        observe_breakers(self.remote)
        await observe_webhooks(self.db)
        observe_replicas(self.db)

    async def run(self) -> None:
        """Refresh every few seconds until cancelled (a scrape of another process, or of the
        metrics port, reads what this process last wrote)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:
                # The database away for a moment: the gauges wait for the next round.
                if not lost(exc) and not isinstance(exc, HubError):
                    log.warning("metrics refresh failed: %s", type(exc).__name__)
            await asyncio.sleep(REFRESH_SECONDS)


# ---------------------------------------------------------------- scraping


def multiprocess() -> bool:
    """Whether this process writes its figures to the shared directory (``--workers N``)."""
    return bool(os.environ.get(MULTIPROC_ENV))


def prepare_directory(data_dir: Path) -> Path:
    """Empty ``<data_dir>/metrics`` for a new ``hub serve --workers N`` and name it in the
    environment the worker processes inherit (figures of an earlier run must not count)."""
    directory = (data_dir / "metrics").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def registry(directory: str | None = None) -> CollectorRegistry:
    """What a scrape reads: every process's files in multiprocess mode, else this process."""
    path = directory or os.environ.get(MULTIPROC_ENV)
    if not path:
        from prometheus_client import REGISTRY

        return REGISTRY
    combined = CollectorRegistry()
    # prometheus_client's multiprocess module carries no annotations.
    multiprocess_files.MultiProcessCollector(combined, path=path)  # type: ignore[no-untyped-call]
    return combined


def scrape(directory: str | None = None) -> bytes:
    """The Prometheus text of a scrape."""
    return generate_latest(registry(directory))


def process_exited() -> None:
    """Drop this process's live gauges from the shared files (a worker stopping)."""
    if multiprocess():
        multiprocess_files.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def serve_port(host: str, port: int) -> Callable[[], None]:
    """Serve scrapes without a key on ``host:port`` (``HUB_METRICS_PORT``) from a thread of
    this process; every process's figures under ``--workers N``. Returns what stops it."""
    from prometheus_client import start_http_server

    server, thread = start_http_server(port, addr=host, registry=registry())

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
