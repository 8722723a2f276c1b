"""``GET /metrics`` for the platform operator's key, and what keeps a process's gauges current.

The metrics themselves are defined in :mod:`hub.metrics`. Only a key of a platform agency
(the operator) may scrape the API port; any other key is refused (403), no key or an
unknown one too (401), both in the API's JSON error format. A scrape is not audited: it
carries no subject data, and Prometheus asks every few seconds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import metrics
from hub.db.database import Database, lost
from hub.errors import Forbidden, HubError, Unauthenticated
from hub.sources.remote import RemoteSources

if TYPE_CHECKING:
    import asyncpg

    from hub.audit import AuditWriter
    from hub.state import HubState

log = logging.getLogger(__name__)


@dataclass
class Watch:
    """What one process's gauges are read from; ``refresh`` sets them."""

    db: Database
    pools: dict[str, asyncpg.Pool] = field(default_factory=dict)
    writer: AuditWriter | None = None
    remote: RemoteSources = field(default_factory=RemoteSources)

    async def refresh(self) -> None:
        metrics.observe_pools(self.pools)
        metrics.AUDIT_QUEUE.set(self.writer.queued if self.writer is not None else 0)
        metrics.observe_breakers(self.remote)
        await metrics.observe_webhooks(self.db)
        # Read replicas: their lag goes here (metrics.observe_replica_lag) once there are any.

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
            await asyncio.sleep(metrics.REFRESH_SECONDS)


def _refusal(error: HubError, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"errors": [{"message": error.message, "extensions": error.as_extensions()}]}
    return JSONResponse(body, status_code=error.http_status, headers=headers)


async def metrics_endpoint(request: Request) -> Response:
    state: HubState = request.state.hub
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    principal = await state.principals.principal(state.db, key.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        return _refusal(
            Unauthenticated("send the platform operator's API key as 'Authorization: Bearer <key>'"),
            {"WWW-Authenticate": 'Bearer realm="hub"'},
        )
    if principal.kind != "platform":
        return _refusal(Forbidden("metrics are for the platform operator's key (or HUB_METRICS_PORT)"))
    if state.watch is not None:
        try:
            await state.watch.refresh()
        except Exception as exc:
            if not lost(exc) and not isinstance(exc, HubError):
                raise
            # The figures of the last refresh are still worth a scrape.
    return Response(metrics.scrape(), media_type=metrics.CONTENT_TYPE)
