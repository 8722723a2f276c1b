"""The demo province behind ``hub serve --demo``.

A few hundred synthetic subjects plus the stories of the newspaper page the project grew
from (``shared/seed``): 林某 refused a title registration in Fuzhou until he paid his
private-lending debt; 曹某 of 水南村, 杉城镇, 泰宁县 found himself listed when he stood for
village party secretary and paid 350,000 yuan; 龚某某, a Fuzhou Intermediate Court debtor
since January 2015; a company whose legal representative is listed; a Shishi debtor's
seized car; four- and five-star hotels. One demo agency per kind. Loading again reuses
what is there; the agencies' keys are kept in ``<data dir>/demo-keys.json`` so they stay
the same across restarts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import asyncpg

from hub.agencies import create_agency, issue_key, list_keys, principal_for_key
from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.identity import make_resident_id, make_uscc
from hub.seed.courts import ensure_courts
from hub.seed.lists import load_demo_lists
from hub.seed.ratings import load_demo_ratings
from hub.seed.score import load_demo_score

DATASET = "demo"
SYNTHETIC_SUBJECTS = 300
SYNTHETIC_SEED = 2018

AGENCIES = (
    ("FJ-HIGH-COURT", "福建省高级人民法院执行局", "court", "350000", None),
    ("FZ-LAND-REGISTRY", "福州市不动产登记和交易中心", "land", "350100", None),
    ("FJ-MARKET", "福建省市场监督管理局", "market", "350000", None),
    ("FJ-POLICE-TRAFFIC", "福建省公安厅交通警察总队", "police", "350000", None),
    ("FJ-POLICE-HOTELS", "福建省公安厅治安总队酒店登记系统", "police", "350000", "hotel"),
    ("FJ-TOURISM", "福建省旅游发展委员会", "tourism", "350000", None),
    ("FJ-HOUSING", "福建省住房和城乡建设厅", "housing", "350000", None),
    ("FJ-CREDIT-UNION", "福建省农村信用社联合社", "finance", "350000", None),
    ("FJ-CIVIL-AFFAIRS", "福建省民政厅", "civil_affairs", "350000", None),
    ("TN-SHANCHENG", "泰宁县杉城镇人民政府", "township", "350429", None),
    ("FJ-PLATFORM", "福建省经济信息中心", "platform", "350000", None),
    # They publish the sector blacklists and the red list (sanctions.list_kind).
    ("FJ-AGRICULTURE", "福建省农业农村厅", "agriculture", "350000", None),
    ("FJ-TAX", "国家税务总局福建省税务局", "tax", "350000", None),
)
# Agencies with no system of their own: their clerks log in to the web console.
CONSOLE_AGENCIES = (("TN-POLICE-HOTELS", "泰宁县公安局旅馆业治安管理大队", "police", "350429", "hotel"),)
# (user name, display name, role, agency)
CONSOLE_USERS = (
    ("hotel.clerk", "张丽", "clerk", "TN-POLICE-HOTELS"),
    ("hotel.lead", "王建国", "supervisor", "TN-POLICE-HOTELS"),
    ("court.clerk", "李明", "clerk", "FJ-HIGH-COURT"),
    # Rating authorities' desks: ratings, sector blacklists and the red list from the console.
    ("agri.clerk", "陈农", "clerk", "FJ-AGRICULTURE"),
    ("market.clerk", "林市", "clerk", "FJ-MARKET"),
    ("operator", "平台运维", "operator", "FJ-PLATFORM"),
)


@dataclass(frozen=True)
class DemoAgency:
    code: str
    kind: str
    key: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    agency: str
    password: str


async def load_demo(url: str, data_dir: Path) -> list[DemoAgency]:
    """Load the demo data unless present; return each demo agency's working key."""
    agencies, _ = await load_demo_with_users(url, data_dir)
    return agencies


async def load_demo_with_users(url: str, data_dir: Path) -> tuple[list[DemoAgency], list[DemoUser]]:
    """Load the demo data unless present; return the demo agencies' keys and console users."""
    from hub.seed.synthetic import seed_synthetic

    conn = await asyncpg.connect(url)
    try:
        db = Database(connection=conn)
        async with conn.transaction():
            # Two `hub serve --demo` starting together must not both load.
            await conn.execute("SELECT pg_advisory_xact_lock(20180901)")
            if await conn.fetchval(QUERIES.core.dataset_loaded, DATASET) is None:
                await seed_synthetic(conn, subjects=SYNTHETIC_SUBJECTS, seed=SYNTHETIC_SEED, progress=False)
                await load_stories(conn)
                await conn.execute(QUERIES.core.record_dataset, DATASET, json.dumps({"stories": 6}))
        agencies = await _agencies(db, conn, data_dir / "demo-keys.json")
        # Published by the demo's rating authorities, so after the agencies (hub.seed.ratings).
        await load_demo_ratings(conn)
        # Red list and sector blacklist entries follow the ratings (hub.seed.lists).
        await load_demo_lists(conn)
        # The integrity score story: rated and red-listed, listed then paid (hub.seed.score).
        await load_demo_score(conn)
        users = await _console_users(db, conn, data_dir / "demo-users.json")
        return agencies, users
    finally:
        await conn.close()


def _write_secret(path: Path, content: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Secrets: readable by the owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(content, out, indent=2)


async def _console_users(db: Database, conn: asyncpg.Connection, userfile: Path) -> list[DemoUser]:
    """The console-mode demo agency and the demo console users, with passwords kept in
    ``<data dir>/demo-users.json`` so they stay the same across restarts."""
    from hub.console.users import create_user, hasher

    for code, name, kind, region, role in CONSOLE_AGENCIES:
        if await conn.fetchrow(QUERIES.agencies.agency_by_code, code) is None:
            await create_agency(db, code=code, name=name, kind=kind, region=region, mode="console", role=role)
    saved: dict[str, str] = {}
    if userfile.is_file():  # noqa: ASYNC240
        saved = json.loads(userfile.read_text(encoding="utf-8"))  # noqa: ASYNC240
    result = []
    for username, display_name, role, agency in CONSOLE_USERS:
        password = saved.get(username) or "demo-" + secrets.token_urlsafe(9)
        row = await conn.fetchrow(QUERIES.console.user_by_username, username)
        if row is None:
            await create_user(
                db,
                agency_code=agency,
                username=username,
                role=role,
                password=password,
                display_name=display_name,
                created_by="demo",
            )
        elif username not in saved:
            # Another data directory's password, or none: set a new one.
            await conn.execute(QUERIES.console.set_password, row["id"], hasher().hash(password))
        result.append(DemoUser(username, role, agency, password))
    _write_secret(userfile, {u.username: u.password for u in result})
    return result


async def _agencies(db: Database, conn: asyncpg.Connection, keyfile: Path) -> list[DemoAgency]:
    # A small local file, read once at start: not worth a thread.
    saved: dict[str, str] = {}
    if keyfile.is_file():  # noqa: ASYNC240
        saved = json.loads(keyfile.read_text(encoding="utf-8"))  # noqa: ASYNC240
    result: list[DemoAgency] = []
    for code, name, kind, region, role in AGENCIES:
        key = saved.get(code)
        if key is not None and await principal_for_key(db, key) is not None:
            result.append(DemoAgency(code, kind, key))
            continue
        row = await conn.fetchrow(QUERIES.agencies.agency_by_code, code)
        if row is None:
            created = await create_agency(db, code=code, name=name, kind=kind, region=region, role=role)
            key = created.key
        else:
            # The saved key is gone (another data directory, or revoked): rotate to a new one.
            label = f"demo-{len(await list_keys(db, row['id'])) + 1}"
            key = await issue_key(db, row["id"], label)
        result.append(DemoAgency(code, kind, key))
    keyfile.parent.mkdir(parents=True, exist_ok=True)
    # The keys are secrets: readable by the owner only.
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({a.code: a.key for a in result}, out, indent=2)
    return result


async def _person(conn: asyncpg.Connection, name: str, region: str, born: dt.date, seq: int) -> int:
    number = make_resident_id(region, born, seq)
    sex = "male" if int(number[16]) % 2 else "female"
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "person", number, name, sex, born, region)
    return subject_id


async def _organisation(conn: asyncpg.Connection, name: str, region: str, body: str) -> int:
    code = make_uscc("9", "1", region, body)
    subject_id: int = await conn.fetchval(QUERIES.core.insert_subject, "organisation", code, name, None, None, region)
    return subject_id


async def _case(
    conn: asyncpg.Connection,
    number: str,
    court: str,
    filed: dt.date,
    basis: str,
    issuer: str,
    obligation: str,
    amount: str,
    debtors: list[int],
) -> int:
    case_id: int = await conn.fetchval(
        QUERIES.court.insert_case,
        number,
        court,
        filed,
        basis,
        issuer,
        obligation,
        Decimal(amount),
        "none",
        Decimal(0),
    )
    for subject_id in debtors:
        await conn.execute(QUERIES.court.insert_case_party, case_id, subject_id)
    return case_id


async def _listing(
    conn: asyncpg.Connection,
    subject: int,
    case: int,
    published: dt.date,
    circumstance: str | None = "refuses_with_ability",
    list_kind: str = "dishonest",
    term: int | None = None,
) -> None:
    # Refusing with the ability to pay lists a debtor until the obligation is performed
    # (SPC rules art. 2); the other circumstances for a term, here set so the stories are
    # still in force today.
    await conn.execute(
        QUERIES.court.insert_listing, subject, case, list_kind, circumstance, published, term, 0, None, None
    )


async def load_stories(conn: asyncpg.Connection) -> dict[str, int]:
    """Write the newspaper's stories; return the internal ids of their subjects and cases."""
    land, police, market, tourism = QUERIES.land, QUERIES.police, QUERIES.market, QUERIES.tourism
    await ensure_courts(conn)

    # 林某: private-lending debt, Gulou court; refused at the Fuzhou registry in September 2018.
    lin = await _person(conn, "林文斌", "350102", dt.date(1976, 4, 12), 271)
    lin_case = await _case(
        conn,
        "(2018)闽0102执1867号",
        "闽0102",
        dt.date(2018, 3, 6),
        "(2017)闽0102民初4321号民事判决书",
        "福州市鼓楼区人民法院",
        "偿还民间借贷本金及利息",
        "486000.00",
        [lin],
    )
    await _listing(conn, lin, lin_case, dt.date(2018, 5, 20))
    flat = await conn.fetchval(
        land.insert_estate,
        "闽(2016)福州市不动产权第0031522号",
        None,
        "350102",
        "福州市鼓楼区五四路128号3座1203单元",
        Decimal("112.46"),
        "residential",
        dt.date(2016, 7, 1),
    )
    await conn.execute(land.insert_ownership, flat, lin, Decimal(1))
    await conn.execute(
        land.insert_encumbrance, flat, "seal", "福州市鼓楼区人民法院", lin_case, dt.date(2018, 6, 2), None
    )

    # 曹某: 水南村, 杉城镇, 泰宁县; listed when he stood for village party secretary.
    cao = await _person(conn, "曹永福", "350429", dt.date(1969, 11, 3), 53)
    cao_case = await _case(
        conn,
        "(2017)闽0429执412号",
        "闽0429",
        dt.date(2017, 8, 14),
        "(2016)闽0429民初1207号民事判决书",
        "泰宁县人民法院",
        "支付工程款",
        "350000.00",
        [cao],
    )
    await _listing(conn, cao, cao_case, dt.date(2017, 12, 1))

    # 龚某某: Fuzhou Intermediate Court, filed January 2015.
    gong = await _person(conn, "龚德明", "350104", dt.date(1965, 2, 27), 117)
    gong_case = await _case(
        conn,
        "(2015)闽01执37号",
        "闽01",
        dt.date(2015, 1, 16),
        "(2014)榕民初字第889号民事判决书",
        "福建省福州市中级人民法院",
        "偿还借款本息",
        "2650000.00",
        [gong],
    )
    await _listing(conn, gong, gong_case, dt.date(2025, 6, 10), "evades_enforcement", term=24)

    # A company whose legal representative is a listed debtor.
    chen = await _person(conn, "陈建华", "350105", dt.date(1980, 9, 18), 335)
    firm = await _organisation(conn, "福州鑫源贸易有限公司", "350105", "73212345")
    await conn.execute(
        market.insert_company,
        firm,
        "limited_liability",
        Decimal("5000000"),
        dt.date(2012, 5, 8),
        "active",
        "福州市马尾区江滨东大道68号",
        "批发和零售业",
    )
    await conn.execute(market.insert_directorship, firm, chen, "legal_representative", "执行董事", dt.date(2012, 5, 8))
    await conn.execute(market.insert_directorship, firm, chen, "actual_controller", None, dt.date(2012, 5, 8))
    await conn.execute(market.insert_shareholding, firm, chen, Decimal("0.8"), Decimal("4000000"))
    await conn.execute(market.insert_shareholding, firm, lin, Decimal("0.2"), Decimal("1000000"))
    chen_case = await _case(
        conn,
        "(2018)闽0105执2231号",
        "闽0105",
        dt.date(2018, 4, 23),
        "(2018)闽0105民初987号民事调解书",
        "福州市马尾区人民法院",
        "支付货款",
        "1280000.00",
        [chen, firm],
    )
    await _listing(conn, chen, chen_case, dt.date(2025, 7, 2), "breaches_settlement", term=24)
    await _listing(conn, firm, chen_case, dt.date(2025, 7, 2), None, list_kind="restricted")

    # Shishi: a debtor's car seized with the police's help.
    wu = await _person(conn, "吴国栋", "350581", dt.date(1983, 6, 30), 91)
    wu_case = await _case(
        conn,
        "(2018)闽0581执956号",
        "闽0581",
        dt.date(2018, 2, 9),
        "(2017)闽0581民初3310号民事判决书",
        "石狮市人民法院",
        "支付货款及违约金",
        "730000.00",
        [wu],
    )
    await _listing(conn, wu, wu_case, dt.date(2018, 4, 16), "refuses_with_ability")
    car = await conn.fetchval(
        police.insert_vehicle, "闽C8K726", "LSVAM4187C2184419", wu, "大众帕萨特", "car", dt.date(2015, 3, 3)
    )
    await conn.execute(police.insert_seizure, car, wu_case, dt.date(2018, 5, 11), None)

    # A farm-input shop that sold banned pesticides, for agriculture's farm-product safety
    # blacklist, and a tea company of good credit, for the red list: the README publishes both
    # entries through the API.
    farm_shop = await _organisation(conn, "闽侯县绿丰农资经营部", "350121", "58340712")
    tea = await _organisation(conn, "福建安溪铁观音茶业有限公司", "350524", "61550286")

    # Hotels in the tourism bureau's list.
    for code, name, region, address, stars in (
        ("FJ-FZ-0001", "福州西湖大酒店", "350102", "福州市鼓楼区湖滨路158号", 5),
        ("FJ-FZ-0002", "福州温泉宾馆", "350102", "福州市鼓楼区五四路218号", 4),
        ("FJ-XM-0001", "厦门鹭江宾馆", "350203", "厦门市思明区鹭江道54号", 4),
        ("FJ-SM-0001", "泰宁金湖宾馆", "350429", "泰宁县杉城镇状元街3号", 3),
    ):
        await conn.execute(tourism.insert_hotel, code, name, region, address, stars, dt.date(2018, 1, 15), "open")
    return {
        "lin": lin,
        "lin_case": lin_case,
        "lin_flat": flat,
        "cao": cao,
        "cao_case": cao_case,
        "gong": gong,
        "gong_case": gong_case,
        "chen": chen,
        "firm": firm,
        "chen_case": chen_case,
        "wu": wu,
        "wu_case": wu_case,
        "wu_car": car,
        "farm_shop": farm_shop,
        "tea": tea,
    }
