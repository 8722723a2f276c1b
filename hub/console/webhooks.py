"""The operator's dashboard card of parked webhooks, and re-enabling one from the console.

A webhook is parked after its whole retry schedule failed (``hub.events.webhooks``). The
dashboard of a platform operator lists every parked webhook with its agency and when it was
parked; each row has a form that POSTs ``/console/webhooks/resume`` with the session's CSRF
token. Resuming is :func:`hub.events.webhooks.resume`, the same as the agency's own
``resumeWebhook`` and the operator's ``resumeAgencyWebhook``: delivery starts again from the
oldest undelivered event, in order. The action is written to the audit trail (as the
mutation ``resumeAgencyWebhook`` by ``console:<user>``) before the answer, and refused if the
trail cannot be written.
"""

from __future__ import annotations

import html
import logging
import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from hub import agencies
from hub.console import activity, i18n
from hub.console.pages import _guarded, _read_form, _redirect, error_page, language, page
from hub.console.sessions import csrf_ok, csrf_token
from hub.errors import HubError
from hub.events import webhooks
from hub.sanctions import ratings

if TYPE_CHECKING:
    from hub.console.sessions import ConsoleSession
    from hub.state import HubState

log = logging.getLogger(__name__)

RESUME = "resumeAgencyWebhook"
# The card lists this many, longest parked first.
SHOWN = 50


async def parked_card(request: Request, state: HubState, session: ConsoleSession) -> str:
    """The card's markup: every parked webhook with a resume form, or a line saying none is."""
    messages = i18n.catalogue(language(request))
    rows = await webhooks.parked(state.db, SHOWN)
    token = html.escape(csrf_token(state.csrf_key, session.token))
    notice = ""
    done = request.query_params.get("resumed")
    if done in ("1", "0"):
        key = "webhooks.resumed" if done == "1" else "webhooks.not_parked"
        kind = "notice ok" if done == "1" else "notice"
        notice = f'<p class="{kind}" role="status" id="webhook-notice">{html.escape(messages[key])}</p>'
    if not rows:
        body = f'<p class="muted" id="parked-none">{html.escape(messages["webhooks.none"])}</p>'
    else:
        head = "".join(
            f"<th>{html.escape(messages[k])}</th>"
            for k in (
                "webhooks.col.agency",
                "webhooks.col.parked_at",
                "webhooks.col.backlog",
                "webhooks.col.error",
                "webhooks.col.action",
            )
        )
        lines = []
        for r in rows:
            code = html.escape(r["agency_code"])
            error = r["last_error"] or (f"HTTP {r['last_http_status']}" if r["last_http_status"] else "")
            lines.append(
                f'<tr data-agency="{code}"><td>{html.escape(r["agency_name"])} <small class="muted">{code}</small></td>'
                f'<td><time datetime="{r["parked_at"].isoformat()}">{r["parked_at"]:%Y-%m-%d %H:%M:%S %Z}</time></td>'
                f"<td>{int(r['backlog'])}</td><td>{html.escape(error[:200])}</td>"
                f'<td><form method="post" action="/console/webhooks/resume">'
                f'<input type="hidden" name="csrf" value="{token}"><input type="hidden" name="agency" value="{code}">'
                f'<button type="submit">{html.escape(messages["webhooks.resume"])}</button></form></td></tr>'
            )
        body = f'<table id="parked-webhooks"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'
    title = html.escape(messages["webhooks.title"])
    return f'<section class="card" id="parked"><h2>{title}</h2>{notice}{body}</section>'


async def dashboard(request: Request) -> Response:
    """The dashboard; for the operator, with the parked webhooks' card on top."""
    guarded = await _guarded(request, "dashboard")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    from hub.console import repair

    card = ""
    if _may_resume(state, session):
        card = await parked_card(request, state, session)
    if repair.may_read(state, session):
        card += await repair.overdue_card(request, state, session)
    # The operator sees the province, an agency its own (as sanctionStatistics answers).
    agency = None if state.policy_for(session.principal).operator else session.principal.agency_id
    rewards, punishments = await activity.rewards_and_punishments(state.db, agency, ratings.today())
    return page(request, state, session, "dashboard", {"parked": card, "rewards": rewards, "punishments": punishments})


def _may_resume(state: HubState, session: ConsoleSession) -> bool:
    policy = state.policy_for(session.principal)
    return session.role == "operator" and policy.operator and f"Mutation.{RESUME}" in policy.allowed


async def resume(request: Request) -> Response:
    """POST: re-enable one agency's parked webhook (operator only, CSRF-checked, audited)."""
    from hub.gateway.graphql import Trail

    started = time.perf_counter()
    guarded = await _guarded(request, "dashboard")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    form = await _read_form(request)
    if not csrf_ok(state.csrf_key, session.token, form.get("csrf")):
        return error_page(request, 403, "login.expired")
    if not _may_resume(state, session):
        return error_page(request, 403, "error.forbidden")
    trail = Trail(request)
    trail.principal = session.principal
    trail.operator = session.operator
    trail.operation = ("mutation", RESUME)
    code = form.get("agency", "")
    trail.purpose = code[:100] or None
    try:
        row = await agencies.agency_by_code(state.db, code)
        resumed = await webhooks.resume(state.db, row["id"], by=f"the operator ({session.operator})")
    except HubError as exc:
        answer = await trail.close(state, error_page(request, 400, "error.not_found"), "error", exc.code, started)
        return answer if answer.status_code != 503 else error_page(request, 503, "error.unavailable")
    flag = "1" if resumed else "0"
    answer = await trail.close(state, _redirect(f"/console/dashboard?resumed={flag}#parked"), "ok", None, started)
    if answer.status_code == 503:  # the audit trail could not be written: nothing is confirmed
        return error_page(request, 503, "error.unavailable")
    return answer
