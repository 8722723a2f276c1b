"""Fujian's courts as they appear in case numbers, derived from the division codes.

The high court is 闽, an intermediate court is 闽 plus the city digits (闽01 for
福州), a basic court is 闽 plus the county digits (闽0102 for 鼓楼区).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import asyncpg

from hub.identity.regions import FUJIAN, FUJIAN_COUNTIES, city_code

__all__ = [
    "BASIC_COURTS",
    "COURTS",
    "COURTS_BY_CODE",
    "HIGH_COURT",
    "INTERMEDIATE_COURTS",
    "SUBJECT_COUNTIES",
    "Court",
    "case_number",
    "court_code",
    "ensure_courts",
]

PROVINCE_CHAR: Final = "闽"
# 金门县 is administered from Taiwan: it has a code but no mainland court or residents.
_UNADMINISTERED: Final = frozenset({"350527"})

SUBJECT_COUNTIES: Final[tuple[str, ...]] = tuple(c for c in FUJIAN_COUNTIES if c not in _UNADMINISTERED)


@dataclass(frozen=True, slots=True)
class Court:
    code: str
    name: str
    level: Literal["high", "intermediate", "basic"]
    region: str


def court_code(region: str) -> str:
    """The case-number code of the court seated at a province, city or county code."""
    if region == "350000":
        return PROVINCE_CHAR
    if region == city_code(region):
        return PROVINCE_CHAR + region[2:4]
    return PROVINCE_CHAR + region[2:6]


def _basic_court_name(county: str) -> str:
    name = FUJIAN[county]
    # Districts are named with their city (福州市鼓楼区); counties and county-level
    # cities stand alone (福清市, 泰宁县).
    if name.endswith("区"):
        return FUJIAN[city_code(county)] + name + "人民法院"
    return name + "人民法院"


HIGH_COURT: Final = Court(PROVINCE_CHAR, "福建省高级人民法院", "high", "350000")
INTERMEDIATE_COURTS: Final[Mapping[str, Court]] = MappingProxyType(
    {
        city: Court(court_code(city), f"福建省{FUJIAN[city]}中级人民法院", "intermediate", city)
        for city in sorted(c for c in FUJIAN if c.endswith("00") and c != "350000")
    }
)
BASIC_COURTS: Final[Mapping[str, Court]] = MappingProxyType(
    {county: Court(court_code(county), _basic_court_name(county), "basic", county) for county in SUBJECT_COUNTIES}
)
COURTS: Final[tuple[Court, ...]] = (
    HIGH_COURT,
    *INTERMEDIATE_COURTS.values(),
    *BASIC_COURTS.values(),
)
COURTS_BY_CODE: Final[Mapping[str, Court]] = MappingProxyType({c.code: c for c in COURTS})


def case_number(year: int, court: str, serial: int, kind: str = "") -> str:
    """An enforcement case number: ``(2019)闽0102执1234号``; ``kind`` 恢 marks a resumed case."""
    return f"({year}){court}执{kind}{serial}号"


async def ensure_courts(conn: asyncpg.Connection) -> None:
    """Insert the courts that are missing; existing rows are left as they are."""
    await conn.execute(
        "INSERT INTO court.court (code, name, level, region)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
        " ON CONFLICT DO NOTHING",
        [c.code for c in COURTS],
        [c.name for c in COURTS],
        [c.level for c in COURTS],
        [c.region for c in COURTS],
    )
