"""Downloads of the console's list, interception and audit views, as CSV or Excel.

``GET /console/export/{view}.{csv|xlsx}?...`` runs the view's own question through the hub's
executor as the logged-in user (the same policy, masking and limits as the page), writes one
audit record for it like any query (its operation named ``ConsoleExport<View>:<format>``), and
answers the rows with the page's columns and labels, in the page's language. A question the
hub refuses is the console's error page, and is in the audit trail too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub.console import i18n
from hub.errors import HubError
from hub.gateway.graphql import Trail, request_context
from hub.identity import normalise_resident_id, normalise_uscc

if TYPE_CHECKING:
    from hub.state import HubState

CHINA = ZoneInfo("Asia/Shanghai")
# Rows a download holds at most: the pages' own page size (the API's maximum).
MAX_ROWS = 100
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Label = Callable[[str], str]
Row = list[str]


@dataclass(frozen=True)
class View:
    """One downloadable view: the page whose access rule applies, its question, and its table."""

    page: str
    document: str
    columns: tuple[str, ...]  # catalogue keys of the column headers
    variables: Callable[[Mapping[str, str]], dict[str, Any]]
    rows: Callable[[dict[str, Any], Label], list[Row]]


def _rows_wanted(params: Mapping[str, str], default: int) -> int:
    try:
        return max(1, min(MAX_ROWS, int(params.get("first") or default)))
    except ValueError:
        return default


def _moment(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- the debtor view's listings

_LISTING_FIELDS = """name ... on Person { residentId } ... on Organisation { uscc }
  listings(first: 50) { nodes { list circumstance publishedOn expiresOn active removedOn removalReason
    basisDocument case { caseNumber } } }"""
LISTINGS_BY_ID = f"""query ConsoleExportListings($id: String!) {{
  s: subjectByResidentId(residentId: $id) {{ {_LISTING_FIELDS} }} }}"""
LISTINGS_BY_USCC = f"""query ConsoleExportListings($id: String!) {{
  s: subjectByUscc(uscc: $id) {{ {_LISTING_FIELDS} }} }}"""


def _listing_variables(params: Mapping[str, str]) -> dict[str, Any]:
    return {"id": params.get("id", "")}


def _listing_rows(data: dict[str, Any], label: Label) -> list[Row]:
    subject = data.get("s")
    if not subject:
        return []
    identifier = subject.get("residentId") or subject.get("uscc") or ""
    return [
        [
            subject["name"],
            identifier,
            # Court lists: the case; other lists: the publisher's decision document.
            entry["case"]["caseNumber"] if entry["case"] else (entry["basisDocument"] or ""),
            label(f"enum.ListKind.{entry['list']}"),
            label(f"enum.Circumstance.{entry['circumstance']}") if entry["circumstance"] else "",
            entry["publishedOn"] or "",
            entry["expiresOn"] or "",
            "●" if entry["active"] else (entry["removedOn"] or ""),
            label(f"enum.RemovalReason.{entry['removalReason']}") if entry["removalReason"] else "",
        ]
        for entry in subject["listings"]["nodes"]
    ]


# ---------------------------------------------------------------- the dashboard's interceptions

INTERCEPTIONS = """query ConsoleExportInterceptions($first: Int!) {
  recentInterceptions(first: $first) { id at agencyCode matter decision regionCode operator outcome } }"""


def _interception_rows(data: dict[str, Any], label: Label) -> list[Row]:
    return [
        [
            _moment(i["at"]),
            i["agencyCode"],
            label(f"purpose.{i['matter']}"),
            label(f"enum.Decision.{i['decision']}"),
            i["operator"] or "",
            label(f"enum.SanctionOutcome.{i['outcome']}") if i["outcome"] else label("dash.not_reported"),
        ]
        for i in data["recentInterceptions"]
    ]


# ---------------------------------------------------------------- the audit view

AUDIT = """query ConsoleExportAudit($agency: String, $outcome: AuditOutcome, $first: Int!) {
  auditEvents(agencyCode: $agency, outcome: $outcome, first: $first) {
    nodes { seq at agencyCode operator operationType operationName purpose outcome errorCodes durationMs } } }"""


def _audit_variables(params: Mapping[str, str]) -> dict[str, Any]:
    return {
        "agency": params.get("agency") or None,
        "outcome": params.get("outcome") or None,
        "first": _rows_wanted(params, 50),
    }


def _audit_rows(data: dict[str, Any], label: Label) -> list[Row]:
    return [
        [
            str(e["seq"]),
            _moment(e["at"]),
            e["agencyCode"] or "",
            e["operator"] or "",
            f"{e['operationType'] or ''} {e['operationName'] or ''}".strip(),
            label(f"purpose.{e['purpose']}") if e["purpose"] else "",
            label(f"enum.AuditOutcome.{e['outcome']}"),
            ",".join(e["errorCodes"]),
            f"{e['durationMs']:.1f}",
        ]
        for e in data["auditEvents"]["nodes"]
    ]


VIEWS: dict[str, View] = {
    "listings": View(
        "subject",
        LISTINGS_BY_ID,
        (
            "check.name",
            "export.identifier",
            "check.case",
            "export.list",
            "export.circumstance",
            "export.published_on",
            "export.expires_on",
            "export.removed_on",
            "export.removal_reason",
        ),
        _listing_variables,
        _listing_rows,
    ),
    "interceptions": View(
        "dashboard",
        INTERCEPTIONS,
        tuple(f"dash.col.{c}" for c in ("at", "agency", "matter", "decision", "operator", "outcome")),
        lambda params: {"first": _rows_wanted(params, 15)},
        _interception_rows,
    ),
    "audit": View(
        "audit",
        AUDIT,
        (
            "audit.col.seq",
            "dash.col.at",
            "audit.agency",
            "dash.col.operator",
            "audit.col.operation",
            "audit.col.purpose",
            "audit.outcome",
            "export.error_codes",
            "audit.col.duration",
        ),
        _audit_variables,
        _audit_rows,
    ),
}


def as_csv(header: Row, rows: list[Row]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Chinese text as such."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    # A cell starting with = + - @ would be a formula to a spreadsheet: data stays data.
    writer.writerows([[("'" + c) if c[:1] in ("=", "+", "-", "@") else c for c in row] for row in rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def as_xlsx(title: str, header: Row, rows: list[Row]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        # Written as text cells: openpyxl stores a string starting with "=" as a formula.
        sheet.append([_text_cell(sheet, c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet: Any, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


async def export_endpoint(request: Request) -> Response:
    from hub.console.pages import current_session, error_page, language, may_open

    state: HubState = request.state.hub
    started = time.perf_counter()
    name, _, fmt = request.path_params["file"].partition(".")
    view = VIEWS.get(name)
    if view is None or fmt not in MEDIA:
        return error_page(request, 404, "error.not_found")
    session = await current_session(request)
    if session is None:
        return error_page(request, 401, "error.session")
    if not may_open(state, session, view.page):
        return error_page(request, 403, "error.forbidden")
    trail = Trail(request)
    trail.principal, trail.operator = session.principal, session.operator
    params = request.query_params
    document = view.document
    variables = view.variables(params)
    if name == "listings":
        document, variables["id"] = _subject_question(variables["id"])
    purpose = (params.get("purpose") or "").strip()[:100] or None
    trail.query, trail.purpose = document, purpose
    try:
        await state.rate_limiter.admit(session.principal.agency_id)
    except HubError as exc:
        return await trail.close(state, error_page(request, 429, f"code.{exc.code}"), "limited", exc.code, started)
    context = request_context(state, session.principal, purpose, session.operator)
    outcome = await state.executor.run(document, variables, None, context, ("query",), purpose)
    state.rate_limiter.returned(session.principal.agency_id, set(outcome.subjects))
    trail.outcome = outcome
    trail.operation = ("query", f"{outcome.operation_name or name}:{fmt}")
    trail.document_hash = hashlib.sha256(document.encode()).hexdigest()
    body = orjson.loads(orjson.dumps(outcome.body))
    errors = body.get("errors") or []
    if errors or not body.get("data"):
        code = errors[0]["extensions"]["code"] if errors else "INTERNAL_SERVER_ERROR"
        status = outcome.http_status or (403 if outcome.result == "denied" else 400)
        return await trail.close(state, error_page(request, status, f"code.{code}"), outcome.result, None, started)
    lang = language(request)

    def label(key: str) -> str:
        return i18n.label(lang, key) or key.rsplit(".", 1)[-1]

    header = [label(key) for key in view.columns]
    rows = view.rows(body["data"], label)
    stamp = datetime.now(CHINA).strftime("%Y%m%d-%H%M%S")
    content = as_csv(header, rows) if fmt == "csv" else as_xlsx(name, header, rows)
    response = Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "Cache-Control": "no-store"},
    )
    return await trail.close(state, response, outcome.result, None, started)


def _subject_question(raw: str) -> tuple[str, str]:
    """The debtor view's own choice: a resident ID, else a USCC (either normalised as the page does)."""
    try:
        return LISTINGS_BY_ID, normalise_resident_id(raw)
    except HubError:
        pass
    try:
        return LISTINGS_BY_USCC, normalise_uscc(raw)
    except HubError:
        return LISTINGS_BY_ID, raw.strip()
