"""One batch from records to committed rows: stage, check, link parties, merge, history.

The batch keeps one connection. Its records are checked in Python as they arrive and COPYed
in chunks into temporary tables; then, in one transaction, the set-based checks run, the
parties are linked (or held for an operator), only the records whose stored form differs
are written, each change leaves a history row, and the batch is marked applied. Anything
that stops it before the commit (a bad record in atomic mode, a client that goes away, a
process that dies) leaves the stored data as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import BadUpload, SourceNotAllowed
from hub.identity.resolution import propose_pending
from hub.ingest.framing import Parsed
from hub.ingest.records import ERROR_COLUMNS, ITEM_COLUMNS, PARTY_COLUMNS, SOURCES, Source, Staged, stage_record
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy

Q = QUERIES.ingest
log = logging.getLogger(__name__)

MODES = ("atomic", "partial")
# Records staged per COPY: big enough to amortise the round trips, small enough to keep the
# process's memory flat whatever the size of the file.
CHUNK_RECORDS = 20_000
# Errors kept in a batch's report; the rest are counted.
REPORT_ERRORS = 1_000


class UploadInterrupted(Exception):
    """The body stopped before its end (the client went away)."""


@dataclass
class BatchReport:
    """A batch as ``ingest.batch`` keeps it, with its report."""

    id: int
    agency_code: str
    source: str
    format: str
    encoding: str
    mode: str
    source_version: str | None
    status: str
    records: int = 0
    invalid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_not_shown: int = 0
    message: str | None = None
    body_sha256: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agency": self.agency_code,
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "mode": self.mode,
            "sourceVersion": self.source_version,
            "status": self.status,
            "records": self.records,
            "invalid": self.invalid,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "held": self.held,
            "errors": self.errors,
            "errorsNotShown": self.errors_not_shown,
            "message": self.message,
            "bodySha256": self.body_sha256,
            "startedAt": self.started_at.isoformat() if self.started_at else None,
            "finishedAt": self.finished_at.isoformat() if self.finished_at else None,
        }


class _Rejected(Exception):
    pass


async def run_batch(
    db: Database,
    principal: Principal,
    source_name: str,
    records: AsyncIterator[list[Parsed]],
    *,
    fmt: str,
    encoding: str = "utf-8",
    mode: str = "atomic",
    source_version: str | None = None,
    digest: Callable[[], str] | None = None,
) -> BatchReport:
    """Stage, check and merge the records ``records`` yields (in chunks, in file order)."""
    source = SOURCES[source_name]
    if mode not in MODES:
        raise BadUpload(f"mode must be atomic or partial, not {mode!r}", argument="mode")
    if source_version is not None and len(source_version) > 100:
        raise BadUpload("sourceVersion is at most 100 characters", argument="sourceVersion")
    # Its staging tables and batch lock live as long as the session: straight to PostgreSQL.
    async with db.sessions.acquire() as conn:
        row = await conn.fetchrow(Q.insert_batch, principal.agency_id, source.name, fmt, encoding, mode, source_version)
        assert row is not None
        report = BatchReport(
            id=row["id"],
            agency_code=principal.agency_code,
            source=source.name,
            format=fmt,
            encoding=encoding,
            mode=mode,
            source_version=source_version,
            status="received",
            started_at=row["started_at"],
        )
        await conn.execute(Q.lock_batch, report.id)
        try:
            await _run(conn, source, report, records, digest)
            if report.status == "applied":
                db.changed()  # as ``Database.change``: the batch has committed
        finally:
            try:
                await conn.execute(Q.drop_stage_tables)
                await conn.execute(Q.unlock_batch, report.id)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                log.warning("batch %d: staging not cleaned up: %s", report.id, type(exc).__name__)
    return report


async def _run(
    conn: asyncpg.Connection,
    source: Source,
    report: BatchReport,
    records: AsyncIterator[list[Parsed]],
    digest: Callable[[], str] | None,
) -> None:
    try:
        await _stage(conn, source, report, records)
        report.body_sha256 = digest() if digest is not None else None
        await conn.execute(Q.set_validating, report.id, report.records, report.body_sha256)
        report.status = "validating"
        async with conn.transaction():
            await conn.execute(Q.merge_settings)
            await _check(conn, source, report)
            await _merge(conn, source, report)
            await _finish(conn, report, "applied")
            # Screenings read hotels, cases and identities too: no replica answers from
            # before this batch once its commit is heard (hub.db.replicas).
            await conn.execute(QUERIES.events.announce_change)
    except _Rejected:
        await _finish(conn, report, "rejected")
    except UploadInterrupted:
        report.message = "the upload was interrupted before the end of the file; nothing was applied"
        await _finish(conn, report, "failed")
        raise
    except BadUpload as exc:
        report.message = exc.message
        await _finish(conn, report, "failed")
        raise
    except asyncpg.IntegrityConstraintViolationError as exc:
        # A record the checks let through that the database still refused: nothing applied.
        log.warning("batch %d refused by the database: %s", report.id, exc.constraint_name)
        report.message = (
            "the database refused the batch"
            + (f" (constraint {exc.constraint_name})" if exc.constraint_name else "")
            + "; nothing was applied"
        )
        await _finish(conn, report, "failed")
    except Exception:
        report.message = "an unexpected error stopped the batch; nothing was applied"
        try:
            await _finish(conn, report, "failed")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            log.warning("batch %d: its failure could not be recorded", report.id)
        raise


async def _stage(
    conn: asyncpg.Connection, source: Source, report: BatchReport, records: AsyncIterator[list[Parsed]]
) -> None:
    await conn.execute(Q.create_stage_tables)
    await conn.execute(getattr(Q, f"{source.name}_stage_table"))
    staged = Staged()
    today = date.today()
    async for parsed in records:
        for line, data, problem in parsed:
            if data is None:
                staged.count += 1
                staged.errors.append((line, "record", problem or "is not a record"))
            else:
                stage_record(source, line, data, staged, today)
        if len(staged.records) + len(staged.errors) >= CHUNK_RECORDS:
            await _copy(conn, source, staged)
    await _copy(conn, source, staged)
    report.records = staged.count


async def _copy(conn: asyncpg.Connection, source: Source, staged: Staged) -> None:
    for table, columns, rows in (
        ("ingest_stage", source.stage_columns, staged.records),
        ("ingest_party", PARTY_COLUMNS, staged.parties),
        ("ingest_item", ITEM_COLUMNS, staged.items),
        ("ingest_error", ERROR_COLUMNS, staged.errors),
    ):
        if rows:
            await conn.copy_records_to_table(table, columns=list(columns), records=rows)
    staged.clear()


async def _timed(conn: asyncpg.Connection, batch_id: int, name: str, *args: Any) -> None:
    """Run the named statement(s); their time is logged at DEBUG (where a big batch spends it)."""
    started = time.perf_counter()
    await conn.execute(getattr(Q, name), *args)
    log.debug("batch %d: %s %.2f s", batch_id, name, time.perf_counter() - started)


async def _check(conn: asyncpg.Connection, source: Source, report: BatchReport) -> None:
    await _timed(conn, report.id, "index_stage")
    await _timed(conn, report.id, "check_common", source.key_field)
    await _timed(conn, report.id, f"{source.name}_check")
    counts = await conn.fetchrow(Q.count_errors)
    assert counts is not None
    if not counts["errors"]:
        return
    report.invalid = counts["lines"]
    rows = await conn.fetch(Q.error_report, REPORT_ERRORS)
    report.errors = [{"line": r["line"], "field": r["field"], "reason": r["reason"]} for r in rows]
    report.errors_not_shown = counts["errors"] - len(rows)
    if report.mode == "atomic":
        report.message = f"{report.invalid} record(s) are invalid; nothing was applied (mode atomic)"
        raise _Rejected
    await conn.execute(Q.drop_invalid)


async def _merge(conn: asyncpg.Connection, source: Source, report: BatchReport) -> None:
    await _timed(conn, report.id, "link_parties")
    held = await conn.fetchrow(Q.hold_mentions, source.name, report.id)
    assert held is not None
    report.held = held["unlinked"]
    if source.name == "police":
        await _timed(conn, report.id, "police_hold_unlinked")
    await _timed(conn, report.id, f"{source.name}_changes")
    await _timed(conn, report.id, "analyze_changes")
    await _timed(conn, report.id, f"{source.name}_apply")
    await _timed(conn, report.id, "write_history", source.name, report.id, report.source_version)
    if held["held"]:
        # Candidates for the parties held, against the subjects as this batch leaves them.
        await propose_pending(conn, report.id)
    counts = await conn.fetchrow(Q.change_counts)
    assert counts is not None
    report.inserted, report.updated = counts["inserted"], counts["updated"]
    report.unchanged = counts["staged"] - counts["inserted"] - counts["updated"]


async def _finish(conn: asyncpg.Connection, report: BatchReport, status: str) -> None:
    report.status = status
    body = {"errors": report.errors, "errorsNotShown": report.errors_not_shown, "message": report.message}
    report.finished_at = await conn.fetchval(
        Q.finish_batch,
        report.id,
        status,
        report.records,
        report.invalid,
        report.inserted,
        report.updated,
        report.unchanged,
        report.held,
        orjson.dumps(body).decode(),
        report.body_sha256,
    )


# What an abandoned batch (received or validating, its process gone) says as its message.
INTERRUPTED = "the batch was interrupted (its process stopped) before it was applied; nothing was applied"


async def batch_by_id(db: Database, batch_id: int) -> BatchReport | None:
    row = await db.fetchrow(Q.batch_by_id, batch_id)
    if row is None:
        return None
    body = orjson.loads(row["report"])
    status = row["status"]
    message = body.get("message")
    if status == "failed" and row["finished_at"] is None:
        message = INTERRUPTED
    return BatchReport(
        id=row["id"],
        agency_code=row["agency_code"],
        source=row["source"],
        format=row["format"],
        encoding=row["encoding"],
        mode=row["mode"],
        source_version=row["source_version"],
        status=status,
        records=row["records"],
        invalid=row["invalid"],
        inserted=row["inserted"],
        updated=row["updated"],
        unchanged=row["unchanged"],
        held=row["held"],
        errors=body.get("errors", []),
        errors_not_shown=body.get("errorsNotShown", 0),
        message=message,
        body_sha256=row["body_sha256"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def authorise(policy: EffectivePolicy, principal: Principal, source: str) -> None:
    """Refuse a source the rules do not let this agency publish (rules.toml ``[ingest]``)."""
    if source not in policy.ingest_sources:
        raise SourceNotAllowed(
            f"a {principal.role or principal.kind} agency may not publish {source} data; "
            "each source publishes only its own",
            source=source,
        )


async def publish_record(
    db: Database, principal: Principal, source: str, record: dict[str, Any], source_version: str | None
) -> BatchReport:
    """One record through the same checks and merge as a file (a batch of one, format graphql)."""

    async def one() -> AsyncIterator[list[Parsed]]:
        yield [(1, record, None)]

    return await run_batch(db, principal, source, one(), fmt="graphql", source_version=source_version)


async def record_history(db: Database, source: str, key: str, after_id: int, limit: int) -> list[asyncpg.Record]:
    return await db.fetch(Q.history_of_record, source, key, after_id, limit)
