"""The audit trail as the platform operator reads it: events, verification, statistics."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from hub import agencies
from hub.audit import queries, verify
from hub.errors import InvalidInput
from hub.sanctions.interceptions import check_period
from hub.schema.context import Info
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.sources.base import Row


@strawberry.enum(description="How an operation ended.")
class AuditOutcome(Enum):
    OK = strawberry.enum_value("ok", description="Answered without errors.")
    ERROR = strawberry.enum_value("error", description="Answered with errors, or the request was at fault.")
    DENIED = strawberry.enum_value("denied", description="Refused: no valid key, or outside the agency's policy.")
    LIMITED = strawberry.enum_value("limited", description="Refused by a size, complexity or rate limit.")


@strawberry.type(description="One record of the audit trail: one operation, answered or refused.")
class AuditEvent:
    seq: int = strawberry.field(description="Position in the hash chain, from 1.")
    at: datetime.datetime = strawberry.field(description="When the operation was received.")
    agency_code: str | None = strawberry.field(description="The agency; null when no valid key was sent.")
    operator: str | None = strawberry.field(description="The end user named in Hub-Operator (not trusted for access).")
    operation_type: str | None = strawberry.field(description="query or mutation; null if the request did not parse.")
    operation_name: str | None = strawberry.field(description="The operation's name, if it had one.")
    document_hash: str | None = strawberry.field(description="SHA-256 (hex) of the query text.")
    fields: list[str] = strawberry.field(description="Schema coordinates selected, e.g. Person.listings.")
    subject_ids: list[strawberry.ID] = strawberry.field(
        description="Internal ids of the subjects whose data was returned."
    )
    purpose: str | None = strawberry.field(description="The purpose declared in Hub-Purpose.")
    outcome: AuditOutcome = strawberry.field(description="How the operation ended.")
    error_codes: list[str] = strawberry.field(description="Codes of the errors returned, if any.")
    duration_ms: float = strawberry.field(description="Time spent in the hub, in milliseconds.")
    client: str | None = strawberry.field(description="Client IP address.")


def event_from_row(row: Row) -> AuditEvent:
    return AuditEvent(
        seq=row["seq"],
        at=row["at"],
        agency_code=row["agency_code"],
        operator=row["operator"],
        operation_type=row["operation_type"],
        operation_name=row["operation_name"],
        document_hash=row["document_hash"],
        fields=list(row["fields"]),
        subject_ids=[strawberry.ID(str(s)) for s in row["subjects"]],
        purpose=row["purpose"],
        outcome=AuditOutcome(row["outcome"]),
        error_codes=list(row["error_codes"]),
        duration_ms=row["duration_us"] / 1000,
        client=None if row["client"] is None else str(row["client"]),
    )


@strawberry.type(description="Where the audit chain first breaks.")
class AuditBreak:
    seq: int = strawberry.field(description="The first record found wrong (or missing).")
    kind: str = strawberry.field(
        description=(
            "modified, deleted, inserted, reordered, unlinked, truncated, rewritten, head_mismatch or bad_checkpoint."
        )
    )
    detail: str = strawberry.field(description="What was seen there.")


@strawberry.type(description="The result of walking the whole chain and its signed checkpoints.")
class AuditVerification:
    ok: bool = strawberry.field(description="True when every record and checkpoint holds.")
    records: int = strawberry.field(description="Records that passed every check.")
    head_seq: int = strawberry.field(description="The chain head's seq.")
    head_hash: str = strawberry.field(description="The chain head's hash (hex).")
    checkpoints: int = strawberry.field(description="Signed checkpoints reached and matched.")
    first_break: AuditBreak | None = strawberry.field(description="The first break, or null.")


@strawberry.type(description="One agency's activity on one day (China Standard Time).")
class AgencyDay:
    day: datetime.date = strawberry.field(description="The local date.")
    agency_code: str | None = strawberry.field(description="The agency; null for requests without a valid key.")
    operations: int = strawberry.field(description="Operations received.")
    subjects: int = strawberry.field(description="Distinct subjects whose data was returned.")
    denied: int = strawberry.field(description="Operations refused by authentication or policy.")
    limited: int = strawberry.field(description="Operations refused by a limit.")
    errors: int = strawberry.field(description="Operations that failed or were malformed.")


async def _agency_id(info: Info, code: str | None) -> int | None:
    if code is None:
        return None
    row = await agencies.agency_by_code(info.context.db, code)
    return int(row["id"])


@strawberry.type(description="The audit trail, for the platform operator.")
class AuditQuery:
    @strawberry.field(description="Audit events, newest first, filtered by agency, subject, purpose, time and outcome.")
    async def audit_events(
        self,
        info: Info,
        agency_code: Annotated[str | None, strawberry.argument(description="Only this agency's operations.")] = None,
        subject_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only operations that returned this subject.")
        ] = None,
        purpose: Annotated[str | None, strawberry.argument(description="Only purposes containing this text.")] = None,
        since: Annotated[
            datetime.datetime | None, strawberry.argument(description="From this time (inclusive).")
        ] = None,
        until: Annotated[datetime.datetime | None, strawberry.argument(description="Before this time.")] = None,
        outcome: Annotated[AuditOutcome | None, strawberry.argument(description="Only this outcome.")] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        scope = "auditEvents"
        limit = page_size(ctx, first)
        after_seq = None if after is None else int(decode_cursor(ctx.cursor_key, scope, after))
        subject = None
        if subject_id is not None:
            if not str(subject_id).isdigit():
                raise InvalidInput("subjectId must be a subject id issued by the hub", argument="subjectId")
            subject = int(subject_id)
        rows = await queries.search_events(
            ctx.db,
            agency_id=await _agency_id(info, agency_code),
            subject_id=subject,
            purpose=purpose,
            since=since,
            until=until,
            outcome=None if outcome is None else str(outcome.value),
            after_seq=after_seq,
            limit=limit + 1,
        )
        return build_connection(
            ctx, scope, rows[:limit], len(rows) > limit, event_from_row, sort_key=lambda r: r["seq"]
        )

    @strawberry.field(description="Walk the whole chain now and report the first break (slow on a long trail).")
    async def audit_verification(self, info: Info) -> AuditVerification:
        report = await verify.verify(info.context.db)
        brk = report.first_break
        return AuditVerification(
            ok=report.ok,
            records=report.records,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            checkpoints=report.checkpoints,
            first_break=None if brk is None else AuditBreak(seq=brk.seq, kind=brk.kind, detail=brk.detail),
        )

    @strawberry.field(description="Per agency and day: operations, subjects looked up, denied, limited, errors.")
    async def agency_statistics(
        self,
        info: Info,
        since: Annotated[datetime.date, strawberry.argument(description="First day (inclusive).")],
        until: Annotated[datetime.date, strawberry.argument(description="Day after the last day.")],
        agency_code: Annotated[str | None, strawberry.argument(description="Only this agency.")] = None,
    ) -> list[AgencyDay]:
        check_period(since, until)
        rows = await queries.daily_statistics(
            info.context.db, since=since, until=until, agency_id=await _agency_id(info, agency_code)
        )
        return [
            AgencyDay(
                day=r["day"],
                agency_code=r["agency_code"],
                operations=r["operations"],
                subjects=r["subjects"],
                denied=r["denied"],
                limited=r["limited"],
                errors=r["errors"],
            )
            for r in rows
        ]
