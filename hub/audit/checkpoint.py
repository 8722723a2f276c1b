"""Signed checkpoints of the chain head, to be held outside the database.

A checkpoint states "the head was (seq, hash) at ``at``", signed with Ed25519 over::

    orjson.dumps(["hub-audit-checkpoint/1", seq, hash_hex, at_iso])

``hash_hex`` is the head hash in lowercase hex, ``at_iso`` the time in UTC as
``datetime.isoformat(timespec="microseconds")`` (``2024-05-01T08:00:00.000000+00:00``).
``key_id`` is the first 16 hex characters of sha256 of the raw 32-byte public key.

The private key is ``HUB_AUDIT_SIGNING_KEY`` (PEM text, PKCS#8, unencrypted) or else
``<data_dir>/audit-signing-key.pem``, created with mode 0600 on first use. Exported
checkpoints are JSON lines of seq, hash, at, signature, key_id and public_key (hex).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from hub.audit.chain import chain_head
from hub.audit.record import Row
from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import ConfigurationError, InvalidInput

Q = QUERIES.audit
log = logging.getLogger(__name__)

MESSAGE_VERSION = "hub-audit-checkpoint/1"
KEY_ENV = "HUB_AUDIT_SIGNING_KEY"
KEY_FILE = "audit-signing-key.pem"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of the chain head at one time."""

    seq: int
    hash: bytes
    at: datetime
    signature: bytes
    key_id: str
    public_key: bytes

    def message(self) -> bytes:
        return checkpoint_message(self.seq, self.hash, self.at)

    def is_valid(self) -> bool:
        """The key id belongs to the public key and the signature verifies with it."""
        if self.key_id != key_id_of(self.public_key):
            return False
        try:
            public_key = Ed25519PublicKey.from_public_bytes(self.public_key)
            public_key.verify(self.signature, self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> str:
        """One JSON line (without the newline)."""
        return orjson.dumps(
            {
                "seq": self.seq,
                "hash": self.hash.hex(),
                "at": _iso(self.at),
                "signature": self.signature.hex(),
                "key_id": self.key_id,
                "public_key": self.public_key.hex(),
            }
        ).decode()

    @classmethod
    def from_json(cls, line: str) -> Checkpoint:
        """A checkpoint from one exported line; raises ``InvalidInput`` when malformed."""
        try:
            data = orjson.loads(line)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            seq = data["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise ValueError("seq must be a positive integer")
            at = datetime.fromisoformat(data["at"])
            if at.tzinfo is None:
                raise ValueError("at has no time zone")
            checkpoint = cls(
                seq=seq,
                hash=_hex(data["hash"], 32),
                at=at.astimezone(UTC),
                signature=_hex(data["signature"], 64),
                key_id=str(data["key_id"]),
                public_key=_hex(data["public_key"], 32),
            )
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
            raise InvalidInput(f"not a checkpoint: {exc}") from None
        return checkpoint

    @classmethod
    def from_row(cls, row: Row) -> Checkpoint:
        return cls(
            seq=row["seq"],
            hash=bytes(row["hash"]),
            at=row["at"],
            signature=bytes(row["signature"]),
            key_id=row["key_id"],
            public_key=bytes(row["public_key"]),
        )


def checkpoint_message(seq: int, head_hash: bytes, at: datetime) -> bytes:
    """The bytes a checkpoint signs (see the module docstring)."""
    return orjson.dumps([MESSAGE_VERSION, seq, head_hash.hex(), _iso(at)])


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(key: Ed25519PrivateKey, seq: int, head_hash: bytes, at: datetime) -> Checkpoint:
    """A checkpoint of (seq, head_hash) at ``at``, signed with ``key``."""
    at = at.astimezone(UTC)
    public = public_key_bytes(key)
    return Checkpoint(
        seq=seq,
        hash=head_hash,
        at=at,
        signature=key.sign(checkpoint_message(seq, head_hash, at)),
        key_id=key_id_of(public),
        public_key=public,
    )


async def create_checkpoint(db: Database, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the current head and store the checkpoint in ``audit.checkpoint``."""
    seq, head_hash = await chain_head(db)
    if seq == 0:
        raise InvalidInput("the audit trail is empty: there is no head to sign")
    checkpoint = sign(key, seq, head_hash, datetime.now(UTC))
    await db.execute(
        Q.insert_checkpoint,
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.at,
        checkpoint.signature,
        checkpoint.key_id,
        checkpoint.public_key,
    )
    return checkpoint


async def stored_checkpoints(db: Database) -> list[Checkpoint]:
    """Every checkpoint in ``audit.checkpoint``, by seq."""
    return [Checkpoint.from_row(row) for row in await db.fetch(Q.checkpoints)]


async def checkpoint_every(db: Database, key: Ed25519PrivateKey, seconds: float) -> None:
    """Sign the head every ``seconds`` while it moves; runs until cancelled."""
    signed = -1
    while True:
        await asyncio.sleep(seconds)
        try:
            seq, _ = await chain_head(db)
            if seq > 0 and seq != signed:
                signed = (await create_checkpoint(db, key)).seq
        except Exception as exc:  # the next round tries again
            log.error("audit checkpoint failed: %s: %s", type(exc).__name__, exc)


def to_json_lines(checkpoints: Iterable[Checkpoint]) -> str:
    return "".join(checkpoint.to_json() + "\n" for checkpoint in checkpoints)


def read_json_lines(text: str) -> list[Checkpoint]:
    """Checkpoints from exported JSON lines (blank lines skipped)."""
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoints.append(Checkpoint.from_json(line))
        except InvalidInput as exc:
            raise InvalidInput(f"line {number}: {exc.message}") from None
    return checkpoints


def signing_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> Ed25519PrivateKey:
    """The signing key from the environment or the data directory, created there if absent."""
    key = existing_signing_key(data_dir, environ)
    if key is None:
        _create_key_file(data_dir / KEY_FILE)
        key = existing_signing_key(data_dir, environ)
        assert key is not None
    return key


def existing_signing_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> Ed25519PrivateKey | None:
    """The signing key if one is configured or on disk; never creates one."""
    env = os.environ if environ is None else environ
    pem = env.get(KEY_ENV)
    if pem:
        return _load_pem(pem.encode(), KEY_ENV)
    path = data_dir / KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return _load_pem(data, str(path))


def _load_pem(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"the audit signing key in {source} is not an unencrypted PEM key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"the audit signing key in {source} is not an Ed25519 key")
    return key


def _create_key_file(path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and linked into place: a reader never sees half a key, and when two
    # processes race, the first link wins and both use that key.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        else:
            log.warning("created a new audit signing key in %s", path)
    finally:
        temporary.unlink(missing_ok=True)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _hex(value: object, size: int) -> bytes:
    if not isinstance(value, str):
        raise TypeError("expected a hex string")
    raw = bytes.fromhex(value)
    if len(raw) != size:
        raise ValueError(f"expected {size} bytes of hex, got {len(raw)}")
    return raw
