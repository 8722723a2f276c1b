"""GraphQL over HTTP: ``POST /graphql`` (JSON), ``GET /graphql`` (queries; GraphiQL in a browser).

Status codes follow the GraphQL-over-HTTP spec: with ``application/json`` responses, a
document that fails to parse or validate still answers 200; with
``application/graphql-response+json`` it answers 400. A request that is not GraphQL at all
(bad JSON, no query) answers 400 either way, and a missing or bad key 401.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub import metrics
from hub.audit import AuditRecord, AuditUnavailable, Comparison
from hub.console.sessions import COOKIE, CSRF_HEADER, csrf_ok, session_for
from hub.documents import DocumentNotTrusted, PersistedDocumentNotFound, document_hash, parse_document_id
from hub.errors import (
    CsrfRejected,
    DatabaseUnavailable,
    HubError,
    InvalidInput,
    MalformedRequest,
    MissingQuery,
    Unauthenticated,
)
from hub.logs import OPERATION
from hub.policy import Principal
from hub.policy.limits import RateLimited
from hub.sanctions.interceptions import NewInterception
from hub.schema.context import HubContext
from hub.schema.execute import Outcome

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)
# One line per operation: agency, operation, outcome, codes, status, time; never query text.
access = logging.getLogger("hub.access")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class UnsupportedMediaType(HubError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class NotAcceptable(HubError):
    code = "NOT_ACCEPTABLE"
    http_status = 406


class PayloadTooLarge(HubError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class BatchingNotSupported(HubError):
    code = "BATCHING_NOT_SUPPORTED"
    http_status = 400


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
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    elif error.http_status == 503:  # the database or the audit trail unavailable: come back soon
        headers = {"Retry-After": str(DatabaseUnavailable.retry_after)}
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


async def _read_post(request: Request, max_body: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise UnsupportedMediaType(f"POST bodies must be {JSON}, not {content_type or 'untyped'}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"the request body is over the limit of {max_body} bytes", limit=max_body)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise PayloadTooLarge(f"the request body is over the limit of {max_body} bytes", limit=max_body)
        chunks.append(chunk)
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise MalformedRequest("the request body is not valid JSON") from None
    if isinstance(body, list):
        raise BatchingNotSupported("send one operation per request; JSON arrays (batches) are not accepted")
    if not isinstance(body, dict):
        raise MalformedRequest("the request body must be a JSON object with a 'query'")
    return body


def _read_get(request: Request) -> dict[str, Any]:
    params = request.query_params
    body: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
        "documentId": params.get("documentId"),
    }
    for name in ("variables", "extensions"):
        raw = params.get(name)
        if raw:
            try:
                body[name] = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise MalformedRequest(f"the '{name}' parameter is not valid JSON") from None
    return body


def _unpack(body: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None, str | None, str | None]:
    """The query text (None when only a document id was sent), variables, operation name
    and the SHA-256 of a trusted document asked for by id (None for an ad-hoc document)."""
    digest = _document_digest(body)
    query = body.get("query")
    if (query is not None or digest is None) and (not isinstance(query, str) or not query.strip()):
        raise MissingQuery("the request has no 'query' string (nor a 'documentId')")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise MalformedRequest("'variables' must be a JSON object")
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest("'operationName' must be a string")
    return query, variables, operation_name, digest


def _document_digest(body: dict[str, Any]) -> str | None:
    """A persisted document's digest: ``documentId`` (GraphQL over HTTP), or Apollo's
    ``extensions.persistedQuery.sha256Hash``."""
    raw = body.get("documentId")
    if raw is None:
        extensions = body.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            return None
        if not isinstance(persisted, dict):
            raise MalformedRequest("extensions.persistedQuery must be an object with a sha256Hash")
        raw = persisted.get("sha256Hash")
    try:
        return parse_document_id(raw)
    except InvalidInput as exc:
        raise MalformedRequest(exc.message) from None


async def _document(state: HubState, principal: Principal, query: str | None, digest: str | None, trail: Trail) -> str:
    """The text to run: a trusted document's (by its id), or the ad-hoc text when this agency
    may send ad-hoc documents (or the text is one of its trusted documents)."""
    if digest is not None:
        body = await state.documents.body(state.db, principal.agency_id, digest)
        if body is None:
            raise PersistedDocumentNotFound(
                f"no document sha256:{digest} is registered for this agency; register it first",
                documentId=f"sha256:{digest}",
            )
        if query is not None and document_hash(query) != digest:
            raise MalformedRequest("the query sent is not the document its documentId names")
        return body
    assert query is not None
    trail.query = query
    if principal.trusted_documents_only and not state.settings.is_development and principal.kind != "platform":
        if await state.documents.body(state.db, principal.agency_id, document_hash(query)) is None:
            raise DocumentNotTrusted(
                'this agency sends registered documents only: send {"documentId": "sha256:<hex>"} '
                "for a document registered with `hub documents register`"
            )
    return query


def _wants_ide(request: Request) -> bool:
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


async def _authenticate(request: Request, state: HubState, trail: Trail) -> Principal:
    """The agency behind a request: by its API key, or by a console user's session cookie.

    A request with an ``Authorization`` header is a system's: the cookie plays no part. A
    cookie-only request acts as the user's agency, names the user as the operator (whatever
    ``Hub-Operator`` says), and must carry the session's CSRF token when it is a POST.
    """
    if "authorization" in request.headers or COOKIE not in request.cookies:
        principal = await state.principals.principal(state.db, _bearer(request))
        if principal is None:
            raise Unauthenticated("the API key is unknown or revoked")
        return principal
    session = await session_for(state.db, request.cookies.get(COOKIE))
    if session is None:
        raise Unauthenticated("the console session has ended; log in again")
    trail.operator = session.operator
    if request.method != "GET" and not csrf_ok(state.csrf_key, session.token, request.headers.get(CSRF_HEADER)):
        trail.principal = session.principal
        raise CsrfRejected("a console request must carry the session's CSRF token in the X-CSRF-Token header")
    return session.principal


async def graphql_endpoint(request: Request) -> Response:
    state: HubState = request.state.hub
    if _wants_ide(request):
        from hub.console.pages import graphiql_page

        return await graphiql_page(request)
    started = time.perf_counter()
    trail = Trail(request)
    try:
        media_type = trail.media_type = _media_type(request)
    except NotAcceptable as exc:
        return await trail.close(state, _error_response(exc, JSON), DENIED_OR_ERROR[False], exc.code, started)
    principal = None
    try:
        principal = await _authenticate(request, state, trail)
        trail.principal = principal
        body = (
            await _read_post(request, state.limits.max_body_bytes) if request.method == "POST" else _read_get(request)
        )
        sent, variables, operation_name, digest = _unpack(body)
        await state.rate_limiter.admit(principal.agency_id)
        query = await _document(state, principal, sent, digest, trail)
        trail.query = query
    except HubError as exc:
        if isinstance(exc, RateLimited | PayloadTooLarge):
            result = LIMITED
        elif isinstance(exc, DocumentNotTrusted):
            result = DENIED_OR_ERROR[True]
        else:
            result = DENIED_OR_ERROR[principal is None]
        return await trail.close(state, _error_response(exc, media_type), result, exc.code, started)

    purpose = _header(request, "hub-purpose", 100)
    context = request_context(state, principal, purpose, trail.operator)
    # GET must never change anything (GraphQL over HTTP; CSRF).
    allowed = ("query",) if request.method == "GET" else ("query", "mutation")
    outcome = await state.executor.run(query, variables, operation_name, context, allowed, purpose)
    state.rate_limiter.returned(principal.agency_id, outcome.subjects)
    status = 200
    if outcome.http_status is not None:
        status = outcome.http_status
    elif outcome.rejected and media_type == GRAPHQL_RESPONSE:
        status = 400
    headers = {"Allow": "POST"} if status == 405 else (outcome.headers or None)
    trail.outcome = outcome
    trail.purpose = purpose
    if status != 503:  # an answer the agency never got decided nothing: no comparison, no interception
        trail.comparisons = context.comparisons
        trail.interceptions = context.interceptions
    return await trail.close(state, _respond(outcome.body, status, media_type, headers), outcome.result, None, started)


def request_context(state: HubState, principal: Principal, purpose: str | None, operator: str | None) -> HubContext:
    """What the resolvers of one operation share: the agency, its policy, its purpose."""
    return HubContext(
        db=state.db,
        principal=principal,
        policy=state.policy_for(principal),
        cursor_key=state.cursor_key,
        max_page_size=state.settings.max_page_size,
        default_page_size=state.settings.default_page_size,
        remote=state.remote,
        facts_batcher=state.facts,
        interception_ids=state.interception_ids,
        purpose=purpose,
        operator=operator,
        keys_revoked=state.forget_access,
        vetter=state.vetter,
    )


# An error before the key is known is a denial; after it, the request was at fault.
DENIED_OR_ERROR = {True: "denied", False: "error"}
LIMITED = "limited"


def _header(request: Request, name: str, limit: int) -> str | None:
    """A free-text header, printable characters only, cut to ``limit``; None if empty.

    HTTP headers are bytes: Chinese text (a case number, a clerk's name) is sent
    percent-encoded as UTF-8 (``(2018)%E9%97%BD0102...``) or as raw UTF-8; both are read.
    """
    raw = request.headers.get(name)
    if raw is None:
        return None
    if raw.isascii() and raw.isprintable() and "%" not in raw:
        return raw.strip()[:limit] or None  # most headers: plain ASCII, nothing to decode
    key = (raw, limit)
    if key not in _DECODED:
        if len(_DECODED) >= 4096:
            _DECODED.clear()
        _DECODED[key] = _decode_header(raw, limit)
    return _DECODED[key]


# Purposes and operators repeat (a court's case number, a desk's clerk): each decoded once.
_DECODED: dict[tuple[str, int], str | None] = {}


def _decode_header(raw: str, limit: int) -> str | None:
    try:
        raw = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    raw = unquote(raw, errors="replace")
    if not raw.isprintable():
        raw = "".join(ch for ch in raw if ch.isprintable())
    cleaned = raw.strip()[:limit]
    return cleaned or None


def audit_record(
    *,
    principal: Principal | None,
    operator: str | None,
    outcome: Outcome | None,
    query: str | None,
    purpose: str | None,
    result: str,
    codes: tuple[str, ...],
    started: float,
    client: str | None,
) -> AuditRecord:
    """The audit record of one operation, over HTTP or a WebSocket."""
    return AuditRecord(
        at=datetime.now(UTC),
        agency_id=principal.agency_id if principal else None,
        agency_code=principal.agency_code if principal else None,
        key_id=principal.key_id if principal else None,
        operator=operator,
        operation_type=outcome.operation_type if outcome else None,
        operation_name=outcome.operation_name if outcome else None,
        document_hash=hashlib.sha256(query.encode()).hexdigest() if query else None,
        fields=outcome.fields if outcome else (),
        subjects=outcome.subjects if outcome else (),
        purpose=purpose,
        outcome=result,
        error_codes=codes,
        duration_us=int((time.perf_counter() - started) * 1_000_000),
        client=client,
    )


class Trail:
    """Collects what the audit record of one request needs, and writes it before replying."""

    def __init__(self, request: Request) -> None:
        self.client = request.client.host if request.client else None
        self.operator = _header(request, "hub-operator", 200)
        self.principal: Principal | None = None
        self.query: str | None = None
        self.purpose: str | None = None
        self.outcome: Outcome | None = None
        self.comparisons: list[Comparison] = []
        self.interceptions: list[NewInterception] = []
        # Set by endpoints that are not GraphQL (ingest): what the record names as the
        # operation, and the hash of the document (the uploaded file) it carried.
        self.operation: tuple[str, str] | None = None
        self.document_hash: str | None = None
        # The response format the client asked for (a refusal answers in it too).
        self.media_type = JSON

    async def close(
        self, state: HubState, response: Response, result: str, code: str | None, started: float
    ) -> Response:
        outcome = self.outcome
        record = audit_record(
            principal=self.principal,
            operator=self.operator,
            outcome=outcome,
            query=self.query,
            purpose=self.purpose,
            result=result,
            codes=outcome.error_codes if outcome else ((code,) if code else ()),
            started=started,
            client=self.client,
        )
        if self.operation is not None:
            record = dataclasses.replace(
                record,
                operation_type=self.operation[0],
                operation_name=self.operation[1],
                document_hash=self.document_hash,
            )
        try:
            await state.audit.append(record, self.comparisons, self.interceptions)
        except AuditUnavailable as exc:
            log.error("audit trail unavailable; refusing to answer")
            # Fail closed: without its trace, no answer leaves the hub.
            refused = _error_response(exc, self.media_type)
            kind = self.principal.kind if self.principal is not None else None
            metrics.observe_operation(record.operation_name or record.operation_type, kind, "unavailable", started)
            return refused
        operation_done(record, self.principal, result, started, response.status_code)
        return response


def operation_done(
    record: AuditRecord, principal: Principal | None, result: str, started: float, status: int | None = None
) -> None:
    """The per-operation log line and the metrics of one operation whose record is written:
    over HTTP (with its ``status``), or over a WebSocket (``status`` None; ``ws`` in the line)."""
    operation = record.operation_name or record.operation_type or "-"
    codes = ",".join(record.error_codes) or "-"
    ms = record.duration_us / 1000
    fields = {
        "agency": record.agency_code,
        "operation": operation,
        "outcome": result,
        "codes": list(record.error_codes),
        "status": status,
        "ms": round(ms, 1),
    }
    agency = record.agency_code or "-"
    if status is None:
        fields["transport"] = "ws"
        access.info("%s ws %s %s %s %.1fms", agency, operation, result, codes, ms, extra={OPERATION: fields})
    else:
        access.info("%s %s %s %s %d %.1fms", agency, operation, result, codes, status, ms, extra={OPERATION: fields})
    outcome = "unavailable" if status == 503 else result
    metrics.observe_operation(
        record.operation_name or record.operation_type, principal.kind if principal else None, outcome, started
    )
