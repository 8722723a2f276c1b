"""The one door to PostgreSQL: a pool in production, one shared connection in tests.

Only the data layer (``hub.sources``) calls these methods. Every statement is counted, so a
test can prove that a nested query costs the same number of statements for 1 or 100 rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

import asyncpg

from hub.errors import ConfigurationError, ConstraintViolation, DatabaseUnavailable, HubError

if TYPE_CHECKING:
    from hub.db.replicas import Replicas, ReplicaState

log = logging.getLogger(__name__)

T = TypeVar("T")


class Database:
    """Runs statements on a pool, or on a single connection guarded by a lock."""

    def __init__(
        self,
        pool: asyncpg.Pool | None = None,
        connection: asyncpg.Connection | None = None,
        read_pool: asyncpg.Pool | None = None,
        acquire_timeout: float = 5.0,
    ) -> None:
        if (pool is None) == (connection is None):
            raise ValueError("give exactly one of pool or connection")
        self._pool = pool
        self._connection = connection
        # One connection cannot run two statements at once; loaders run concurrently.
        self._lock = asyncio.Lock() if connection is not None else None
        self.statements = 0
        # How long a statement waits for a free pooled connection before the request is
        # answered 503 (the pool exhausted is the database unavailable, to the caller).
        self.acquire_timeout = acquire_timeout
        # Compiled reads run here: connections that plan every statement once, generically.
        self.reads: Database = self if read_pool is None else Database(pool=read_pool, acquire_timeout=acquire_timeout)
        # The primary's read replicas (``reader``); None: every read runs here.
        self.replicas: Replicas | None = None
        # Told when a statement finds this database gone (a replica is then left out at once).
        self.on_lost: Callable[[], None] | None = None
        # Work that keeps session state across transactions (ingest's staging tables and batch
        # locks) runs here: behind a transaction pooler, connections straight to PostgreSQL.
        self.sessions: Database = self

    def reader(self) -> Database:
        """Where a subject read, a search, statistics or a screening's facts may run: a
        replica that has replayed every list change this process knows of, or this database
        (the primary). Never for writes, the audit trail or the outbox. See ``hub.db.replicas``
        for why a replica picked here never answers from before a change the caller could
        have seen committed."""
        if self.replicas is None:
            return self
        return self.replicas.pick() or self

    async def on_reader(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """``work`` on ``reader()``; when a replica is lost under it (it is then left out) or
        its replay cancels the statement, once more on the primary: a read is safe to run
        twice, and the caller never sees a replica's failure while the primary answers."""
        db = self.reader()
        if db is self:
            return await work(self)
        try:
            return await work(db)
        except (DatabaseUnavailable, asyncpg.TransactionRollbackError):
            # Lost, or cancelled by the replica's replay ("conflict with recovery", 40001).
            return await work(self)

    def replica_states(self) -> list[ReplicaState]:
        """Each read replica's state and lag, for ``/readyz`` and the metrics (empty: none)."""
        return [] if self.replicas is None else self.replicas.states()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        if self._connection is not None:
            assert self._lock is not None
            async with self._lock:
                yield self._connection
        else:
            assert self._pool is not None
            holder = self._pool.acquire(timeout=self.acquire_timeout)
            try:
                conn = await holder.__aenter__()
            except Exception as exc:
                if lost(exc):
                    self._lost()
                    raise _unavailable(exc) from exc
                raise
            try:
                # A pooled proxy behaves as a connection.
                yield cast(asyncpg.Connection, conn)
            except BaseException as exc:
                if lost(exc):
                    self._lost()
                    # Its session is gone or its protocol confused: the pool opens a new one.
                    with contextlib.suppress(asyncpg.InterfaceError):  # the pool let go of it already
                        conn.terminate()
                raise
            finally:
                await holder.__aexit__(None, None, None)

    def _lost(self) -> None:
        if self.on_lost is not None:
            self.on_lost()

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for one statement. On the single shared connection the statement
        runs in a savepoint, so a failing statement fails alone, as it would on a pooled
        connection, instead of aborting the test's whole transaction."""
        async with self.acquire() as conn, _translated():
            if self._connection is None:
                yield conn
            else:
                async with conn.transaction():
                    yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction (a savepoint when the connection is already in one)."""
        async with self.acquire() as conn, _translated(), conn.transaction():
            yield conn

    @asynccontextmanager
    async def change(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that changes what replica reads answer (a list change, an applied
        ingest batch; it announces itself on ``hub_events``). Once it has committed, this
        process trusts no replica until it has read the primary's position after the commit,
        without waiting for its own notification: a request this process serves after
        answering the writer never reads from before the change."""
        async with self.transaction() as conn:
            yield conn
        self.changed()

    def changed(self) -> None:
        """This process committed a change that replicas must replay (see ``change``)."""
        if self.replicas is not None:
            self.replicas.heard()

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        self.statements += 1
        async with self._statement() as conn:
            rows: list[asyncpg.Record] = await conn.fetch(query, *args)
            return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        self.statements += 1
        async with self._statement() as conn:
            row: asyncpg.Record | None = await conn.fetchrow(query, *args)
            return row

    async def fetchval(self, query: str, *args: Any) -> Any:
        self.statements += 1
        async with self._statement() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        self.statements += 1
        async with self._statement() as conn:
            status: str = await conn.execute(query, *args)
            return status

    async def executemany(self, query: str, args: Sequence[Sequence[Any]]) -> None:
        self.statements += 1
        async with self.acquire() as conn:
            await conn.executemany(query, args)

    def child(self) -> Database:
        """A view on the same pool or connection with its own statement counter."""
        view = Database.__new__(Database)
        view._pool = self._pool
        view._connection = self._connection
        view._lock = self._lock
        view.statements = 0
        view.acquire_timeout = self.acquire_timeout
        view.reads = view if self.reads is self else self.reads
        view.replicas = self.replicas
        view.on_lost = self.on_lost
        view.sessions = view if self.sessions is self else self.sessions
        return view


class StatementTimeout(HubError):
    code = "STATEMENT_TIMEOUT"


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """A statement that timed out, or whose database went away, as the hub's own errors."""
    try:
        yield
    except (asyncpg.QueryCanceledError, TimeoutError):
        # TimeoutError: behind a pooler the timeout is the client's (asyncpg cancels the
        # statement); a connection that could not be had in time fails before this.
        raise StatementTimeout("the database took too long to answer (statement timeout); ask for less") from None
    except Exception as exc:
        if lost(exc):
            raise _unavailable(exc) from exc
        raise


# PostgreSQL going away, as asyncpg reports it: a connection lost or refused (class 08), the
# server shutting down or starting up (57P01-57P03), out of connections, the socket failing,
# no answer (or no free connection) in time.
_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    OSError,
    TimeoutError,
)


def lost(exc: BaseException) -> bool:
    """Whether ``exc`` only means that the database went away (retry, or answer 503)."""
    if isinstance(exc, (DatabaseUnavailable, *_LOST)):
        return True
    # A connection asyncpg found closed under it (the server ended the session), or whose
    # protocol a session ended mid-statement left confused ("another operation is in progress").
    if isinstance(exc, asyncpg.InternalClientError):
        return True
    return isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc)


_REFUSED_BECAUSE = (
    (asyncpg.CheckViolationError, "a value is outside what the data allows"),
    (asyncpg.NotNullViolationError, "a required value is missing"),
    (asyncpg.ForeignKeyViolationError, "it refers to something that does not exist, or is still referred to"),
    (asyncpg.UniqueViolationError, "it would duplicate something that exists"),
    (asyncpg.ExclusionViolationError, "it overlaps something that exists"),
    (asyncpg.IntegrityConstraintViolationError, "it breaks a rule of the stored data"),
    (asyncpg.DataError, "a value has the wrong form or is out of range"),
)


def refused_write(exc: BaseException) -> ConstraintViolation | None:
    """The agency's error for a statement PostgreSQL refused for its data (the safety net behind
    the checks): what kind of rule, never the SQL, table or constraint (those go to the log)."""
    for kind, reason in _REFUSED_BECAUSE:
        if isinstance(exc, kind):
            log.warning("a write was refused by the database (%s): %s", type(exc).__name__, exc)
            return ConstraintViolation(f"the request was refused and nothing was stored: {reason}")
    return None


def _unavailable(exc: BaseException) -> DatabaseUnavailable:
    if isinstance(exc, DatabaseUnavailable):
        return exc
    log.warning("the database is unavailable: %s", type(exc).__name__)
    return DatabaseUnavailable("the database is unavailable; retry in a moment")


APP_ROLE = "hub_app"


async def _can_assume(url: str, role: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AND pg_has_role(current_user, $1, 'MEMBER')",
                role,
            )
        )
    finally:
        await conn.close()


async def create_pool(
    url: str,
    *,
    min_size: int,
    max_size: int,
    statement_timeout_ms: int = 5_000,
    generic_plans: bool = False,
    pooler: str = "none",
) -> asyncpg.Pool:
    """The app's pool. Its connections act as ``hub_app``, which may read and write the
    sources but only append to the audit trail, when the login role may assume it.

    ``generic_plans``: every prepared statement is planned once, for any parameters. The
    compiled reads are large statements whose custom plan takes PostgreSQL longer to make
    than to run (about 1 ms against 0.3 ms for a subject with its four lists), and whose
    generic plan is as good: their shape, not their values, decides the plan.

    ``pooler``: "pgbouncer" (transaction mode) hands each transaction a server connection
    of its own choosing, so the pool keeps no session state: no settings at connect but the
    application name (PgBouncer refuses the others), the statement timeout kept by the client
    (asyncpg cancels a statement that overruns it, through PgBouncer), no named prepared
    statements (asyncpg's statement cache off; "pgbouncer-prepared" keeps it, for PgBouncer
    1.21 or later with ``max_prepared_statements``), and the role, the plan cache mode and
    temporary buffers left to the login role's own settings (``ALTER ROLE ... SET``)."""
    if pooler != "none":
        pool = await _create(
            url,
            min_size,
            max_size,
            {"application_name": "hub-reads" if generic_plans else "hub"},
            statement_cache_size=100 if pooler == "pgbouncer-prepared" else 0,
            command_timeout=statement_timeout_ms / 1000,
            init=_json_as_bytes if generic_plans else None,
        )
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT current_user") != APP_ROLE:
                log.warning(
                    "behind the pooler the hub acts as its login role, not %s; give the login role "
                    "`ALTER ROLE <login> SET role = %s` (the audit trail is protected by its triggers only)",
                    APP_ROLE,
                    APP_ROLE,
                )
        return pool
    settings = {
        "application_name": "hub-reads" if generic_plans else "hub",
        "statement_timeout": str(statement_timeout_ms),
        # Room for an ingest batch's staging tables (taken only by a connection that stages
        # one); it can only be set before a session first uses temporary tables.
        "temp_buffers": "128MB",
    }
    if generic_plans:
        settings["plan_cache_mode"] = "force_generic_plan"
    if await _can_assume(url, APP_ROLE):
        settings["role"] = APP_ROLE
    else:
        log.warning("cannot act as role %s; the audit trail is protected by its triggers only", APP_ROLE)
    return await _create(url, min_size, max_size, settings, init=_json_as_bytes if generic_plans else None)


async def _create(url: str, min_size: int, max_size: int, settings: dict[str, str], **options: Any) -> asyncpg.Pool:
    try:
        pool = await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, server_settings=settings, reset=_keep_session, **options
        )
    except asyncpg.ProtocolViolationError as exc:
        if "startup parameter" not in str(exc):
            raise
        # PgBouncer's answer to settings sent at connect.
        raise ConfigurationError(
            "the server on HUB_DATABASE_URL refused the hub's connection settings, as PgBouncer does: "
            "behind PgBouncer in transaction mode set HUB_DATABASE_POOLER=pgbouncer"
        ) from None
    assert pool is not None
    return pool


async def _json_as_bytes(conn: asyncpg.Connection) -> None:
    """``json`` values arrive as PostgreSQL's bytes (its binary form is its text): a compiled
    read's answer goes out as PostgreSQL wrote it, never decoded."""
    await conn.set_type_codec("json", encoder=str.encode, decoder=lambda b: b, schema="pg_catalog", format="binary")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's default reset (``RESET ALL; UNLISTEN *; CLOSE ALL; ...``).

    That reset is a round trip on every release, several per request. The hub leaves no
    session state on pooled connections (settings are fixed at connect, locks are
    transaction-scoped, LISTEN has its own connection), and asyncpg still rolls back a
    transaction left open before this is called.
    """
