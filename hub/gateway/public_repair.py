"""A subject's own credit repair application (信用修复), on the public side, without a key:
``GET /public/repair`` (the form, zh or en, no script) and ``POST /public/repair``.

The subject names its entry exactly as the public search finds it: the exact name, the full
identifier (checksum-valid resident ID or USCC) and the entry (the case number of a court
list's entry, the decision document number of another list's). Only an entry in force of a
public list kind that takes repair (``repair_decision_working_days``) is applied for; any
mismatch answers the search's neutral "no matching public entry", never whether the subject
exists. The application is stored with origin ``subject`` and no recording agency, SUBMITTED,
for the publisher to verify and decide (``creditRepairApplications``, ``decideCreditRepair``,
the console). One undecided application per entry: a second one is refused (REPAIR_PENDING).

Protection, as for the search: each POST counts against the same per-network windows as the
searches (``hub.policy.public``: an application is one more lookup, with the same cost to
guess identifiers; no separate budget to tune), before its body is read; the body is at most
``MAX_BODY`` bytes of ``application/x-www-form-urlencoded``. A keyless form has no session to
ride, but a hostile page could still make visitors' browsers file applications: so a POST
from a browser must be same-origin, by the Fetch Metadata header ``Sec-Fetch-Site``
(``same-origin`` or ``none``) or, from browsers without it, an ``Origin`` equal to the hub's;
a request with neither header is not a browser's (curl, a script) and is not a cross-site
forgery. No token: nothing to store or sign, and the page stays cacheable-free and scriptless.

Every POST past the switch is audited like a search (operator ``public``, the client's network,
the subject's internal id when an application was filed, never the ID number), and the record is
written BEFORE the application: no trace, no application (503, nothing stored). The pending
check runs before the record, so the record's outcome is the answer's; only a concurrent
second application for the same entry (the unique index refuses it) can follow an ``ok`` record
with a REPAIR_PENDING answer.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response

from hub.console import i18n
from hub.console.pages import CSP, LANG_COOKIE, SECURITY_HEADERS, language, render
from hub.db.database import lost
from hub.errors import DatabaseUnavailable, HubError, InvalidInput
from hub.gateway.graphql import operation_done
from hub.gateway.public import JSON_HEADERS, PublicDisclosureOff, audit_public
from hub.identity.names import normalise_name
from hub.policy.limits import RateLimited
from hub.sanctions import disclosure, repair
from hub.screening.service import CHINA
from hub.sources import public as source

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)

OPERATION = "publicCreditRepair"
MAX_BODY = 32 * 1024
MAX_ENTRY_REFERENCE = 100
NO_MATCH = "no matching public entry for this name, identifier and case or decision number"
FORM = "application/x-www-form-urlencoded"


class CrossSiteForm(HubError):
    code = "CROSS_SITE_FORM"
    http_status = 403


class BodyTooLarge(HubError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class UnsupportedForm(HubError):
    code = "FORM_REQUIRED"
    http_status = 415


class NoMatchingEntry(HubError):
    code = "NO_MATCHING_PUBLIC_ENTRY"
    http_status = 404


class EntryReferenceRequired(InvalidInput):
    code = "ENTRY_REFERENCE_REQUIRED"


@dataclass
class Outcome:
    application_id: int | None = None
    due_on: str | None = None
    error: HubError | None = None

    @property
    def status(self) -> int:
        if self.error is None:
            return 201
        return self.error.http_status if self.error.http_status != 200 else 400

    def headers(self) -> dict[str, str]:
        if isinstance(self.error, RateLimited):
            return {"Retry-After": str(self.error.retry_after)}
        if self.status == 503:
            return {"Retry-After": str(DatabaseUnavailable.retry_after)}
        return {}


def same_origin(request: Request) -> bool:
    """Whether a browser sent this from the hub's own page (or it is no browser's request)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (request.url.scheme, request.url.netloc)


async def _form(request: Request) -> dict[str, list[str]]:
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != FORM:
        raise UnsupportedForm(f"send the application as {FORM} (the page's form)")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise BodyTooLarge(f"the application is larger than {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BodyTooLarge(f"the application is larger than {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the application is not a valid UTF-8 form") from None


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


async def _find(state: HubState, form: dict[str, list[str]]) -> tuple[int, int] | None:
    """The (listing, subject) the form names exactly, or None."""
    name = normalise_name(_one(form, "name"))
    if not name:
        raise disclosure.NameRequired("give the exact full name of the person or organisation (name)", argument="name")
    if len(name) > disclosure.MAX_NAME:
        raise InvalidInput(f"the name is longer than {disclosure.MAX_NAME} characters", argument="name")
    raw_id = _one(form, "id").strip()
    if not raw_id:
        raise disclosure.IdentifierOrCaseRequired(
            "give the full 18-character resident ID or unified social credit code (id)", argument="id"
        )
    identifier = disclosure.parse_identifier(raw_id)
    entry = "".join(_one(form, "entry").split())
    if not entry:
        raise EntryReferenceRequired(
            "give the entry: the enforcement case number of a court list's entry, or the decision document "
            "number of another list's (entry)",
            argument="entry",
        )
    if len(entry) > MAX_ENTRY_REFERENCE:
        raise InvalidInput(f"the entry reference is longer than {MAX_ENTRY_REFERENCE} characters", argument="entry")
    brackets = {entry, entry.replace("（", "(").replace("）", ")"), entry.replace("(", "（").replace(")", "）")}
    rows = await source.entries_by_identifier(state.db, identifier, datetime.now(CHINA).date(), disclosure.MAX_ENTRIES)
    for row in rows:
        if normalise_name(row["name"]) != name:
            continue
        reference = row["case_number"] if row["case_number"] is not None else row["basis_document"]
        if reference is not None and "".join(reference.split()) in brackets:
            return row["listing_id"], row["subject_id"]
    return None


async def apply(request: Request) -> Outcome:
    """Limit, check, validate, match, audit, then store one application; an ``Outcome`` whatever happened."""
    state: HubState = request.state.hub
    started = time.perf_counter()
    if not state.settings.public_disclosure or state.public_limiter is None:
        return Outcome(error=PublicDisclosureOff("public disclosure is turned off on this hub"))
    client = request.client.host if request.client else None
    outcome = Outcome()
    subjects: tuple[int, ...] = ()
    listing_id: int | None = None
    texts: tuple[str, str, str, list[str]] | None = None
    try:
        await state.public_limiter.admit(client)
        if not same_origin(request):
            raise CrossSiteForm("applications are accepted from the hub's own public page only")
        form = await _form(request)
        texts = repair.check_subject_application(
            _one(form, "applicant"),
            _one(form, "grounds"),
            _one(form, "evidence"),
            [line for line in _one(form, "documents").splitlines() if line.strip()],
        )
        found = await _find(state, form)
        if found is None:
            raise NoMatchingEntry(NO_MATCH)
        listing_id, subject_id = found
        if await state.db.fetchval(repair.Q.open_application_of, listing_id) is not None:
            raise repair.RepairPending("an application for this entry awaits its publisher's decision already")
        subjects = (subject_id,)
    except HubError as exc:
        outcome.error = exc
    except ClientDisconnect:
        outcome.error = InvalidInput("the application was not received in full")
    except Exception as exc:
        if not lost(exc):
            raise
        outcome.error = DatabaseUnavailable("the database is unavailable; retry in a moment")
    record, result, refused = await audit_public(
        state, OPERATION, client, started, fields=(), subjects=subjects, error=outcome.error
    )
    if refused is not None:
        # No trace, no application: nothing is stored.
        return Outcome(error=refused)
    error = outcome.error
    if error is None and listing_id is not None and texts is not None:
        try:
            filed = await repair.apply_as_subject(state.db, listing_id, *texts)
            if filed is None:
                # Removed or expired between the match and the write.
                outcome.error = NoMatchingEntry(NO_MATCH)
            else:
                outcome.application_id, due_on = filed
                outcome.due_on = due_on.isoformat()
        except repair.RepairPending as exc:
            outcome.error = exc
        except asyncpg.UniqueViolationError:
            outcome.error = repair.RepairPending(
                "an application for this entry awaits its publisher's decision already"
            )
        except Exception as exc:
            if not lost(exc):
                raise
            outcome.error = DatabaseUnavailable("the database is unavailable; retry in a moment")
    operation_done(record, None, result, started, outcome.status)
    return outcome


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def post_endpoint(request: Request) -> Response:
    """``POST /public/repair``: the page with the outcome, or JSON when asked (``Accept: application/json``)."""
    outcome = await apply(request)
    if _wants_json(request):
        if outcome.error is not None:
            error = outcome.error
            body: dict[str, Any] = {"errors": [{"message": error.message, "extensions": error.as_extensions()}]}
        else:
            body = {"applicationId": str(outcome.application_id), "status": "SUBMITTED", "dueOn": outcome.due_on}
        return Response(
            orjson.dumps(body),
            status_code=outcome.status,
            media_type="application/json",
            headers={**JSON_HEADERS, **outcome.headers()},
        )
    return _page(request, outcome)


async def page_endpoint(request: Request) -> Response:
    """``GET /public/repair``: the form."""
    if not request.state.hub.settings.public_disclosure:
        return _page(request, Outcome(error=PublicDisclosureOff("public disclosure is turned off on this hub")))
    return _page(request, Outcome(), blank=True)


def _page(request: Request, outcome: Outcome, blank: bool = False) -> Response:
    lang = language(request)
    messages = i18n.catalogue(lang)
    if blank:
        text, status = "", 200
    elif outcome.error is not None:
        error = outcome.error
        detail = f"<small>{html.escape(error.message)}</small>" if isinstance(error, InvalidInput) else ""
        label = messages.get(f"code.{error.code}", messages["error.internal"])
        text = (
            f'<p class="notice error" role="alert" id="repair-error" data-code="{html.escape(error.code)}">'
            f"{html.escape(label)} {detail}</p>"
        )
        status = outcome.status
    else:
        text = (
            f'<p class="notice" id="repair-submitted" data-application="{outcome.application_id}">'
            f"{html.escape(messages['public.repair.submitted'])} "
            f"{html.escape(messages['public.repair.due'])} {html.escape(outcome.due_on or '')}</p>"
        )
        status = 201
    body = render(
        "public_repair",
        lang,
        {"lang": lang, "other_lang": "en" if lang == "zh-CN" else "zh-CN", "outcome": text},
    )
    response = HTMLResponse(
        body, status_code=status, headers={**SECURITY_HEADERS, "Content-Security-Policy": CSP, **outcome.headers()}
    )
    chosen = request.query_params.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="strict", path="/")
    return response
