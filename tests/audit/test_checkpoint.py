"""Checkpoints: the signing key, signing the head, exporting and reading back."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import stat
from pathlib import Path

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from hub.audit import AuditWriter
from hub.audit.chain import chain_head
from hub.audit.checkpoint import (
    KEY_FILE,
    Checkpoint,
    checkpoint_every,
    checkpoint_message,
    create_checkpoint,
    existing_signing_key,
    public_key_bytes,
    read_json_lines,
    signing_key,
    stored_checkpoints,
    to_json_lines,
)
from hub.db.database import Database
from hub.errors import ConfigurationError, InvalidInput
from tests.audit.records import make_record
from tests.served import poll


def test_the_key_file_is_created_private_once_and_reused(tmp_path: Path) -> None:
    # Given no key configured
    assert existing_signing_key(tmp_path, {}) is None
    # When the signing key is asked for twice
    first = signing_key(tmp_path, {})
    second = signing_key(tmp_path, {})
    # Then one key file was created, readable by its owner only, and both are the same key
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_bytes(first) == public_key_bytes(second)
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_a_key_in_the_environment_wins_and_no_file_is_made(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    loaded = signing_key(tmp_path, {"HUB_AUDIT_SIGNING_KEY": pem})
    assert public_key_bytes(loaded) == public_key_bytes(key)
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(ConfigurationError, match="HUB_AUDIT_SIGNING_KEY"):
        signing_key(tmp_path, {"HUB_AUDIT_SIGNING_KEY": "not a key"})


async def test_a_checkpoint_signs_the_head_and_is_stored(db: Database) -> None:
    # Given a trail with records
    for n in range(3):
        await AuditWriter(db).append(make_record(n))
    seq, head_hash = await chain_head(db)
    key = Ed25519PrivateKey.generate()
    # When a checkpoint is made
    checkpoint = await create_checkpoint(db, key)
    # Then it signs the head, its key id is the public key's, and the database keeps it
    assert (checkpoint.seq, checkpoint.hash) == (seq, head_hash)
    assert checkpoint.key_id == hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]
    assert checkpoint.public_key == public_key_bytes(key)
    assert checkpoint.message() == checkpoint_message(seq, head_hash, checkpoint.at)
    assert checkpoint.is_valid()
    assert (await stored_checkpoints(db))[-1] == checkpoint


async def test_an_empty_trail_has_nothing_to_sign(fresh_database_url: str) -> None:
    conn = await asyncpg.connect(fresh_database_url)
    try:
        db = Database(connection=conn)
        assert (await chain_head(db))[0] == 0
        with pytest.raises(InvalidInput, match="empty"):
            await create_checkpoint(db, Ed25519PrivateKey.generate())
    finally:
        await conn.close()


async def test_checkpoints_survive_export_and_reading_back(db: Database) -> None:
    await AuditWriter(db).append(make_record())
    checkpoint = await create_checkpoint(db, Ed25519PrivateKey.generate())
    text = to_json_lines([checkpoint, checkpoint])
    assert text.count("\n") == 2
    assert read_json_lines(text + "\n") == [checkpoint, checkpoint]
    # A changed line no longer verifies
    line = checkpoint.to_json().replace(f'"seq":{checkpoint.seq}', '"seq":999')
    moved = Checkpoint.from_json(line)
    assert not moved.is_valid()
    assert not dataclasses.replace(checkpoint, key_id="0" * 16).is_valid()


MALFORMED = [
    "{",
    "[]",
    '{"seq": 1}',
    '{"seq": 1, "hash": "zz", "at": "", "signature": "", "key_id": "", "public_key": ""}',
]


@pytest.mark.parametrize("line", MALFORMED)
def test_a_malformed_export_is_refused_with_its_line(line: str) -> None:
    with pytest.raises(InvalidInput, match="line 2: not a checkpoint"):
        read_json_lines("\n" + line)


async def test_checkpoints_are_made_while_the_head_moves(fresh_database_url: str) -> None:
    pool = await asyncpg.create_pool(fresh_database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        db = Database(pool=pool)
        writer = AuditWriter(db)
        writer.start()
        # Given a periodic checkpoint task
        task = asyncio.create_task(checkpoint_every(db, Ed25519PrivateKey.generate(), 0.02))
        # When records are appended, each once the head before it is signed
        signed: list[int] = []

        async def signed_through(seq: int) -> bool:
            signed[:] = [c.seq for c in await stored_checkpoints(db)]
            return bool(signed) and signed[-1] == seq

        await writer.append(make_record(1))
        await poll(lambda: signed_through(1), "a checkpoint of head 1")
        await writer.append(make_record(2))
        await poll(lambda: signed_through(2), "a checkpoint of head 2")
        task.cancel()
        await writer.stop()
        # Then each head was signed once, and never the same head twice
        assert [c.seq for c in await stored_checkpoints(db)] == [1, 2]
    finally:
        await pool.close()
