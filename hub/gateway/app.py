"""The ASGI application: ``create_app(settings)``; its lifespan owns the database pool."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

from hub.db.database import Database, create_pool
from hub.gateway.graphql import graphql_endpoint
from hub.gateway.health import healthz, readyz
from hub.schema import build_schema
from hub.schema.execute import Executor
from hub.settings import Settings
from hub.sources import core

log = logging.getLogger(__name__)


@dataclass
class HubState:
    """What the app shares across requests."""

    settings: Settings
    db: Database
    executor: Executor
    cursor_key: bytes


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
                database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
            )
            database = Database(pool=pool)
        try:
            state = HubState(
                settings=settings,
                db=database,
                executor=Executor(build_schema()),
                cursor_key=await core.instance_secret(database, "cursor"),
            )
            yield {"hub": state}
        finally:
            if pool is not None:
                await pool.close()

    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
