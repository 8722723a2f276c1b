"""Party mentions: a source record's party that did not resolve exactly to one subject.

The contract between ingest and identity resolution. Ingest links a party at once when the
record gives a valid identifier and :func:`same_name` holds against that identifier's subject
(or the subject is new). Otherwise it calls :func:`hold`: the mention waits, pending, for an
operator, and nothing is merged silently. ``hold`` proposes the mention's candidate subjects
at once (``hub.identity.resolution.propose``): a few index probes, no scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
import orjson

from hub.db.queries import QUERIES
from hub.identity.names import normalise_name
from hub.identity.resolution import propose

Q = QUERIES.identity

ROLES = ("case_party", "real_estate_owner", "vehicle_owner", "shareholder", "officer")


@dataclass(frozen=True)
class Mention:
    """A party as a source record names it."""

    source: str  # the writing source: court, land, market, police, tourism
    role: str  # one of ROLES
    record_key: str  # the record's natural key: case number, certificate number, plate, USCC
    kind: str  # person or organisation
    name: str
    identifier: str | None = None  # normalised and checksum-valid, or None
    birth_date: date | None = None
    region: str | None = None
    # What the link needs once confirmed: share, position, or the whole record.
    detail: Mapping[str, Any] = field(default_factory=dict)
    batch_id: int | None = None


__all__ = ["ROLES", "Mention", "hold", "normalise_name", "same_name"]


def same_name(a: str, b: str) -> bool:
    """Whether two written names are the same name (not merely similar)."""
    return normalise_name(a) == normalise_name(b)


async def hold(conn: asyncpg.Connection, mention: Mention) -> int:
    """Store ``mention`` as pending for an operator, with its candidate links; its id."""
    if mention.role not in ROLES:
        raise ValueError(f"unknown mention role {mention.role!r}")
    mention_id = await conn.fetchval(
        Q.hold_mention,
        mention.source,
        mention.role,
        mention.record_key,
        mention.kind,
        mention.name,
        mention.identifier,
        mention.birth_date,
        mention.region,
        orjson.dumps(dict(mention.detail), default=str).decode(),
        mention.batch_id,
    )
    await propose(conn, mention_id)
    return int(mention_id)
