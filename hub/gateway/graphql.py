"""GraphQL over HTTP: ``POST /graphql`` (JSON), ``GET /graphql`` (queries; GraphiQL in a browser).

Status codes follow the GraphQL-over-HTTP spec: with ``application/json`` responses, a
document that fails to parse or validate still answers 200; with
``application/graphql-response+json`` it answers 400. A request that is not GraphQL at all
(bad JSON, no query) answers 400 either way, and a missing or bad key 401.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from hub.agencies import principal_for_key
from hub.errors import HubError, MalformedRequest, MissingQuery, Unauthenticated
from hub.schema.context import HubContext

log = logging.getLogger(__name__)

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
MAX_BODY = 2 * 1024 * 1024


class UnsupportedMediaType(HubError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class NotAcceptable(HubError):
    code = "NOT_ACCEPTABLE"
    http_status = 406


class PayloadTooLarge(HubError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


def _media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    if not accept or "*/*" in accept:
        return JSON
    for part in accept.split(","):
        kind = part.split(";")[0].strip().lower()
        if kind in (GRAPHQL_RESPONSE, JSON, "application/*"):
            return GRAPHQL_RESPONSE if kind == GRAPHQL_RESPONSE else JSON
    raise NotAcceptable(f"responses are {GRAPHQL_RESPONSE} or {JSON}; Accept allowed neither")


def _respond(body: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def _error_response(error: HubError, media_type: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="hub"'} if isinstance(error, Unauthenticated) else None
    status = error.http_status if error.http_status != 200 else 400
    return _respond(
        {"errors": [{"message": error.message, "extensions": error.as_extensions()}]},
        status,
        media_type,
        headers,
    )


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthenticated("send an agency API key as 'Authorization: Bearer <key>'")
    return key.strip()


async def _read_post(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise UnsupportedMediaType(f"POST bodies must be {JSON}, not {content_type or 'untyped'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(f"the request body is over the limit of {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"the request body is over the limit of {MAX_BODY} bytes")
        chunks.append(chunk)
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise MalformedRequest("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise MalformedRequest("the request body must be a JSON object with a 'query'")
    return body


def _read_get(request: Request) -> dict[str, Any]:
    params = request.query_params
    body: dict[str, Any] = {"query": params.get("query"), "operationName": params.get("operationName")}
    raw = params.get("variables")
    if raw:
        try:
            body["variables"] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise MalformedRequest("the 'variables' parameter is not valid JSON") from None
    return body


def _unpack(body: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise MissingQuery("the request has no 'query' string")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise MalformedRequest("'variables' must be a JSON object")
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest("'operationName' must be a string")
    return query, variables, operation_name


def _wants_ide(request: Request) -> bool:
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


async def graphql_endpoint(request: Request) -> Response:
    state = request.state.hub
    if _wants_ide(request):
        if state.settings.is_development:
            return HTMLResponse(get_graphql_ide_html("graphiql"))
        return Response("Not Found", status_code=404)
    try:
        media_type = _media_type(request)
    except NotAcceptable as error:
        return _error_response(error, JSON)
    try:
        principal = await principal_for_key(state.db, _bearer(request))
        if principal is None:
            raise Unauthenticated("the API key is unknown or revoked")
        body = await _read_post(request) if request.method == "POST" else _read_get(request)
        query, variables, operation_name = _unpack(body)
    except HubError as error:
        return _error_response(error, media_type)

    context = HubContext(
        db=state.db,
        principal=principal,
        cursor_key=state.cursor_key,
        max_page_size=state.settings.max_page_size,
        default_page_size=state.settings.default_page_size,
    )
    # GET must never change anything (GraphQL over HTTP; CSRF).
    allowed = ("query",) if request.method == "GET" else ("query", "mutation")
    outcome = await state.executor.run(query, variables, operation_name, context, allowed)
    status = 200
    if outcome.status == "request_error":
        if outcome.errors and outcome.errors[0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED":
            status = 405
        elif media_type == GRAPHQL_RESPONSE:
            status = 400
    headers = {"Allow": "POST"} if status == 405 else None
    return _respond(outcome.body, status, media_type, headers)
