"""``hub audit verify | checkpoint | export-checkpoints`` as scripts use them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg

from hub.audit import AuditWriter
from hub.audit.checkpoint import KEY_FILE, Checkpoint, read_json_lines
from hub.db.database import Database
from tests.audit.records import make_record, tamper

ROOT = Path(__file__).resolve().parents[2]


def hub(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir)}
    env.pop("HUB_AUDIT_SIGNING_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "audit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _committed_trail(url: str, records: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        writer = AuditWriter(Database(connection=conn))
        for n in range(records):
            await writer.append(make_record(n))
    finally:
        await conn.close()


async def test_checkpoint_export_and_verify(fresh_database_url: str, tmp_path: Path) -> None:
    # Given five committed records
    await _committed_trail(fresh_database_url, 5)
    # When the head is checkpointed
    done = hub(fresh_database_url, tmp_path, "checkpoint")
    # Then one JSON line is printed, signed with a key created privately in the data directory
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    checkpoint = Checkpoint.from_json(line)
    assert checkpoint.seq == 5
    assert checkpoint.is_valid()
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    # When the checkpoints are exported, Then the file reads back as the same checkpoint
    exported = tmp_path / "held-elsewhere.jsonl"
    done = hub(fresh_database_url, tmp_path, "export-checkpoints", "--output", str(exported))
    assert done.returncode == 0, done.stderr
    assert read_json_lines(exported.read_text()) == [checkpoint]
    assert hub(fresh_database_url, tmp_path, "export-checkpoints").stdout == line + "\n"
    # When the trail is verified against them, Then it is intact
    done = hub(fresh_database_url, tmp_path, "verify", "--checkpoints", str(exported))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit trail intact: 5 records, head seq 5" in done.stdout
    assert "1 checkpoint(s) matched" in done.stdout


async def test_verify_names_the_first_break_and_exits_1(fresh_database_url: str, tmp_path: Path) -> None:
    # Given a committed trail whose record 3 was changed by someone with database access
    await _committed_trail(fresh_database_url, 5)
    conn = await asyncpg.connect(fresh_database_url)
    try:
        async with conn.transaction():
            await tamper(conn, "UPDATE audit.event SET purpose = '伪造' WHERE seq = 3")
    finally:
        await conn.close()
    # When it is verified
    done = hub(fresh_database_url, tmp_path, "verify")
    # Then the exit code is 1 and the first break is named
    assert done.returncode == 1, done.stderr
    assert "audit trail BROKEN at seq 3 (modified)" in done.stdout
    assert "2 records verified before the break" in done.stdout


def test_a_missing_checkpoint_file_is_an_error(fresh_database_url: str, tmp_path: Path) -> None:
    done = hub(fresh_database_url, tmp_path, "verify", "--checkpoints", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "cannot read" in done.stderr


async def test_a_rotated_signing_key_verifies_with_the_old_checkpoints_held_elsewhere(
    fresh_database_url: str, tmp_path: Path
) -> None:
    # Given a trail checkpointed with the first key, its checkpoints exported and held elsewhere
    old, new = tmp_path / "old", tmp_path / "new"
    await _committed_trail(fresh_database_url, 3)
    assert hub(fresh_database_url, old, "checkpoint").returncode == 0
    held = tmp_path / "held-elsewhere.jsonl"
    assert hub(fresh_database_url, old, "export-checkpoints", "--output", str(held)).returncode == 0
    # When the key is replaced (a new data directory, so a new key) and the trail goes on
    await _committed_trail(fresh_database_url, 2)
    done = hub(fresh_database_url, new, "checkpoint")
    assert done.returncode == 0, done.stderr
    assert Checkpoint.from_json(done.stdout).key_id != read_json_lines(held.read_text())[0].key_id
    # Then the trail verifies against the held checkpoints, under both keys
    done = hub(fresh_database_url, new, "verify", "--checkpoints", str(held))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 checkpoint(s) matched" in done.stdout
    # But without them the old key is a stranger's: a checkpoint no trusted key signed
    done = hub(fresh_database_url, new, "verify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "(bad_checkpoint)" in done.stdout
    assert "not trusted" in done.stdout
