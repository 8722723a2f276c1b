"""Trusted documents (persisted operations): the documents an agency's systems send, registered
ahead and then sent by their SHA-256 alone.

A request carries ``{"documentId": "sha256:<hex>", "variables": {...}}`` (GraphQL over HTTP's
persisted documents) or Apollo's ``{"extensions": {"persistedQuery": {"version": 1,
"sha256Hash": "<hex>"}}}``. Registration vets the document exactly as a request of it would be
vetted (parse, validation, limits, the agency's field policy): a document that would be
refused is refused at registration, with the same errors. An agency may be set to send
registered documents only; in production its ad-hoc documents are then refused
(``DOCUMENT_NOT_TRUSTED``), while the platform operator, the web console and development may
always send ad-hoc ones.

Registrations and revocations are announced on ``hub_keys`` at commit (as key revocations):
every hub process forgets what it has cached of keys and documents.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import BadRequest, Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from hub.policy.rules import EffectivePolicy
    from hub.schema.execute import Executor

Q = QUERIES.documents

_DOCUMENT_ID = re.compile(r"^sha256:([0-9a-f]{64})$")
_HEX = re.compile(r"^[0-9a-f]{64}$")


class PersistedDocumentNotFound(BadRequest):
    """A documentId this agency has not registered (or has revoked)."""

    code = "PERSISTED_DOCUMENT_NOT_FOUND"


class DocumentNotTrusted(Forbidden):
    """An ad-hoc document from an agency that may send registered documents only."""

    code = "DOCUMENT_NOT_TRUSTED"


class DocumentRefused(InvalidInput):
    """A document that a request would see refused; ``errors`` are that request's errors."""

    code = "DOCUMENT_REFUSED"

    def __init__(self, message: str, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(message, errors=list(errors))
        self.errors = list(errors)


def document_hash(text: str) -> str:
    """The SHA-256 of a document's exact text (UTF-8), lower-case hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def document_id(digest: str) -> str:
    return f"sha256:{digest}"


def parse_document_id(raw: object, argument: str = "documentId") -> str:
    """The hex digest of a ``sha256:<hex>`` document id (a bare 64-hex digest is accepted)."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        found = _DOCUMENT_ID.match(text)
        if found:
            return found.group(1)
        if _HEX.match(text):
            return text
    raise InvalidInput(f"{argument} must be 'sha256:' and 64 hex digits", argument=argument)


@dataclass(frozen=True)
class Registered:
    id: str
    operations: tuple[str, ...]
    registered_at: datetime
    registered_by: str
    revoked_at: datetime | None
    body: str | None = None


def _registered(row: Any) -> Registered:
    return Registered(
        id=document_id(row["hash"]),
        operations=tuple(row["operations"]),
        registered_at=row["registered_at"],
        registered_by=row["registered_by"],
        revoked_at=row["revoked_at"],
        body=row.get("body"),
    )


@dataclass(frozen=True)
class Vetter:
    """Vets documents as requests of them are vetted: the executor's checks, an agency's policy."""

    executor: Executor
    policy_for: Callable[[Any], EffectivePolicy]
    default_page_size: int
    max_page_size: int

    def vet(self, text: str, principal: Any) -> tuple[str, ...]:
        """The document's operation names; DocumentRefused with a request's errors if not."""
        vetted = self.executor.vet(text, self.policy_for(principal), self.default_page_size, self.max_page_size)
        if vetted.errors:
            first = vetted.errors[0]["message"]
            raise DocumentRefused(f"a request of this document would be refused: {first}", vetted.errors)
        return vetted.operations


async def register(
    db: Database,
    vetter: Vetter,
    principal: Any,
    text: str,
    registered_by: str,
    expected: str | None = None,
) -> Registered:
    """Register ``text`` for the principal's agency (again, if it was revoked). ``expected``
    is the id the sender computed: a text that does not hash to it is refused."""
    if not text.strip():
        raise InvalidInput("the document is empty", argument="document")
    digest = document_hash(text)
    if expected is not None and parse_document_id(expected, "sha256") != digest:
        raise InvalidInput(
            f"the document's SHA-256 is {digest}, not the one given: the text is not the one that was hashed",
            argument="sha256",
        )
    operations = vetter.vet(text, principal)
    row = await db.fetchrow(Q.register, principal.agency_id, digest, text, list(operations), registered_by)
    assert row is not None
    vetter.executor.warm(text, vetter.policy_for(principal), principal.kind)
    return _registered(row)


async def revoke(db: Database, agency_id: int, raw_id: str) -> Registered:
    row = await db.fetchrow(Q.revoke, agency_id, parse_document_id(raw_id, "id"))
    if row is None:
        raise NotFound("the agency has no active document with that id", argument="id")
    return _registered(row)


async def documents_of(db: Database, agency_id: int, include_revoked: bool = False) -> list[Registered]:
    return [_registered(r) for r in await db.fetch(Q.of_agency, agency_id, include_revoked)]


async def set_trusted_only(db: Database, agency_id: int, only: bool) -> None:
    await db.fetchrow(Q.set_trusted_only, agency_id, only)


def read_documents(path: Path) -> list[tuple[str, str | None]]:
    """The documents of a file, each with the id it claims (or None): a ``.graphql`` file
    is one document; a JSON file is a manifest, Apollo's persisted-query manifest
    (``{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}, ...]}``)
    or a map of ids to documents (``{"sha256:<hex>": "query ..."}``)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() != ".json":
        return [(raw, None)]
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc}") from None
    if isinstance(manifest, dict) and isinstance(manifest.get("operations"), list):
        found = []
        for i, operation in enumerate(manifest["operations"], 1):
            if not isinstance(operation, dict) or not isinstance(operation.get("body"), str):
                raise InvalidInput(f"{path}: operation {i} has no 'body'")
            claimed = operation.get("id")
            found.append((operation["body"], None if claimed is None else str(claimed)))
        return found
    if isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values()):
        return [(text, str(claimed)) for claimed, text in manifest.items()]
    raise InvalidInput(f"{path}: a manifest is Apollo's persisted-query manifest or a map of ids to documents")


class DocumentCache:
    """Registered documents' texts by (agency, digest) for a few seconds, trusted only while
    the process hears announcements on ``hub_keys`` (as ``agencies.PrincipalCache``)."""

    def __init__(self, trusted: Callable[[], bool], ttl_seconds: float = 5.0, max_entries: int = 10_000) -> None:
        self._trusted = trusted
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: dict[tuple[int, str], tuple[str, float]] = {}
        self._generation = 0

    def forget(self) -> None:
        self._entries.clear()
        self._generation += 1

    async def body(self, db: Database, agency_id: int, digest: str) -> str | None:
        """The active document's text, or None when the agency has none by that digest."""
        if not self._trusted() or self._ttl <= 0:
            return await _body(db, agency_id, digest)
        now = time.monotonic()
        hit = self._entries.get((agency_id, digest))
        if hit is not None and hit[1] > now:
            return hit[0]
        generation = self._generation
        found = await _body(db, agency_id, digest)
        if found is not None and generation == self._generation and self._trusted():
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[(agency_id, digest)] = (found, now + self._ttl)
        return found


async def _body(db: Database, agency_id: int, digest: str) -> str | None:
    found = await db.fetchval(Q.active_body, agency_id, digest)
    return None if found is None else str(found)
