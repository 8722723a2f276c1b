"""Appending: one chain, group commit, READ COMMITTED only, failing closed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hub.audit import AuditRecord, AuditUnavailable, AuditWriter
from hub.audit.chain import chain_head
from hub.audit.record import GENESIS_HASH, canonical_bytes, chain_hash
from hub.audit.verify import verify
from hub.db.database import Database
from tests.audit.records import make_record


async def test_direct_appends_chain_records_and_move_the_head(db: Database) -> None:
    # Given a writer over the test's one connection (direct mode, chosen by itself)
    writer = AuditWriter(db)
    assert writer.direct
    base, _ = await chain_head(db)
    # When three records are appended
    seqs = [await writer.append(make_record(n)) for n in range(3)]
    # Then they get the next seqs, each links to the one before, and the head is the last
    assert seqs == [base + 1, base + 2, base + 3]
    rows = await db.fetch("SELECT * FROM audit.event WHERE seq > $1 ORDER BY seq", base)
    prev = GENESIS_HASH if base == 0 else bytes(rows[0]["prev_hash"])
    for n, row in enumerate(rows):
        assert bytes(row["prev_hash"]) == prev
        assert bytes(row["hash"]) == chain_hash(prev, canonical_bytes(row["seq"], make_record(n)))
        prev = bytes(row["hash"])
    assert await chain_head(db) == (base + 3, prev)


async def test_a_record_comes_back_exactly_as_written(db: Database) -> None:
    # Given a record with microseconds, unicode, nulls and an IPv6 client
    record = make_record(5, client="2001:db8::7", operation_name=None, error_codes=("A", "B"))
    seq = await AuditWriter(db).append(record)
    # When it is read back
    row = await db.fetchrow("SELECT * FROM audit.event WHERE seq = $1", seq)
    # Then every value is the same, so its canonical form is too
    assert row is not None
    assert AuditRecord.from_row(row) == record
    assert row["at"].microsecond == 123456


async def test_any_text_in_array_columns_comes_back_exactly(db: Database) -> None:
    # Given a record whose fields and error codes hold quotes, backslashes, commas, braces,
    # spaces, an empty string and the word NULL (all special in an array literal)
    odd = ('a"b', "c\\d", "e,f", "{g}", " h ", "", "NULL", "名\u3000字")
    record = make_record(6, fields=odd, error_codes=tuple(reversed(odd)))
    seq = await AuditWriter(db).append(record)
    # When it is read back, Then the values and so the canonical form are unchanged
    row = await db.fetchrow("SELECT * FROM audit.event WHERE seq = $1", seq)
    assert row is not None
    assert AuditRecord.from_row(row) == record
    assert list(row["error_codes"]) == list(reversed(odd))


async def test_a_writer_whose_head_is_stale_chains_on_the_current_one(db: Database) -> None:
    # Given a writer that appended, then another writer that moved the head after it
    mine, other = AuditWriter(db), AuditWriter(db)
    base, _ = await chain_head(db)
    await mine.append(make_record(1))
    await other.append(make_record(2))
    # When the first appends again from the head it remembers
    seq = await mine.append(make_record(3))
    # Then its record follows the other's, linked to it, and nothing was overwritten
    assert seq == base + 3
    rows = await db.fetch("SELECT seq, prev_hash, hash FROM audit.event WHERE seq > $1 ORDER BY seq", base)
    assert [r["seq"] for r in rows] == [base + 1, base + 2, base + 3]
    assert bytes(rows[2]["prev_hash"]) == bytes(rows[1]["hash"])
    assert bytes(rows[2]["hash"]) == chain_hash(bytes(rows[1]["hash"]), canonical_bytes(base + 3, make_record(3)))
    assert await chain_head(db) == (base + 3, bytes(rows[2]["hash"]))


async def test_repeatable_read_appends_are_refused(database_url: str) -> None:
    # Given a connection whose transaction is REPEATABLE READ
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction(isolation="repeatable_read"):
            writer = AuditWriter(Database(connection=conn))
            # When a record is appended, Then it is refused: such a snapshot can fork the chain
            with pytest.raises(AuditUnavailable, match="READ COMMITTED"):
                await writer.append(make_record())
            assert await conn.fetchval("SELECT seq FROM audit.head") == await conn.fetchval(
                "SELECT coalesce(max(seq), 0) FROM audit.event"
            )
    finally:
        await conn.close()


async def test_group_commit_on_one_connection_batches_waiting_records(db: Database) -> None:
    # Given a group-commit writer, even over one connection
    writer = AuditWriter(db, direct=False)
    writer.start()
    base, _ = await chain_head(db)
    try:
        # When 50 records are appended at once
        seqs = await asyncio.gather(*(writer.append(make_record(n)) for n in range(50)))
    finally:
        await writer.stop()
    # Then each has its own seq, in the order they were queued, in few transactions
    assert seqs == list(range(base + 1, base + 51))
    assert writer.batches < 10


async def test_concurrent_appends_on_a_pool_make_one_chain(fresh_database_url: str) -> None:
    # Given two hub processes' writers on a real pool, as in production
    pool = await asyncpg.create_pool(fresh_database_url, min_size=4, max_size=8)
    assert pool is not None
    try:
        db = Database(pool=pool)
        writers = [AuditWriter(db), AuditWriter(db)]
        assert not any(writer.direct for writer in writers)
        for writer in writers:
            writer.start()
        # When 200 records are appended concurrently through them
        seqs = await asyncio.gather(*(writers[n % 2].append(make_record(n)) for n in range(200)))
        for writer in writers:
            await writer.stop()
        # Then the seqs are 1..200 without a duplicate, in far fewer transactions
        assert sorted(seqs) == list(range(1, 201))
        assert sum(writer.batches for writer in writers) < 100
        # And the chain verifies
        report = await verify(db)
        assert report.ok
        assert report.records == report.head_seq == 200
    finally:
        await pool.close()


async def test_a_request_whose_rows_are_refused_fails_alone(fresh_database_url: str) -> None:
    from hub.sanctions.interceptions import NewInterception

    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        db = Database(pool=pool)
        agency = await db.fetchval(
            "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-LAND', '测试', 'land', '350100') RETURNING id"
        )

        def interception(id_: int, subject_id: int | None) -> NewInterception:
            return NewInterception(
                id_, agency, None, subject_id, "{}", "REAL_ESTATE_REGISTRATION", "{}", "REVIEW", "{}", "[]", "{}", "{}",
                "350100",
            )  # fmt: skip

        writer = AuditWriter(db)
        writer.start()
        try:
            # Given a batch where one request's interception names a subject that does not exist
            results = await asyncio.gather(
                writer.append(make_record(1), (), [interception(1, None)]),
                writer.append(make_record(2), (), [interception(2, 999_999)]),
                writer.append(make_record(3), (), [interception(3, None)]),
                return_exceptions=True,
            )
        finally:
            await writer.stop()
        # Then only that request fails; the others are written, records and interceptions
        assert isinstance(results[1], AuditUnavailable)
        assert [r for n, r in enumerate(results) if n != 1] == [1, 2]
        assert [r["id"] for r in await db.fetch("SELECT id FROM sanctions.interception ORDER BY id")] == [1, 3]
        assert (await verify(db)).ok
    finally:
        await pool.close()


async def test_stop_writes_everything_queued_then_refuses(fresh_database_url: str) -> None:
    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        writer = AuditWriter(Database(pool=pool))
        writer.start()
        # Given appends queued but not yet written
        pending = [asyncio.create_task(writer.append(make_record(n))) for n in range(30)]
        await asyncio.sleep(0)
        # When the writer is stopped
        await writer.stop()
        # Then every queued record was written, and a new one is refused
        assert sorted(await asyncio.gather(*pending)) == list(range(1, 31))
        with pytest.raises(AuditUnavailable):
            await writer.append(make_record())
    finally:
        await pool.close()


async def test_a_writer_not_started_refuses(fresh_database_url: str) -> None:
    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        with pytest.raises(AuditUnavailable, match="not running"):
            await AuditWriter(Database(pool=pool)).append(make_record())
    finally:
        await pool.close()


async def test_an_unreachable_database_fails_every_waiting_append(fresh_database_url: str) -> None:
    # Given a running writer whose pool has gone away
    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=2)
    assert pool is not None
    writer = AuditWriter(Database(pool=pool))
    writer.start()
    await pool.close()
    # When records are appended, Then each caller gets AuditUnavailable
    appends = (writer.append(make_record(n)) for n in range(5))
    results = await asyncio.gather(*appends, return_exceptions=True)
    assert all(isinstance(result, AuditUnavailable) for result in results)
    assert all(
        result.http_status == 503 and result.code == "AUDIT_UNAVAILABLE"
        for result in results
        if isinstance(result, AuditUnavailable)
    )
    await writer.stop()


async def test_a_closed_connection_fails_a_direct_append(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    await conn.close()
    with pytest.raises(AuditUnavailable):
        await AuditWriter(Database(connection=conn)).append(make_record())


async def test_a_timed_out_batch_fails_closed(fresh_database_url: str) -> None:
    # Given the chain's lock held by another session
    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=2)
    blocker = await asyncpg.connect(fresh_database_url)
    assert pool is not None
    try:
        async with blocker.transaction():
            await blocker.execute("UPDATE audit.head SET seq = seq")
            writer = AuditWriter(Database(pool=pool), timeout=0.2)
            writer.start()
            # When an append cannot finish in time, Then the caller is refused, not kept waiting
            with pytest.raises(AuditUnavailable):
                await writer.append(make_record())
            await writer.stop()
    finally:
        await blocker.close()
        await pool.close()


async def test_comparisons_are_counted_in_the_commit_of_their_record_or_not_at_all(db: Database) -> None:
    # Given an agency that screened identities in two requests and one request whose count is bad
    agency = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind) VALUES ('CMP-DESK', '前台', 'police') RETURNING id"
    )
    writer = AuditWriter(db)
    base, _ = await chain_head(db)
    counted = "SELECT coalesce(sum(comparisons), 0) FROM sanctions.comparison_count WHERE agency_id = $1"
    rewarded = "SELECT coalesce(sum(rewards), 0) FROM sanctions.comparison_count WHERE agency_id = $1"
    # When the records are appended with their comparisons (and the rewards they granted)
    await writer.append(make_record(1), [(agency, "HOTEL_CHECK_IN", "350100", 1, 1)])
    await writer.append(make_record(2), [(agency, "HOTEL_CHECK_IN", "350100", 999, 2)])
    with pytest.raises(AuditUnavailable):
        await writer.append(make_record(3), [(agency, "NO_SUCH_MATTER", "350100", 5, 5)])
    # Then both good counts are there, and the failed append left neither record nor count
    assert await db.fetchval(counted, agency) == 1000
    assert await db.fetchval(rewarded, agency) == 3
    assert (await chain_head(db))[0] == base + 2
    assert await db.fetchval("SELECT count(*) FROM audit.event WHERE seq > $1", base) == 2
