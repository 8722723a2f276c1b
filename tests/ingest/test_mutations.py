"""Single records through GraphQL: the same checks and merge as a file, a batch of one."""

from __future__ import annotations

import asyncpg
import httpx

from hub.identity import make_resident_id
from tests.conftest import gql

UPSERT_ESTATE = """mutation($input: RealEstateInput!) { upsertRealEstate(input: $input, sourceVersion: "v7") {
  id status inserted updated unchanged held sourceVersion errors { line field reason } } }"""
UPSERT_HOTEL = """mutation($input: HotelInput!) { upsertHotel(input: $input) { status inserted updated errors { field reason } } }"""
UPSERT_VEHICLE = """mutation($input: VehicleInput!) { upsertVehicle(input: $input) { status inserted held } }"""
UPSERT_CASE = """mutation($input: EnforcementCaseInput!) { upsertEnforcementCase(input: $input) { status inserted } }"""
UPSERT_COMPANY = (
    """mutation($input: CompanyInput!) { upsertCompany(input: $input) { status inserted errors { field reason } } }"""
)
BATCH = """query($id: ID!) { ingestBatch(id: $id) { id agency source format status inserted } }"""

OWNER = make_resident_id("350103", __import__("datetime").date(1988, 8, 8), 88)
ESTATE = {
    "certificateNumber": "闽(2023)福州市不动产权第0000042号",
    "region": "350103",
    "address": "福州市台江区广达路1号",
    "areaM2": "66.6",
    "usage": "RESIDENTIAL",
    "registeredOn": "2023-05-05",
    "owners": [{"name": "吴晓燕", "identifier": OWNER, "share": "1"}],
}


async def test_an_upserted_estate_is_stored_then_updated_then_unchanged(
    app_client: httpx.AsyncClient, make_agency, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    land = await make_agency("land")
    first = (await gql(app_client, land, UPSERT_ESTATE, {"input": ESTATE}))["data"]["upsertRealEstate"]
    assert (first["status"], first["inserted"], first["sourceVersion"]) == ("APPLIED", 1, "v7")
    changed = {**ESTATE, "areaM2": "66.70"}
    second = (await gql(app_client, land, UPSERT_ESTATE, {"input": changed}))["data"]["upsertRealEstate"]
    assert (second["updated"], second["inserted"]) == (1, 0)
    third = (await gql(app_client, land, UPSERT_ESTATE, {"input": changed}))["data"]["upsertRealEstate"]
    assert third["unchanged"] == 1
    assert str(await conn.fetchval("SELECT area_m2 FROM land.real_estate")) == "66.70"
    assert await conn.fetchval("SELECT count(*) FROM ingest.record_history") == 2

    # the batch is the agency's to see, and the operator's, not another agency's
    batch = (await gql(app_client, land, BATCH, {"id": first["id"]}))["data"]["ingestBatch"]
    assert (batch["format"], batch["source"], batch["status"]) == ("graphql", "LAND", "APPLIED")
    operator = await make_agency("platform")
    assert (await gql(app_client, operator, BATCH, {"id": first["id"]}))["data"]["ingestBatch"]["id"] == first["id"]
    other = await make_agency("land")
    assert (await gql(app_client, other, BATCH, {"id": first["id"]}))["data"]["ingestBatch"] is None


async def test_a_bad_record_is_rejected_with_its_faults(
    app_client: httpx.AsyncClient, make_agency, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    land = await make_agency("land")
    bad = {**ESTATE, "areaM2": "-1", "owners": [{"name": "吴晓燕", "identifier": OWNER[:-1] + "Y", "share": "1.5"}]}
    result = (await gql(app_client, land, UPSERT_ESTATE, {"input": bad}))["data"]["upsertRealEstate"]
    assert result["status"] == "REJECTED"
    assert {e["field"] for e in result["errors"]} == {"areaM2", "owners[1].share", "owners[1].identifier"}
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate") == 0


async def test_another_source_may_not_upsert(
    app_client: httpx.AsyncClient, make_agency, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    court = await make_agency("court")
    response = await app_client.post(
        "/graphql", json={"query": UPSERT_ESTATE, "variables": {"input": ESTATE}}, headers=court
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate") == 0
    audited = await conn.fetchval(
        "SELECT error_codes FROM audit.event WHERE outcome = 'denied' ORDER BY seq DESC LIMIT 1"
    )
    assert audited == ["FIELD_NOT_ALLOWED"]


async def test_every_source_upserts_its_own_kind(
    app_client: httpx.AsyncClient, make_agency, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    from hub.seed.courts import ensure_courts

    await ensure_courts(conn)
    court, police, market, tourism = [await make_agency(k) for k in ("court", "police", "market", "tourism")]
    case = {
        "caseNumber": "(2021)闽0103执77号",
        "filedOn": "2021-02-02",
        "basisDocument": "(2020)闽0103民初9号民事判决书",
        "basisIssuer": "福州市台江区人民法院",
        "obligation": "偿还借款",
        "amount": "1000",
        "parties": [{"name": "吴晓燕", "identifier": OWNER}],
    }
    assert (await gql(app_client, court, UPSERT_CASE, {"input": case}))["data"]["upsertEnforcementCase"][
        "status"
    ] == "APPLIED"
    vehicle = {
        "plate": "闽A12345",
        "vin": "LSVAU2180N2999999",
        "make": "大众",
        "vehicleType": "CAR",
        "registeredOn": "2021-01-01",
        "owner": {"name": "吴晓燕", "identifier": OWNER},
        "seizures": [{"caseNumber": "(2021)闽0103执77号", "seizedOn": "2021-03-01"}],
    }
    assert (await gql(app_client, police, UPSERT_VEHICLE, {"input": vehicle}))["data"]["upsertVehicle"]["inserted"] == 1
    company = {
        "uscc": "91350102MA2XK7Q12X",
        "name": "福州闽江商贸有限公司",
        "companyType": "LIMITED_LIABILITY",
        "registeredCapital": "100",
        "establishedOn": "2012-01-01",
        "address": "福州",
        "industry": "批发业",
        "officers": [{"name": "吴晓燕", "identifier": OWNER, "role": "LEGAL_REPRESENTATIVE", "since": "2012-01-01"}],
    }
    result = (await gql(app_client, market, UPSERT_COMPANY, {"input": company}))["data"]["upsertCompany"]
    assert result["status"] == "APPLIED", result
    hotel = {
        "code": "fj-hotel-1",
        "name": "测试酒店",
        "region": "350102",
        "address": "福州",
        "stars": 3,
        "ratedOn": "2020-01-01",
    }
    assert (await gql(app_client, tourism, UPSERT_HOTEL, {"input": hotel}))["data"]["upsertHotel"]["inserted"] == 1
    assert await conn.fetchval("SELECT code FROM tourism.hotel") == "FJ-HOTEL-1"
    assert await conn.fetchval("SELECT count(*) FROM police.vehicle_seizure") == 1
    assert await conn.fetchval("SELECT count(*) FROM core.subject WHERE name = '吴晓燕'") == 1
