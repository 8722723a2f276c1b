"""Public disclosure (信息公示) over HTTP, without a key: ``GET /public`` (a page, zh or en) and
``GET /public/search?name=...&id=...`` or ``&case=...`` (JSON).

Each search is limited per client network (``hub.policy.public``: searches a minute and a
day, shared by every process), before its input is even read; then validated, answered from
``hub.sanctions.disclosure``, and audited like every read: a record with the pseudo-principal
``public`` as operator, the client's address truncated to its network, the subjects shown
(internal ids, never ID numbers). No trace, no answer: if the record cannot be written the
search answers 503 and nothing of its data. The client is the socket peer, or what a proxy
named in ``HUB_TRUSTED_PROXIES`` says in X-Forwarded-For (``hub serve`` passes that to uvicorn).
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hub.audit import AuditRecord, AuditUnavailable
from hub.console import i18n
from hub.console.pages import CSP, LANG_COOKIE, SECURITY_HEADERS, language, render
from hub.db.database import lost
from hub.errors import DatabaseUnavailable, HubError
from hub.gateway.graphql import operation_done
from hub.policy.limits import RateLimited
from hub.policy.public import audit_network
from hub.sanctions import disclosure
from hub.screening.service import CHINA

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)

OPERATION = "publicSearch"
OPERATOR = "public"
PURPOSE = "PUBLIC_DISCLOSURE"
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
NO_RECORD = "no public record for this name and identifier or case number"


class PublicDisclosureOff(HubError):
    code = "PUBLIC_DISCLOSURE_OFF"
    http_status = 404


@dataclass
class Answer:
    """One search's outcome: its entries, or the error that refused it."""

    entries: list[disclosure.PublicEntry] = field(default_factory=list)
    error: HubError | None = None

    @property
    def status(self) -> int:
        if self.error is None:
            return 200
        return self.error.http_status if self.error.http_status != 200 else 400

    def headers(self) -> dict[str, str]:
        if isinstance(self.error, RateLimited):
            return {"Retry-After": str(self.error.retry_after)}
        if self.status == 503:
            return {"Retry-After": str(DatabaseUnavailable.retry_after)}
        return {}


async def search(request: Request) -> Answer:
    """Limit, validate, answer and audit one search; an ``Answer`` whatever happened."""
    state: HubState = request.state.hub
    started = time.perf_counter()
    if not state.settings.public_disclosure or state.public_limiter is None:
        return Answer(error=PublicDisclosureOff("public disclosure is turned off on this hub"))
    client = request.client.host if request.client else None
    answer = Answer()
    try:
        await state.public_limiter.admit(client)
        query = disclosure.parse_search(request.query_params)
        answer.entries = await disclosure.search(state.db, query, datetime.now(CHINA).date())
    except HubError as exc:
        answer.error = exc
    except Exception as exc:
        if not lost(exc):
            raise
        answer.error = DatabaseUnavailable("the database is unavailable; retry in a moment")
    record, result, refused = await audit_public(
        state,
        OPERATION,
        client,
        started,
        fields=tuple(f"PublicEntry.{name}" for name in disclosure.fields(answer.entries)),
        subjects=tuple(e.subject_id for e in answer.entries),
        error=answer.error,
    )
    if refused is not None:
        # Fail closed: without its trace, nothing found leaves the hub.
        return Answer(error=refused)
    operation_done(record, None, result, started, answer.status)
    return answer


async def audit_public(
    state: HubState,
    operation: str,
    client: str | None,
    started: float,
    *,
    fields: tuple[str, ...],
    subjects: tuple[int, ...],
    error: HubError | None,
) -> tuple[AuditRecord, str, HubError | None]:
    """The audit record of a request without a key (operator ``public``, the client's address
    cut to its network, never an ID number), written before anything is answered. Returns the
    record, its outcome, and the error to answer instead when it could not be written."""
    result = "ok" if error is None else "limited" if isinstance(error, RateLimited) else "error"
    record = AuditRecord(
        at=datetime.now(UTC),
        agency_id=None,
        agency_code=None,
        key_id=None,
        operator=OPERATOR,
        operation_type="public",
        operation_name=operation,
        document_hash=None,
        fields=fields,
        subjects=subjects,
        purpose=PURPOSE,
        outcome=result,
        error_codes=(error.code,) if error is not None else (),
        duration_us=int((time.perf_counter() - started) * 1_000_000),
        client=audit_network(client),
    )
    try:
        await state.audit.append(record)
    except AuditUnavailable as exc:
        log.error("audit trail unavailable; refusing the public request %s", operation)
        return record, result, exc
    except Exception as exc:
        if not lost(exc):
            raise
        return record, result, DatabaseUnavailable("the database is unavailable; retry in a moment")
    return record, result, None


async def search_endpoint(request: Request) -> Response:
    """``GET /public/search``: the entries as JSON, or the error in the hub's error format."""
    answer = await search(request)
    if answer.error is not None:
        error = answer.error
        body: dict[str, Any] = {"errors": [{"message": error.message, "extensions": error.as_extensions()}]}
    else:
        body = {"count": len(answer.entries), "records": [e.values for e in answer.entries]}
        if not answer.entries:
            body["message"] = NO_RECORD
    return Response(
        orjson.dumps(body),
        status_code=answer.status,
        media_type="application/json",
        headers={**JSON_HEADERS, **answer.headers()},
    )


async def page_endpoint(request: Request) -> Response:
    """``GET /public``: the search form; with ``name``, ``id`` or ``case`` given, its answer too."""
    lang = language(request)
    messages = i18n.catalogue(lang)
    params = request.query_params
    searched = any(params.get(k) for k in ("name", "id", "case"))
    answer = await search(request) if searched else Answer()
    if not searched and not request.state.hub.settings.public_disclosure:
        answer = Answer(error=PublicDisclosureOff("public disclosure is turned off on this hub"))
    if answer.error is not None:
        error = answer.error
        detail = f"<small>{html.escape(error.message)}</small>" if error.code == "INVALID_IDENTIFIER" else ""
        label = messages.get(f"code.{error.code}", messages["error.internal"])
        outcome = (
            f'<p class="notice error" role="alert" id="public-error" data-code="{html.escape(error.code)}">'
            f"{html.escape(label)} {detail}</p>"
        )
    elif searched and not answer.entries:
        outcome = f'<p class="notice" id="public-none">{html.escape(messages["public.none"])}</p>'
    else:
        outcome = "\n".join(_entry_html(e.values, messages) for e in answer.entries)
    body = render(
        "public",
        lang,
        {
            "lang": lang,
            "other_lang": "en" if lang == "zh-CN" else "zh-CN",
            # The name and case number go back into the form; the identifier does not (a shared screen).
            "name": params.get("name", "")[: disclosure.MAX_NAME],
            "case": params.get("case", "")[: disclosure.MAX_CASE_NUMBER],
            "outcome": outcome,
        },
    )
    response = HTMLResponse(
        body,
        status_code=answer.status,
        headers={**SECURITY_HEADERS, "Content-Security-Policy": CSP, **answer.headers()},
    )
    chosen = params.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="strict", path="/")
    return response


def _entry_html(values: dict[str, Any], messages: dict[str, str]) -> str:
    def enum(kind: str, value: str | None) -> str:
        return messages.get(f"enum.{kind}.{value}", value or "") if value else ""

    head = [
        ("public.field.name", values["name"]),
        ("public.field.identifier", values["identifier"]),
        ("public.field.list", enum("ListKind", values["list"])),
    ]
    if values.get("caseNumber") is None:
        # A list published on an agency's decision (sector blacklist, red list): no case.
        rows = [
            *head,
            ("public.field.publisher", values["publisher"]),
            ("public.field.decision", values["basisDocument"]),
            ("public.field.published_on", values["publishedOn"]),
        ]
        return _table(rows, messages)
    rows = [
        *head,
        ("public.field.case", values["caseNumber"]),
        ("public.field.court", values["court"]),
        ("public.field.filed_on", values["filedOn"]),
        ("public.field.basis_document", values["basisDocument"]),
        ("public.field.basis_issuer", values["basisIssuer"]),
        ("public.field.duty", values["duty"]),
        ("public.field.performance", enum("Performance", values["performance"])),
        ("public.field.circumstance", enum("Circumstance", values["circumstance"])),
        ("public.field.published_on", values["publishedOn"]),
    ]
    return _table(rows, messages)


def _table(rows: list[tuple[str, Any]], messages: dict[str, str]) -> str:
    cells = "\n".join(
        f'<tr><th scope="row">{html.escape(messages[key])}</th><td>{html.escape(str(value))}</td></tr>'
        for key, value in rows
        if value
    )
    return f'<table class="public-entry">\n{cells}\n</table>'
