"""The console's publishing pages: credit ratings, and entries of the lists an agency publishes.

A rating authority's clerk (or supervisor) picks a scheme its agency kind owns, enters the
subject's identifier, the level, the evidence and the date, and publishes; the page lists the
agency's current ratings, each with a form to withdraw it with a reason. The list page does the
same for every list kind the agency's kind publishes on a decision document (sector blacklists,
the red list: ``sanctions.list_kind``, data): identifier, basis document, term; the active
entries it published, each with a form to remove it for a reason its kind allows.

Every rule is the domain's (``hub.sanctions.ratings.rate`` / ``withdraw``,
``hub.sanctions.listings.publish`` / ``remove``); the pages only offer what the agency may do.
Deny by default: a scheme or list kind the agency does not own is neither offered nor accepted
(a form posted anyway is refused before anything is looked up). Every POST carries the
session's CSRF token and is written to the audit trail, as the mutation of the same name by
``console:<user>``, before the answer; without its trail nothing is confirmed.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from hub.console import i18n
from hub.console.pages import _guarded, _read_form, _redirect, error_page, language, page
from hub.console.sessions import csrf_ok, csrf_token
from hub.db.queries import QUERIES
from hub.errors import HubError, InvalidIdentifier, InvalidInput, NotFound
from hub.events.outbox import expires_on
from hub.identity import mask_resident_id, parse_resident_id
from hub.sanctions import listings, ratings
from hub.sanctions.disclosure import parse_identifier

if TYPE_CHECKING:
    from hub.console.sessions import ConsoleSession
    from hub.state import HubState

log = logging.getLogger(__name__)

Q = QUERIES.console
SHOWN = 200
# The form fields, by the argument a domain error names: the notice says which one is wrong.
FIELDS = {
    "scheme": "publish.scheme",
    "level": "publish.level",
    "evidence": "publish.evidence",
    "evidenceDocument": "publish.evidence_document",
    "ratedOn": "publish.rated_on",
    "residentId": "publish.identifier",
    "uscc": "publish.identifier",
    "id": "publish.identifier",
    "identifier": "publish.identifier",
    "subjectId": "publish.identifier",
    "reason": "publish.reason",
    "ratingId": "publish.rating",
    "list": "publish.list",
    "basisDocument": "publish.basis_document",
    "termMonths": "publish.term",
    "publishedOn": "publish.published_on",
    "removedOn": "publish.published_on",
    "listingId": "publish.entry",
}


def _e(value: object) -> str:
    return html.escape(str(value))


def _shown_identifier(kind: str, identifier: str) -> str:
    # A person's resident ID is shown masked; an organisation's code is public.
    return mask_resident_id(identifier) if kind == "person" else identifier


def _date(raw: str, argument: str) -> dt.date:
    raw = raw.strip()
    if not raw:
        return ratings.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{argument} must be a date like 2026-12-07", argument=argument) from None


def _notice(request: Request, exc: HubError | None) -> str:
    """The outcome of the last action: an error (the catalogue's message, naming the field), or
    what was done (``?done=`` after a redirect)."""
    lang = language(request)
    messages = i18n.catalogue(lang)
    if exc is not None:
        text = messages.get(f"code.{exc.code}") or messages[f"code.{HubError.code}"]
        field = FIELDS.get(str(exc.extensions.get("argument", "")))
        if field is not None:
            text = f"{text}（{messages[field]}）" if lang == "zh-CN" else f"{text} ({messages[field]})"
        return f'<p class="notice error" role="alert" id="publish-error" data-code="{_e(exc.code)}">{_e(text)}</p>'
    done = request.query_params.get("done", "")
    if done in ("rated", "withdrawn", "published", "removed"):
        return f'<p class="notice ok" role="status" id="publish-done">{_e(messages["publish.done." + done])}</p>'
    return ""


# --- ratings ----------------------------------------------------------------------------


async def _owned_schemes(state: HubState, session: ConsoleSession) -> list[dict[str, Any]]:
    """The schemes the agency's kind owns, with their levels best first (none: no form)."""
    rows = await state.db.fetch(QUERIES.ratings.schemes, session.principal.kind)
    if not rows:
        return []
    levels = await state.db.fetch(QUERIES.ratings.levels_by_schemes, [r["id"] for r in rows])
    by_scheme: dict[int, list[str]] = {}
    for level in levels:
        by_scheme.setdefault(level["scheme_id"], []).append(level["code"])
    return [{**dict(r), "levels": by_scheme.get(r["id"], [])} for r in rows]


async def ratings_page(request: Request, exc: HubError | None = None, status: int = 200) -> Response:
    guarded = await _guarded(request, "ratings")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    lang = language(request)
    messages = i18n.catalogue(lang)
    token = _e(csrf_token(state.csrf_key, session.token))
    schemes = await _owned_schemes(state, session)
    if not schemes:
        form = f'<p class="notice" id="no-scheme">{_e(messages["publish.no_scheme"])}</p>'
        current = ""
    else:
        options = "".join(
            f'<option value="{_e(s["code"])}">{_e(s["name_zh"] if lang == "zh-CN" else s["name_en"])} '
            f"({_e(s['code'])}: {_e(' / '.join(s['levels']))})</option>"
            for s in schemes
        )
        levels = "".join(
            f'<option value="{_e(code)}">{_e(code)}</option>'
            for code in dict.fromkeys(code for s in schemes for code in s["levels"])
        )
        form = (
            f'<form method="post" action="/console/ratings/rate" id="rate-form" class="grid">'
            f'<input type="hidden" name="csrf" value="{token}">'
            f'<label>{_e(messages["publish.scheme"])} <select name="scheme" required>{options}</select></label>'
            f'<label>{_e(messages["publish.identifier"])} <input name="identifier" required maxlength="40" '
            f'autocomplete="off" placeholder="{_e(messages["publish.identifier.hint"])}"></label>'
            f'<label>{_e(messages["publish.level"])} <select name="level" required>{levels}</select></label>'
            f'<label>{_e(messages["publish.evidence"])} <textarea name="evidence" required maxlength="4000">'
            f"</textarea></label>"
            f'<label>{_e(messages["publish.evidence_document"])} <input name="evidence_document" maxlength="500">'
            f"</label>"
            f'<label>{_e(messages["publish.rated_on"])} <input type="date" name="rated_on"></label>'
            f'<button type="submit">{_e(messages["publish.rate"])}</button></form>'
        )
        rows = await state.db.fetch(Q.agency_current_ratings, session.principal.agency_id, SHOWN)
        current = _ratings_table(rows, messages, token)
    return page(
        request,
        state,
        session,
        "ratings",
        {"notice": _notice(request, exc), "form": form, "current": current},
        status=status,
    )


def _ratings_table(rows: list[Any], messages: dict[str, str], token: str) -> str:
    if not rows:
        return f'<p class="muted" id="ratings-none">{_e(messages["publish.none"])}</p>'
    head = "".join(
        f"<th>{_e(messages[k])}</th>"
        for k in (
            "publish.col.subject",
            "publish.scheme",
            "publish.level",
            "publish.rated_on",
            "publish.col.expires",
            "publish.col.action",
        )
    )
    lines = []
    for r in rows:
        lines.append(
            f'<tr data-rating="{r["id"]}"><td>{_e(r["name"])} <small class="muted">'
            f"{_e(_shown_identifier(r['kind'], r['identifier']))}</small></td>"
            f"<td>{_e(r['scheme'])}</td><td>{_e(r['level'])}</td><td>{r['rated_on'].isoformat()}</td>"
            f"<td>{r['expires_on'].isoformat()}</td>"
            f'<td><form method="post" action="/console/ratings/withdraw" class="inline">'
            f'<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="rating" value="{r["id"]}">'
            f'<input name="reason" required maxlength="1000" placeholder="{_e(messages["publish.reason"])}">'
            f'<button type="submit">{_e(messages["publish.withdraw"])}</button></form></td></tr>'
        )
    return f'<table id="current-ratings"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


async def _rate(state: HubState, session: ConsoleSession, form: dict[str, str]) -> str:
    scheme = form.get("scheme", "").strip().upper()
    if scheme not in {s["code"] for s in await _owned_schemes(state, session)}:
        raise ratings.NotRatingAuthority("your agency does not own this rating scheme", scheme=scheme[:64])
    identifier, subject_kind = _identify(form.get("identifier", ""))
    await ratings.rate(
        state.db,
        session.principal,
        scheme=scheme,
        identifier=identifier,
        subject_kind=subject_kind,
        level=form.get("level", "").strip().upper(),
        evidence=form.get("evidence", ""),
        evidence_document=form.get("evidence_document") or None,
        rated_on=_date(form.get("rated_on", ""), "ratedOn"),
    )
    return "rated"


def _identify(raw: str) -> tuple[str, str]:
    """A validated resident ID or USCC (``InvalidIdentifier`` naming neither) and its subject kind."""
    identifier = parse_identifier(raw)
    try:
        parse_resident_id(identifier)
    except InvalidIdentifier:
        return identifier, "organisation"
    return identifier, "person"


async def _withdraw(state: HubState, session: ConsoleSession, form: dict[str, str]) -> str:
    rating_id = _id(form.get("rating", ""), "ratingId")
    await ratings.withdraw(state.db, session.principal, rating_id, form.get("reason", ""))
    return "withdrawn"


def _id(raw: str, argument: str) -> int:
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput(f"{argument} must be an id", argument=argument)
    return int(raw)


# --- lists ------------------------------------------------------------------------------


async def _publishable(state: HubState, session: ConsoleSession) -> list[Any]:
    return await state.db.fetch(Q.publishable_list_kinds, session.principal.kind)


async def listings_page(request: Request, exc: HubError | None = None, status: int = 200) -> Response:
    guarded = await _guarded(request, "listings")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    lang = language(request)
    messages = i18n.catalogue(lang)
    token = _e(csrf_token(state.csrf_key, session.token))
    kinds = await _publishable(state, session)
    if not kinds:
        form = f'<p class="notice" id="no-list">{_e(messages["publish.no_list"])}</p>'
        current = ""
    else:
        options = "".join(
            f'<option value="{_e(listings.api_code(k["code"]))}">'
            f"{_e(messages.get('enum.ListKind.' + listings.api_code(k['code'])) or k['name_zh'])} "
            f"({_e(messages['publish.term.default'])} {k['default_term_months']})</option>"
            for k in kinds
        )
        form = (
            f'<form method="post" action="/console/listings/publish" id="list-form" class="grid">'
            f'<input type="hidden" name="csrf" value="{token}">'
            f'<label>{_e(messages["publish.list"])} <select name="list" required>{options}</select></label>'
            f'<label>{_e(messages["publish.identifier"])} <input name="identifier" required maxlength="40" '
            f'autocomplete="off" placeholder="{_e(messages["publish.identifier.hint"])}"></label>'
            f'<label>{_e(messages["publish.basis_document"])} <input name="basis_document" required maxlength="200">'
            f"</label>"
            f'<label>{_e(messages["publish.term"])} <input type="number" name="term_months" min="1" max="120">'
            f"</label>"
            f'<label>{_e(messages["publish.published_on"])} <input type="date" name="published_on"></label>'
            f'<button type="submit">{_e(messages["publish.publish"])}</button></form>'
        )
        reasons = {k["code"]: list(k["removal_reasons"]) for k in kinds}
        rows = await state.db.fetch(Q.agency_open_listings, session.principal.agency_id, SHOWN)
        today = ratings.today()
        active = [r for r in rows if r["list"] in reasons and _active(r, today)]
        current = _listings_table(active, reasons, messages, token)
    return page(
        request,
        state,
        session,
        "listings",
        {"notice": _notice(request, exc), "form": form, "current": current},
        status=status,
    )


def _active(row: Any, today: dt.date) -> bool:
    ends = expires_on(row["published_on"], row["term_months"], row["extended_months"])
    return ends is None or ends > today


def _listings_table(rows: list[Any], reasons: dict[str, list[str]], messages: dict[str, str], token: str) -> str:
    if not rows:
        return f'<p class="muted" id="listings-none">{_e(messages["publish.none"])}</p>'
    head = "".join(
        f"<th>{_e(messages[k])}</th>"
        for k in (
            "publish.col.subject",
            "publish.list",
            "publish.basis_document",
            "publish.published_on",
            "publish.col.expires",
            "publish.col.action",
        )
    )
    lines = []
    for r in rows:
        code = listings.api_code(r["list"])
        ends = expires_on(r["published_on"], r["term_months"], r["extended_months"])
        choices = "".join(
            f'<option value="{_e(reason.upper())}">{_e(messages["enum.RemovalReason." + reason.upper()])}</option>'
            for reason in reasons[r["list"]]
            if reason != "term_expired"  # the hub removes an entry at the end of its term by itself
        )
        lines.append(
            f'<tr data-listing="{r["id"]}"><td>{_e(r["name"])} <small class="muted">'
            f"{_e(_shown_identifier(r['kind'], r['identifier']))}</small></td>"
            f"<td>{_e(messages.get('enum.ListKind.' + code) or code)}</td><td>{_e(r['basis_document'] or '')}</td>"
            f"<td>{r['published_on'].isoformat()}</td><td>{ends.isoformat() if ends else ''}</td>"
            f'<td><form method="post" action="/console/listings/remove" class="inline">'
            f'<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="listing" value="{r["id"]}">'
            f'<select name="reason" required>{choices}</select>'
            f'<input name="note" maxlength="1000" placeholder="{_e(messages["publish.note"])}">'
            f'<button type="submit">{_e(messages["publish.remove"])}</button></form></td></tr>'
        )
    return f'<table id="active-listings"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


async def _publish(state: HubState, session: ConsoleSession, form: dict[str, str]) -> str:
    kind = form.get("list", "").strip().lower()
    if kind not in {k["code"] for k in await _publishable(state, session)}:
        raise listings.NotYourList("your agency does not publish this list", list=listings.api_code(kind[:64]))
    identifier = parse_identifier(form.get("identifier", ""))
    subject = await state.db.fetchrow(QUERIES.ratings.subject_by_identifier, identifier)
    if subject is None:
        raise NotFound("no subject with this identifier is known to the hub")
    term = form.get("term_months", "").strip()
    if term and not (term.isdigit() and len(term) <= 4):
        raise InvalidInput("termMonths must be a whole number of months", argument="termMonths")
    await listings.publish(
        state.db,
        session.principal,
        subject_id=subject["id"],
        list_kind=kind,
        circumstance=None,
        published_on=_date(form.get("published_on", ""), "publishedOn"),
        term_months=int(term) if term else None,
        basis_document=form.get("basis_document", ""),
    )
    return "published"


async def _remove(state: HubState, session: ConsoleSession, form: dict[str, str]) -> str:
    listing_id = _id(form.get("listing", ""), "listingId")
    note = form.get("note", "").strip()[:1000] or None
    await listings.remove(
        state.db, session.principal, listing_id, form.get("reason", "").strip().lower(), ratings.today(), note
    )
    return "removed"


# --- the actions ------------------------------------------------------------------------

Action = Callable[["HubState", "ConsoleSession", dict[str, str]], Awaitable[str]]
Shown = Callable[..., Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _action(
    name: str, operation: str, act: Action, shown: Shown, back: str
) -> Callable[[Request], Awaitable[Response]]:
    """A POST of one of the pages: CSRF-checked, done by the domain, audited as ``operation``."""

    async def endpoint(request: Request) -> Response:
        from hub.gateway.graphql import Trail

        started = time.perf_counter()
        guarded = await _guarded(request, name)
        if isinstance(guarded, Response):
            return guarded
        state, session = guarded
        form = await _read_form(request)
        if not csrf_ok(state.csrf_key, session.token, form.get("csrf")):
            return error_page(request, 403, "login.expired")
        trail = Trail(request)
        trail.principal = session.principal
        trail.operator = session.operator
        trail.operation = ("mutation", operation)
        trail.purpose = (form.get("scheme") or form.get("list") or "").strip().upper()[:100] or None
        try:
            done = await act(state, session, form)
        except HubError as exc:
            log.info("console: %s refused %s: %s", session.username, operation, exc.code)
            forbidden = exc.code in ("NOT_RATING_AUTHORITY", "NOT_YOUR_LIST")
            refusal = await shown(request, exc, 403 if forbidden else 400)
            answer = await trail.close(state, refusal, "error", exc.code, started)
            return answer if answer.status_code != 503 else error_page(request, 503, "error.unavailable")
        answer = await trail.close(state, _redirect(f"{back}?done={done}"), "ok", None, started)
        if answer.status_code == 503:  # the audit trail could not be written: nothing is confirmed
            return error_page(request, 503, "error.unavailable")
        return answer

    return endpoint


rate_action = _action("ratings", "rateSubject", _rate, ratings_page, "/console/ratings")
withdraw_action = _action("ratings", "withdrawRating", _withdraw, ratings_page, "/console/ratings")
publish_action = _action("listings", "publishListing", _publish, listings_page, "/console/listings")
remove_action = _action("listings", "removeListing", _remove, listings_page, "/console/listings")
