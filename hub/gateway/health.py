"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.db import migrate

log = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers and every migration on disk is applied, unedited. With read
    replicas, each one's state and lag (no addresses' credentials): a replica left out does
    not make the hub unready, the primary answers its reads."""
    state = request.state.hub
    try:
        async with state.db.acquire() as conn:
            waiting = await migrate.pending(conn)
    except Exception as exc:  # any failure means not ready; the reason stays in the log
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "reason": "database check failed"}, status_code=503)
    states = state.db.replica_states()
    shown = {"replicas": [r.as_json() for r in states]} if states else {}
    if waiting:
        return JSONResponse(
            {"status": "unavailable", "reason": "migrations pending", "pending": waiting, **shown},
            status_code=503,
        )
    return JSONResponse({"status": "ok", **shown})
