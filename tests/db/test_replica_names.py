"""What a replica is called where it is shown (logs, /readyz), and WAL positions as numbers."""

from __future__ import annotations

from hub.db.replicas import display_name, format_lsn, parse_lsn


def test_a_replica_is_named_by_host_port_and_database_never_its_credentials() -> None:
    assert display_name("postgresql://hub:s3cret@10.0.0.12:5433/hub") == "10.0.0.12:5433/hub"
    assert display_name("postgresql://hub:s3cret@db.example/hub") == "db.example:5432/hub"
    assert display_name("postgresql://postgres@/hub?host=/run/pg&port=5444") == "/run/pg:5444/hub"


def test_wal_positions_compare_as_numbers() -> None:
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn("0/10") > parse_lsn("0/F")
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
