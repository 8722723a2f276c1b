"""No N+1: a nested query costs the same number of statements for 1, 10 or 100 subjects."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.db.database import Database
from hub.identity import make_resident_id
from tests.conftest import gql

NESTED = """
query($ids: [ID!]!) { subjects(ids: $ids) {
  name region { name }
  listings(first: 5) { nodes { list case { caseNumber court { name } } subject { name } } }
  cases(first: 5) { nodes { caseNumber court { code } subjects(first: 5) { nodes { name } } listings { list } } }
  realEstate(first: 5) { nodes { share estate { address owners { share owner { name } } encumbrances { kind case { caseNumber } } } } }
  vehicles(first: 5) { nodes { plate owner { name } seizures { seizedOn case { caseNumber } } } }
  shareholdings(first: 5) { nodes { share company { name ... on Organisation { legalRepresentative { name } } } } }
  ... on Person { directorships(first: 5) { nodes { role company { name } } } }
} }
"""


async def _debtors(db: Database, count: int, firm: int) -> list[int]:
    """``count`` debtors, each with a case, a listing, a sealed flat, a seized car and equity."""
    ids = []
    for i in range(count):
        number = make_resident_id("350103", dt.date(1970, 1, 1) + dt.timedelta(days=37 * i), 500 + i)
        subject = await db.fetchval(
            "INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region) "
            "VALUES ('person', $1, '债务人' || $2, CASE WHEN substr($1, 17, 1)::int % 2 = 1 THEN 'male' ELSE 'female' END, "
            "to_date(substr($1, 7, 8), 'YYYYMMDD'), '350103') RETURNING id",
            number,
            str(i),
        )
        case = await db.fetchval(
            "INSERT INTO court.enforcement_case (case_number, court_code, filed_on, basis_document, basis_issuer, obligation, amount) "
            "VALUES ('(2020)闽0103执' || $1 || '号', '闽0103', '2020-01-01', '(2019)闽0103民初1号', '福州市台江区人民法院', '还款', 1000) RETURNING id",
            str(7000 + i),
        )
        await db.execute("INSERT INTO court.case_party VALUES ($1, $2)", case, subject)
        await db.execute(
            "INSERT INTO court.listing (subject_id, case_id, list, circumstance, published_on) "
            "VALUES ($1, $2, 'dishonest', 'refuses_with_ability', '2020-03-01')",
            subject,
            case,
        )
        estate = await db.fetchval(
            "INSERT INTO land.real_estate (certificate_number, region, address, area_m2, usage, registered_on) "
            "VALUES ('闽(2019)福州市不动产权第' || lpad($1, 7, '0') || '号', '350103', '台江区某路', 80, 'residential', '2019-01-01') RETURNING id",
            str(900000 + i),
        )
        await db.execute("INSERT INTO land.ownership VALUES ($1, $2, 1)", estate, subject)
        await db.execute(
            "INSERT INTO land.encumbrance (estate_id, kind, holder, case_id, registered_on) VALUES ($1, 'seal', '台江法院', $2, '2020-02-01')",
            estate,
            case,
        )
        car = await db.fetchval(
            "INSERT INTO police.vehicle (plate, vin, owner_id, make, vehicle_type, registered_on) "
            "VALUES ('闽A' || lpad($1, 5, '0'), 'LVSHFFAL' || lpad($1, 9, '0'), $2, '比亚迪', 'car', '2018-01-01') RETURNING id",
            str(70000 + i),
            subject,
        )
        await db.execute(
            "INSERT INTO police.vehicle_seizure (vehicle_id, case_id, seized_on) VALUES ($1, $2, '2020-04-01')",
            car,
            case,
        )
        await db.execute("INSERT INTO market.shareholding VALUES ($1, $2, 0.001, 10)", firm, subject)
        ids.append(subject)
    return ids


async def test_statements_do_not_grow_with_the_number_of_subjects(
    app_client: httpx.AsyncClient, auth: dict[str, str], db: Database, stories: dict[str, int]
) -> None:
    await db.execute("UPDATE market.shareholding SET share = 0.4 WHERE company_id = $1", stories["firm"])
    debtors = await _debtors(db, 100, stories["firm"])
    # The process's first request also reads the audit chain's head, once.
    await gql(app_client, auth, NESTED, {"ids": [str(debtors[0])]})
    counts = {}
    for n in (1, 10, 100):
        db.statements = 0
        body = await gql(app_client, auth, NESTED, {"ids": [str(i) for i in debtors[:n]]})
        assert "errors" not in body, body["errors"][:1]
        subjects = body["data"]["subjects"]
        assert len(subjects) == n
        # The data is really there, at every level.
        assert all(s["vehicles"]["nodes"][0]["seizures"][0]["case"]["caseNumber"] for s in subjects)
        assert all(s["realEstate"]["nodes"][0]["estate"]["owners"][0]["owner"]["name"] == s["name"] for s in subjects)
        assert all(
            s["shareholdings"]["nodes"][0]["company"]["legalRepresentative"]["name"] == "陈建华" for s in subjects
        )
        counts[n] = db.statements
    assert counts[1] == counts[10] == counts[100], counts
    assert counts[1] <= 20, counts  # one statement per relationship, plus the key lookup
