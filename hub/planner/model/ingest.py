"""Batches sources published and the history of their records (``hub.schema.ingest``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.db.queries import QUERIES
from hub.errors import InvalidInput, SourceNotAllowed
from hub.planner.model.base import (
    ID_KEY,
    FieldSpec,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
    col,
    enum_value,
    named,
)


def _batch_id(args: Mapping[str, Any]) -> int | None:
    """The id asked for, or None where the resolver answers null without a lookup."""
    try:
        batch_id = int(args["id"])
    except ValueError:
        raise InvalidInput("id must be a batch id issued by the hub", argument="id") from None
    return batch_id if 0 < batch_id < 2**31 else None


def _check_batch(args: Mapping[str, Any], ctx: Any) -> None:
    _batch_id(args)


def _source(args: Mapping[str, Any]) -> str:
    source = enum_value(args["source"])
    assert source is not None
    return source


def _check_history(args: Mapping[str, Any], ctx: Any) -> None:
    name = _source(args)
    if not ctx.policy.operator and name not in ctx.policy.ingest_sources:
        raise SourceNotAllowed(f"only the {name} source's own agencies read its history", source=name)


def _message(a: str) -> str:
    # hub.ingest.pipeline.batch_by_id: an interrupted batch says so; else the report's message.
    from hub.ingest.pipeline import INTERRUPTED

    text = INTERRUPTED.replace("'", "''")
    return (
        f"CASE WHEN {a}.status = 'failed' AND {a}.finished_at IS NULL THEN '{text}' "
        f"ELSE {a}.report::jsonb ->> 'message' END"
    )


ROOTS: dict[str, FieldSpec] = {
    # sql/queries/ingest.sql batch_by_id (an abandoned batch shown as failed): an agency's
    # own batches, every batch for the operator; null otherwise.
    "ingestBatch": Related(
        source=named(QUERIES.ingest.batch_by_id, lambda b: b.value(lambda a, c: _batch_id(a), "bigint")),
        where=lambda p, t, b: (
            f"({b.value(lambda a, c: bool(c.policy.operator), 'boolean')} "
            f"OR {t}.agency_code = {b.value(lambda a, c: c.principal.agency_code, 'text')})"
        ),
        check=_check_batch,
    ),
    # history_of_record: oldest first, with the code of the agency that sent each batch.
    "recordHistory": Paged(
        source=lambda t, b: (
            f"ingest.record_history {t} JOIN ingest.batch {t}_b ON {t}_b.id = {t}.batch_id "
            f"JOIN core.agency {t}_a ON {t}_a.id = {t}_b.agency_id"
        ),
        where=lambda p, t, b: (
            f"{t}.source = {b.value(lambda a, c: _source(a), 'text')} "
            f"AND {t}.record_key = {b.value(lambda a, c: a['key'].strip(), 'text')}"
        ),
        scope=lambda args: f"history:{_source(args)}:{args['key']}",
        keys=ID_KEY,
        check=_check_history,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "IngestBatch": TypeSpec(
        {
            "id": Leaf(col("id")),
            "agency": Leaf(col("agency_code")),
            "source": Leaf(col("source")),
            "format": Leaf(col("format")),
            "encoding": Leaf(col("encoding")),
            "mode": Leaf(col("mode")),
            "sourceVersion": Leaf(col("source_version")),
            "status": Leaf(col("status")),
            "records": Leaf(col("records")),
            "invalid": Leaf(col("invalid")),
            "inserted": Leaf(col("inserted")),
            "updated": Leaf(col("updated")),
            "unchanged": Leaf(col("unchanged")),
            "held": Leaf(col("held")),
            # The report's errors, in its order (an element per bad field of a record).
            "errors": Listed(
                source=lambda t, b: (
                    f"ingest.batch {t}_b CROSS JOIN LATERAL "
                    f"jsonb_array_elements(coalesce({t}_b.report -> 'errors', '[]'::jsonb)) WITH ORDINALITY {t}(e, o)"
                ),
                where=lambda p, t, b: f"{t}_b.id = {p}.id",
                order=col("o"),
            ),
            "errorsNotShown": Leaf(lambda a: f"coalesce(({a}.report::jsonb ->> 'errorsNotShown')::bigint, 0)"),
            "message": Leaf(_message),
            "startedAt": Leaf(col("started_at")),
            "finishedAt": Leaf(col("finished_at")),
        }
    ),
    # An element of a batch report's errors (e: the JSON object).
    "IngestError": TypeSpec(
        {
            "line": Leaf(lambda a: f"({a}.e ->> 'line')::bigint"),
            "field": Leaf(lambda a: f"({a}.e ->> 'field')"),
            "reason": Leaf(lambda a: f"({a}.e ->> 'reason')"),
        }
    ),
    # A row of ingest.record_history with its batch (<row>_b) and that batch's agency (<row>_a).
    "RecordChange": TypeSpec(
        {
            "id": Leaf(col("id")),
            "batchId": Leaf(col("batch_id")),
            "agency": Leaf(lambda a: f"{a}_a.code"),
            "at": Leaf(col("at")),
            "change": Leaf(col("change")),
            "sourceVersion": Leaf(col("source_version")),
            "before": Leaf(col("before")),
            "after": Leaf(col("after")),
        }
    ),
}
