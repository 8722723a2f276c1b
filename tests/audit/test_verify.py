"""Verification names the first break of a real trail, for each way of tampering with it.

Each test appends ten records through the writer, then tampers as a superuser would (the
append-only triggers disabled inside the test's transaction) and asserts the seq and kind.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit import AuditWriter
from hub.audit.chain import chain_head
from hub.audit.checkpoint import create_checkpoint, read_json_lines, sign, to_json_lines
from hub.audit.record import canonical_bytes, chain_hash
from hub.audit.verify import verify
from hub.db.database import Database
from tests.audit.records import make_record, move_head, rewrite, stored_hash, tamper

# A seq range no test trail reaches, to move records through.
FREE = 10**12


@pytest.fixture
async def trail(db: Database) -> int:
    """Ten records appended through the writer; returns the seq before the first of them."""
    base, _ = await chain_head(db)
    writer = AuditWriter(db)
    for n in range(1, 11):
        await writer.append(make_record(n))
    return base


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


async def test_an_intact_trail_verifies(db: Database, trail: int) -> None:
    report = await verify(db, batch_size=3)  # small batches: the walk crosses their edges
    assert report.ok
    assert report.first_break is None
    assert report.records == report.head_seq == trail + 10
    assert report.head_hash == (await chain_head(db))[1].hex()


async def test_a_modified_record_is_named(conn: asyncpg.Connection, db: Database, trail: int) -> None:
    # When record 4's purpose is changed in place
    await tamper(conn, f"UPDATE audit.event SET purpose = '伪造' WHERE seq = {trail + 4}")
    # Then verification stops at record 4: modified
    report = await verify(db, batch_size=3)
    assert not report.ok
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 4, "modified")
    assert report.records == trail + 3


async def test_a_modified_record_with_its_hash_recomputed_is_named(
    conn: asyncpg.Connection, db: Database, trail: int
) -> None:
    # When record 4 is changed and its own hash recomputed, but not the rest of the chain
    await rewrite(conn, trail + 4, trail + 4, purpose="伪造")
    await move_head(conn, trail + 10)
    # Then record 5 still links to its old hash: record 4 modified
    report = await verify(db)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 4, "modified")


async def test_a_deleted_record_is_named(conn: asyncpg.Connection, db: Database, trail: int) -> None:
    await tamper(conn, f"DELETE FROM audit.event WHERE seq = {trail + 4}")
    report = await verify(db, batch_size=3)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 4, "deleted")


@pytest.mark.parametrize("forger", ["chains it properly", "leaves a bad hash"])
async def test_an_inserted_record_is_named(conn: asyncpg.Connection, db: Database, trail: int, forger: str) -> None:
    # When the records from 4 on move up one seq and a forged record takes seq 4
    at = trail + 4
    # (Through a free range: the primary key is checked row by row.)
    await tamper(
        conn,
        f"UPDATE audit.event SET seq = seq + {FREE + 1} WHERE seq >= {at}",
        f"UPDATE audit.event SET seq = seq - {FREE} WHERE seq > {FREE}",
    )
    forged = make_record(99, purpose="伪造")
    prev = await stored_hash(conn, at - 1)
    proper = forger == "chains it properly"
    digest = chain_hash(prev, canonical_bytes(at, forged)) if proper else bytes(32)
    await conn.execute(
        "INSERT INTO audit.event VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
        " $13, $14, $15, $16::inet, $17, $18)",
        at,
        *forged.columns(),
        prev,
        digest,
    )
    await conn.execute("UPDATE audit.head SET seq = seq + 1")
    # Then record 4 is named as inserted
    report = await verify(db, batch_size=4)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (at, "inserted")


async def test_swapped_records_are_named(conn: asyncpg.Connection, db: Database, trail: int) -> None:
    # When records 4 and 5 swap their seqs
    four, five = trail + 4, trail + 5
    await tamper(
        conn,
        f"UPDATE audit.event SET seq = {FREE} WHERE seq = {four}",
        f"UPDATE audit.event SET seq = {four} WHERE seq = {five}",
        f"UPDATE audit.event SET seq = {five} WHERE seq = {FREE}",
    )
    # Then seq 4 is named: reordered
    report = await verify(db, batch_size=4)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (four, "reordered")


async def test_a_tail_cut_after_a_checkpoint_is_truncated(
    conn: asyncpg.Connection, db: Database, trail: int, key: Ed25519PrivateKey
) -> None:
    # Given a checkpoint at seq 10
    checkpoint = await create_checkpoint(db, key)
    assert checkpoint.seq == trail + 10
    # When records 8..10 are deleted and the head moved back to 7, as a careful attacker would
    await tamper(conn, f"DELETE FROM audit.event WHERE seq >= {trail + 8}")
    await move_head(conn, trail + 7)
    # Then the chain is whole, but it ends before the checkpoint: truncated at 8
    report = await verify(db)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 8, "truncated")
    assert report.records == trail + 7


async def test_a_tail_cut_without_moving_the_head_is_truncated(
    conn: asyncpg.Connection, db: Database, trail: int
) -> None:
    await tamper(conn, f"DELETE FROM audit.event WHERE seq >= {trail + 8}")
    report = await verify(db)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 8, "truncated")


async def test_a_consistent_rewrite_is_caught_only_by_a_checkpoint(
    conn: asyncpg.Connection, db: Database, trail: int, key: Ed25519PrivateKey
) -> None:
    # Given a checkpoint at seq 10, also exported and held elsewhere
    held_elsewhere = read_json_lines(to_json_lines([await create_checkpoint(db, key)]))
    # When records 8..10 are rewritten with new content and every hash and the head recomputed
    await rewrite(conn, trail + 8, trail + 10, purpose="伪造", operator="某人")
    # Then the checkpoint in the database names seq 10: rewritten
    report = await verify(db)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 10, "rewritten")
    assert f"records within 1..{trail + 10} were rewritten" in report.first_break.detail
    # When the attacker also deletes that checkpoint, the chain alone looks whole
    await tamper(conn, "DELETE FROM audit.checkpoint")
    assert (await verify(db)).ok
    # Then the checkpoint held elsewhere still names seq 10
    report = await verify(db, held_elsewhere)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 10, "rewritten")


async def test_the_lowest_differing_checkpoint_is_named(
    conn: asyncpg.Connection, db: Database, trail: int, key: Ed25519PrivateKey
) -> None:
    # Given checkpoints at 7 (before the rewrite) and at 9, 10 (after its start)
    head, _ = await chain_head(db)
    hashes = {seq: await stored_hash(conn, seq) for seq in (trail + 7, trail + 9, trail + 10)}
    signed = [sign(key, seq, digest, checkpoint_time()) for seq, digest in hashes.items()]
    # When 8..10 are rewritten consistently
    await rewrite(conn, trail + 8, head, purpose="伪造")
    # Then seq 9 is named, and the rewrite placed after the checkpoint at 7
    report = await verify(db, signed)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 9, "rewritten")
    assert f"records within {trail + 8}..{trail + 9} were rewritten" in report.first_break.detail
    assert report.checkpoints == 1


async def test_an_attackers_own_signature_is_not_trusted(
    conn: asyncpg.Connection, db: Database, trail: int, key: Ed25519PrivateKey
) -> None:
    # Given the hub's checkpoint, held elsewhere, and a rewrite re-signed with another key
    held_elsewhere = [await create_checkpoint(db, key)]
    await rewrite(conn, trail + 8, trail + 10, purpose="伪造")
    await tamper(conn, "DELETE FROM audit.checkpoint")
    await create_checkpoint(db, Ed25519PrivateKey.generate())
    # When only the hub's key is trusted, Then the forged checkpoint and the rewrite show
    report = await verify(db, held_elsewhere, trusted_key_ids={held_elsewhere[0].key_id})
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 10, "rewritten")
    report = await verify(db, trusted_key_ids={held_elsewhere[0].key_id})
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 10, "bad_checkpoint")


async def test_a_checkpoint_whose_signature_fails_is_named(db: Database, trail: int, key: Ed25519PrivateKey) -> None:
    good = sign(key, trail + 6, (await chain_head(db))[1], checkpoint_time())
    forged = dataclasses.replace(good, signature=bytes(64))
    report = await verify(db, [forged])
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 6, "bad_checkpoint")
    other_key = dataclasses.replace(good, key_id="0" * 16)
    report = await verify(db, [other_key])
    assert report.first_break is not None
    assert report.first_break.kind == "bad_checkpoint"


async def test_a_head_moved_back_is_named(conn: asyncpg.Connection, db: Database, trail: int) -> None:
    await conn.execute("UPDATE audit.head SET seq = seq - 2")
    report = await verify(db)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.kind) == (trail + 9, "head_mismatch")


def checkpoint_time() -> datetime:
    return datetime.now(UTC)


async def test_verifying_while_records_are_appended_finds_no_break(fresh_database_url: str) -> None:
    # Given a writer appending on a pool
    pool = await asyncpg.create_pool(fresh_database_url, min_size=2, max_size=6)
    assert pool is not None
    try:
        db = Database(pool=pool)
        writer = AuditWriter(db)
        writer.start()

        async def client(k: int) -> None:
            for n in range(60):
                await writer.append(make_record(k * 100 + n))

        appending = asyncio.gather(*(client(k) for k in range(10)))
        # When the chain is verified again and again meanwhile, in small batches
        reports = []
        while not appending.done():
            reports.append(await verify(db, batch_size=50))
        await appending
        await writer.stop()
        reports.append(await verify(db, batch_size=50))
        # Then every walk found a whole chain up to the head it saw
        assert all(report.ok and report.records == report.head_seq for report in reports)
        assert reports[-1].records == 600
    finally:
        await pool.close()
