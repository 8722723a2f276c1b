"""Trusted documents over HTTP: registered by the operator, asked for by their SHA-256, refused
when unknown or (for an agency that sends registered documents only) ad hoc, vetted at
registration exactly as a request of them is vetted."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
import pytest_asyncio

from hub.agencies import create_agency
from hub.db.database import Database
from hub.settings import Settings
from tests.conftest import COURT_PURPOSE_HEADER, serve_in_process
from tests.planner.world import Hub, served
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]

LIN = "query Lin($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
REGISTER = """mutation($agency: String!, $document: String!, $sha256: String) {
  registerDocument(agencyCode: $agency, document: $document, sha256: $sha256) { id agencyCode operations revokedAt } }"""
REVOKE = "mutation($agency: String!, $id: String!) { revokeDocument(agencyCode: $agency, id: $id) { id revokedAt } }"
ONLY = """mutation($agency: String!, $only: Boolean!) {
  setTrustedDocumentsOnly(agencyCode: $agency, only: $only) { code trustedDocumentsOnly } }"""
LIST = "query($agency: String) { trustedDocuments(agencyCode: $agency, includeRevoked: true) { id operations revokedAt document } }"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class Agencies:
    court: dict[str, str]
    court_code: str
    operator: dict[str, str]
    land: dict[str, str]
    land_code: str


@pytest_asyncio.fixture
async def agencies(db: Database, stories: dict[str, int]) -> Agencies:
    court = await create_agency(db, code="TD-COURT", name="测试法院", kind="court", region="350100")
    operator = await create_agency(db, code="TD-PLATFORM", name="平台", kind="platform")
    land = await create_agency(db, code="TD-LAND", name="测试不动产", kind="land")
    return Agencies(
        court={"Authorization": f"Bearer {court.key}", "Hub-Purpose": COURT_PURPOSE_HEADER},
        court_code="TD-COURT",
        operator={"Authorization": f"Bearer {operator.key}"},
        land={"Authorization": f"Bearer {land.key}", "Hub-Purpose": quote("REAL_ESTATE_REGISTRATION")},
        land_code="TD-LAND",
    )


@pytest_asyncio.fixture
async def served_production(db: Database) -> AsyncIterator[Hub]:
    async with served(db, Settings(env="production")) as hub:
        yield hub


@pytest.fixture
def production(served_production: Hub) -> httpx.AsyncClient:
    return served_production.client


async def post(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers)


async def register(client: httpx.AsyncClient, who: Agencies, agency: str, text: str, sha: str | None = None) -> Any:
    response = await post(
        client, who.operator, {"query": REGISTER, "variables": {"agency": agency, "document": text, "sha256": sha}}
    )
    return response.json()


async def last_record(conn: asyncpg.Connection) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT document_hash, outcome, error_codes, subjects FROM audit.event ORDER BY seq DESC LIMIT 1"
    )
    assert row is not None
    return row


async def test_a_registered_document_is_asked_for_by_its_id(
    production: httpx.AsyncClient, agencies: Agencies, conn: asyncpg.Connection
) -> None:
    # Given the court's document, registered by the operator
    registered = (await register(production, agencies, agencies.court_code, LIN))["data"]["registerDocument"]
    assert registered == {
        "id": f"sha256:{digest(LIN)}",
        "agencyCode": agencies.court_code,
        "operations": ["Lin"],
        "revokedAt": None,
    }
    ad_hoc = await post(production, agencies.court, {"query": LIN, "variables": {"id": LIN_ID}})
    # When the court's system sends its id, in either convention
    by_id = await post(production, agencies.court, {"documentId": registered["id"], "variables": {"id": LIN_ID}})
    record = await last_record(conn)
    apollo = await post(
        production,
        agencies.court,
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest(LIN)}}, "variables": {"id": LIN_ID}},
    )
    # Then it gets what the text would have got, and the trail names the document and subject
    assert by_id.status_code == apollo.status_code == 200
    assert by_id.json() == apollo.json() == ad_hoc.json()
    assert by_id.json()["data"]["subjectByResidentId"]["name"] == "林文斌"
    assert record["document_hash"] == digest(LIN)
    assert record["outcome"] == "ok"
    assert len(record["subjects"]) == 1


async def test_an_unknown_document_id_is_refused_and_audited(
    production: httpx.AsyncClient, agencies: Agencies, conn: asyncpg.Connection
) -> None:
    # Given a document registered for the court only
    await register(production, agencies, agencies.court_code, LIN)
    # When the land registry sends its id, and the court an id never registered
    foreign = await post(production, agencies.land, {"documentId": f"sha256:{digest(LIN)}", "variables": {}})
    unknown = await post(production, agencies.court, {"documentId": "sha256:" + "ab" * 32})
    record = await last_record(conn)
    malformed = await post(production, agencies.court, {"documentId": "md5:1234"})
    mismatch = await post(
        production, agencies.court, {"documentId": f"sha256:{digest(LIN)}", "query": "{ __typename }"}
    )
    # Then both are 400 PERSISTED_DOCUMENT_NOT_FOUND, recorded; a malformed id is a bad request
    for response in (foreign, unknown):
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"
    assert record["error_codes"] == ["PERSISTED_DOCUMENT_NOT_FOUND"]
    assert malformed.status_code == mismatch.status_code == 400
    assert malformed.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"


async def test_an_agency_set_to_registered_documents_only_is_refused_ad_hoc_ones(
    production: httpx.AsyncClient, agencies: Agencies, conn: asyncpg.Connection, db: Database
) -> None:
    # Given the court allows only registered documents, and has registered one
    await register(production, agencies, agencies.court_code, LIN)
    only = await post(
        production, agencies.operator, {"query": ONLY, "variables": {"agency": agencies.court_code, "only": True}}
    )
    assert only.json()["data"]["setTrustedDocumentsOnly"] == {"code": agencies.court_code, "trustedDocumentsOnly": True}
    statements = db.statements
    # When it sends an ad-hoc document
    other = "query($id: String!) { subjectByResidentId(residentId: $id) { name } }"
    refused = await post(production, agencies.court, {"query": other, "variables": {"id": LIN_ID}})
    record = await last_record(conn)
    # Then it is refused before anything runs (no subject read), and the refusal is recorded
    assert refused.status_code == 403
    assert refused.json() == {
        "errors": [{"message": refused.json()["errors"][0]["message"], "extensions": {"code": "DOCUMENT_NOT_TRUSTED"}}]
    }
    assert record["outcome"] == "denied"
    assert record["document_hash"] == digest(other)
    assert list(record["subjects"]) == []
    assert db.statements - statements <= 3  # the key, the registration looked up, the record
    # while its registered document, by id or as its very text, still answers
    by_id = await post(production, agencies.court, {"documentId": f"sha256:{digest(LIN)}", "variables": {"id": LIN_ID}})
    as_text = await post(production, agencies.court, {"query": LIN, "variables": {"id": LIN_ID}})
    assert by_id.status_code == as_text.status_code == 200
    # and the operator may still ask ad hoc
    mine = await post(production, agencies.operator, {"query": "{ agencies { nodes { code } } }"})
    assert mine.status_code == 200


async def test_development_lets_every_agency_send_ad_hoc_documents(
    db: Database, agencies: Agencies, production: httpx.AsyncClient
) -> None:
    await post(
        production, agencies.operator, {"query": ONLY, "variables": {"agency": agencies.court_code, "only": True}}
    )
    async with serve_in_process(db, Settings(env="development")) as development:
        response = await post(development, agencies.court, {"query": LIN, "variables": {"id": LIN_ID}})
    assert response.status_code == 200


async def test_registration_refuses_what_a_request_would_see_refused(
    production: httpx.AsyncClient, agencies: Agencies
) -> None:
    cases = [
        # a field the land registry's policy does not let it select
        "query($id: String!) { subjectByResidentId(residentId: $id) { listings { nodes { case { amount } } } } }",
        # not valid against the schema
        "{ subjectByResidentId(residentId: 1) { nam } }",
        # too deep for the limits
        "{ hotels { nodes { region { code } } } " + "a: hotels { nodes { code } } " * 20 + "}",
    ]
    for text in cases:
        # When the land registry's document is registered
        refused = await register(production, agencies, agencies.land_code, text)
        # Then registration is refused with exactly the errors a request of it gets
        asked = await post(production, agencies.land, {"query": text, "variables": {"id": LIN_ID}})
        error = refused["errors"][0]
        assert error["extensions"]["code"] == "DOCUMENT_REFUSED"
        assert error["extensions"]["errors"] == asked.json()["errors"]
    listed = await post(production, agencies.operator, {"query": LIST, "variables": {"agency": agencies.land_code}})
    assert listed.json()["data"]["trustedDocuments"] == []


async def test_a_hash_that_does_not_match_its_text_is_refused_at_registration(
    production: httpx.AsyncClient, agencies: Agencies
) -> None:
    wrong = await register(production, agencies, agencies.court_code, LIN, f"sha256:{digest(LIN + ' ')}")
    right = await register(production, agencies, agencies.court_code, LIN, f"sha256:{digest(LIN)}")
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not the one that was hashed" in wrong["errors"][0]["message"]
    assert right["data"]["registerDocument"]["id"] == f"sha256:{digest(LIN)}"


async def test_a_revoked_document_is_refused_at_once_and_listed_as_revoked(
    production: httpx.AsyncClient, agencies: Agencies
) -> None:
    document = f"sha256:{digest(LIN)}"
    await register(production, agencies, agencies.court_code, LIN)
    assert (
        await post(production, agencies.court, {"documentId": document, "variables": {"id": LIN_ID}})
    ).status_code == 200
    revoked = await post(
        production, agencies.operator, {"query": REVOKE, "variables": {"agency": agencies.court_code, "id": document}}
    )
    assert revoked.json()["data"]["revokeDocument"]["revokedAt"] is not None
    after = await post(production, agencies.court, {"documentId": document, "variables": {"id": LIN_ID}})
    assert after.status_code == 400
    own = await post(production, agencies.court, {"query": LIST, "variables": {}})
    [listed] = own.json()["data"]["trustedDocuments"]
    assert listed["id"] == document
    assert listed["revokedAt"] is not None
    assert listed["document"] == LIN
    others = await post(production, agencies.land, {"query": LIST, "variables": {"agency": agencies.court_code}})
    assert others.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_registered_query_is_planned_at_registration(served_production: Hub, agencies: Agencies) -> None:
    executor = served_production.state.executor
    await register(served_production.client, agencies, agencies.court_code, LIN)
    # The hub has planned the court's query already: one compiled statement, before any request
    plans = executor.prepare(LIN).plans["Lin"]
    [plan] = plans.compiled.values()
    assert plan is not None
    assert "json_build_object" in plan.sql


def hub_cli(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


async def test_the_cli_registers_lists_revokes_and_requires(fresh_database_url: str, tmp_path: Path) -> None:
    created = hub_cli(
        fresh_database_url, "agency", "create", "--code", "CLI-LAND", "--name", "不动产", "--kind", "land"
    )
    assert created.returncode == 0, created.stderr
    one = tmp_path / "hotels.graphql"
    one.write_text("query Hotels { hotels(minStars: 4) { nodes { code name } } }")
    good = "query A { hotels { nodes { code } } }"
    bad = 'query B { subjectByResidentId(residentId: "x") { listings { nodes { case { amount } } } } }'
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": digest(good), "body": good}, {"id": digest(bad), "body": bad}],
            }
        )
    )
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({f"sha256:{digest(good)}": good + " "}))

    registered = hub_cli(fresh_database_url, "documents", "register", str(one), "--agency", "CLI-LAND")
    refused = hub_cli(fresh_database_url, "documents", "register", str(manifest), "--agency", "CLI-LAND")
    mismatch = hub_cli(fresh_database_url, "documents", "register", str(wrong), "--agency", "CLI-LAND")
    listed = hub_cli(fresh_database_url, "documents", "list", "--agency", "CLI-LAND")

    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.splitlines() == [f"sha256:{digest(one.read_text())}"]
    assert refused.returncode == 1
    assert "nothing registered" in refused.stderr
    assert "document 2 of 2" in refused.stderr
    assert "not allowed" in refused.stderr
    assert mismatch.returncode == 1
    assert "not the one that was hashed" in mismatch.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [f"sha256:{digest(one.read_text())}"]

    revoked = hub_cli(
        fresh_database_url, "documents", "revoke", f"sha256:{digest(one.read_text())}", "--agency", "CLI-LAND"
    )
    required = hub_cli(fresh_database_url, "documents", "require", "on", "--agency", "CLI-LAND")
    assert revoked.returncode == 0, revoked.stderr
    assert required.returncode == 0, required.stderr
    conn = await asyncpg.connect(fresh_database_url)
    try:
        row = await conn.fetchrow(
            "SELECT d.revoked_at IS NOT NULL AS revoked, a.trusted_documents_only FROM core.trusted_document d"
            " JOIN core.agency a ON a.id = d.agency_id"
        )
    finally:
        await conn.close()
    assert row is not None
    assert row["revoked"]
    assert row["trusted_documents_only"]
