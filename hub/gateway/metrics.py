"""``GET /metrics`` for the platform operator's key.

The metrics themselves are defined in :mod:`hub.metrics`. Only a key of a platform agency
(the operator) may scrape the API port; any other key is refused (403), no key or an
unknown one too (401), both in the API's JSON error format. A scrape is not audited: it
carries no subject data, and Prometheus asks every few seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import metrics
from hub.db.database import lost
from hub.errors import Forbidden, HubError, Unauthenticated

if TYPE_CHECKING:
    from hub.state import HubState


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
