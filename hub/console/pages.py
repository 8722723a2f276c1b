"""The console's pages: login and logout, and one HTML page per task, all served by the hub.

Pages are rendered from ``templates/`` (a ``{{t:key}}`` is a catalogue message, ``{{name}}``
an escaped value, ``{{!name}}`` markup built here); the scripts in ``static/`` call the same
GraphQL API any web client uses, with the session cookie and its CSRF token. Which role may
open which page, and which fields of its agency's policy the page needs, is declared once in
``PAGES``: a page is offered and served only when both hold (deny by default).
"""

from __future__ import annotations

import hmac
import html
import logging
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.console import i18n
from hub.console.sessions import (
    COOKIE,
    SESSION_SECONDS,
    ConsoleSession,
    csrf_ok,
    csrf_token,
    delete_expired,
    end_session,
    session_for,
)
from hub.console.sessions import start_session as new_session
from hub.console.users import LoginFailed, LoginLocked, authenticate
from hub.policy.rules import CASE_NUMBER
from hub.sanctions import interceptions

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
LOGIN_CSRF_COOKIE = "hub_login_csrf"
LANG_COOKIE = "lang"
MAX_FORM_BYTES = 4096
ROLES = frozenset({"clerk", "supervisor", "operator"})

# Console pages: no inline script, nothing from another origin, never inside a frame.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# GraphiQL's editor injects its styles at run time (emotion, CodeMirror).
CSP_GRAPHIQL = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class PageRule:
    """Who may open a page: one of ``roles``, and an agency policy that allows every field
    (and, with ``matters``, lets the agency declare at least one matter to screen for)."""

    roles: frozenset[str]
    fields: tuple[str, ...]
    matters: bool = False


PAGES: dict[str, PageRule] = {
    "check": PageRule(frozenset({"clerk", "supervisor"}), ("Mutation.screen", "Mutation.reportSanction"), matters=True),
    "dashboard": PageRule(ROLES, ("Query.provinceStatistics", "Query.sanctionStatistics")),
    "subject": PageRule(ROLES, ("Query.subjectByResidentId", "Subject.cases", "EnforcementCase.interceptions")),
    # Publishing (hub.console.publishing): which schemes and lists the agency's kind owns is data.
    "ratings": PageRule(frozenset({"clerk", "supervisor"}), ("Mutation.rateSubject", "Mutation.withdrawRating")),
    "listings": PageRule(frozenset({"clerk", "supervisor"}), ("Mutation.publishListing", "Mutation.removeListing")),
    "score": PageRule(ROLES, ("Query.integrityScore",)),
    "audit": PageRule(frozenset({"operator"}), ("Query.auditEvents", "Query.auditVerification")),
    "users": PageRule(frozenset({"operator"}), ("Query.consoleUsers", "Mutation.createConsoleUser")),
    # Credit repair: publishers' clerks record, supervisors decide; the operator reads (hub.console.repair).
    "repair": PageRule(ROLES, ("Query.creditRepairApplications",)),
    # GraphiQL: also open to everyone in development (see ``graphiql_page``).
    "graphiql": PageRule(frozenset({"operator"}), ()),
}
NAV = ("check", "dashboard", "subject", "score", "ratings", "listings", "repair", "audit", "users", "graphiql")


def may_open(state: HubState, session: ConsoleSession, page: str) -> bool:
    rule = PAGES[page]
    if session.role not in rule.roles:
        return False
    policy = state.policy_for(session.principal)
    if rule.matters and not (policy.purposes - {CASE_NUMBER}):
        return False
    return all(field in policy.allowed for field in rule.fields)


# --- rendering ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\{\{(t:|!)?([A-Za-z0-9_.]+)\}\}")


@cache
def _template(name: str) -> str:
    return (HERE / "templates" / f"{name}.html").read_text(encoding="utf-8")


def render(name: str, lang: str, values: dict[str, Any]) -> str:
    messages = i18n.catalogue(lang)

    def fill(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "t:":
            return html.escape(messages[key])
        if kind == "!":
            return str(values[key])
        return html.escape(str(values[key]))

    return _TOKEN.sub(fill, _template(name))


def _json_for_html(value: Any) -> str:
    # Inside <script type="application/json">: nothing may close the element.
    return orjson.dumps(value).decode().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def language(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def _respond(request: Request, body: str, status: int = 200, csp: str = CSP) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, "Content-Security-Policy": csp})
    chosen = request.query_params.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="strict", path="/")
    return response


def _redirect(url: str, status: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status, headers=SECURITY_HEADERS)


def _nav(state: HubState, session: ConsoleSession, current: str, lang: str) -> str:
    messages = i18n.catalogue(lang)
    links = []
    for page in NAV:
        if not (may_open(state, session, page) or (page == "graphiql" and state.settings.is_development)):
            continue
        href = "/graphql" if page == "graphiql" else f"/console/{page}"
        attrs = ' aria-current="page" class="current"' if page == current else ""
        links.append(f'<a href="{href}"{attrs}>{html.escape(messages["nav." + page])}</a>')
    return "\n".join(links)


def page(
    request: Request,
    state: HubState,
    session: ConsoleSession,
    name: str,
    values: dict[str, Any] | None = None,
    status: int = 200,
    data: dict[str, Any] | None = None,
    csp: str = CSP,
) -> HTMLResponse:
    """A page inside the console's layout, with what its script needs in data attributes."""
    lang = language(request)
    messages = i18n.catalogue(lang)
    principal = session.principal
    policy = state.policy_for(principal)
    page_data = {
        "page": name,
        "lang": lang,
        "agency": principal.agency_code,
        "agencyName": principal.agency_name,
        "user": session.username,
        "role": session.role,
        "operator": policy.operator,
        "purposes": sorted(policy.purposes),
        # The scripts leave out of their documents what the policy would refuse.
        "allowed": sorted(policy.allowed),
        **(data or {}),
    }
    other = "en" if lang == "zh-CN" else "zh-CN"
    body = render(name, lang, values or {})
    return _respond(
        request,
        render(
            "layout",
            lang,
            {
                "lang": lang,
                "title": messages[f"nav.{name}"] if f"nav.{name}" in messages else messages["app.title"],
                "nav": _nav(state, session, name, lang),
                "user": session.display_name or session.username,
                "role": messages[f"role.{session.role}"],
                "agency": principal.agency_name,
                "csrf": csrf_token(state.csrf_key, session.token),
                "other_lang": other,
                "body": body,
                "messages": _json_for_html(messages),
                "page_data": _json_for_html(page_data),
                "script": name,
            },
        ),
        status,
        csp,
    )


def error_page(request: Request, status: int, key: str) -> HTMLResponse:
    lang = language(request)
    messages = i18n.catalogue(lang)
    message = messages.get(key) or messages["error.internal"]
    return _respond(request, render("error", lang, {"lang": lang, "message": message}), status=status)


# --- sessions ----------------------------------------------------------------------------


async def current_session(request: Request) -> ConsoleSession | None:
    state: HubState = request.state.hub
    return await session_for(state.db, request.cookies.get(COOKIE))


async def _guarded(request: Request, name: str) -> tuple[HubState, ConsoleSession] | Response:
    state: HubState = request.state.hub
    session = await current_session(request)
    if session is None:
        return _redirect("/console/login")
    if not may_open(state, session, name):
        log.info("console: %s (%s) refused page %s", session.username, session.role, name)
        return error_page(request, 403, "error.forbidden")
    return state, session


async def _read_form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _login_form(request: Request, status: int = 200, message: str | None = None) -> HTMLResponse:
    lang = language(request)
    token = secrets.token_urlsafe(32)
    messages = i18n.catalogue(lang)
    notice = ""
    if message is not None:
        notice = f'<p class="notice error" role="alert" id="login-error">{html.escape(messages[message])}</p>'
    elif request.query_params.get("bye"):
        notice = f'<p class="notice" id="login-bye">{html.escape(messages["login.logged_out"])}</p>'
    response = _respond(
        request,
        render(
            "login",
            lang,
            {"lang": lang, "csrf": token, "notice": notice, "other_lang": "en" if lang == "zh-CN" else "zh-CN"},
        ),
        status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/console/login",
    )
    return response


async def login_page(request: Request) -> Response:
    if await current_session(request) is not None:
        return _redirect("/console")
    return _login_form(request)


async def login(request: Request) -> Response:
    state: HubState = request.state.hub
    form = await _read_form(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form.get("csrf", "")):
        return _login_form(request, 403, "login.expired")
    try:
        user = await authenticate(state.db, form.get("username", ""), form.get("password", ""))
    except LoginLocked:
        log.info("console: login refused, user name locked")
        return _login_form(request, 429, "login.locked")
    except LoginFailed:
        log.info("console: login failed")
        return _login_form(request, 401, "login.failed")
    client = request.client.host if request.client else None
    await delete_expired(state.db)
    token = await new_session(state.db, user, client)
    log.info("console: %s of %s logged in", user.username, user.agency_code)
    response = _redirect("/console")
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


async def logout(request: Request) -> Response:
    state: HubState = request.state.hub
    session = await current_session(request)
    form = await _read_form(request)
    if session is not None:
        if not csrf_ok(state.csrf_key, session.token, form.get("csrf")):
            return error_page(request, 403, "login.expired")
        await end_session(state.db, session.token)
        log.info("console: %s logged out", session.username)
    response = _redirect("/console/login?bye=1")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


# --- pages -------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    state: HubState = request.state.hub
    session = await current_session(request)
    if session is None:
        return _redirect("/console/login")
    for name in ("check", "dashboard"):
        if may_open(state, session, name):
            return _redirect(f"/console/{name}")
    return error_page(request, 403, "error.forbidden")


async def check_page(request: Request) -> Response:
    guarded = await _guarded(request, "check")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    purposes = state.policy_for(session.principal).purposes
    rows = await interceptions.matters(state.db)
    lang = language(request)
    # The catalogue's names are Chinese; an English page shows the console's own label.
    names = {
        r["code"]: r["name"] if lang == "zh-CN" else i18n.label(lang, f"purpose.{r['code']}") or r["name"] for r in rows
    }
    options = "\n".join(
        f'<option value="{html.escape(code)}">{html.escape(name)}</option>'
        for code, name in names.items()
        if code in purposes
    )
    return page(request, state, session, "check", {"matters": options})


def _simple(name: str) -> Any:
    async def endpoint(request: Request) -> Response:
        guarded = await _guarded(request, name)
        if isinstance(guarded, Response):
            return guarded
        state, session = guarded
        return page(request, state, session, name)

    return endpoint


async def graphiql_page(request: Request) -> Response:
    """GraphiQL, served with every asset from the hub: in development, or for the operator."""
    state: HubState = request.state.hub
    session = await current_session(request)
    allowed = state.settings.is_development or (session is not None and may_open(state, session, "graphiql"))
    if not allowed:
        if session is None:
            return Response("Not Found", status_code=404)
        return error_page(request, 403, "error.forbidden")
    lang = language(request)
    csrf = "" if session is None else csrf_token(state.csrf_key, session.token)
    return _respond(
        request,
        render("graphiql", lang, {"lang": lang, "csrf": csrf}),
        csp=CSP_GRAPHIQL,
    )


class _Static(StaticFiles):
    """The console's scripts, styles and vendored libraries, with the pages' safety headers."""

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response


def console_routes() -> list[BaseRoute]:
    from hub.console import publishing, repair, webhooks
    from hub.console.exports import export_endpoint

    return [
        Route("/console", home, methods=["GET"]),
        Route("/console/", home, methods=["GET"]),
        Route("/console/login", login_page, methods=["GET"]),
        Route("/console/login", login, methods=["POST"]),
        Route("/console/logout", logout, methods=["POST"]),
        Route("/console/check", check_page, methods=["GET"]),
        Route("/console/dashboard", webhooks.dashboard, methods=["GET"]),
        Route("/console/webhooks/resume", webhooks.resume, methods=["POST"]),
        Route("/console/subject", _simple("subject"), methods=["GET"]),
        Route("/console/ratings", publishing.ratings_page, methods=["GET"]),
        Route("/console/ratings/rate", publishing.rate_action, methods=["POST"]),
        Route("/console/ratings/withdraw", publishing.withdraw_action, methods=["POST"]),
        Route("/console/listings", publishing.listings_page, methods=["GET"]),
        Route("/console/listings/publish", publishing.publish_action, methods=["POST"]),
        Route("/console/listings/remove", publishing.remove_action, methods=["POST"]),
        Route("/console/repair", repair.repair_page, methods=["GET"]),
        Route("/console/repair/apply", repair.apply, methods=["POST"]),
        Route("/console/repair/decide", repair.decide, methods=["POST"]),
        Route("/console/score", _simple("score"), methods=["GET"]),
        Route("/console/audit", _simple("audit"), methods=["GET"]),
        Route("/console/users", _simple("users"), methods=["GET"]),
        Route("/console/graphiql", graphiql_page, methods=["GET"]),
        Route("/console/export/{file}", export_endpoint, methods=["GET"]),
        Mount("/console/static", app=_Static(directory=HERE / "static"), name="console-static"),
    ]
