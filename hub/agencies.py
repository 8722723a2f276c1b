"""Agencies and their API keys: create, issue, rotate, revoke, list, look up by key.

A key is 256 random bits shown once; only its SHA-256 is stored. Keys carry a label (one
active key per label), so an agency rotates by adding a key under a new label, switching its
systems over, and revoking the old label.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import InvalidInput
from hub.policy import AGENCY_KINDS, Principal
from hub.sources import core

Q = QUERIES.agencies


MODES = ("api", "console")
KEY_PREFIX = "hub_"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")


def new_key() -> str:
    """A fresh API key: 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True)
class NewAgency:
    id: int
    code: str
    key: str


_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ROLE = re.compile(r"^[a-z][a-z_]{1,31}$")


def validate_label(label: str) -> None:
    if not _LABEL.match(label):
        raise InvalidInput("a key label is 1 to 64 letters, digits, '.', '_' or '-'", argument="label")


def validate_agency(code: str, name: str, kind: str, region: str, mode: str, role: str | None = None) -> None:
    if not _CODE.match(code):
        raise InvalidInput(
            "agency code must be 2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            argument="code",
        )
    if not name.strip():
        raise InvalidInput("agency name must not be empty", argument="name")
    if kind not in AGENCY_KINDS:
        raise InvalidInput(f"agency kind must be one of {', '.join(AGENCY_KINDS)}; got {kind!r}", argument="kind")
    if not (len(region) == 6 and region.isdigit() and region[0] != "0"):
        raise InvalidInput("region must be a six-digit division code, e.g. 350100", argument="region")
    if mode not in MODES:
        raise InvalidInput(f"mode must be 'api' or 'console'; got {mode!r}", argument="mode")
    if role is not None and not _ROLE.match(role):
        raise InvalidInput("a role is 2 to 32 lower-case letters or '_'", argument="role")


async def create_agency(
    db: Database,
    *,
    code: str,
    name: str,
    kind: str,
    region: str = "350000",
    mode: str = "api",
    role: str | None = None,
) -> NewAgency:
    """Create an agency with one API key; the key is returned once and stored only hashed."""
    validate_agency(code, name, kind, region, mode, role)
    async with db.transaction() as conn:
        try:
            agency_id = await conn.fetchval(Q.insert_agency, code, name.strip(), kind, region, mode, role)
        except asyncpg.UniqueViolationError:
            raise InvalidInput(f"an agency with code {code!r} exists already", argument="code") from None
        key = await _issue(conn, agency_id, "default")
    return NewAgency(agency_id, code, key)


async def agency_by_code(db: Database, code: str) -> asyncpg.Record:
    row = await db.fetchrow(Q.agency_by_code, code)
    if row is None:
        raise InvalidInput(f"no agency with code {code!r}", argument="agency")
    return row


async def issue_key(db: Database, agency_id: int, label: str) -> str:
    """A new key under ``label``; refused while an active key has that label."""
    validate_label(label)
    async with db.transaction() as conn:
        try:
            return await _issue(conn, agency_id, label)
        except asyncpg.UniqueViolationError:
            raise InvalidInput(
                f"an active key labelled {label!r} exists; revoke it or choose another label",
                argument="label",
            ) from None


async def revoke_key(db: Database, agency_id: int, label: str) -> int:
    """Revoke the active key under ``label``; it stops working at once. Returns its id."""
    validate_label(label)
    revoked = await db.fetchval(Q.revoke_keys_by_label, agency_id, label)
    if revoked is None:
        raise InvalidInput(f"no active key labelled {label!r}", argument="label")
    return int(revoked)


async def list_keys(db: Database, agency_id: int) -> list[asyncpg.Record]:
    return await db.fetch(Q.keys_of_agency, agency_id)


async def list_agencies(db: Database, after_id: int, limit: int) -> list[asyncpg.Record]:
    return await db.fetch(Q.agencies_page, after_id, limit)


async def _issue(conn: asyncpg.Connection, agency_id: int, label: str) -> str:
    key = new_key()
    await conn.execute(Q.insert_key, agency_id, label, key[: len(KEY_PREFIX) + 6], hash_key(key))
    return key


async def principal_for_key(db: Database, key: str) -> Principal | None:
    """The agency a key belongs to, or None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = await core.agency_by_key_hash(db, hash_key(key))
    return None if row is None else principal_of(row, row["key_id"])


def principal_of(row: asyncpg.Record, key_id: int | None = None) -> Principal:
    """An agency's row as the principal of a request by one of its keys (``key_id``), or as
    a request of its systems would be seen (its kind, role and code: vetting a document)."""
    return Principal(
        agency_id=row["id"],
        agency_code=row["code"],
        agency_name=row["name"],
        kind=row["kind"],
        region=row["region"],
        key_id=key_id,
        role=row["role"],
        trusted_documents_only=row["trusted_documents_only"],
    )


class PrincipalCache:
    """Known keys' principals for a few seconds, so a request need not look its key up.

    Used only while ``trusted()`` holds: the process LISTENs on ``hub_keys``, where every
    revocation is announced at its commit, and :meth:`forget` empties the cache on each
    announcement and whenever the LISTEN connection is lost or regained (announcements may
    have been missed). A revocation in this process forgets at once; in another process, as
    soon as its announcement arrives. Unknown keys are never cached.
    """

    def __init__(self, trusted: Callable[[], bool], ttl_seconds: float = 5.0, max_entries: int = 10_000) -> None:
        self._trusted = trusted
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        # Bumped by forget(): a lookup that began before a revocation does not store its answer.
        self._generation = 0

    def forget(self) -> None:
        self._entries.clear()
        self._generation += 1

    async def principal(self, db: Database, key: str) -> Principal | None:
        if not self._trusted() or self._ttl <= 0:
            return await principal_for_key(db, key)
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._entries.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        generation = self._generation
        found = await principal_for_key(db, key)
        if found is not None and generation == self._generation and self._trusted():
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[digest] = (found, now + self._ttl)
        return found
