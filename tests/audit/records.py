"""Audit records for tests, and the tampering an attacker with database access can do."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from hub.audit.record import AuditRecord, canonical_bytes, chain_hash

T0 = datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)


def make_record(n: int = 1, **changes: Any) -> AuditRecord:
    """The n-th of a run of plausible records, one second apart."""
    record = AuditRecord(
        at=T0 + timedelta(seconds=n),
        agency_id=1,
        agency_code="FJ-COURT",
        key_id=7,
        operator=f"办案人员{n}",
        operation_type="query",
        operation_name="SubjectLookup",
        document_hash="ab" * 32,
        fields=("Query.subjectByResidentId", "Person.listings"),
        subjects=(100 + n,),
        purpose="执行案件查询",
        outcome="ok",
        error_codes=(),
        duration_us=1500 + n,
        client="10.0.0.9",
    )
    return dataclasses.replace(record, **changes) if changes else record


async def tamper(conn: asyncpg.Connection, *statements: str) -> None:
    """Run ``statements`` as the superuser with the append-only triggers off, then on again."""
    await conn.execute("ALTER TABLE audit.event DISABLE TRIGGER USER")
    await conn.execute("ALTER TABLE audit.checkpoint DISABLE TRIGGER USER")
    for statement in statements:
        await conn.execute(statement)
    await conn.execute("ALTER TABLE audit.event ENABLE TRIGGER USER")
    await conn.execute("ALTER TABLE audit.checkpoint ENABLE TRIGGER USER")


async def stored_hash(conn: asyncpg.Connection, seq: int) -> bytes:
    return bytes(await conn.fetchval("SELECT hash FROM audit.event WHERE seq = $1", seq))


async def move_head(conn: asyncpg.Connection, seq: int) -> None:
    """Point the head at record ``seq``, as an attacker covering their tracks would."""
    digest = await stored_hash(conn, seq)
    await conn.execute("UPDATE audit.head SET seq = $1, hash = $2", seq, digest)


async def rewrite(conn: asyncpg.Connection, first: int, last: int, **changes: Any) -> None:
    """Change records first..last and recompute their hashes and the head, consistently."""
    await conn.execute("ALTER TABLE audit.event DISABLE TRIGGER USER")
    prev = await stored_hash(conn, first - 1) if first > 1 else bytes(32)
    for seq in range(first, last + 1):
        row = await conn.fetchrow("SELECT * FROM audit.event WHERE seq = $1", seq)
        record = dataclasses.replace(AuditRecord.from_row(row), **changes)
        digest = chain_hash(prev, canonical_bytes(seq, record))
        await conn.execute(
            "UPDATE audit.event SET operator = $2, purpose = $3, prev_hash = $4, hash = $5 WHERE seq = $1",
            seq,
            record.operator,
            record.purpose,
            prev,
            digest,
        )
        prev = digest
    await conn.execute("UPDATE audit.head SET seq = $1, hash = $2", last, prev)
    await conn.execute("ALTER TABLE audit.event ENABLE TRIGGER USER")
