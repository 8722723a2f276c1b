"""POST /ingest/{source}: each source publishes its own file; checks, modes, resends, denials."""

from __future__ import annotations

import asyncpg
import httpx
import orjson
import pytest

from hub.identity import make_resident_id
from tests.conftest import gql
from tests.ingest.conftest import Upload, example

COUNTS = """SELECT (SELECT count(*) FROM land.real_estate) AS estates, (SELECT count(*) FROM land.ownership) AS owners,
                   (SELECT count(*) FROM land.encumbrance) AS encumbrances, (SELECT count(*) FROM core.subject) AS subjects,
                   (SELECT count(*) FROM ingest.record_history) AS history, (SELECT count(*) FROM core.party_mention) AS mentions"""


def ndjson(*records: dict) -> bytes:  # type: ignore[type-arg]
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def land_record(n: int, owner: str, name: str = "王建华", share: str = "1", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "certificateNumber": f"闽(2022)福州市不动产权第{n:07d}号",
        "region": "350102",
        "address": f"福州市鼓楼区杨桥路{n}号",
        "areaM2": "75.20",
        "usage": "residential",
        "registeredOn": "2022-03-01",
        "owners": [{"name": name, "identifier": owner, "share": share}],
        **extra,
    }


OWNER = make_resident_id("350102", __import__("datetime").date(1979, 5, 6), 17)


@pytest.fixture
async def published(upload: Upload, make_agency) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Every source's agency, with the court's cases published first (seals name them)."""
    agencies = {kind: await make_agency(kind) for kind in ("court", "land", "market", "police", "tourism")}
    response = await upload("court", agencies["court"], example("court.ndjson"))
    assert response.status_code == 200, response.text
    return agencies


async def test_courts_publish_cases_with_their_parties(published, conn: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    parties = await conn.fetch(
        """SELECT c.case_number, s.name, s.kind FROM court.case_party cp JOIN court.enforcement_case c ON c.id = cp.case_id
             JOIN core.subject s ON s.id = cp.subject_id ORDER BY 1, 2"""
    )
    assert [(r["case_number"], r["name"]) for r in parties] == [
        ("(2019)闽0102执1234号", "陈建国"),
        ("(2020)闽0102执2001号", "福州闽江商贸有限公司"),
        ("(2020)闽0102执2001号", "黄志明"),
    ]
    person = await conn.fetchrow("SELECT sex, birth_date, region FROM core.subject WHERE name = '陈建国'")
    assert (person["sex"], str(person["birth_date"]), person["region"]) == ("male", "1980-03-14", "350102")


async def test_police_publish_vehicles_with_owner_and_seizure(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    response = await upload("police", published["police"], example("police.ndjson"))
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2
    rows = await conn.fetch(
        """SELECT v.plate, s.name, z.seized_on FROM police.vehicle v JOIN core.subject s ON s.id = v.owner_id
             LEFT JOIN police.vehicle_seizure z ON z.vehicle_id = v.id ORDER BY v.plate"""
    )
    assert [(r["plate"], r["name"], str(r["seized_on"])) for r in rows] == [
        ("闽A8K2Q7", "陈建国", "2019-05-10"),
        ("闽AD12345", "郑丽华", "None"),
    ]


async def test_market_supervision_publishes_companies_shareholders_and_officers(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    response = await upload("market", published["market"], example("market.ndjson"))
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2
    holders = await conn.fetch(
        """SELECT c.name AS company, h.name AS holder, x.share FROM market.shareholding x
             JOIN core.subject c ON c.id = x.company_id JOIN core.subject h ON h.id = x.holder_id ORDER BY 1, 2"""
    )
    assert [(r["company"], r["holder"], str(r["share"])) for r in holders] == [
        ("福州海峡建材有限公司", "陈建国", "1.000000"),
        ("福州闽江商贸有限公司", "福州海峡建材有限公司", "0.400000"),
        ("福州闽江商贸有限公司", "黄志明", "0.600000"),
    ]
    legal = await conn.fetchval(
        """SELECT p.name FROM market.directorship d JOIN core.subject p ON p.id = d.person_id
             JOIN core.subject c ON c.id = d.company_id WHERE c.name = '福州闽江商贸有限公司' AND d.role = 'legal_representative'"""
    )
    assert legal == "黄志明"


async def test_tourism_publishes_hotels_from_csv(published, upload: Upload, conn: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    response = await upload("tourism", published["tourism"], example("tourism.csv"), format="csv")
    assert response.status_code == 200, response.text
    rows = await conn.fetch("SELECT code, stars, rated_on FROM tourism.hotel ORDER BY code")
    assert [(r["code"], r["stars"]) for r in rows] == [
        ("FJ-HOTEL-900001", 5),
        ("FJ-HOTEL-900002", 4),
        ("FJ-HOTEL-900003", 0),
    ]


async def test_a_gb18030_csv_export_is_read(published, upload: Upload, conn: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    # given the registry's export, in GB18030 as its systems write it
    body = example("land.csv").decode("utf-8").encode("gb18030")
    assert body != example("land.csv")
    # when it is uploaded as such
    response = await upload("land", published["land"], body, format="csv", encoding="gb18030")
    # then the Chinese text arrives intact
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 3
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate WHERE address LIKE '福州市%'") == 3
    assert await conn.fetchval("SELECT count(*) FROM core.subject WHERE name = '林秀英'") == 1
    # and the same file read as UTF-8 is refused line by line, nothing stored twice
    wrong = await upload("land", published["land"], body, format="csv", encoding="utf-8")
    assert wrong.status_code in (400, 422)


async def test_one_bad_record_rejects_an_atomic_batch_and_every_fault_is_reported(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    before = await conn.fetchrow(COUNTS)
    good = land_record(1, OWNER)
    bad_id = land_record(2, OWNER[:17] + ("0" if OWNER[17] != "0" else "1"))
    bad_fields = {**land_record(3, OWNER), "areaM2": "-3", "registeredOn": "2022-02-30", "usage": "palace"}
    duplicate = land_record(1, OWNER)
    body = ndjson(good, bad_id, bad_fields) + b"{not json\n" + ndjson(duplicate)

    response = await upload("land", published["land"], body)

    assert response.status_code == 422
    report = response.json()
    assert report["status"] == "rejected"
    assert report["invalid"] == 4
    faults = {(e["line"], e["field"]) for e in report["errors"]}
    assert (2, "owners[1].identifier") in faults
    assert {(3, "areaM2"), (3, "registeredOn"), (3, "usage"), (4, "record"), (5, "certificateNumber")} <= faults
    reasons = {(e["line"], e["field"]): e["reason"] for e in report["errors"]}
    assert "check digit" in reasons[(2, "owners[1].identifier")]
    assert OWNER not in response.text
    assert "first on line 1" in reasons[(5, "certificateNumber")]
    assert await conn.fetchrow(COUNTS) == before


async def test_partial_mode_applies_the_good_records_and_reports_the_bad(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    body = ndjson(land_record(1, OWNER), {**land_record(2, OWNER), "usage": "palace"}, land_record(3, "110101"))
    response = await upload("land", published["land"], body, mode="partial")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["status"], report["inserted"], report["invalid"]) == ("applied", 1, 2)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(2, "usage"), (3, "owners[1].identifier")]
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate") == 1


async def test_the_same_file_twice_changes_nothing(published, upload: Upload, conn: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    first = await upload("land", published["land"], example("land.ndjson"))
    assert first.json()["inserted"] == 3
    after_first = await conn.fetchrow(COUNTS)
    estates = await conn.fetch("SELECT id, xmin::text FROM land.real_estate ORDER BY id")

    again = await upload("land", published["land"], example("land.ndjson"))

    report = again.json()
    assert (report["status"], report["inserted"], report["updated"], report["unchanged"]) == ("applied", 0, 0, 3)
    assert await conn.fetchrow(COUNTS) == after_first
    # not even a no-op update: the rows are the very same tuple versions
    assert await conn.fetch("SELECT id, xmin::text FROM land.real_estate ORDER BY id") == estates


async def test_a_change_is_merged_and_its_history_is_queryable(
    published, upload: Upload, app_client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    await upload("land", published["land"], example("land.ndjson"), sourceVersion="2024-06")
    [record, *_] = [orjson.loads(line) for line in example("land.ndjson").splitlines()]
    record["address"] = "福州市鼓楼区五四路88号榕城花园3栋1101室"
    record["owners"] = [{"name": "陈建国", "identifier": record["owners"][0]["identifier"], "share": "1"}]
    record["version"] = "2024-07-01"
    response = await upload("land", published["land"], ndjson(record))
    assert response.json()["updated"] == 1
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM land.ownership o JOIN land.real_estate e ON e.id = o.estate_id WHERE e.certificate_number = $1",
            record["certificateNumber"],
        )
        == 1
    )

    query = """query($key: String!) { recordHistory(source: LAND, key: $key) { nodes {
        change batchId agency sourceVersion before after } } }"""
    body = await gql(app_client, published["land"], query, {"key": record["certificateNumber"]})
    inserted, updated = body["data"]["recordHistory"]["nodes"]
    assert (inserted["change"], inserted["before"], inserted["sourceVersion"]) == ("INSERTED", None, "2024-06-30")
    assert updated["change"] == "UPDATED"
    assert updated["before"]["address"].endswith("1102室")
    assert updated["after"]["address"].endswith("1101室")
    assert len(updated["before"]["owners"]) == 2
    assert len(updated["after"]["owners"]) == 1
    assert updated["sourceVersion"] == "2024-07-01"
    assert updated["batchId"] == str(response.json()["id"])

    # another source's agency may not read the land registry's history
    denied = await app_client.post(
        "/graphql", json={"query": query, "variables": {"key": "x"}}, headers=published["police"]
    )
    assert denied.json()["errors"][0]["extensions"]["code"] == "SOURCE_NOT_ALLOWED"
    assert denied.json()["data"] is None


async def test_an_agency_may_not_write_another_sources_data_and_the_attempt_is_audited(
    published, upload: Upload, make_agency, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    hotel_desk = await make_agency("police", role="hotel")
    for source, headers in (("land", published["court"]), ("police", hotel_desk), ("tourism", published["police"])):
        response = await upload(source, headers, example(f"{source}.ndjson"))
        assert response.status_code == 403, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "SOURCE_NOT_ALLOWED"
        assert "only its own" in error["message"]
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate") == 0
    assert await conn.fetchval("SELECT count(*) FROM ingest.batch WHERE source <> 'court'") == 0
    denied = await conn.fetch(
        "SELECT operation_type, operation_name, error_codes FROM audit.event WHERE outcome = 'denied' ORDER BY seq"
    )
    assert [(r["operation_type"], r["operation_name"], r["error_codes"]) for r in denied] == [
        ("ingest", "ingest.land", ["SOURCE_NOT_ALLOWED"]),
        ("ingest", "ingest.police", ["SOURCE_NOT_ALLOWED"]),
        ("ingest", "ingest.tourism", ["SOURCE_NOT_ALLOWED"]),
    ]
    applied = await conn.fetchval(
        "SELECT count(*) FROM audit.event WHERE operation_name ~ '^ingest\\.court\\.[0-9]+$' AND outcome = 'ok'"
    )
    assert applied == 1
    assert (await upload("land", {}, b"")).status_code == 401
    assert (await upload("weather", published["land"], b"")).status_code == 404


async def test_a_name_that_disagrees_with_the_identifiers_subject_is_held_not_linked(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    # given 陈建国 is known by his resident ID (from the court's case)
    chen = await conn.fetchval("SELECT identifier FROM core.subject WHERE name = '陈建国'")
    # when the registry names the holder of that ID differently, and a co-owner without any ID
    record = land_record(9, chen, name="陈建明", share="0.5")
    record["owners"].append({"name": "李 梅", "kind": "person", "share": "0.5"})
    response = await upload("land", published["land"], ndjson(record))
    # then the estate is stored without those owners, and both mentions wait for an operator
    assert response.status_code == 200, response.text
    assert response.json()["held"] == 2
    assert await conn.fetchval("SELECT count(*) FROM land.ownership") == 0
    mentions = await conn.fetch(
        "SELECT role, record_key, name, identifier, detail::text, status, batch_id FROM core.party_mention ORDER BY id"
    )
    assert [(m["role"], m["name"], m["identifier"], m["status"]) for m in mentions] == [
        ("real_estate_owner", "陈建明", chen, "pending"),
        ("real_estate_owner", "李 梅", None, "pending"),
    ]
    assert mentions[0]["record_key"] == record["certificateNumber"]
    assert orjson.loads(mentions[0]["detail"]) == {"share": "0.5"}
    assert mentions[0]["batch_id"] == response.json()["id"]
    # and the ID's subject is proposed for the first, with why, for an operator to decide
    candidates = await conn.fetch(
        """SELECT c.status, s.name, c.agreed FROM core.candidate_link c
             JOIN core.subject s ON s.id = c.subject_id
             JOIN core.party_mention m ON m.id = c.mention_id
            WHERE m.name = '陈建明'"""
    )
    assert [(c["status"], c["name"]) for c in candidates] == [("proposed", "陈建国")]
    assert "identifier" in candidates[0]["agreed"]
    # and sending it again holds nothing twice
    await upload("land", published["land"], ndjson(record))
    assert await conn.fetchval("SELECT count(*) FROM core.party_mention") == 2


async def test_a_vehicle_whose_owner_is_unresolved_is_held_whole(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    vehicle = {
        "plate": "闽B12345",
        "vin": "LFV2A21K5E4123456",
        "make": "丰田",
        "vehicleType": "car",
        "registeredOn": "2020-01-02",
        "owner": {"name": "无名氏", "kind": "person"},
    }
    response = await upload("police", published["police"], ndjson(vehicle))
    assert response.json()["held"] == 1
    assert await conn.fetchval("SELECT count(*) FROM police.vehicle") == 0
    detail = orjson.loads(
        await conn.fetchval("SELECT detail::text FROM core.party_mention WHERE role = 'vehicle_owner'")
    )
    assert detail["vehicle"]["vin"] == "LFV2A21K5E4123456"
    assert detail["vehicle"]["registeredOn"] == "2020-01-02"


async def test_the_sql_name_comparison_is_the_python_one(conn: asyncpg.Connection) -> None:
    from hub.identity.mentions import normalise_name

    names = ["陈 建国", "Ａｌｉｃｅ", "阿依古丽•买买提", "阿依古丽・买买提", "阿依古丽．买买提", " 王\u3000芳 ", "ﾊﾝ"]
    sql = await conn.fetchval(
        "SELECT array_agg(ingest.name_key(n) ORDER BY o) FROM unnest($1::text[]) WITH ORDINALITY AS t(n, o)", names
    )
    assert sql == [normalise_name(n) for n in names]


async def test_without_its_audit_record_an_upload_gets_no_answer(
    published, upload: Upload, conn: asyncpg.Connection
) -> None:  # type: ignore[no-untyped-def]
    # given the trail cannot be written
    await conn.execute("ALTER TABLE audit.event RENAME TO event_unreachable")
    # when the registry uploads, or someone uploads without a key
    response = await upload("land", published["land"], example("land.ndjson"))
    anonymous = await upload("land", {}, example("land.ndjson"))
    # then neither gets an answer but the refusal
    for refused in (response, anonymous):
        assert refused.status_code == 503
        assert refused.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
        assert "inserted" not in refused.text
    # and nothing was applied
    assert await conn.fetchval("SELECT count(*) FROM land.real_estate") == 0
