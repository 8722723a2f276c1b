"""The audit trail as the platform operator reads it: ``hub.schema.audit``.

``auditVerification`` is not here: it walks and re-hashes the whole chain in Python. An
``agencyCode`` argument is looked up by the resolver, which refuses an unknown code: a
request naming another agency than its own is answered by the executor (``named_agency``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.db.queries import QUERIES
from hub.errors import InvalidCursor, InvalidInput
from hub.planner.model.base import (
    ExecutorAnswers,
    FieldSpec,
    Leaf,
    Listed,
    Paged,
    TypeSpec,
    argument,
    col,
    enum_value,
    named,
    named_agency,
)

_BIGINT = 2**63


def _subject_id(args: Mapping[str, Any]) -> int | None:
    """hub.schema.audit: digits, else InvalidInput; a value the statement cannot take (no
    int, past bigint) fails there: the executor says how."""
    raw = args.get("subjectId")
    if raw is None:
        return None
    if not str(raw).isdigit():
        raise InvalidInput("subjectId must be a subject id issued by the hub", argument="subjectId")
    try:
        value = int(raw)
    except ValueError:
        raise ExecutorAnswers("subjectId is not an integer") from None
    if value >= _BIGINT:
        raise ExecutorAnswers("subjectId is out of range")
    return value


def _agency(args: Mapping[str, Any], ctx: Any) -> int | None:
    return named_agency(args.get("agencyCode"), ctx)


def _events_check(args: Mapping[str, Any], ctx: Any) -> None:
    _agency(args, ctx)
    _subject_id(args)


def _seq(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCursor("the cursor belongs to another list")
    return value


def _statistics_check(args: Mapping[str, Any], ctx: Any) -> None:
    from hub.sanctions.interceptions import check_period

    check_period(args["since"], args["until"])
    _agency(args, ctx)


def _time_zone(b: Any) -> str:
    from hub.audit.queries import DEFAULT_TIME_ZONE

    return "'" + DEFAULT_TIME_ZONE.replace("'", "''") + "'"


ROOTS: dict[str, FieldSpec] = {
    # sql/queries/audit.sql search_events, newest first, keyset by seq; the page and the
    # cursor's seq are the statement's own ($7, $8: no limit, the connection takes its page).
    "auditEvents": Paged(
        source=named(
            QUERIES.audit.search_events,
            lambda b: b.value(_agency, "bigint"),
            lambda b: b.value(lambda a, c: _subject_id(a), "bigint"),
            argument("purpose", "text"),
            argument("since", "timestamptz"),
            argument("until", "timestamptz"),
            lambda b: b.value(lambda a, c: enum_value(a.get("outcome")), "text"),
            lambda b: b.after(_seq, "bigint"),
            lambda b: "NULL",
        ),
        where=lambda p, t, b: "true",
        scope="auditEvents",
        keys=((col("seq"), True),),
        after=lambda t, b: "true",
        check=_events_check,
    ),
    # daily_statistics in China Standard Time, by day, then agency (unauthenticated first).
    "agencyStatistics": Listed(
        source=named(
            QUERIES.audit.daily_statistics,
            argument("since", "date"),
            argument("until", "date"),
            lambda b: b.value(_agency, "bigint"),
            _time_zone,
        ),
        where=lambda p, t, b: "true",
        order=lambda t: f"{t}.day, {t}.agency_id NULLS FIRST",
        check=_statistics_check,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "AuditEvent": TypeSpec(
        {
            "seq": Leaf(col("seq")),
            "at": Leaf(col("at")),
            "agencyCode": Leaf(col("agency_code")),
            "operator": Leaf(col("operator")),
            "operationType": Leaf(col("operation_type")),
            "operationName": Leaf(col("operation_name")),
            "documentHash": Leaf(col("document_hash")),
            "fields": Leaf(col("fields")),
            "subjectIds": Leaf(col("subjects")),
            "purpose": Leaf(col("purpose")),
            "outcome": Leaf(col("outcome")),
            "errorCodes": Leaf(col("error_codes")),
            # duration_us / 1000 in Python: both divide exactly representable integers.
            "durationMs": Leaf(lambda a: f"{a}.duration_us::float8 / 1000"),
            # str() of the inet asyncpg decodes: as inet's output writes it (abbrev), an address
            # without a full-length mask (a cast to text always adds one).
            "client": Leaf(lambda a: f"abbrev({a}.client)"),
        }
    ),
    "AgencyDay": TypeSpec(
        {
            "day": Leaf(col("day")),
            "agencyCode": Leaf(col("agency_code")),
            "operations": Leaf(col("operations")),
            "subjects": Leaf(col("subjects")),
            "denied": Leaf(col("denied")),
            "limited": Leaf(col("limited")),
            "errors": Leaf(col("errors")),
        }
    ),
}
