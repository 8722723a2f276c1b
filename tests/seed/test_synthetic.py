"""The synthetic province: shape of the data, valid identifiers, determinism, idempotence."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio

from hub.identity import parse_resident_id, parse_uscc
from hub.seed import synthetic
from hub.seed.courts import COURTS, case_number
from hub.seed.names import surname_of
from hub.seed.synthetic import SeedReport, seed_synthetic

pytestmark = pytest.mark.asyncio(loop_scope="session")

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"
SUBJECTS = 2_000
SEED = 20240601


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a new, migrated database on the suite's server, dropped afterwards."""
    admin = await asyncpg.connect(admin_url)
    name = f"hub_seed_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(urlunsplit(urlsplit(admin_url)._replace(path="/" + name)))
        try:
            for path in sorted(MIGRATIONS.glob("*.sql")):
                async with conn.transaction():
                    await conn.execute(path.read_text(encoding="utf-8"))
            yield conn
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def seeded(server_admin_url: str) -> AsyncIterator[tuple[asyncpg.Connection, SeedReport]]:
    """One database with the standard small seed, shared by the read-only tests."""
    async with fresh_database(server_admin_url) as conn:
        report = await seed_synthetic(conn, subjects=SUBJECTS, seed=SEED, progress=False)
        yield conn, report


async def _subjects(conn: asyncpg.Connection) -> list[tuple[str, str, str]]:
    rows = await conn.fetch("SELECT kind, identifier, name FROM core.subject ORDER BY id")
    return [(r["kind"], r["identifier"], r["name"]) for r in rows]


async def _table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in synthetic._TABLES.values()}


async def test_report_counts_match_the_tables(
    seeded: tuple[asyncpg.Connection, SeedReport],
) -> None:
    conn, report = seeded
    assert not report.already_loaded
    assert report.dataset == f"synthetic:{SEED}:{SUBJECTS}"
    for key, table in synthetic._TABLES.items():
        assert report.counts[key] == await conn.fetchval(f"SELECT count(*) FROM {table}"), key
    details = await conn.fetchval("SELECT details->'counts' FROM core.dataset WHERE name = $1", report.dataset)
    assert '"subjects": 2000' in details


async def test_proportions_are_realistic(seeded: tuple[asyncpg.Connection, SeedReport]) -> None:
    conn, report = seeded
    counts = report.counts
    assert counts["subjects"] == SUBJECTS
    organisations = await conn.fetchval("SELECT count(*) FROM core.subject WHERE kind = 'organisation'")
    assert 0.12 < organisations / SUBJECTS < 0.18
    assert counts["companies"] == organisations

    debtors = await conn.fetchval("SELECT count(DISTINCT subject_id) FROM court.case_party")
    assert 0.26 < debtors / SUBJECTS < 0.34
    assert 1.35 < counts["cases"] / debtors < 1.65
    assert counts["case_parties"] == counts["cases"]
    assert 0.75 < counts["listings"] / counts["cases"] < 0.95

    assets = await conn.fetchval(
        """
        WITH debtor AS (SELECT DISTINCT subject_id AS id FROM court.case_party)
        SELECT (SELECT count(*) FROM land.ownership WHERE subject_id IN (SELECT id FROM debtor))
             + (SELECT count(*) FROM police.vehicle WHERE owner_id IN (SELECT id FROM debtor))
             + (SELECT count(*) FROM market.shareholding
                 WHERE holder_id IN (SELECT id FROM debtor))
        """
    )
    assert 2.4 < assets / debtors < 3.6
    non_debtor_assets = (counts["ownerships"] + counts["vehicles"] + counts["shareholdings"] - assets) / (
        SUBJECTS - debtors
    )
    assert non_debtor_assets < assets / debtors

    lists = dict(await conn.fetch("SELECT list, count(*) FROM court.listing GROUP BY list"))
    assert 0.6 < lists["dishonest"] / counts["listings"] < 0.8
    removed = await conn.fetchval("SELECT count(*) FROM court.listing WHERE removed_on IS NOT NULL")
    assert 0.05 < removed / counts["listings"] < 0.17

    assert counts["hotels"] == 20
    assert await conn.fetchval("SELECT count(*) FROM tourism.hotel WHERE stars >= 4") >= 1


async def test_identifiers_are_valid(seeded: tuple[asyncpg.Connection, SeedReport]) -> None:
    conn, _ = seeded
    rows = await conn.fetch("SELECT kind, identifier, sex, birth_date, region FROM core.subject ORDER BY id")
    for row in rows:
        if row["kind"] == "person":
            parsed = parse_resident_id(row["identifier"])
            assert (parsed.sex, parsed.birth_date, parsed.region_code) == (
                row["sex"],
                row["birth_date"],
                row["region"],
            )
            assert 1940 <= parsed.birth_date.year <= 2004
        else:
            uscc = parse_uscc(row["identifier"])
            assert uscc.authority == "9"
            assert uscc.org_type in "12"
            assert uscc.region_code == row["region"]
        assert row["region"].startswith("35")


async def test_case_numbers_and_courts(seeded: tuple[asyncpg.Connection, SeedReport]) -> None:
    conn, _ = seeded
    assert await conn.fetchval("SELECT count(*) FROM court.court") == len(COURTS)
    assert case_number(2019, "闽0102", 1234) == "(2019)闽0102执1234号"
    names = {r["code"]: r["name"] for r in await conn.fetch("SELECT code, name FROM court.court")}
    assert names["闽"] == "福建省高级人民法院"
    assert names["闽01"] == "福建省福州市中级人民法院"
    assert names["闽0102"] == "福州市鼓楼区人民法院"
    assert names["闽0181"] == "福清市人民法院"
    assert names["闽0429"] == "泰宁县人民法院"
    years = await conn.fetchval(
        "SELECT array[min(extract(year FROM filed_on)), max(extract(year FROM filed_on))]::int[]"
        " FROM court.enforcement_case"
    )
    assert years[0] >= 2014
    assert years[1] <= 2024


async def test_same_names_recur(seeded: tuple[asyncpg.Connection, SeedReport]) -> None:
    conn, _ = seeded
    shared = await conn.fetch(
        "SELECT name, count(*) AS n FROM core.subject WHERE kind = 'person'"
        " GROUP BY name HAVING count(*) >= 2 ORDER BY n DESC"
    )
    assert len(shared) >= 10
    assert shared[0]["n"] >= 3


async def test_organisation_names_do_not_repeat(seeded: tuple[asyncpg.Connection, SeedReport]) -> None:
    conn, _ = seeded
    names = await conn.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT name) AS distinct_names FROM core.subject WHERE kind = 'organisation'"
    )
    assert names["n"] == names["distinct_names"] > 200


async def test_surnames_follow_fujian_frequencies(
    seeded: tuple[asyncpg.Connection, SeedReport],
) -> None:
    conn, _ = seeded
    names = await conn.fetch("SELECT name FROM core.subject WHERE kind = 'person'")
    counts = Counter(surname_of(r["name"]) for r in names)
    top = [s for s, _ in counts.most_common(10)]
    assert top[:3] == ["陈", "林", "黄"]
    assert {"陈", "林", "黄", "王", "李", "张"} <= set(top)


async def test_same_seed_gives_the_same_rows(server_admin_url: str) -> None:
    runs = []
    for _ in range(2):
        async with fresh_database(server_admin_url) as conn:
            await seed_synthetic(conn, subjects=500, seed=7, progress=False)
            cases = await conn.fetch("SELECT case_number, amount FROM court.enforcement_case ORDER BY id")
            runs.append((await _subjects(conn), [tuple(r) for r in cases]))
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 500


async def test_chunks_built_in_a_worker_are_deterministic(
    monkeypatch: pytest.MonkeyPatch, server_admin_url: str
) -> None:
    # Small chunks exercise the worker process and the cross-chunk key checks.
    monkeypatch.setattr(synthetic, "CHUNK_SUBJECTS", 400)
    runs = []
    for _ in range(2):
        async with fresh_database(server_admin_url) as conn:
            report = await seed_synthetic(conn, subjects=1_600, seed=11, progress=False)
            assert report.counts["subjects"] == 1_600
            runs.append(await _subjects(conn))
    assert runs[0] == runs[1]


async def test_second_run_writes_nothing(server_admin_url: str) -> None:
    async with fresh_database(server_admin_url) as conn:
        first = await seed_synthetic(conn, subjects=300, seed=3, progress=False)
        before = await _table_counts(conn)
        second = await seed_synthetic(conn, subjects=300, seed=3, progress=False)
        after = await _table_counts(conn)
        assert second.already_loaded
        assert second.counts == first.counts
        assert before == after


async def test_existing_keys_are_regenerated(server_admin_url: str) -> None:
    async with fresh_database(server_admin_url) as conn:
        await seed_synthetic(conn, subjects=300, seed=5, progress=False)
        existing = {r[1] for r in await _subjects(conn)}
        # Same seed, one more subject: a different data set whose first 300 subjects would
        # repeat the first run's identifiers, case numbers and plates.
        report = await seed_synthetic(conn, subjects=301, seed=5, progress=False)
        assert report.regenerated_keys >= 300
        assert await conn.fetchval("SELECT count(*) FROM core.subject") == 601
        added = [r for r in await _subjects(conn) if r[1] not in existing]
        assert len(added) == 301
        for kind, identifier, _ in added:
            if kind == "person":
                parse_resident_id(identifier)
            else:
                parse_uscc(identifier)


async def _keys_and_indexes(conn: asyncpg.Connection) -> set[tuple[str, str, str]]:
    """Every index and constraint on the seeded tables, by name and definition."""
    tables = list(synthetic._TABLES.values())
    rows = await conn.fetch(
        """SELECT i.indrelid::regclass::text AS tbl, 'index ' || c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = ANY($1::regclass[])
           UNION ALL
           SELECT k.conrelid::regclass::text, 'constraint ' || k.conname, pg_get_constraintdef(k.oid)
             FROM pg_constraint k WHERE k.conrelid = ANY($1::regclass[])""",
        tables,
    )
    return {(r["tbl"], r["name"], r["def"]) for r in rows}


async def test_a_seed_into_empty_tables_puts_back_every_index_and_key(server_admin_url: str) -> None:
    # Into empty tables the seed drops the secondary indexes and foreign keys for the load and
    # builds them again after; into tables with rows it loads through them. Both end alike.
    async with fresh_database(server_admin_url) as conn:
        before = await _keys_and_indexes(conn)
        assert any(name.startswith("constraint ") and "FOREIGN KEY" in d for _, name, d in before)
        await seed_synthetic(conn, subjects=300, seed=9, progress=False)
        assert await _keys_and_indexes(conn) == before
        await seed_synthetic(conn, subjects=301, seed=9, progress=False)
        assert await _keys_and_indexes(conn) == before
        # The keys hold again: a listing of a subject that does not exist is refused.
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(
                "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on)"
                " SELECT -1, id, list, circumstance, published_on FROM court.listing LIMIT 1"
            )
        # And the name index the screening's similar-name probe uses is back.
        plan = await conn.fetchval(
            "EXPLAIN (FORMAT JSON) SELECT id FROM core.subject WHERE core.name_key(name) = 'chen zhi' AND birth_date = '1980-01-01'"
        )
        assert "subject_name_key" in str(plan)
        # The share triggers, off for the load into empty tables, are on again.
        enabled = await conn.fetch(
            "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgname IN ('ownership_shares_insert', 'shareholding_shares_insert')"
        )
        assert sorted(tuple(r) for r in enabled) == [
            ("ownership_shares_insert", "O"),
            ("shareholding_shares_insert", "O"),
        ]
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO land.ownership (estate_id, subject_id, share)"
                " SELECT o.estate_id, s.id, 0.5 FROM land.ownership o, core.subject s"
                " WHERE o.share = 1 AND s.id <> o.subject_id LIMIT 1"
            )


async def test_shares_over_the_whole_fail_a_seed_into_empty_tables(
    monkeypatch: pytest.MonkeyPatch, server_admin_url: str
) -> None:
    # The share triggers are off while loading into empty tables; the check at the end
    # still refuses a company whose holders own more than all of it, and nothing is written.
    monkeypatch.setitem(synthetic._SHARE_PATTERNS, 2, (("0.700000", "0.600000"),))
    monkeypatch.setitem(synthetic._MICRO, "0.600000", 600_000)
    async with fresh_database(server_admin_url) as conn:
        with pytest.raises(asyncpg.CheckViolationError, match="shares of company"):
            await seed_synthetic(conn, subjects=300, seed=9, progress=False)
        assert await conn.fetchval("SELECT count(*) FROM core.subject") == 0
        assert await conn.fetchval("SELECT count(*) FROM core.dataset") == 0
