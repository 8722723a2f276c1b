"""The ASGI application: ``create_app(settings)``; its lifespan owns the database pool."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from hub import metrics
from hub.audit import AuditRecord, AuditWriter, Comparison
from hub.audit.chain import count_comparisons
from hub.console.pages import console_routes
from hub.db.database import Database, create_pool, lost
from hub.db.replicas import Replicas
from hub.errors import DatabaseUnavailable, HubError
from hub.events.listener import EventListener
from hub.gateway.graphql import graphql_endpoint
from hub.gateway.health import healthz, readyz
from hub.gateway.ingest import ingest_endpoint
from hub.gateway.metrics import metrics_endpoint
from hub.gateway.public import page_endpoint as public_page
from hub.gateway.public import search_endpoint as public_search
from hub.gateway.public_repair import page_endpoint as public_repair_page
from hub.gateway.public_repair import post_endpoint as public_repair_post
from hub.gateway.ws import graphql_ws
from hub.policy.public import PublicLimiter
from hub.policy.rates import RateLimiter
from hub.policy.rules import load_rules
from hub.sanctions.interceptions import InterceptionIds, NewInterception
from hub.sanctions.interceptions import insert as insert_interceptions
from hub.schema import SHORTCUTS, build_schema
from hub.schema.execute import MASKED_MESSAGE, Executor
from hub.settings import WORKER_DATABASE_URL, Settings
from hub.sources import core
from hub.sources.remote import RemoteSources
from hub.sources.screening import FactsBatcher
from hub.state import AuditSink, HubState

log = logging.getLogger(__name__)


class NoAudit:
    """Development-only stand-in (HUB_AUDIT_DISABLED=1), for measuring what the trail costs:
    no records; comparisons are still counted and interceptions written, a statement each."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(
        self,
        record: AuditRecord,
        comparisons: Sequence[Comparison] = (),
        interceptions: Sequence[NewInterception] = (),
    ) -> int:
        await insert_interceptions(self._db, interceptions)
        if comparisons:
            await count_comparisons(self._db, comparisons)
        return 0


def app_for_worker() -> ASGIApp:
    """The app of one ``hub serve --workers N`` process (uvicorn calls it in the worker)."""
    from hub import logs

    settings = Settings.from_env()
    # A worker is a fresh interpreter: `hub serve`'s logging set-up is not inherited.
    logs.configure(settings.log_format)
    return served_app(settings, os.environ[WORKER_DATABASE_URL])


def served_app(settings: Settings, database_url: str) -> ASGIApp:
    """The app `hub serve` runs: traced when the OTEL_* variables turn traces on."""
    from hub import tracing

    app = create_app(settings, database_url=database_url)
    provider = tracing.provider_from_env()
    if provider is None:
        return app
    log.info("traces on: requests and statements, without parameters or ID numbers")
    return tracing.instrument(app, provider)


async def _forget_public_clients(limiter: PublicLimiter, every: float = 3600.0) -> None:
    """Deletes the public search's ended client windows now and then (any process may)."""
    while True:
        await asyncio.sleep(every)
        try:
            await limiter.forget()
        except Exception as exc:
            log.warning("ended public client windows not deleted (%s); retrying later", type(exc).__name__)


class HubApp(Starlette):
    """Starlette, with POST /graphql, nearly every request an agency sends, taken straight to
    its endpoint: routing and the middleware stack cost it about a tenth of its time."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/graphql":
            if not scope.get("root_path"):
                scope["app"] = self
                request = Request(scope, receive)
                try:
                    response = await graphql_endpoint(request)
                except Exception as exc:
                    response = await unexpected(request, exc)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def unexpected(request: Request, exc: Exception) -> Response:
    """What any route answers for an error nothing else handled: never a bare 500. The
    database gone is 503 with Retry-After; anything else is logged and masked. The web
    console gets its error page; the API, GraphQL's error format in JSON."""
    if lost(exc):
        failed: HubError = DatabaseUnavailable("the database is unavailable; retry in a moment")
        status, key, headers = 503, "error.unavailable", {"Retry-After": str(DatabaseUnavailable.retry_after)}
    else:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        failed = HubError(MASKED_MESSAGE)
        failed.code = "INTERNAL_SERVER_ERROR"
        status, key, headers = 500, "error.internal", {}
    if request.url.path.startswith("/console"):
        from hub.console.pages import error_page

        page = error_page(request, status, key)
        page.headers.update(headers)
        return page
    body = {"errors": [{"message": failed.message, "extensions": failed.as_extensions()}]}
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(settings: Settings, *, database_url: str | None = None, db: Database | None = None) -> HubApp:
    """The hub's ASGI app over a pool on ``database_url``, or over a given ``db`` (tests)."""
    if (database_url is None) == (db is None):
        raise ValueError("give exactly one of database_url or db")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, HubState]]:
        pool = read_pool = session_pool = None
        database = db
        # LISTEN and session state go straight to PostgreSQL, past any pooler.
        direct_url = settings.direct_database_url.reveal() if settings.direct_database_url else database_url
        if database is None:
            assert database_url is not None
            pool = await create_pool(
                database_url,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                statement_timeout_ms=settings.statement_timeout_ms,
                pooler=settings.database_pooler,
            )
            read_pool = await create_pool(
                database_url,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                statement_timeout_ms=settings.statement_timeout_ms,
                generic_plans=True,
                pooler=settings.database_pooler,
            )
            database = Database(pool=pool, read_pool=read_pool, acquire_timeout=settings.pool_timeout_seconds)
            if settings.behind_pooler and direct_url is not None:
                # Ingest keeps staging tables and a batch lock across transactions: past the pooler.
                session_pool = await create_pool(
                    direct_url, min_size=0, max_size=2, statement_timeout_ms=settings.statement_timeout_ms
                )
                database.sessions = Database(pool=session_pool, acquire_timeout=settings.pool_timeout_seconds)
        writer: AuditWriter | None = None
        # Its own statement counter: a request's statements are the request's, not the limits'.
        limiter = RateLimiter(settings.limits, database.child())
        batcher: FactsBatcher | None = None
        background: list[asyncio.Task[None]] = []
        listener = EventListener(direct_url if pool is not None else None)
        replicas: Replicas | None = None
        dispatcher = None
        dispatch_pool = None
        # One client for every remote source: connections are kept alive across requests.
        remote_client = httpx.AsyncClient() if settings.remote_sources else None
        try:
            schema = build_schema()
            rules = load_rules(schema._schema, await core.matter_codes(database))
            audit: AuditSink
            if settings.audit_disabled:
                log.warning("the audit trail is DISABLED (HUB_AUDIT_DISABLED); development only")
                audit = NoAudit(database)
            else:
                # A request waits for its audit record at most as long as the append may take:
                # a pooled connection, then one statement; past that it is answered 503.
                audit_wait = settings.pool_timeout_seconds + settings.statement_timeout_ms / 1000 + 1
                writer = AuditWriter(database, timeout=audit_wait)
                writer.start()
                audit = writer
            state = HubState(
                settings=settings,
                db=database,
                executor=Executor(
                    schema,
                    settings.limits,
                    shortcuts=SHORTCUTS,
                    compiled_reads=settings.compiled_reads,
                    local_police=settings.remote("police") is None,
                    page_sizes=(settings.default_page_size, settings.max_page_size),
                ),
                cursor_key=await core.instance_secret(database, "cursor"),
                rules=rules,
                audit=audit,
                rate_limiter=limiter,
                limits=settings.limits,
                listener=listener,
                remote=RemoteSources.build(settings.remote_sources, remote_client),
                csrf_key=await core.instance_secret(database, "console-csrf"),
                interception_ids=InterceptionIds(database),
            )
            if settings.public_disclosure:
                state.public_limiter = PublicLimiter(
                    settings.public_rate_per_minute,
                    settings.public_daily_budget,
                    database.child(),
                    await core.instance_secret(database, "public-limits"),
                )
            watch = state.watch = metrics.Watch(database, writer=writer, remote=state.remote)
            if pool is not None:
                assert read_pool is not None
                watch.pools.update(statements=pool, reads=read_pool)
                batcher = state.facts = FactsBatcher(database)
                batcher.start()
            if pool is not None and settings.replica_urls:
                replicas = database.replicas = Replicas(
                    [url.reveal() for url in settings.replica_urls],
                    database,
                    listener.listening.is_set,
                    max_lag_seconds=settings.replica_max_lag_seconds,
                    poll_seconds=settings.replica_poll_ms / 1000,
                    pool_min_size=settings.pool_min_size,
                    pool_max_size=settings.pool_max_size,
                    statement_timeout_ms=settings.statement_timeout_ms,
                    acquire_timeout=settings.pool_timeout_seconds,
                    pooler=settings.database_pooler,
                )
                listener.on_changes(replicas.heard)
                await replicas.start()
            listener.start()
            limiter.start()
            if pool is not None:
                # Webhooks post on their own small pool: a slow receiver must not hold the
                # connections that answer requests.
                from hub.events.webhooks import Dispatcher, WebhookConfig

                webhook_config = WebhookConfig.from_env()
                assert database_url is not None
                dispatch_pool = await create_pool(
                    database_url,
                    min_size=1,
                    max_size=webhook_config.concurrency,
                    statement_timeout_ms=settings.statement_timeout_ms,
                    pooler=settings.database_pooler,
                )
                dispatcher = Dispatcher(Database(pool=dispatch_pool), state.policy_for, listener, webhook_config)
                dispatcher.start()
                watch.pools["webhooks"] = dispatch_pool
                background.append(asyncio.get_running_loop().create_task(watch.run(), name="metrics-refresh"))
            if pool is not None and writer is not None and settings.audit_checkpoint_seconds:
                from hub.audit.checkpoint import checkpoint_every, signing_key

                key = signing_key(settings.data_dir)
                background.append(
                    asyncio.get_running_loop().create_task(
                        checkpoint_every(database, key, settings.audit_checkpoint_seconds), name="audit-checkpoints"
                    )
                )
            if pool is not None and settings.expiry_seconds:
                from hub.sanctions.expiry import expire_every

                background.append(
                    asyncio.get_running_loop().create_task(
                        expire_every(database, settings.expiry_seconds), name="expiry"
                    )
                )
            if pool is not None and state.public_limiter is not None:
                background.append(
                    asyncio.get_running_loop().create_task(
                        _forget_public_clients(state.public_limiter), name="public-limits-forget"
                    )
                )
            if pool is not None:
                # What startup loaded (the schema, the name dictionaries, the rules) lives as
                # long as the process: keep it out of the collector's way, or every full
                # collection walks those hundreds of thousands of objects while requests wait.
                gc.collect()
                gc.freeze()
            yield {"hub": state}
        finally:
            if dispatcher is not None:
                await dispatcher.stop()
            if dispatch_pool is not None:
                await dispatch_pool.close()
            await listener.stop()
            if replicas is not None:
                await replicas.stop()
            await limiter.stop()
            for task in background:
                task.cancel()
            if background:
                await asyncio.wait(background)
            if batcher is not None:
                await batcher.stop()
            if writer is not None:
                await writer.stop()
            if remote_client is not None:
                await remote_client.aclose()
            if pool is not None:
                await pool.close()
            if read_pool is not None:
                await read_pool.close()
            metrics.process_exited()
            if session_pool is not None:
                await session_pool.close()

    return HubApp(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_ws),
            Route("/ingest/{source}", ingest_endpoint, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/public", public_page, methods=["GET"]),
            Route("/public/search", public_search, methods=["GET"]),
            Route("/public/repair", public_repair_page, methods=["GET"]),
            Route("/public/repair", public_repair_post, methods=["POST"]),
            *console_routes(),
        ],
        lifespan=lifespan,
        # Starlette's outermost middleware answers with this instead of a bare 500.
        exception_handlers={Exception: unexpected},
    )
