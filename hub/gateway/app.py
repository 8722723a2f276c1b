"""The ASGI application: ``create_app(settings)``; its lifespan owns the database pool."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from hub.audit import AuditRecord, AuditWriter
from hub.db.database import Database, create_pool
from hub.events.listener import EventListener
from hub.gateway.graphql import graphql_endpoint
from hub.gateway.health import healthz, readyz
from hub.gateway.ingest import ingest_endpoint
from hub.gateway.ws import graphql_ws
from hub.policy import Principal
from hub.policy.limits import Limits, RateLimiter
from hub.policy.rules import EffectivePolicy, Rules, load_rules
from hub.schema import build_schema
from hub.schema.execute import Executor
from hub.settings import Settings
from hub.sources import core

log = logging.getLogger(__name__)


class AuditSink(Protocol):
    async def append(self, record: AuditRecord) -> int: ...


class NoAudit:
    """Development-only stand-in (HUB_AUDIT_DISABLED=1), for measuring what the trail costs."""

    async def append(self, record: AuditRecord) -> int:
        return 0


@dataclass
class HubState:
    """What the app shares across requests."""

    settings: Settings
    db: Database
    executor: Executor
    cursor_key: bytes
    rules: Rules
    audit: AuditSink
    rate_limiter: RateLimiter
    limits: Limits
    # Wakes subscription streams when the outbox moves (poll-only without a pool).
    listener: EventListener = field(default_factory=EventListener)
    _policies: dict[tuple[str, str, str | None], EffectivePolicy] = field(default_factory=dict)

    def policy_for(self, principal: Principal) -> EffectivePolicy:
        key = (principal.agency_code, principal.kind, principal.role)
        policy = self._policies.get(key)
        if policy is None:
            policy = self.rules.for_principal(principal, development=self.settings.is_development)
            self._policies[key] = policy
        return policy


def create_app(settings: Settings, *, database_url: str | None = None, db: Database | None = None) -> Starlette:
    """The hub's ASGI app over a pool on ``database_url``, or over a given ``db`` (tests)."""
    if (database_url is None) == (db is None):
        raise ValueError("give exactly one of database_url or db")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, HubState]]:
        pool = None
        database = db
        if database is None:
            assert database_url is not None
            pool = await create_pool(
                database_url,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                statement_timeout_ms=settings.statement_timeout_ms,
            )
            database = Database(pool=pool)
        writer: AuditWriter | None = None
        background: list[asyncio.Task[None]] = []
        listener = EventListener(database_url if pool is not None else None)
        dispatcher = None
        dispatch_pool = None
        try:
            schema = build_schema()
            rules = load_rules(schema._schema, await core.matter_codes(database))
            audit: AuditSink
            if settings.audit_disabled:
                log.warning("the audit trail is DISABLED (HUB_AUDIT_DISABLED); development only")
                audit = NoAudit()
            else:
                writer = AuditWriter(database)
                writer.start()
                audit = writer
            state = HubState(
                settings=settings,
                db=database,
                executor=Executor(schema, settings.limits),
                cursor_key=await core.instance_secret(database, "cursor"),
                rules=rules,
                audit=audit,
                rate_limiter=RateLimiter(settings.limits),
                limits=settings.limits,
                listener=listener,
            )
            listener.start()
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
                )
                dispatcher = Dispatcher(Database(pool=dispatch_pool), state.policy_for, listener, webhook_config)
                dispatcher.start()
            if pool is not None and writer is not None and settings.audit_checkpoint_seconds:
                from hub.audit.checkpoint import checkpoint_every, signing_key

                key = signing_key(settings.data_dir)
                background.append(
                    asyncio.get_running_loop().create_task(
                        checkpoint_every(database, key, settings.audit_checkpoint_seconds), name="audit-checkpoints"
                    )
                )
            if pool is not None and settings.expiry_seconds:
                from hub.sanctions.listings import expire_every

                background.append(
                    asyncio.get_running_loop().create_task(
                        expire_every(database, settings.expiry_seconds), name="listing-expiry"
                    )
                )
            yield {"hub": state}
        finally:
            if dispatcher is not None:
                await dispatcher.stop()
            if dispatch_pool is not None:
                await dispatch_pool.close()
            await listener.stop()
            for task in background:
                task.cancel()
            if background:
                await asyncio.wait(background)
            if writer is not None:
                await writer.stop()
            if pool is not None:
                await pool.close()

    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_ws),
            Route("/ingest/{source}", ingest_endpoint, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
