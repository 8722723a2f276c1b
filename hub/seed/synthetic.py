"""A synthetic Fujian: subjects, enforcement cases, listings, assets and hotels.

``seed_synthetic`` loads it with COPY in one transaction, chunk by chunk. A chunk is
built by a pure function of (seed, chunk index) and of the counters the chunks before it
advanced (``_Serials``: they make every natural key and organisation name of a run unique
by construction, in memory that does not grow with the run), with ids local to the chunk;
the loader reserves real ids from the tables' sequences and maps local ids onto them while
copying, so the database never has to be empty and a worker process can build the next
chunk while the current one is copied. Into empty tables (a new database, the usual case at
national size) the secondary indexes, unique keys and foreign keys are set aside for the
load and built again at the end, in the same transaction (``_set_aside``); into tables that
hold rows, keys the database already has are regenerated (``_resolve_collisions``). The
seed holds the tables it numbers in EXCLUSIVE mode: readers go on, writers wait for it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hub.identity import make_uscc, resident_id_check_digit
from hub.identity.regions import FUJIAN, city_code, region_name
from hub.seed.courts import (
    BASIC_COURTS,
    COURTS_BY_CODE,
    INTERMEDIATE_COURTS,
    SUBJECT_COUNTIES,
    Court,
    ensure_courts,
)
from hub.seed.names import (
    company_frame,
    individual_business_frame,
    nth_trade_name,
    person_name,
    trade_name,
    urn,
)

__all__ = ["CHUNK_SUBJECTS", "MAX_SUBJECTS", "SeedReport", "build_chunk", "seed_synthetic"]

# Small enough that a chunk's rows take about 30 MB in the loader.
CHUNK_SUBJECTS: Final = 25_000
# The data describe the world as of this day; nothing depends on the clock.
AS_OF: Final = date(2025, 6, 30)

Row = tuple[Any, ...]

# ---------------------------------------------------------------- lookup tables


def _salt(*key: object) -> int:
    """A stable number from ``key`` (``hash`` of a string changes with PYTHONHASHSEED)."""
    return zlib.crc32(repr(key).encode())


_DAY0: Final = date(1940, 1, 1).toordinal()
_AS_OF_ORD: Final = AS_OF.toordinal()
# Every date the generator can produce, so a date is an index, not a constructor call.
_DATES: Final = tuple(date.fromordinal(o) for o in range(_DAY0, date(2027, 1, 1).toordinal()))
# The same days as written in a resident ID ("19720315").
_YMD: Final = tuple(f"{d:%Y%m%d}" for d in _DATES)
_BIRTH_LO: Final = date(1940, 1, 1).toordinal()
_BIRTH_SPAN: Final = date(2004, 12, 31).toordinal() - _BIRTH_LO + 1
_YEAR_START: Final = {y: date(y, 1, 1).toordinal() for y in range(1940, 2027)}

_CITIES: Final = tuple(sorted(c for c in FUJIAN if c.endswith("00") and c != "350000"))
_CITY_SHORT: Final = {c: FUJIAN[c].removesuffix("市") for c in _CITIES}
# Resident population in millions (2020 census, rounded): where subjects live.
_CITY_POPULATION: Final = {
    "350100": 8.3,
    "350200": 5.2,
    "350300": 3.2,
    "350400": 2.5,
    "350500": 8.8,
    "350600": 5.1,
    "350700": 2.7,
    "350800": 2.7,
    "350900": 3.1,
}
_PLATE_LETTER: Final = {
    "350100": "A",
    "350300": "B",
    "350500": "C",
    "350200": "D",
    "350600": "E",
    "350800": "F",
    "350400": "G",
    "350700": "H",
    "350900": "J",
}
# One-character city abbreviations used in arbitration and notarial document numbers.
_CITY_ABBR: Final = {
    "350100": "榕",
    "350200": "厦",
    "350300": "莆",
    "350400": "明",
    "350500": "泉",
    "350600": "漳",
    "350700": "南",
    "350800": "岩",
    "350900": "宁",
}
_COUNTIES_OF_CITY: Final = {c: tuple(k for k in SUBJECT_COUNTIES if city_code(k) == c) for c in _CITIES}
_COUNTY_URN: Final = urn(
    [(k, _CITY_POPULATION[city_code(k)] / len(_COUNTIES_OF_CITY[city_code(k)])) for k in SUBJECT_COUNTIES],
    0.01,
)
# "福州市鼓楼区": the part of an address before the street.
_ADDRESS_PREFIX: Final = {k: FUJIAN[city_code(k)] + FUJIAN[k] for k in SUBJECT_COUNTIES}
_FULL_REGION: Final = {k: region_name(k) or FUJIAN[k] for k in SUBJECT_COUNTIES}
# The registration office in a certificate number: the city for its districts, the
# county (or county-level city) otherwise.
_CERT_OFFICE: Final = {k: FUJIAN[city_code(k)] if FUJIAN[k].endswith("区") else FUJIAN[k] for k in SUBJECT_COUNTIES}
# Names of companies registered in a county: mostly the city, some the county itself.
_NAME_PLACES: Final = {
    k: (
        _CITY_SHORT[city_code(k)],
        FUJIAN[k][:-1] if not FUJIAN[k].endswith("区") else _CITY_SHORT[city_code(k)],
        "福建",
    )
    for k in SUBJECT_COUNTIES
}
_OTHER_COUNTIES_IN_CITY: Final = {
    k: tuple(x for x in _COUNTIES_OF_CITY[city_code(k)] if x != k) or (k,) for k in SUBJECT_COUNTIES
}

_ROADS: Final = tuple(
    "中山路 人民路 解放路 建设路 新华路 胜利路 和平路 五一路 八一路 湖滨路 滨江路 江滨大道 "
    "工业路 学府路 府前路 东街 西街 南街 北大街 青年路 长安路 迎宾大道 站前路 环城路 "
    "振兴路 海滨路 南环路 北环路 华侨路 金山大道 世纪大道 文化路 新城大道 六一路 创业路 "
    "光明路 东大路 城南路 城北路 朝阳路 体育路 公园路 育才路 广场路 新村路 工农路".split()
)
_COMPOUNDS: Final = ("花园", "小区", "大厦", "公寓", "华府", "新村", "苑", "广场", "名都")
_BANKS: Final = (
    "中国工商银行股份有限公司",
    "中国农业银行股份有限公司",
    "中国银行股份有限公司",
    "中国建设银行股份有限公司",
    "交通银行股份有限公司",
    "兴业银行股份有限公司",
    "中国邮政储蓄银行股份有限公司",
    "招商银行股份有限公司",
    "福建海峡银行股份有限公司",
    "中信银行股份有限公司",
    "平安银行股份有限公司",
)

# Ways to split a company among 1-4 holders, as numeric(7,6) text; each sums to <= 1.
_SHARE_PATTERNS: Final = {
    1: (("1.000000",),),
    2: (
        ("0.500000", "0.500000"),
        ("0.600000", "0.400000"),
        ("0.700000", "0.300000"),
        ("0.510000", "0.490000"),
        ("0.800000", "0.200000"),
    ),
    3: (
        ("0.400000", "0.300000", "0.300000"),
        ("0.500000", "0.300000", "0.200000"),
        ("0.333333", "0.333333", "0.333333"),
        ("0.600000", "0.200000", "0.200000"),
    ),
    4: (
        ("0.400000", "0.200000", "0.200000", "0.200000"),
        ("0.250000", "0.250000", "0.250000", "0.250000"),
        ("0.350000", "0.250000", "0.200000", "0.200000"),
    ),
}
_MICRO: Final = {s: int(s.replace(".", "")) for p in _SHARE_PATTERNS.values() for t in p for s in t}
_COMPANY_TYPE_URN: Final = urn(
    [("limited_liability", 90), ("joint_stock", 5), ("sole_proprietorship", 3), ("partnership", 2)]
)
# How each company type is named (names.company_name forms).
_FORM: Final = {
    "limited_liability": "limited",
    "joint_stock": "joint_stock",
    "sole_proprietorship": "sole",
    "partnership": "partnership",
}
_HOLDER_COUNT_URN: Final = urn([(1, 25), (2, 45), (3, 20), (4, 10)])
_CAPITAL_URN: Final = urn(
    [
        (100_000, 8),
        (300_000, 6),
        (500_000, 10),
        (1_000_000, 20),
        (2_000_000, 10),
        (3_000_000, 8),
        (5_000_000, 10),
        (10_000_000, 10),
        (20_000_000, 5),
        (50_000_000, 3),
        (100_000_000, 1),
    ]
)
_SMALL_CAPITAL_URN: Final = urn([(10_000, 3), (30_000, 3), (50_000, 4), (100_000, 4), (200_000, 2), (500_000, 1)])
_CASES_URN: Final = urn([(1, 66), (2, 22), (3, 8), (4, 3), (5, 1)])
_FILED_YEAR_URN: Final = urn(
    [
        (2014, 5),
        (2015, 6),
        (2016, 8),
        (2017, 9),
        (2018, 10),
        (2019, 12),
        (2020, 11),
        (2021, 11),
        (2022, 10),
        (2023, 9),
        (2024, 9),
    ]
)
_CIRCUMSTANCE_URN: Final = urn(
    [
        ("refuses_with_ability", 55),
        ("evades_enforcement", 14),
        ("violates_asset_reporting", 16),
        ("obstructs_enforcement", 5),
        ("violates_consumption_restriction", 5),
        ("breaches_settlement", 5),
    ]
)
_REMOVAL_URN: Final = urn(
    [("settled", 30), ("credit_repair", 25), ("term_expired", 20), ("published_in_error", 10), ("other", 15)]
)
_PERSON_OBLIGATIONS: Final = urn(
    [
        ("偿还借款本金{}元及利息", 30),
        ("支付货款{}元", 12),
        ("赔偿损失{}元", 12),
        ("支付租金{}元", 6),
        ("返还不当得利{}元", 4),
        ("支付工程款{}元", 5),
        ("偿还信用卡透支本息{}元", 10),
        ("支付抚养费{}元", 3),
        ("支付违约金{}元", 5),
        ("支付转让款{}元", 3),
    ]
)
_ORG_OBLIGATIONS: Final = urn(
    [
        ("支付货款{}元及逾期付款利息", 30),
        ("偿还借款本金{}元及利息", 20),
        ("支付工程款{}元", 15),
        ("支付劳动报酬{}元", 10),
        ("支付租金{}元", 8),
        ("支付违约金{}元", 7),
        ("赔偿损失{}元", 5),
        ("返还预付款{}元", 5),
    ]
)
# Basis kinds: 0 civil judgment, 1 mediation, 2 appeal judgment, 3 payment order,
# 4 criminal judgment, 5 arbitral award, 6 notarised debt instrument, 7 labour award.
_PERSON_BASIS_URN: Final = urn([(0, 42), (1, 25), (2, 6), (3, 4), (4, 5), (5, 6), (6, 12)])
_ORG_BASIS_URN: Final = urn([(0, 40), (1, 20), (2, 10), (3, 4), (5, 16), (6, 4), (7, 6)])

_PERSON_ESTATES: Final = (
    urn([(0, 62), (1, 30), (2, 6), (3, 2)]),  # not a debtor
    urn([(0, 32), (1, 36), (2, 20), (3, 8), (4, 4)]),  # debtor
)
_PERSON_VEHICLES: Final = (
    urn([(0, 70), (1, 27), (2, 3)]),
    urn([(0, 40), (1, 43), (2, 13), (3, 4)]),
)
_ORG_ESTATES: Final = (
    urn([(0, 60), (1, 30), (2, 10)]),
    urn([(0, 40), (1, 30), (2, 15), (3, 10), (4, 5)]),
)
_ORG_VEHICLES: Final = (
    urn([(0, 55), (1, 30), (2, 10), (3, 5)]),
    urn([(0, 35), (1, 30), (2, 20), (3, 10), (5, 5)]),
)
_PERSON_USAGE: Final = urn([("residential", 78), ("commercial", 8), ("land", 4), ("other", 10)])
_ORG_USAGE: Final = urn([("commercial", 35), ("industrial", 35), ("land", 20), ("residential", 5), ("other", 5)])
# Area in hundredths of m², (low, span) by usage.
_AREA: Final = {
    "residential": (4_500, 15_000),
    "commercial": (2_000, 40_000),
    "industrial": (80_000, 1_920_000),
    "land": (10_000, 2_990_000),
    "other": (1_200, 2_000),
}
_PERSON_VEHICLE_TYPES: Final = urn([("car", 90), ("motorcycle", 6), ("truck", 3), ("other", 1)])
_ORG_VEHICLE_TYPES: Final = urn([("car", 50), ("truck", 40), ("bus", 6), ("other", 4)])
# (make, world manufacturer identifier) by vehicle type.
_MAKES: Final = {
    "car": urn(
        [
            (("大众", "LSV"), 12),
            (("大众", "LFV"), 10),
            (("丰田", "LVG"), 8),
            (("本田", "LHG"), 7),
            (("日产", "LGB"), 6),
            (("别克", "LSG"), 6),
            (("比亚迪", "LGX"), 9),
            (("吉利", "LB3"), 7),
            (("长安", "LS5"), 5),
            (("五菱", "LZW"), 6),
            (("现代", "LBE"), 4),
            (("起亚", "LJD"), 3),
            (("宝马", "LBV"), 3),
            (("奔驰", "LE4"), 3),
            (("福特", "LVS"), 4),
            (("特斯拉", "LRW"), 3),
            (("东南", "LDN"), 2),
        ]
    ),
    "truck": urn(
        [(("解放", "LFW"), 4), (("东风", "LGA"), 4), (("重汽", "LZZ"), 3), (("福田", "LVB"), 3), (("江淮", "LJC"), 2)]
    ),
    "bus": urn([(("金龙", "LKL"), 5), (("宇通", "LZY"), 3)]),
    "motorcycle": urn([(("豪爵", "LC6"), 3), (("五羊-本田", "LWB"), 2), (("新大洲本田", "LAL"), 1)]),
    "other": urn([(("合力", "LHF"), 1), (("龙工", "LLG"), 1)]),
}
_VIN_CHARS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES: Final = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_YEAR: Final = {y: "ABCDEFGHJKLMNPRST"[y - 2010] for y in range(2010, 2027)} | {
    y: str(y - 2000) for y in range(2001, 2010)
}
_PLATE_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# Plate serial shapes: d digit, L letter; most are digits with at most two letters.
_PLATE_SHAPES: Final = urn(
    [
        ("LLddd", 25),
        ("LdLdd", 10),
        ("Ldddd", 20),
        ("dLddd", 5),
        ("ddddL", 10),
        ("ddddd", 3),
        ("DLdddd", 8),
        ("Dddddd", 6),
        ("FLdddd", 5),
        ("Fddddd", 3),
    ]
)
_HOTEL_SUFFIX: Final = urn([("大酒店", 4), ("酒店", 6), ("宾馆", 3), ("商务酒店", 2), ("度假酒店", 1)])
_STARS_URN: Final = urn([(0, 40), (1, 3), (2, 12), (3, 25), (4, 14), (5, 6)])


def _vin(rnd: Callable[[], float], wmi: str, year: int, number: int) -> str:
    """A VIN whose plant letter and serial are the vehicle's ``number`` in the run, spread
    over their space: unique whatever the rest."""
    chars = _VIN_CHARS
    n = len(chars)
    vds = "".join([chars[int(rnd() * n)] for _ in range(5)])
    plant, serial = divmod((number * _SPREAD + 424_242) % _VIN_SPACE, 1_000_000)
    return _with_vin_check(f"{wmi}{vds}0{_VIN_YEAR[year]}{chars[plant]}{serial:06d}")


def _with_vin_check(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return vin[:8] + ("X" if check == 10 else str(check)) + vin[9:]


def _plate(rnd: Callable[[], float], letter: str, shape: str) -> str:
    out = ["闽", letter]
    for ch in shape:
        if ch == "d":
            out.append(str(int(rnd() * 10)))
        elif ch == "L":
            out.append(_PLATE_LETTERS[int(rnd() * 24)])
        else:
            out.append(ch)
    return "".join(out)


# How many plates each shape has: letters are 24 (no I or O), digits 10.
_PLATE_SPACE: Final = {shape: 24 ** shape.count("L") * 10 ** shape.count("d") for shape in sorted(set(_PLATE_SHAPES))}


_PLATE_SALT: Final = {
    (letter, shape): _salt(letter, shape) for letter in _PLATE_LETTER.values() for shape in _PLATE_SPACE
}


def _next_plate(rnd: Callable[[], float], letter: str, next_serial: Callable[[tuple[object, ...]], int]) -> str:
    """The next unused plate of city ``letter`` in a shape drawn by frequency: the shape's
    counter spread over its space and written out in its letters and digits. A shape that is
    used up gives way to another."""
    for _ in range(1_000):
        shape = _PLATE_SHAPES[int(rnd() * len(_PLATE_SHAPES))]
        space = _PLATE_SPACE[shape]
        n = next_serial(("plate", letter, shape))
        if n < space:
            break
    else:
        raise ValueError(f"the plates of 闽{letter} are used up")
    k = (n * _SPREAD + _PLATE_SALT[letter, shape]) % space
    out: list[str] = []
    for ch in reversed(shape):
        if ch == "d":
            k, d = divmod(k, 10)
            out.append(str(d))
        elif ch == "L":
            k, d = divmod(k, 24)
            out.append(_PLATE_LETTERS[d])
        else:
            out.append(ch)
    return "闽" + letter + "".join(reversed(out))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------- chunks


@dataclass(slots=True)
class Chunk:
    """Rows of one chunk. Columns holding ``*_local`` values are indexes into this
    chunk's own lists (subjects, cases, estates, vehicles), not database ids."""

    # (kind, identifier, name, sex, birth_date, region)
    subjects: list[Row] = field(default_factory=list)
    # (subject_local, company_type, registered_capital, established_on, status, address, industry)
    companies: list[Row] = field(default_factory=list)
    # (company_local, holder_local, share, subscribed_capital)
    shareholdings: list[Row] = field(default_factory=list)
    # (company_local, person_local, role, title, since)
    directorships: list[Row] = field(default_factory=list)
    # (case_number, court_code, filed_on, basis_document, basis_issuer, obligation,
    #  amount, performance, performed_amount)
    cases: list[Row] = field(default_factory=list)
    # (case_local, subject_local)
    case_parties: list[Row] = field(default_factory=list)
    # (subject_local, case_local, list, circumstance, published_on, term_months,
    #  extended_months, removed_on, removal_reason, version)
    listings: list[Row] = field(default_factory=list)
    # (certificate_number, unit_number, region, address, area_m2, usage, registered_on)
    estates: list[Row] = field(default_factory=list)
    # (estate_local, subject_local, share)
    ownerships: list[Row] = field(default_factory=list)
    # (estate_local, kind, holder, case_local | None, registered_on, released_on)
    encumbrances: list[Row] = field(default_factory=list)
    # (plate, vin, owner_local, make, vehicle_type, registered_on)
    vehicles: list[Row] = field(default_factory=list)
    # (vehicle_local, case_local, seized_on, released_on)
    seizures: list[Row] = field(default_factory=list)
    # (code, name, region, address, stars, rated_on, status)
    hotels: list[Row] = field(default_factory=list)


def _chunk_rng(seed: int, index: int, purpose: str = "build") -> random.Random:
    # String seeds are hashed with SHA-512, so streams do not depend on PYTHONHASHSEED.
    return random.Random(f"synthetic:{seed}:{index}:{purpose}")


# Multipliers of the bijections n -> (n * step + salt) % size that spread serial numbers over
# their space (each is coprime with the sizes it is used with).
_SPREAD: Final = 7_919
_USCC_SPACE: Final = 10**8  # the 8-digit body of the organisation code
_UNIT_SPACE: Final = 10**8  # the 8-digit building-unit part of a unit number
_VIN_SPACE: Final = 23 * 10**6  # a plant letter (of 23) and a 6-digit serial
# The largest run the serial spaces above allow with room to spare (vehicles fill up first).
MAX_SUBJECTS: Final = 40_000_000
# The 3-digit sequence of a resident ID: 500 per sex for one county and birth day.
_RID_SLOTS: Final = 500
_COUNTY_INDEX: Final = {k: i for i, k in enumerate(SUBJECT_COUNTIES)}


class _Serials:
    """Counters that make every natural key of a run unique by construction, so no set of
    the keys used so far is kept and no key is looked up in the database.

    A key is a serial number where the real one is (case and certificate numbers count up
    per court or office and year), and otherwise a counter spread over the key's space by
    a bijection (organisation codes, unit numbers, plates, VINs) or a slot in a small fixed
    table (the sequence of a resident ID, per county, birth day and sex). Memory stays flat:
    the counters are keyed by things that do not grow with the run (courts, years, offices,
    plate shapes, name patterns), the resident ID table is a fixed 8 MB array."""

    def __init__(self) -> None:
        self.subjects = 0
        self.estates = 0
        self.vehicles = 0
        self.counters: dict[tuple[object, ...], int] = {}
        self.rid = array("H", bytes(2 * len(SUBJECT_COUNTIES) * _BIRTH_SPAN * 2))

    def next(self, key: tuple[object, ...]) -> int:
        """0, 1, 2... for each ``key``."""
        n = self.counters.get(key, 0)
        self.counters[key] = n + 1
        return n


class _Builder:
    """Builds chunks in order, numbering the natural keys on from the chunks before."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.serials = _Serials()

    def build(self, index: int, size: int) -> Chunk:
        return build_chunk(self.seed, index, size, self.serials)


def build_chunk(seed: int, index: int, size: int, serials: _Serials | None = None) -> Chunk:
    """The rows of chunk ``index`` with ``size`` subjects: a pure function of its arguments
    and of the chunks built before it with the same ``serials`` (updated)."""
    if serials is None:
        serials = _Serials()
    draft = _Draft(_chunk_rng(seed, index), size, serials)
    draft.add_subjects()
    draft.add_debts()
    draft.add_companies()
    draft.add_cases()
    draft.add_estates()
    draft.add_vehicles()
    serials.subjects += size
    serials.estates += len(draft.rows.estates)
    serials.vehicles += len(draft.rows.vehicles)
    return draft.rows


class _Draft:
    """One chunk being built. The phases run in order and share what earlier ones drew;
    hot loops copy attributes into locals because attribute lookups dominate otherwise."""

    def __init__(self, rng: random.Random, size: int, serials: _Serials) -> None:
        self.rnd = rng.random
        self.size = size
        self.serials = serials
        self.rows = Chunk()
        self.regions: list[str] = []
        self.is_org: list[bool] = []
        self.persons: list[int] = []
        # (subject local, company type, industry sector) of each organisation
        self.orgs: list[tuple[int, str, str]] = []
        self.n_cases: list[int] = []
        self.debtor_persons: list[int] = []
        # Per subject, the local id of its first case; per case, what seals and
        # seizures need to know about it.
        self.case_start: list[int] = []
        self.case_filed: list[int] = []
        self.case_court: list[str] = []
        self.case_full: list[bool] = []

    def any_person(self, exclude: int) -> int:
        """A person of the chunk other than ``exclude``; debtors are over-represented,
        since people in debt tend to hold shares and property with other debtors."""
        rnd = self.rnd
        debtors = self.debtor_persons
        persons = self.persons
        while True:
            if debtors and rnd() < 0.5:
                p = debtors[int(rnd() * len(debtors))]
            else:
                p = persons[int(rnd() * len(persons))]
            if p != exclude:
                return p

    @property
    def related(self) -> bool:
        # Officers, shareholders and co-owners are drawn from the chunk's persons; a chunk
        # of a handful of subjects has too few to draw distinct ones from.
        return len(self.persons) >= 8

    def add_subjects(self) -> None:
        rnd = self.rnd
        dates = _DATES
        serials = self.serials
        next_serial = serials.next
        first = serials.subjects
        rid_slots = serials.rid
        ymd = _YMD
        rid_check = resident_id_check_digit
        subjects = self.rows.subjects
        regions = self.regions
        is_org = self.is_org
        county_urn = _COUNTY_URN
        n_county = len(county_urn)
        for i in range(self.size):
            county = county_urn[int(rnd() * n_county)]
            regions.append(county)
            if rnd() < 0.15:
                org_type = "2" if rnd() < 0.25 else "1"
                # The subject's number in the run, spread over the organisation code's space.
                body = ((first + i) * _SPREAD + 1_234_567) % _USCC_SPACE
                uscc = make_uscc("9", org_type, county, f"{body:08d}")
                if org_type == "2":
                    ctype = "individual_business"
                    kind, sector = individual_business_frame(rnd)
                    head, tail = _ADDRESS_PREFIX[county], kind
                else:
                    ctype = _COMPANY_TYPE_URN[int(rnd() * len(_COMPANY_TYPE_URN))]
                    r = rnd()
                    places = _NAME_PLACES[county]
                    head = places[0] if r < 0.75 else (places[1] if r < 0.92 else places[2])
                    word, suffix, sector = company_frame(rnd, county, _FORM[ctype])
                    tail = word + suffix
                # The next trade name not yet used with this place and business: a name is
                # unique by construction (names of different patterns cannot coincide).
                pattern = ("name", head, tail)
                name = head + nth_trade_name(next_serial(pattern), _salt(*pattern)) + tail
                subjects.append(("organisation", uscc, name, None, None, county))
                self.orgs.append((i, ctype, sector))
                is_org.append(True)
            else:
                male = rnd() < 0.52
                cell_base = _COUNTY_INDEX[county] * _BIRTH_SPAN
                while True:
                    # Triangular around 1972: few subjects are very old or very young.
                    birth = _BIRTH_LO + int((rnd() + rnd()) * 0.5 * _BIRTH_SPAN)
                    cell = (cell_base + birth - _BIRTH_LO) * 2 + male
                    taken = rid_slots[cell]
                    if taken < _RID_SLOTS:
                        break
                rid_slots[cell] = taken + 1
                birth_date = dates[birth - _DAY0]
                # The next free sequence for this county, day and sex, in a shuffled order.
                slot = (taken * 211 + cell) % _RID_SLOTS
                # make_resident_id without its checks of parts that are valid here.
                first17 = f"{county}{ymd[birth - _DAY0]}{slot * 2 + male:03d}"
                rid = first17 + rid_check(first17)
                sex = "male" if male else "female"
                name = person_name(rnd, male, birth_date.year)
                subjects.append(("person", rid, name, sex, birth_date, county))
                self.persons.append(i)
                is_org.append(False)

    def add_debts(self) -> None:
        """Decide who is a judgment debtor, and in how many cases."""
        rnd = self.rnd
        cases_urn = _CASES_URN
        n = len(cases_urn)
        self.n_cases = [cases_urn[int(rnd() * n)] if rnd() < (0.42 if org else 0.28) else 0 for org in self.is_org]
        self.debtor_persons = [i for i in self.persons if self.n_cases[i]]

    def add_companies(self) -> None:
        rnd = self.rnd
        dates = _DATES
        any_person = self.any_person
        related = self.related
        subjects = self.rows.subjects
        companies = self.rows.companies
        holdings = self.rows.shareholdings
        officers = self.rows.directorships
        org_ids = [o for o, _, _ in self.orgs]
        n_orgs = len(org_ids)
        span = _YEAR_START[2024] - _YEAR_START[1995]
        for o, ctype, sector in self.orgs:
            county = self.regions[o]
            debtor = self.n_cases[o] > 0
            est = dates[_YEAR_START[1995] + int(rnd() * span) - _DAY0]
            r = rnd()
            if r < (0.75 if debtor else 0.92):
                status = "active"
            else:
                status = "revoked" if r < (0.95 if debtor else 0.97) else "cancelled"
            road = _ROADS[int(rnd() * len(_ROADS))]
            address = f"{_FULL_REGION[county]}{road}{1 + int(rnd() * 888)}号"
            if ctype == "individual_business":
                capital = _SMALL_CAPITAL_URN[int(rnd() * len(_SMALL_CAPITAL_URN))]
            else:
                capital = _CAPITAL_URN[int(rnd() * len(_CAPITAL_URN))]
                if ctype == "joint_stock" and capital < 5_000_000:
                    capital = 5_000_000
            companies.append((o, ctype, f"{capital}.00", est, status, address, sector))
            if not related:
                continue

            if ctype == "individual_business":
                officers.append((o, any_person(o), "legal_representative", "经营者", est))
                continue
            if ctype == "sole_proprietorship":
                count = 1
            elif ctype == "joint_stock":
                count = 3 + (rnd() < 0.5)
            elif ctype == "partnership":
                count = 2 + int(rnd() * 3)
            else:
                count = _HOLDER_COUNT_URN[int(rnd() * len(_HOLDER_COUNT_URN))]
            patterns = _SHARE_PATTERNS[count]
            holders: list[int] = []
            for share in patterns[int(rnd() * len(patterns))]:
                while True:
                    if n_orgs > 1 and ctype != "sole_proprietorship" and rnd() < 0.12:
                        h = org_ids[int(rnd() * n_orgs)]
                    else:
                        h = any_person(o)
                    if h != o and h not in holders:
                        break
                holders.append(h)
                holdings.append((o, h, share, _money(capital * _MICRO[share] // 10_000)))

            # The legal representative is usually the largest personal holder.
            first = next((h for h in holders if subjects[h][0] == "person"), None)
            legal = first if first is not None and rnd() < 0.8 else any_person(o)
            if ctype == "joint_stock":
                officers.append((o, legal, "legal_representative", "董事长", est))
                officers.append((o, legal, "director", "董事长", est))
                d1 = any_person(legal)
                d2 = any_person(legal)
                while d2 == d1:
                    d2 = any_person(legal)
                officers.append((o, d1, "director", "董事", est))
                officers.append((o, d2, "director", "董事", est))
                officers.append((o, any_person(legal), "executive", "总经理", est))
            elif ctype == "sole_proprietorship":
                officers.append((o, legal, "legal_representative", "投资人", est))
            elif ctype == "partnership":
                officers.append((o, legal, "legal_representative", "执行事务合伙人委派代表", est))
            else:
                officers.append((o, legal, "legal_representative", "执行董事兼总经理", est))
                officers.append((o, legal, "executive", "执行董事兼总经理", est))
            if ctype in ("limited_liability", "joint_stock") and rnd() < 0.6:
                officers.append((o, any_person(legal), "supervisor", "监事", est))
            if rnd() < 0.25:
                officers.append((o, legal, "actual_controller", None, est))

    def add_cases(self) -> None:
        """Enforcement cases with their party and, for most, a listing."""
        rnd = self.rnd
        dates = _DATES
        as_of = _AS_OF_ORD
        cases = self.rows.cases
        parties = self.rows.case_parties
        listings = self.rows.listings
        case_filed = self.case_filed
        case_court = self.case_court
        case_full = self.case_full
        next_serial = self.serials.next
        self.case_start = case_start = [0] * self.size
        for s, k in enumerate(self.n_cases):
            if not k:
                continue
            case_start[s] = len(cases)
            county = self.regions[s]
            city = city_code(county)
            is_org = self.is_org[s]
            for _ in range(k):
                year = _FILED_YEAR_URN[int(rnd() * len(_FILED_YEAR_URN))]
                filed = _YEAR_START[year] + int(rnd() * 365)
                # Log-uniform from 1,000 to 5,000,000 yuan, skewed to small debts, less so
                # for organisations.
                yuan = int(1000 * 5000 ** (rnd() ** (1.1 if is_org else 1.6)))
                cents = yuan * 100 if rnd() < 0.6 else yuan * 100 + int(rnd() * 100)
                money = f"{cents // 100}.{cents % 100:02d}"
                if rnd() < 0.02:
                    others = _OTHER_COUNTIES_IN_CITY[county]
                    basic = BASIC_COURTS[others[int(rnd() * len(others))]]
                else:
                    basic = BASIC_COURTS[county]
                intermediate = INTERMEDIATE_COURTS[city]
                court = intermediate if yuan > 2_000_000 and rnd() < 0.5 else basic
                resumed = "恢" if rnd() < 0.08 else ""
                # Courts number their cases from 1 each year (resumed cases apart).
                serial = 1 + next_serial(("case", court.code, year, resumed))
                number = f"({year}){court.code}执{resumed}{serial}号"
                doc, issuer, obligation = _basis(rnd, year, basic, intermediate, county, is_org, money)

                r = rnd()
                if r < 0.60:
                    performance, performed = "none", "0.00"
                elif r < 0.88:
                    performance = "partial"
                    paid = max(1, int(cents * (0.05 + rnd() * 0.9)))
                    performed = f"{paid // 100}.{paid % 100:02d}"
                else:
                    performance, performed = "full", money
                c = len(cases)
                filed_on = dates[filed - _DAY0]
                cases.append((number, court.code, filed_on, doc, issuer, obligation, money, performance, performed))
                parties.append((c, s))
                case_filed.append(filed)
                case_court.append(court.code)
                case_full.append(performance == "full")

                if rnd() >= 0.85:
                    continue
                published = min(filed + 30 + int(rnd() * 270), as_of)
                term: int | None
                if rnd() < 0.7:
                    lst = "dishonest"
                    circumstance = _CIRCUMSTANCE_URN[int(rnd() * len(_CIRCUMSTANCE_URN))]
                    # Refusing with the ability to perform has no fixed term (SPC rules
                    # art. 2): the listing lasts until the obligation is performed.
                    term = None if circumstance == "refuses_with_ability" and rnd() < 0.6 else 24
                    extended = 12 * (1 + int(rnd() * 3)) if term is not None and rnd() < 0.1 else 0
                else:
                    lst, circumstance, term, extended = "restricted", None, None, 0
                version = 1 + (extended > 0)
                removed_on = None
                reason = None
                if performance == "full" and rnd() < 0.7:
                    reason = "paid"
                elif rnd() < 0.03:
                    reason = _REMOVAL_URN[int(rnd() * len(_REMOVAL_URN))]
                    if reason == "term_expired" and term is None:
                        reason = "other"
                if reason is not None:
                    if term is not None and reason == "term_expired":
                        removed = published + int((term + extended) * 30.44)
                    else:
                        removed = published + 7 + int(rnd() * 720)
                    removed_on = dates[min(removed, as_of) - _DAY0]
                    version += 1
                listings.append(
                    (s, c, lst, circumstance, dates[published - _DAY0], term, extended, removed_on, reason, version)
                )

    def _case_of(self, s: int) -> int:
        return self.case_start[s] + int(self.rnd() * self.n_cases[s])

    def add_estates(self) -> None:
        """Real estate with its owners, mortgages and, for debtors' property, seals."""
        rnd = self.rnd
        dates = _DATES
        as_of = _AS_OF_ORD
        any_person = self.any_person
        related = self.related
        estates = self.rows.estates
        owners = self.rows.ownerships
        encumbrances = self.rows.encumbrances
        next_serial = self.serials.next
        estate_number = self.serials.estates
        roads = _ROADS
        n_roads = len(roads)
        for s, k in enumerate(self.n_cases):
            is_org = self.is_org[s]
            county = self.regions[s]
            city = city_code(county)
            counts = (_ORG_ESTATES if is_org else _PERSON_ESTATES)[k > 0]
            usages = _ORG_USAGE if is_org else _PERSON_USAGE
            for _ in range(counts[int(rnd() * len(counts))]):
                if rnd() < 0.8:
                    where = county
                else:
                    others = _OTHER_COUNTIES_IN_CITY[county]
                    where = others[int(rnd() * len(others))]
                usage = usages[int(rnd() * len(usages))]
                reg_year = 2016 + int(rnd() * 9)
                registered = _YEAR_START[reg_year] + int(rnd() * 365)
                office = _CERT_OFFICE[where]
                # Offices number certificates from 1 each year.
                cert = f"闽({reg_year}){office}不动产权第{1 + next_serial(('cert', reg_year, office)):07d}号"
                unit: str | None = None
                # Older registrations carry no unit number. Its last 8 digits are the estate's
                # number in the run, spread over their space: unique whatever the rest.
                if rnd() < 0.9:
                    unit = (
                        f"{where}{int(rnd() * 1_000_000):06d}"
                        + ("GB" if rnd() < 0.93 else "JC")
                        + f"{int(rnd() * 100_000):05d}"
                        + ("W" if usage == "land" else "F")
                        + f"{((estate_number + len(estates)) * _SPREAD + 7_654_321) % _UNIT_SPACE:08d}"
                    )
                lo, span = _AREA[usage]
                area = lo + int(rnd() * span)
                street = f"{_ADDRESS_PREFIX[where]}{roads[int(rnd() * n_roads)]}"
                if usage == "residential":
                    address = (
                        f"{street}{1 + int(rnd() * 600)}号"
                        f"{trade_name(rnd)}{_COMPOUNDS[int(rnd() * len(_COMPOUNDS))]}"
                        f"{1 + int(rnd() * 30)}栋{1 + int(rnd() * 32)}{1 + int(rnd() * 6):02d}室"
                    )
                elif usage == "other":
                    address = f"{street}{1 + int(rnd() * 600)}号地下车位{1 + int(rnd() * 800)}号"
                else:
                    address = f"{street}{1 + int(rnd() * 888)}号"
                e = len(estates)
                estates.append(
                    (cert, unit, where, address, f"{area // 100}.{area % 100:02d}", usage, dates[registered - _DAY0])
                )
                r = rnd()
                if is_org or r < 0.55 or not related:
                    owners.append((e, s, "1.000000"))
                elif r < 0.95:
                    owners.append((e, s, "0.500000"))
                    owners.append((e, any_person(s), "0.500000"))
                else:
                    a = any_person(s)
                    b = any_person(s)
                    while b == a:
                        b = any_person(s)
                    owners.append((e, s, "0.400000"))
                    owners.append((e, a, "0.300000"))
                    owners.append((e, b, "0.300000"))
                if usage != "land" and rnd() < 0.3:
                    mortgaged = registered + int(rnd() * 60)
                    end = mortgaged + 365 + int(rnd() * 2_500)
                    released = dates[end - _DAY0] if rnd() < 0.3 and end <= as_of else None
                    bank = _BANKS[int(rnd() * len(_BANKS))] + _CITY_SHORT[city] + "分行"
                    encumbrances.append((e, "mortgage", bank, None, dates[mortgaged - _DAY0], released))
                if k and rnd() < 0.4:
                    c = self._case_of(s)
                    sealed = min(max(self.case_filed[c] + 10 + int(rnd() * 200), registered), as_of)
                    released = None
                    if self.case_full[c] and rnd() < 0.8:
                        released = dates[min(sealed + 30 + int(rnd() * 400), as_of) - _DAY0]
                    court = COURTS_BY_CODE[self.case_court[c]].name
                    encumbrances.append((e, "seal", court, c, dates[sealed - _DAY0], released))

    def add_vehicles(self) -> None:
        """Vehicles; some of a debtor's are seized for one of its cases."""
        rnd = self.rnd
        dates = _DATES
        as_of = _AS_OF_ORD
        vehicles = self.rows.vehicles
        seizures = self.rows.seizures
        next_serial = self.serials.next
        vehicle_number = self.serials.vehicles
        for s, k in enumerate(self.n_cases):
            is_org = self.is_org[s]
            counts = (_ORG_VEHICLES if is_org else _PERSON_VEHICLES)[k > 0]
            types = _ORG_VEHICLE_TYPES if is_org else _PERSON_VEHICLE_TYPES
            letter = _PLATE_LETTER[city_code(self.regions[s])]
            for _ in range(counts[int(rnd() * len(counts))]):
                vtype = types[int(rnd() * len(types))]
                makes = _MAKES[vtype]
                make, wmi = makes[int(rnd() * len(makes))]
                year = 2010 + int(rnd() * 15)
                registered = _YEAR_START[year] + int(rnd() * 365)
                v = len(vehicles)
                plate = _next_plate(rnd, letter, next_serial)
                vin = _vin(rnd, wmi, year, vehicle_number + v)
                vehicles.append((plate, vin, s, make, vtype, dates[registered - _DAY0]))
                if k and rnd() < 0.3:
                    c = self._case_of(s)
                    seized = min(max(self.case_filed[c] + 20 + int(rnd() * 300), registered), as_of)
                    released = None
                    if self.case_full[c] and rnd() < 0.8:
                        released = dates[min(seized + 30 + int(rnd() * 300), as_of) - _DAY0]
                    seizures.append((v, c, dates[seized - _DAY0], released))


def _basis(
    rnd: Callable[[], float],
    year: int,
    basic: Court,
    intermediate: Court,
    county: str,
    is_org: bool,
    money: str,
) -> tuple[str, str, str]:
    """The enforcement basis of a case filed in ``year``: (document, issuer, obligation)."""
    basis_year = year - (0 if rnd() < 0.4 else (1 if rnd() < 0.75 else 2))
    no = 1 + int(rnd() ** 1.3 * 9_000)
    kinds = _ORG_BASIS_URN if is_org else _PERSON_BASIS_URN
    kind = kinds[int(rnd() * len(kinds))]
    obligations = _ORG_OBLIGATIONS if is_org else _PERSON_OBLIGATIONS
    obligation = obligations[int(rnd() * len(obligations))].format(money)
    city = city_code(county)
    head = f"({basis_year}){basic.code}"
    if kind == 0:
        return f"{head}民初{no}号民事判决书", basic.name, obligation
    if kind == 1:
        return f"{head}民初{no}号民事调解书", basic.name, obligation
    if kind == 2:
        doc = f"({basis_year}){intermediate.code}民终{no // 3 + 1}号民事判决书"
        return doc, intermediate.name, obligation
    if kind == 3:
        return f"{head}民督{no // 10 + 1}号支付令", basic.name, obligation
    if kind == 4:
        doc = f"{head}刑初{no // 5 + 1}号刑事判决书"
        return doc, basic.name, f"退赔被害人经济损失{money}元"
    abbr = _CITY_ABBR[city]
    if kind == 5:
        doc = f"({basis_year}){abbr}仲裁字第{no // 4 + 1}号裁决书"
        return doc, _CITY_SHORT[city] + "仲裁委员会", obligation
    if kind == 6:
        doc = f"({basis_year})闽{abbr}证经字第{no}号公证书"
        return doc, "福建省" + FUJIAN[city] + "公证处", f"偿还借款本金{money}元及利息"
    doc = f"{abbr}劳人仲案字〔{basis_year}〕{no // 3 + 1}号裁决书"
    return doc, FUJIAN[county] + "劳动人事争议仲裁委员会", f"支付劳动报酬{money}元"


def build_hotels(seed: int, count: int) -> list[Row]:
    """``count`` hotels: (code, name, region, address, stars, rated_on, status)."""
    rng = _chunk_rng(seed, 0, "hotels")
    rnd = rng.random
    rows: list[Row] = []
    names: set[str] = set()
    for n in range(1, count + 1):
        county = _COUNTY_URN[int(rnd() * len(_COUNTY_URN))]
        city = city_code(county)
        while True:
            suffix = _HOTEL_SUFFIX[int(rnd() * len(_HOTEL_SUFFIX))]
            name = _CITY_SHORT[city] + trade_name(rnd) + suffix
            if name not in names:
                break
        names.add(name)
        stars = _STARS_URN[int(rnd() * len(_STARS_URN))]
        rated_on = None
        if stars:
            rated_on = _DATES[_YEAR_START[2008] + int(rnd() * 16 * 365) - _DAY0]
        address = _ADDRESS_PREFIX[county] + _ROADS[int(rnd() * len(_ROADS))] + f"{1 + int(rnd() * 888)}号"
        status = "closed" if rnd() < 0.05 else "open"
        rows.append((f"FJ-HOTEL-{n:06d}", name, county, address, stars, rated_on, status))
    return rows


# ---------------------------------------------------------------- natural keys


def _new_resident_id(old: str, rnd: Callable[[], float]) -> str:
    # Same region, birth date and sex: only the sequence changes.
    seq = int(rnd() * 500) * 2 + int(old[16]) % 2
    first17 = f"{old[:14]}{seq:03d}"
    return first17 + resident_id_check_digit(first17)


def _new_uscc(old: str, rnd: Callable[[], float]) -> str:
    return make_uscc(old[0], old[1], old[2:8], f"{int(rnd() * 100_000_000):08d}")


def _new_identifier(old: str, rnd: Callable[[], float]) -> str:
    # A USCC here starts with its authority 9; a resident ID with the province 35.
    return _new_uscc(old, rnd) if old[0] == "9" else _new_resident_id(old, rnd)


def _new_case_number(old: str, rnd: Callable[[], float]) -> str:
    head = old.rstrip("0123456789号")
    return f"{head}{1 + int(rnd() * 99_999)}号"


def _new_certificate(old: str, rnd: Callable[[], float]) -> str:
    return f"{old[:-8]}{int(rnd() * 10_000_000):07d}号"


def _new_unit(old: str, rnd: Callable[[], float]) -> str:
    return f"{old[:-8]}{int(rnd() * 100_000_000):08d}"


def _new_plate(old: str, rnd: Callable[[], float]) -> str:
    tail = old[2:]
    # New-energy plates keep their D/F; otherwise letters stay letters and digits digits.
    shape = "".join("d" if c.isdigit() else "L" for c in tail)
    if len(tail) == 6:
        shape = tail[0] + shape[1:]
    return _plate(rnd, old[1], shape)


def _new_vin(old: str, rnd: Callable[[], float]) -> str:
    return _with_vin_check(f"{old[:11]}{int(rnd() * 1_000_000):06d}")


def _new_hotel_code(old: str, rnd: Callable[[], float]) -> str:
    return f"FJ-HOTEL-{int(rnd() * 100_000_000):08d}"


@dataclass(frozen=True, slots=True)
class _Key:
    rows: str  # Chunk attribute
    position: int
    table: str
    column: str
    regenerate: Callable[[str, Callable[[], float]], str]


_KEYS: Final = (
    _Key("subjects", 1, "core.subject", "identifier", _new_identifier),
    _Key("cases", 0, "court.enforcement_case", "case_number", _new_case_number),
    _Key("estates", 0, "land.real_estate", "certificate_number", _new_certificate),
    _Key("estates", 1, "land.real_estate", "unit_number", _new_unit),
    _Key("vehicles", 0, "police.vehicle", "plate", _new_plate),
    _Key("vehicles", 1, "police.vehicle", "vin", _new_vin),
    _Key("hotels", 0, "tourism.hotel", "code", _new_hotel_code),
)


async def _resolve_collisions(conn: asyncpg.Connection, chunk: Chunk, rng: random.Random) -> int:
    """Regenerate natural keys that already exist in the database; returns how many."""
    rnd = rng.random
    fixed = 0
    for key in _KEYS:
        rows: list[Row] = getattr(chunk, key.rows)
        pos = key.position
        keys = [r[pos] for r in rows if r[pos] is not None]
        if not keys:
            continue
        sql = f"SELECT {key.column} FROM {key.table} WHERE {key.column} = ANY($1::text[])"
        taken = {r[0] for r in await conn.fetch(sql, keys)}
        if not taken:
            continue
        seen = set(keys)
        pending = [i for i, r in enumerate(rows) if r[pos] in taken]
        while pending:
            proposals: dict[int, str] = {}
            for i in pending:
                while True:
                    new = key.regenerate(rows[i][pos], rnd)
                    if new not in seen and new not in taken:
                        break
                seen.add(new)
                proposals[i] = new
            clash = {r[0] for r in await conn.fetch(sql, list(proposals.values()))}
            taken |= clash
            pending = []
            for i, new in proposals.items():
                if new in clash:
                    pending.append(i)
                else:
                    row = rows[i]
                    rows[i] = (*row[:pos], new, *row[pos + 1 :])
                    fixed += 1
    return fixed


# ---------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a call to ``seed_synthetic`` did."""

    dataset: str
    counts: dict[str, int]
    seconds: float
    already_loaded: bool = False
    # Natural keys regenerated because the database already held them.
    regenerated_keys: int = 0


_TABLES: Final = MappingProxyType(
    {
        "subjects": "core.subject",
        "companies": "market.company",
        "shareholdings": "market.shareholding",
        "directorships": "market.directorship",
        "cases": "court.enforcement_case",
        "case_parties": "court.case_party",
        "listings": "court.listing",
        "estates": "land.real_estate",
        "ownerships": "land.ownership",
        "encumbrances": "land.encumbrance",
        "vehicles": "police.vehicle",
        "seizures": "police.vehicle_seizure",
        "hotels": "tourism.hotel",
    }
)


async def _reserve(conn: asyncpg.Connection, table: str, n: int) -> Sequence[int]:
    """``n`` fresh consecutive ids from ``table``'s id sequence, in two calls rather than ``n``.

    Safe because the seed holds ``table`` in EXCLUSIVE mode (``_ID_TABLES``): nobody else can
    insert into it, so nobody else draws from its sequence between the two calls."""
    if n == 0:
        return ()
    first: int = await conn.fetchval("SELECT nextval(pg_get_serial_sequence($1, 'id'))", table)
    await conn.execute("SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", table, first + n - 1)
    return range(first, first + n)


# The tables whose ids the seed reserves in blocks (locked for the seed's transaction).
_ID_TABLES: Final = ("core.subject", "court.enforcement_case", "land.real_estate", "police.vehicle")


async def _copy(conn: asyncpg.Connection, table: str, columns: Sequence[str], records: Iterable[Row]) -> None:
    schema, name = table.split(".")
    await conn.copy_records_to_table(name, schema_name=schema, columns=list(columns), records=records)


async def _load_chunk(conn: asyncpg.Connection, ch: Chunk) -> None:
    S = await _reserve(conn, "core.subject", len(ch.subjects))
    C = await _reserve(conn, "court.enforcement_case", len(ch.cases))
    E = await _reserve(conn, "land.real_estate", len(ch.estates))
    V = await _reserve(conn, "police.vehicle", len(ch.vehicles))
    await _copy(
        conn,
        "core.subject",
        ("id", "kind", "identifier", "name", "sex", "birth_date", "region"),
        ((i, *r) for i, r in zip(S, ch.subjects, strict=True)),
    )
    await _copy(
        conn,
        "market.company",
        ("subject_id", "company_type", "registered_capital", "established_on", "status", "address", "industry"),
        ((S[r[0]], *r[1:]) for r in ch.companies),
    )
    await _copy(
        conn,
        "market.shareholding",
        ("company_id", "holder_id", "share", "subscribed_capital"),
        ((S[a], S[b], c, d) for a, b, c, d in ch.shareholdings),
    )
    await _copy(
        conn,
        "market.directorship",
        ("company_id", "person_id", "role", "title", "since"),
        ((S[a], S[b], c, d, e) for a, b, c, d, e in ch.directorships),
    )
    await _copy(
        conn,
        "court.enforcement_case",
        (
            "id",
            "case_number",
            "court_code",
            "filed_on",
            "basis_document",
            "basis_issuer",
            "obligation",
            "amount",
            "performance",
            "performed_amount",
        ),
        ((i, *r) for i, r in zip(C, ch.cases, strict=True)),
    )
    await _copy(
        conn,
        "court.case_party",
        ("case_id", "subject_id"),
        ((C[a], S[b]) for a, b in ch.case_parties),
    )
    await _copy(
        conn,
        "court.listing",
        (
            "subject_id",
            "case_id",
            "list",
            "circumstance",
            "published_on",
            "term_months",
            "extended_months",
            "removed_on",
            "removal_reason",
            "version",
        ),
        ((S[r[0]], C[r[1]], *r[2:]) for r in ch.listings),
    )
    await _copy(
        conn,
        "land.real_estate",
        ("id", "certificate_number", "unit_number", "region", "address", "area_m2", "usage", "registered_on"),
        ((i, *r) for i, r in zip(E, ch.estates, strict=True)),
    )
    await _copy(
        conn,
        "land.ownership",
        ("estate_id", "subject_id", "share"),
        ((E[a], S[b], c) for a, b, c in ch.ownerships),
    )
    await _copy(
        conn,
        "land.encumbrance",
        ("estate_id", "kind", "holder", "case_id", "registered_on", "released_on"),
        ((E[a], b, c, None if d is None else C[d], e, f) for a, b, c, d, e, f in ch.encumbrances),
    )
    await _copy(
        conn,
        "police.vehicle",
        ("id", "plate", "vin", "owner_id", "make", "vehicle_type", "registered_on"),
        ((i, p, n, S[o], m, t, d) for i, (p, n, o, m, t, d) in zip(V, ch.vehicles, strict=True)),
    )
    await _copy(
        conn,
        "police.vehicle_seizure",
        ("vehicle_id", "case_id", "seized_on", "released_on"),
        ((V[a], C[b], c, d) for a, b, c, d in ch.seizures),
    )


async def _set_aside(conn: asyncpg.Connection) -> list[str] | None:
    """On empty tables, drop their secondary indexes, unique keys and foreign keys for the
    load (and turn off the share triggers, ``_SHARE_CHECKS``), as pg_restore does: building
    an index once over every row (sorted, on both cores) is several times cheaper than
    inserting each key into it, which at national size means a
    random read and write of an index larger than the server's cache per row; and a foreign
    key is checked in one join instead of once per row. Only the primary keys stay: their ids
    come in ascending order, so each row goes to the index's last page. The natural keys need
    no index meanwhile: a run's keys are unique by construction (``_Serials``), and an empty
    database holds none to collide with.
    Returns the statements that put everything back; they run in the seed's transaction, so a
    row that breaks a key fails the whole seed and nothing is left half-done. Tables that
    already hold rows are loaded through their indexes (nothing is set aside; None)."""
    tables = [t for k, t in _TABLES.items() if k != "hotels"]
    empty = await conn.fetchval("SELECT " + " AND ".join(f"NOT EXISTS (SELECT FROM {t})" for t in tables))
    if not empty:
        return None
    # Foreign keys first (one may need a unique key dropped after it), then unique keys,
    # then the other indexes; they come back in the reverse order.
    found = await conn.fetch(
        """SELECT 'foreign key' AS what, k.conrelid::regclass::text AS tbl, quote_ident(k.conname) AS name,
                  pg_get_constraintdef(k.oid) AS definition
             FROM pg_constraint k
            WHERE k.contype = 'f' AND k.conrelid = ANY($1::regclass[])
           UNION ALL
           SELECT 'unique key', k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid)
             FROM pg_constraint k
            WHERE k.contype = 'u' AND k.conrelid = ANY($1::regclass[])
           UNION ALL
           SELECT 'index', i.indrelid::regclass::text, format('%I.%I', n.nspname, c.relname),
                  pg_get_indexdef(i.indexrelid)
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype <> 'f')""",
        tables,
    )
    restore: list[str] = []
    for row in found:
        if row["what"] == "index":
            await conn.execute(f"DROP INDEX {row['name']}")
            restore.insert(0, row["definition"])
        else:
            await conn.execute(f"ALTER TABLE {row['tbl']} DROP CONSTRAINT {row['name']}")
            restore.insert(0, f"ALTER TABLE {row['tbl']} ADD CONSTRAINT {row['name']} {row['definition']}")
    for table, trigger, check in _SHARE_CHECKS:
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        restore += [f"ALTER TABLE {table} ENABLE TRIGGER {trigger}", check]
    return restore


# The statement triggers that keep owners' shares of one thing at most 1 (migration 0002),
# and the same check over every row, raising the trigger's error. The trigger's query keeps
# the plan it got on the load's first, empty, COPY: a merge join that reads the table's whole
# primary key up to the new rows, so each chunk would cost more than the one before. Into
# empty tables the triggers are off for the load and the check runs once at the end.
_SHARE_CHECKS: Final = tuple(
    (
        table,
        trigger,
        f"""DO $check$ DECLARE bad bigint; BEGIN
            SELECT {column} INTO bad FROM {table} GROUP BY {column} HAVING sum(share) > 1 LIMIT 1;
            IF bad IS NOT NULL THEN
                RAISE EXCEPTION 'shares of {what} % add up to more than 1', bad
                      USING ERRCODE = 'check_violation', CONSTRAINT = '{constraint}';
            END IF;
        END $check$""",
    )
    for table, trigger, column, what, constraint in (
        ("land.ownership", "ownership_shares_insert", "estate_id", "real estate", "ownership_shares_at_most_one"),
        (
            "market.shareholding",
            "shareholding_shares_insert",
            "company_id",
            "company",
            "shareholding_shares_at_most_one",
        ),
    )
)


def _chunk_sizes(subjects: int) -> list[int]:
    full, rest = divmod(subjects, CHUNK_SUBJECTS)
    sizes = [CHUNK_SUBJECTS] * full
    # A small remainder joins the last chunk rather than forming a chunk of a few rows.
    if rest and sizes and rest < CHUNK_SUBJECTS // 10:
        sizes[-1] += rest
    elif rest:
        sizes.append(rest)
    return sizes


# The worker process keeps one builder: its counters carry on from chunk to chunk.
_worker_builder: _Builder | None = None


def _init_worker(seed: int) -> None:
    global _worker_builder
    _worker_builder = _Builder(seed)


def _build_in_worker(index: int, size: int) -> Chunk:
    assert _worker_builder is not None
    return _worker_builder.build(index, size)


class _Chunks:
    """Chunks in order, built in a worker process one ahead of the loader when there are
    several, so building the next one overlaps copying the current one."""

    def __init__(self, seed: int, sizes: list[int], stack: ExitStack) -> None:
        self._sizes = sizes
        self._next = 0
        self._inline = _Builder(seed)
        self._pool: ProcessPoolExecutor | None = None
        self._queue: deque[Future[Chunk]] = deque()
        if len(sizes) > 1:
            # spawn, not fork: the parent holds an event loop and open sockets.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(seed,),
            )
            stack.callback(self._pool.shutdown, wait=True, cancel_futures=True)
            # One chunk ahead, no more: the worker builds chunk i + 1 while chunk i is copied, and
            # the loader never holds more than those two (each about 30 MB of rows).
            self._submit()

    def _submit(self) -> None:
        assert self._pool is not None
        if self._next < len(self._sizes):
            self._queue.append(self._pool.submit(_build_in_worker, self._next, self._sizes[self._next]))
            self._next += 1

    async def get(self, index: int) -> Chunk:
        if self._pool is None:
            return self._inline.build(index, self._sizes[index])
        future = self._queue.popleft()
        self._submit()
        return await asyncio.wrap_future(future)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


async def seed_synthetic(conn: asyncpg.Connection, *, subjects: int, seed: int, progress: bool = True) -> SeedReport:
    """Load ``subjects`` synthetic subjects with their cases, listings and assets.

    Everything is written in one transaction. The run is recorded in ``core.dataset`` as
    ``synthetic:{seed}:{subjects}``; when that name is already there nothing is written
    and the report says ``already_loaded``.
    """
    if not 0 <= subjects <= MAX_SUBJECTS:
        raise ValueError(f"subjects must be from 0 to {MAX_SUBJECTS:,}")
    dataset = f"synthetic:{seed}:{subjects}"
    started = time.perf_counter()
    counts = dict.fromkeys(_TABLES, 0)
    regenerated = 0
    sizes = _chunk_sizes(subjects)
    async with conn.transaction():
        # Claiming the name first makes a concurrent identical seed wait, then find it.
        claimed = await conn.fetchval(
            "INSERT INTO core.dataset (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
            dataset,
        )
        if not claimed:
            # As text, so a jsonb codec the caller may have set on the connection is moot.
            details = json.loads(await conn.fetchval("SELECT details::text FROM core.dataset WHERE name = $1", dataset))
            return SeedReport(
                dataset,
                {k: int(v) for k, v in details.get("counts", {}).items()},
                time.perf_counter() - started,
                already_loaded=True,
            )
        await conn.execute(
            "SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL work_mem = '64MB'"
        )
        # Writers wait for the seed (readers do not): ids are reserved in blocks, below.
        await conn.execute(f"LOCK TABLE {', '.join(_ID_TABLES)} IN EXCLUSIVE MODE")
        await ensure_courts(conn)
        restore = await _set_aside(conn)
        with ExitStack() as stack, _progress(progress) as bar:
            task = bar.add_task("seeding subjects", total=subjects)
            chunks = _Chunks(seed, sizes, stack)
            for index, size in enumerate(sizes):
                chunk = await chunks.get(index)
                if restore is None:
                    # Keys already in the tables may coincide with this run's.
                    regenerated += await _resolve_collisions(conn, chunk, _chunk_rng(seed, index, "collisions"))
                await _load_chunk(conn, chunk)
                for f in fields(Chunk):
                    counts[f.name] += len(getattr(chunk, f.name))
                del chunk
                bar.advance(task, size)
            hotels = Chunk(hotels=build_hotels(seed, max(20, subjects // 2000)))
            regenerated += await _resolve_collisions(conn, hotels, _chunk_rng(seed, 0, "hotel-collisions"))
            await _copy(
                conn,
                "tourism.hotel",
                ("code", "name", "region", "address", "stars", "rated_on", "status"),
                hotels.hotels,
            )
            counts["hotels"] = len(hotels.hotels)
            if restore:
                # Both cores on each index build (the hub's name key is parallel safe), and
                # memory enough that the index sorts and the foreign keys' checks (a hash of
                # the parent table each) stay in memory at 10M subjects instead of spilling.
                await conn.execute(
                    "SET LOCAL maintenance_work_mem = '2GB'; SET LOCAL max_parallel_maintenance_workers = 2;"
                    " SET LOCAL work_mem = '1GB'"
                )
                rebuilding = bar.add_task("indexes and keys", total=len(restore))
                for statement in restore:
                    await conn.execute(statement)
                    bar.advance(rebuilding)
        details = {
            "seed": seed,
            "subjects": subjects,
            "counts": counts,
            "regenerated_keys": regenerated,
        }
        await conn.execute(
            "UPDATE core.dataset SET details = $2::text::jsonb WHERE name = $1",
            dataset,
            json.dumps(details),
        )
    # Fresh statistics, or the planner treats million-row tables as empty.
    await conn.execute("ANALYZE " + ", ".join(_TABLES.values()))
    return SeedReport(dataset, counts, time.perf_counter() - started, False, regenerated)
