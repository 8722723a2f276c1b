"""Cutting a streamed body into records: lines split anywhere, CSV quoting, encodings."""

from __future__ import annotations

from datetime import date

import pytest

from hub.errors import BadUpload
from hub.ingest.framing import Framing
from hub.ingest.records import SOURCES, Staged, stage_record

TOURISM = SOURCES["tourism"]


def frame(body: bytes, fmt: str, encoding: str = "utf-8", step: int = 7) -> list[tuple[int, object, object]]:
    framing = Framing(fmt, encoding, TOURISM.csv_columns, TOURISM.from_csv)
    out = []
    for i in range(0, len(body), step):  # chunks cut through characters and lines
        out += framing.feed(body[i : i + step])
    return out + framing.end()


def test_ndjson_records_keep_their_line_numbers_across_chunks() -> None:
    body = '\ufeff{"code": "A"}\r\n\n{"code": "宾馆"}\n[1]\n{bad\n{"code": "C"}'.encode()
    assert frame(body, "ndjson") == [
        (1, {"code": "A"}, None),
        (3, {"code": "宾馆"}, None),
        (4, None, "not a JSON object"),
        (5, None, "not valid JSON"),
        (6, {"code": "C"}, None),
    ]


def test_csv_in_gb18030_with_a_quoted_field_over_two_lines() -> None:
    text = 'code,name,address\nH-0001,"西湖""大""酒店",湖滨路\nH-0002,"温泉\n宾馆",五四路\nH-0003,x\n'
    records = frame(text.encode("gb18030"), "csv", "gb18030")
    assert records[0] == (2, {"code": "H-0001", "name": '西湖"大"酒店', "address": "湖滨路"}, None)
    assert records[1] == (3, {"code": "H-0002", "name": "温泉\n宾馆", "address": "五四路"}, None)
    assert records[2] == (5, None, "has 2 fields; the header has 3")


def test_a_line_that_is_not_in_the_declared_encoding_is_reported_by_number() -> None:
    body = "code,name\nA1,宾馆\n".encode("gb18030") + "A2,宾馆\n".encode()
    records = frame(body, "csv", "utf-8")
    assert records[0] == (2, None, "not valid utf-8 text")
    assert records[1][0] == 3


def test_an_unknown_column_or_a_bad_parameter_refuses_the_upload() -> None:
    with pytest.raises(BadUpload, match="unknown CSV column"):
        frame(b"code,stars,colour\n", "csv")
    with pytest.raises(BadUpload, match="format must be"):
        Framing("xml", "utf-8")
    with pytest.raises(BadUpload, match="encoding must be"):
        Framing("csv", "latin-1")


def test_amounts_dates_and_identifiers_are_checked_field_by_field() -> None:
    staged = Staged()
    record = {
        "certificateNumber": "闽(2018)福州市不动产权第0012345号",
        "region": "350102",
        "address": "某路",
        "areaM2": "12.345",
        "usage": "residential",
        "registeredOn": "2018-13-01",
        "owners": [{"name": "甲", "identifier": "35010219800314131x", "share": "1e0"}, {"name": "乙", "share": "0.1"}],
    }
    stage_record(SOURCES["land"], 7, record, staged, date(2025, 1, 1))
    assert staged.records == []
    assert {(line, f) for line, f, _ in staged.errors} == {
        (7, "areaM2"),
        (7, "registeredOn"),
        (7, "owners[1].identifier"),
        (7, "owners[2].kind"),
        (7, "owners"),
    }
