"""Real estate published by the land registry over POST /ingest/land."""

from __future__ import annotations

import asyncpg

from tests.ingest.conftest import Upload, example


async def test_land_registry_publishes_real_estate_with_owners_and_encumbrances(
    upload: Upload, make_agency, conn: asyncpg.Connection
) -> None:
    # given the court's cases (a seal names one) and a land registry
    court = await make_agency("court")
    land = await make_agency("land")
    assert (await upload("court", court, example("court.ndjson"))).status_code == 200

    # when the registry uploads its file
    response = await upload("land", land, example("land.ndjson"))

    # then the three estates are stored with their owners and encumbrances
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "applied"
    assert (report["records"], report["inserted"], report["updated"], report["invalid"]) == (3, 3, 0, 0)
    owners = await conn.fetch(
        """SELECT e.certificate_number, s.name, o.share FROM land.ownership o
             JOIN land.real_estate e ON e.id = o.estate_id JOIN core.subject s ON s.id = o.subject_id
            ORDER BY 1, 2"""
    )
    assert [(r["name"], str(r["share"])) for r in owners][:2] == [("林秀英", "0.500000"), ("陈建国", "0.500000")]
    seal = await conn.fetchrow(
        "SELECT c.case_number FROM land.encumbrance x JOIN court.enforcement_case c ON c.id = x.case_id WHERE x.kind = 'seal'"
    )
    assert seal is not None
    assert seal["case_number"] == "(2019)闽0102执1234号"
