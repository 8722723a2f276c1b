"""``POST /ingest/{source}``: an agency publishes a file of its own source's records.

``Authorization: Bearer <key>``; the body is the file, read as it streams; query parameters
``format=ndjson|csv``, ``encoding=utf-8|gb18030``, ``mode=atomic|partial`` and an optional
``sourceVersion``. Which agencies may publish which source is declared in rules.toml
(``[ingest]``). Answers the batch report as JSON: 200 applied, 422 rejected (every bad record
listed), 409 failed, 403 another source's data, 401 no key. Every request leaves an audit
record: one before the body is read (no trail, no upload) and one with the outcome, written
before the answer (without it the answer is refused).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from hub.agencies import principal_for_key
from hub.audit import AuditUnavailable
from hub.errors import HubError, SourceNotAllowed, Unauthenticated, UnknownSource
from hub.gateway.graphql import DENIED_OR_ERROR, Trail, _bearer, _error_response, audit_record
from hub.ingest.framing import Framing, Parsed
from hub.ingest.pipeline import BatchReport, UploadInterrupted, authorise, run_batch
from hub.ingest.records import SOURCES
from hub.policy import INGEST_SOURCES

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)
JSON = "application/json"
STATUS = {"applied": 200, "rejected": 422, "failed": 409}


async def ingest_endpoint(request: Request) -> Response:
    state: HubState = request.state.hub
    started = time.perf_counter()
    trail = Trail(request)
    source = request.path_params["source"]
    trail.operation = ("ingest", f"ingest.{source}")
    principal = None
    try:
        principal = await principal_for_key(state.db, _bearer(request))
        if principal is None:
            raise Unauthenticated("the API key is unknown or revoked")
        trail.principal = principal
        if source not in INGEST_SOURCES:
            raise UnknownSource(f"no source {source!r}; the sources are {', '.join(INGEST_SOURCES)}")
        authorise(state.policy_for(principal), principal, source)
        params = request.query_params
        framing = Framing(
            params.get("format", "ndjson").lower(),
            params.get("encoding", "utf-8").lower().replace("utf8", "utf-8"),
            SOURCES[source].csv_columns,
            SOURCES[source].from_csv,
        )
        # Fail closed: the upload starts only once the trail holds its first record.
        await state.audit.append(
            dataclasses.replace(
                audit_record(
                    principal=principal,
                    operator=trail.operator,
                    outcome=None,
                    query=None,
                    purpose=None,
                    result="ok",
                    codes=(),
                    started=started,
                    client=trail.client,
                ),
                operation_type="ingest",
                operation_name=f"ingest.{source}.begin",
            )
        )
        digest = hashlib.sha256()
        report = await run_batch(
            state.db,
            principal,
            source,
            _records(request, framing, digest),
            fmt=framing.fmt,
            encoding=framing.encoding,
            mode=params.get("mode", "atomic").lower(),
            source_version=params.get("sourceVersion") or None,
            digest=digest.hexdigest,
        )
    except AuditUnavailable as exc:
        log.error("audit trail unavailable; refusing the upload")
        return _error_response(exc, JSON)
    except UploadInterrupted:
        # Nobody is listening any more; the trail still records the attempt.
        await trail.close(state, Response(status_code=499), "error", "UPLOAD_INTERRUPTED", started)
        return Response(status_code=499)
    except HubError as exc:
        result = "denied" if isinstance(exc, SourceNotAllowed) else DENIED_OR_ERROR[principal is None]
        return await trail.close(state, _error_response(exc, JSON), result, exc.code, started)
    trail.operation = ("ingest", f"ingest.{source}.{report.id}")
    trail.document_hash = report.body_sha256
    code = {"rejected": "INGEST_REJECTED", "failed": "INGEST_FAILED"}.get(report.status)
    response = _report_response(report)
    return await trail.close(state, response, "ok" if code is None else "error", code, started)


def _report_response(report: BatchReport) -> Response:
    return Response(orjson.dumps(report.as_json()), status_code=STATUS.get(report.status, 200), media_type=JSON)


async def _records(request: Request, framing: Framing, digest: hashlib._Hash) -> AsyncIterator[list[Parsed]]:
    try:
        async for chunk in request.stream():
            if chunk:
                digest.update(chunk)
                yield framing.feed(chunk)
    except ClientDisconnect:
        raise UploadInterrupted from None
    yield framing.end()
