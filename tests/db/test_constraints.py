"""The database itself refuses invalid data, whatever path it comes by."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from hub.identity import make_resident_id, make_uscc
from hub.seed.courts import ensure_courts

INSERT_PERSON = (
    "INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region) "
    "VALUES ('person', $1, '测试', $2, $3, $4) RETURNING id"
)


async def _person(conn: asyncpg.Connection, seq: int = 11) -> int:
    number = make_resident_id("350102", dt.date(1980, 5, 6), seq)
    sex = "male" if seq % 2 else "female"
    subject_id: int = await conn.fetchval(INSERT_PERSON, number, sex, dt.date(1980, 5, 6), "350102")
    return subject_id


async def test_a_resident_id_with_a_bad_check_digit_is_refused(conn: asyncpg.Connection) -> None:
    number = make_resident_id("350102", dt.date(1980, 5, 6), 11)
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(asyncpg.CheckViolationError, match="subject_person_identifier"):
        async with conn.transaction():
            await conn.execute(INSERT_PERSON, bad, "male", dt.date(1980, 5, 6), "350102")


async def test_derived_person_fields_must_agree_with_the_id(conn: asyncpg.Connection) -> None:
    number = make_resident_id("350102", dt.date(1980, 5, 6), 11)
    with pytest.raises(asyncpg.CheckViolationError):
        async with conn.transaction():
            await conn.execute(INSERT_PERSON, number, "female", dt.date(1980, 5, 6), "350102")
    with pytest.raises(asyncpg.CheckViolationError):
        async with conn.transaction():
            await conn.execute(INSERT_PERSON, number, "male", dt.date(1980, 5, 7), "350102")


async def test_a_uscc_with_a_bad_check_char_is_refused(conn: asyncpg.Connection) -> None:
    code = make_uscc("9", "1", "350102", "12345678")
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    insert = "INSERT INTO core.subject (kind, identifier, name, region) VALUES ('organisation', $1, '公司', '350102')"
    await conn.execute(insert, code)
    with pytest.raises(asyncpg.CheckViolationError, match="subject_organisation_identifier"):
        async with conn.transaction():
            await conn.execute(insert, bad)


async def test_owners_shares_cannot_exceed_the_whole(conn: asyncpg.Connection) -> None:
    a, b = await _person(conn, 11), await _person(conn, 13)
    estate = await conn.fetchval(
        "INSERT INTO land.real_estate (certificate_number, region, address, area_m2, usage, registered_on) "
        "VALUES ('闽(2019)福州市不动产权第0000001号', '350102', '某路', 90, 'residential', '2019-01-01') RETURNING id"
    )
    await conn.execute("INSERT INTO land.ownership VALUES ($1, $2, 0.6)", estate, a)
    with pytest.raises(asyncpg.CheckViolationError, match="add up to more than 1"):
        async with conn.transaction():
            await conn.execute("INSERT INTO land.ownership VALUES ($1, $2, 0.5)", estate, b)


async def test_a_company_has_one_legal_representative_and_only_persons_hold_roles(conn: asyncpg.Connection) -> None:
    a, b = await _person(conn, 11), await _person(conn, 13)
    firm = await conn.fetchval(
        "INSERT INTO core.subject (kind, identifier, name, region) VALUES ('organisation', $1, '公司', '350102') RETURNING id",
        make_uscc("9", "1", "350102", "12345678"),
    )
    await conn.execute(
        "INSERT INTO market.company (subject_id, company_type, registered_capital, established_on, address, industry) "
        "VALUES ($1, 'limited_liability', 100, '2010-01-01', '某路', '零售')",
        firm,
    )
    add_role = "INSERT INTO market.directorship (company_id, person_id, role, since) VALUES ($1, $2, $3, '2010-01-01')"
    await conn.execute(add_role, firm, a, "legal_representative")
    with pytest.raises(asyncpg.UniqueViolationError):
        async with conn.transaction():
            await conn.execute(add_role, firm, b, "legal_representative")
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with conn.transaction():
            await conn.execute(add_role, firm, firm, "executive")


async def test_listing_rules(conn: asyncpg.Connection) -> None:
    await ensure_courts(conn)
    person = await _person(conn)
    case = await conn.fetchval(
        "INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer, obligation, amount) "
        "VALUES ('(2020)闽0102执1号', '闽0102', '2020-01-01', '文书', '法院', '还款', 100) RETURNING id"
    )
    insert = (
        "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on, removed_on, removal_reason) "
        "VALUES ($1, $2, $3, $4, '2020-02-01', $5, $6)"
    )
    # Not a party to the case: refused.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with conn.transaction():
            await conn.execute(insert, person, case, "dishonest", "refuses_with_ability", None, None)
    await conn.execute("INSERT INTO court.case_party VALUES ($1, $2)", case, person)
    async with conn.transaction():
        await conn.execute(insert, person, case, "dishonest", "refuses_with_ability", None, None)
    for args in (
        ("dishonest", None, None, None),  # the dishonest list needs a circumstance
        ("restricted", "refuses_with_ability", None, None),  # the restriction list has none
        ("restricted", None, dt.date(2021, 1, 1), None),  # a removal needs a reason
        ("restricted", None, dt.date(2019, 1, 1), "paid"),  # removed before published
    ):
        with pytest.raises(asyncpg.CheckViolationError):
            async with conn.transaction():
                await conn.execute(insert, person, case, *args)


async def test_malformed_case_numbers_are_refused(conn: asyncpg.Connection) -> None:
    await ensure_courts(conn)
    insert = (
        "INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer, obligation, amount) "
        "VALUES ($1, '闽0102', '2020-01-01', '文书', '法院', '还款', 100)"
    )
    await conn.execute(insert, "(2020)闽0102执恢12号")
    with pytest.raises(asyncpg.CheckViolationError):
        async with conn.transaction():
            await conn.execute(insert, "2020-0102-12")
