"""The console's credit repair page (信用修复) and the dashboard's card of overdue applications.

Subjects have no console accounts: a subject hands its application and evidence in to the
agency that published the entry, and a clerk or supervisor of that agency records it here
(``/console/repair/apply``) by the entry's id. A supervisor approves or rejects it with reasons
(``/console/repair/decide``): deciding is a supervisor's act, recording a clerk's too. Both
forms carry the session's CSRF token, run :mod:`hub.sanctions.repair` as the session's
principal (so the lifecycle's authority check applies: an agency acts only on entries it may
change), and are written to the audit trail as the mutations ``applyForCreditRepair`` and
``decideCreditRepair`` by ``console:<user>``; an answer whose record cannot be written is
refused. The page lists the applications the agency may see (the operator: all of them, read
only), oldest deadline first, overdue ones marked.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from hub.console import i18n
from hub.console.pages import _guarded, _read_form, _redirect, error_page, language, page
from hub.console.sessions import csrf_ok, csrf_token
from hub.errors import HubError, InvalidInput
from hub.sanctions import repair

if TYPE_CHECKING:
    from hub.console.sessions import ConsoleSession
    from hub.state import HubState

APPLY = "applyForCreditRepair"
DECIDE = "decideCreditRepair"
READ = "Query.creditRepairApplications"
# Who records and who decides, by console role (and the agency's policy).
APPLY_ROLES = frozenset({"clerk", "supervisor"})
DECIDE_ROLES = frozenset({"supervisor"})
SHOWN = 50


def _may(state: HubState, session: ConsoleSession, operation: str, roles: frozenset[str]) -> bool:
    return session.role in roles and f"Mutation.{operation}" in state.policy_for(session.principal).allowed


def may_read(state: HubState, session: ConsoleSession) -> bool:
    return READ in state.policy_for(session.principal).allowed


def _label(messages: dict[str, str], key: str) -> str:
    return html.escape(messages[key])


async def overdue_card(request: Request, state: HubState, session: ConsoleSession) -> str:
    """The dashboard card: undecided applications past their deadline, or a line saying none is."""
    messages = i18n.catalogue(language(request))
    rows = (await repair.applications(state.db, session.principal, overdue=True))[:SHOWN]
    if not rows:
        body = f'<p class="muted" id="repair-overdue-none">{_label(messages, "repair.overdue_none")}</p>'
    else:
        lines = "".join(
            f'<tr data-application="{r["id"]}"><td>{r["id"]}</td><td>{html.escape(r["subject_name"])}</td>'
            f"<td>{html.escape(_list_label(messages, r['list']))}</td><td>{r['applied_on']}</td>"
            f"<td>{r['due_on']}</td></tr>"
            for r in rows
        )
        head = "".join(
            f"<th>{_label(messages, k)}</th>"
            for k in (
                "repair.col.id",
                "repair.col.subject",
                "repair.col.list",
                "repair.col.applied_on",
                "repair.col.due_on",
            )
        )
        body = f'<table id="repair-overdue"><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>'
    link = f'<a href="/console/repair">{_label(messages, "repair.open")}</a>'
    return (
        f'<section class="card" id="repair-overdue-card"><div class="heading"><h2>'
        f"{_label(messages, 'repair.overdue_title')}</h2>{link}</div>{body}</section>"
    )


def _list_label(messages: dict[str, str], code: str) -> str:
    return messages.get(f"enum.ListKind.{code.upper()}", code.upper())


def _notice(request: Request, messages: dict[str, str]) -> str:
    done = request.query_params.get("done")
    error = request.query_params.get("error")
    if done in ("applied", "approved", "rejected"):
        return f'<p class="notice ok" role="status" id="repair-notice">{_label(messages, "repair.done." + done)}</p>'
    if error is not None:
        text = messages.get(f"code.{error}") or messages["error.internal"]
        return f'<p class="notice error" role="alert" id="repair-error">{html.escape(text)}</p>'
    return ""


async def repair_page(request: Request) -> Response:
    guarded = await _guarded(request, "repair")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    lang = language(request)
    messages = i18n.catalogue(lang)
    token = html.escape(csrf_token(state.csrf_key, session.token))
    deciding = _may(state, session, DECIDE, DECIDE_ROLES)
    rows = await repair.applications(state.db, session.principal)
    lines = []
    for r in rows[:1000]:
        status = messages[f"enum.CreditRepairStatus.{r['status'].upper()}"]
        overdue = f' <strong class="overdue">{_label(messages, "repair.overdue")}</strong>' if r["overdue"] else ""
        documents = "<br>".join(html.escape(d) for d in r["evidence_documents"])
        action = html.escape(r["decision_reasons"] or "")
        if r["status"] == "submitted" and deciding:
            action = (
                f'<form method="post" action="/console/repair/decide" class="decide">'
                f'<input type="hidden" name="csrf" value="{token}">'
                f'<input type="hidden" name="application" value="{r["id"]}">'
                f'<label>{_label(messages, "repair.reasons")}<textarea name="reasons" maxlength="4000" required>'
                f"</textarea></label>"
                f'<button type="submit" name="approve" value="1">{_label(messages, "repair.approve")}</button> '
                f'<button type="submit" name="approve" value="0">{_label(messages, "repair.reject")}</button></form>'
            )
        lines.append(
            f'<tr data-application="{r["id"]}"><td>{r["id"]}</td><td>{r["listing_id"]}</td>'
            f"<td>{html.escape(r['subject_name'])}</td><td>{html.escape(_list_label(messages, r['list']))}</td>"
            f'<td>{html.escape(r["applicant"])}<br><small class="origin" data-origin="{r["origin"]}">'
            f"{html.escape(messages['enum.CreditRepairOrigin.' + r['origin'].upper()])}</small></td>"
            f"<td>{html.escape(r['grounds'])}</td>"
            f"<td>{html.escape(r['evidence'])}<br><small>{documents}</small></td>"
            f"<td>{r['applied_on']}</td><td>{r['due_on']}{overdue}</td><td>{html.escape(status)}</td><td>{action}</td></tr>"
        )
    head = "".join(
        f"<th>{_label(messages, 'repair.col.' + k)}</th>"
        for k in (
            "id",
            "listing",
            "subject",
            "list",
            "applicant",
            "grounds",
            "evidence",
            "applied_on",
            "due_on",
            "status",
            "decision",
        )
    )
    table = (
        f'<table id="repair-applications"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'
        if lines
        else f'<p class="muted" id="repair-none">{_label(messages, "repair.none")}</p>'
    )
    form = ""
    if _may(state, session, APPLY, APPLY_ROLES):

        def field(key: str, control: str) -> str:
            return f"<label>{_label(messages, key)}{control}</label>"

        fields = "".join(
            (
                field("repair.col.listing", '<input name="listing" inputmode="numeric" maxlength="18" required>'),
                field("repair.col.applicant", '<input name="applicant" maxlength="200" required>'),
                field("repair.col.grounds", '<textarea name="grounds" maxlength="4000" required></textarea>'),
                field("repair.col.evidence", '<textarea name="evidence" maxlength="4000" required></textarea>'),
                field("repair.documents", '<textarea name="documents" maxlength="4000"></textarea>'),
            )
        )
        form = (
            f'<section class="card"><h2>{_label(messages, "repair.apply_title")}</h2>'
            f'<p class="muted">{_label(messages, "repair.apply_help")}</p>'
            f'<form method="post" action="/console/repair/apply" id="repair-apply" class="grid">'
            f'<input type="hidden" name="csrf" value="{token}">{fields}'
            f'<button type="submit">{_label(messages, "repair.submit")}</button></form></section>'
        )
    body = {"notice": _notice(request, messages), "applications": table, "apply": form}
    return page(request, state, session, "repair", body)


async def _act(request: Request, operation: str, roles: frozenset[str]) -> Response:
    """One POST of the page: CSRF, role and policy checked, the change made, the audit written."""
    from hub.gateway.graphql import Trail

    started = time.perf_counter()
    guarded = await _guarded(request, "repair")
    if isinstance(guarded, Response):
        return guarded
    state, session = guarded
    form = await _read_form(request)
    if not csrf_ok(state.csrf_key, session.token, form.get("csrf")):
        return error_page(request, 403, "login.expired")
    if not _may(state, session, operation, roles):
        return error_page(request, 403, "error.forbidden")
    trail = Trail(request)
    trail.principal = session.principal
    trail.operator = session.operator
    trail.operation = ("mutation", operation)
    try:
        if operation == APPLY:
            listing = form.get("listing", "").strip()
            trail.purpose = f"listing {listing[:18]}"
            if not listing.isdigit() or len(listing) > 18:
                raise InvalidInput("listingId must be an id issued by the hub", argument="listingId")
            await repair.apply(
                state.db,
                session.principal,
                listing_id=int(listing),
                applicant=form.get("applicant", ""),
                grounds=form.get("grounds", ""),
                evidence=form.get("evidence", ""),
                evidence_documents=[d for d in form.get("documents", "").splitlines() if d.strip()],
            )
            done = "applied"
        else:
            application = form.get("application", "").strip()
            trail.purpose = f"application {application[:18]}"
            if not application.isdigit() or len(application) > 18:
                raise InvalidInput("applicationId must be an id issued by the hub", argument="applicationId")
            approve = form.get("approve") == "1"
            await repair.decide(
                state.db, session.principal, int(application), approve=approve, reasons=form.get("reasons", "")
            )
            done = "approved" if approve else "rejected"
    except HubError as exc:
        answer = await trail.close(state, _redirect(f"/console/repair?error={exc.code}"), "error", exc.code, started)
        return answer if answer.status_code != 503 else error_page(request, 503, "error.unavailable")
    answer = await trail.close(state, _redirect(f"/console/repair?done={done}"), "ok", None, started)
    if answer.status_code == 503:  # the audit trail could not be written: nothing is confirmed
        return error_page(request, 503, "error.unavailable")
    return answer


async def apply(request: Request) -> Response:
    """POST: record an application handed in to the agency (clerk or supervisor)."""
    return await _act(request, APPLY, APPLY_ROLES)


async def decide(request: Request) -> Response:
    """POST: approve or reject an application with reasons (supervisor)."""
    return await _act(request, DECIDE, DECIDE_ROLES)
