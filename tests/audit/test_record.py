"""The audit record: normalised when made, one canonical form, the chain hash."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from hub.audit.record import GENESIS_HASH, canonical_bytes, chain_hash, document_hash
from tests.audit.records import make_record


def test_the_canonical_form_is_a_fixed_order_json_array() -> None:
    # Given a record
    record = make_record(1, document_hash="ab" * 32)
    # When its canonical form as record 1 is taken
    canonical = canonical_bytes(1, record)
    # Then it is the documented array: version, seq, microseconds since the epoch, every column
    assert (
        canonical
        == (
            '["hub-audit/1",1,1714550401123456,1,"FJ-COURT",7,"办案人员1","query","SubjectLookup",'
            f'"{"ab" * 32}",["Person.listings","Query.subjectByResidentId"],[101],"执行案件查询","ok",'
            '[],1501,"10.0.0.9"]'
        ).encode()
    )


def test_seq_and_every_value_change_the_canonical_form() -> None:
    record = make_record(1)
    base = canonical_bytes(1, record)
    assert canonical_bytes(2, record) != base
    changes = {
        "at": record.at + timedelta(microseconds=1),
        "agency_id": None,
        "agency_code": "X",
        "key_id": 8,
        "operator": None,
        "operation_type": "mutation",
        "operation_name": None,
        "document_hash": None,
        "fields": (),
        "subjects": (1,),
        "purpose": None,
        "outcome": "denied",
        "error_codes": ("UNAUTHENTICATED",),
        "duration_us": 0,
        "client": None,
    }
    assert set(changes) == {f.name for f in dataclasses.fields(record)}
    for name, value in changes.items():
        assert canonical_bytes(1, dataclasses.replace(record, **{name: value})) != base, name


def test_the_chain_hash_is_sha256_of_prev_and_canonical() -> None:
    canonical = canonical_bytes(1, make_record(1))
    assert chain_hash(GENESIS_HASH, canonical) == hashlib.sha256(bytes(32) + canonical).digest()
    assert GENESIS_HASH == bytes(32)


def test_a_record_is_normalised_when_made() -> None:
    # Given values in any order, a local time and an IPv4-mapped IPv6 peer
    shanghai = timezone(timedelta(hours=8))
    record = make_record(
        1,
        at=datetime(2024, 5, 1, 16, 0, tzinfo=shanghai),
        fields=("Query.b", "Person.a", "Query.b"),
        subjects=(9, 3, 9),
        client="::ffff:10.1.2.3",
    )
    # Then what is kept is what the database gives back
    assert record.at.utcoffset() == timedelta(0)
    assert record.at.hour == 8
    assert record.fields == ("Person.a", "Query.b")
    assert record.subjects == (3, 9)
    assert record.client == "10.1.2.3"
    assert make_record(1, client="2001:DB8::1").client == "2001:db8::1"
    # A test client's name is not an address
    assert make_record(1, client="testclient").client is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"at": datetime(2024, 5, 1, 8, 0)}, "timezone-aware"),
        ({"outcome": "maybe"}, "outcome must be one of"),
        ({"document_hash": "AB" * 32}, "sha256"),
        ({"operator": "x" * 201}, "longer than 200"),
        ({"duration_us": -1}, "non-negative"),
        ({"subjects": (2**63,)}, "64-bit"),
        ({"purpose": "a\x00b"}, "NUL"),
        ({"operator": "\ud800"}, "surrogate"),
    ],
)
def test_values_the_database_would_refuse_are_refused_at_once(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_record(1, **changes)


def test_document_hash_is_sha256_hex_of_the_query_text() -> None:
    assert document_hash("{ a }") == hashlib.sha256(b"{ a }").hexdigest()
