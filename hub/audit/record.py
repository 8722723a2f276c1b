"""One audit record, its canonical bytes and the chain hash.

The canonical form is the one input of the chain hash; ``canonical_bytes`` computes it for
the writer and the verifier alike. Version 1 is the compact JSON (orjson: no whitespace,
UTF-8, no escapes beyond JSON's own) of this fixed-order array::

    ["hub-audit/1", seq, at_us, agency_id, agency_code, key_id, operator,
     operation_type, operation_name, document_hash, [fields...], [subjects...],
     purpose, outcome, [error_codes...], duration_us, client]

``at_us`` is whole microseconds since 1970-01-01T00:00:00Z; an absent value is ``null``.
Then ``hash_n = sha256(hash_{n-1} || canonical_n)``, and record 1's ``hash_0`` is
``GENESIS_HASH``, 32 zero bytes.

A record is normalised when it is made, so what is hashed is exactly what the database
keeps and gives back: ``at`` in UTC, ``fields`` and ``subjects`` sorted and distinct,
``client`` an IP address in Python's text form (an IPv4-mapped IPv6 address as IPv4; a value
that is not an IP address, such as a test client's name, as null).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import orjson

CANONICAL_VERSION = "hub-audit/1"
GENESIS_HASH = bytes(32)
OUTCOMES = ("ok", "error", "denied", "limited")
OPERATOR_MAX = 200

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_BIGINT_MAX = 2**63 - 1
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class Row(Protocol):
    """A database row by column name (an ``asyncpg.Record``, a dict)."""

    def __getitem__(self, key: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What the trail keeps about one GraphQL operation (its seq and hashes come on append)."""

    at: datetime
    agency_id: int | None
    agency_code: str | None
    key_id: int | None
    operator: str | None
    operation_type: str | None
    operation_name: str | None
    document_hash: str | None
    fields: tuple[str, ...]
    subjects: tuple[int, ...]
    purpose: str | None
    outcome: str
    error_codes: tuple[str, ...]
    duration_us: int
    client: str | None

    def __post_init__(self) -> None:
        # Checked here, one record at a time: in a group commit a value the database
        # refuses would fail every record of the batch.
        if not isinstance(self.at, datetime) or self.at.tzinfo is None:
            raise ValueError("at must be a timezone-aware datetime")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "fields", tuple(sorted(set(self.fields))))
        object.__setattr__(self, "subjects", tuple(sorted(set(self.subjects))))
        object.__setattr__(self, "error_codes", tuple(self.error_codes))
        object.__setattr__(self, "client", normalise_client(self.client))
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        if self.document_hash is not None and not _SHA256_HEX.match(self.document_hash):
            raise ValueError("document_hash must be a sha256 in lowercase hex")
        if self.operator is not None and len(self.operator) > OPERATOR_MAX:
            raise ValueError(f"operator is longer than {OPERATOR_MAX} characters")
        if not 0 <= self.duration_us <= _BIGINT_MAX:
            raise ValueError("duration_us must be a non-negative 64-bit integer")
        for name in ("agency_id", "key_id"):
            _check_bigint(name, getattr(self, name))
        if self.subjects:  # sorted: the ends are the extremes
            _check_bigint("subjects", self.subjects[0])
            _check_bigint("subjects", self.subjects[-1])
        # What came with the request (fields are the schema's coordinates, error codes the hub's).
        for text in (self.agency_code, self.operator, self.operation_type, self.operation_name, self.purpose):
            _check_text(text)

    @classmethod
    def from_row(cls, row: Row) -> AuditRecord:
        """The record as stored in ``audit.event`` (extra columns are ignored)."""
        client = row["client"]
        return cls(
            at=row["at"],
            agency_id=row["agency_id"],
            agency_code=row["agency_code"],
            key_id=row["key_id"],
            operator=row["operator"],
            operation_type=row["operation_type"],
            operation_name=row["operation_name"],
            document_hash=row["document_hash"],
            fields=tuple(row["fields"]),
            subjects=tuple(row["subjects"]),
            purpose=row["purpose"],
            outcome=row["outcome"],
            error_codes=tuple(row["error_codes"]),
            duration_us=row["duration_us"],
            client=None if client is None else str(client),
        )

    def row(self, seq: int, prev_hash: bytes, digest: bytes) -> dict[str, Any]:
        """Record ``seq`` as a row of ``audit.event`` for json_populate_recordset (bytea as
        ``\\x`` hex text; orjson writes ``at`` as RFC 3339 with its microseconds)."""
        return {
            "seq": seq,
            "at": self.at,
            "agency_id": self.agency_id,
            "agency_code": self.agency_code,
            "key_id": self.key_id,
            "operator": self.operator,
            "operation_type": self.operation_type,
            "operation_name": self.operation_name,
            "document_hash": self.document_hash,
            "fields": self.fields,
            "subjects": self.subjects,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "error_codes": self.error_codes,
            "duration_us": self.duration_us,
            "client": self.client,
            "prev_hash": "\\x" + prev_hash.hex(),
            "hash": "\\x" + digest.hex(),
        }

    def columns(self) -> tuple[Any, ...]:
        """The values of ``audit.event``'s columns from ``at`` to ``client``, in order."""
        return (
            self.at,
            self.agency_id,
            self.agency_code,
            self.key_id,
            self.operator,
            self.operation_type,
            self.operation_name,
            self.document_hash,
            list(self.fields),
            list(self.subjects),
            self.purpose,
            self.outcome,
            list(self.error_codes),
            self.duration_us,
            self.client,
        )


def canonical_bytes(seq: int, record: AuditRecord) -> bytes:
    """The canonical form of record ``seq`` (see the module docstring)."""
    return orjson.dumps(
        [
            CANONICAL_VERSION,
            seq,
            (record.at - _EPOCH) // _MICROSECOND,
            record.agency_id,
            record.agency_code,
            record.key_id,
            record.operator,
            record.operation_type,
            record.operation_name,
            record.document_hash,
            list(record.fields),
            list(record.subjects),
            record.purpose,
            record.outcome,
            list(record.error_codes),
            record.duration_us,
            record.client,
        ]
    )


def chain_hash(prev_hash: bytes, canonical: bytes) -> bytes:
    """``sha256(prev_hash || canonical)``."""
    return hashlib.sha256(prev_hash + canonical).digest()


def document_hash(query: str) -> str:
    """The document hash the trail records: sha256 hex of the query text."""
    return hashlib.sha256(query.encode()).hexdigest()


@lru_cache(maxsize=4096)  # a hub hears from few addresses: parse each once
def normalise_client(value: str | None) -> str | None:
    """An IP address in one text form, or None when ``value`` is not an IP address."""
    if value is None:
        return None
    try:
        # A zone ("fe80::1%eth0") names a local interface; inet has no place for it.
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # How a dual-stack socket reports an IPv4 peer; Python versions also print it apart.
        return str(address.ipv4_mapped)
    return str(address)


def _check_bigint(name: str, value: int | None) -> None:
    if value is not None and not -_BIGINT_MAX - 1 <= value <= _BIGINT_MAX:
        raise ValueError(f"{name} must fit a 64-bit integer")


def _check_text(value: str | None) -> None:
    if value is None:
        return
    if "\x00" in value:
        raise ValueError("audit text must not contain NUL characters")
    # PostgreSQL and the canonical form both need valid UTF-8 (no lone surrogates).
    value.encode()
