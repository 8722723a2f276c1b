"""GraphQL over HTTP: authentication, request errors, status codes, error shapes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from hub.db.database import Database

SUBJECT_BY_RESIDENT_ID = "query($id: String!) { subjectByResidentId(residentId: $id) { id name } }"


async def test_healthz_answers_without_a_key(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_migrations(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_fails_when_a_migration_is_pending(app_client: httpx.AsyncClient, db: Database) -> None:
    # Given the record of the last migration is gone, as if a newer file had not been applied
    await db.execute("DELETE FROM public.hub_migration WHERE version = (SELECT max(version) FROM public.hub_migration)")
    response = await app_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "migrations pending"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer hub_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
async def test_without_a_valid_key_the_answer_is_401_and_nothing_else(
    app_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await app_client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_revoked_key_is_refused(app_client: httpx.AsyncClient, db: Database, agency_key: str) -> None:
    await db.execute("UPDATE core.api_key SET revoked_at = now()")
    response = await app_client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {agency_key}"}
    )
    assert response.status_code == 401


async def test_a_valid_key_gets_data(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post("/graphql", json={"query": "{ __typename }"}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["content-type"].startswith("application/json")


async def test_malformed_json_is_a_400_with_a_code(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post(
        "/graphql", content=b'{"query": "{ __typename }"', headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"


async def test_a_missing_query_is_a_400(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post("/graphql", json={"variables": {}}, headers=auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "MISSING_QUERY"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_only_json_bodies_are_accepted(
    app_client: httpx.AsyncClient, auth: dict[str, str], content_type: str
) -> None:
    response = await app_client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={**auth, "Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_an_unknown_field_fails_validation_without_suggestions(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    query = "{ subject(id: 1) { nam } }"
    response = await app_client.post("/graphql", json={"query": query}, headers=auth)
    assert response.status_code == 200  # application/json: GraphQL errors answer 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nam" in error["message"]
    # No suggestion, however worded: the field it would suggest is named nowhere in the answer.
    assert not re.search(r"\bname\b", response.text)
    assert "data" not in response.json()

    strict = await app_client.post(
        "/graphql", json={"query": query}, headers={**auth, "Accept": "application/graphql-response+json"}
    )
    assert strict.status_code == 400
    assert strict.headers["content-type"].startswith("application/graphql-response+json")


async def test_a_syntax_error_has_its_own_code(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post("/graphql", json={"query": "{ subject(id: 1) { name "}, headers=auth)
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_a_wrong_variable_type_is_bad_user_input(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post(
        "/graphql", json={"query": SUBJECT_BY_RESIDENT_ID, "variables": {"id": 350102}}, headers=auth
    )
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_invalid_identifier_names_position_and_reason(
    app_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    # The last digit of a valid number changed: the check digit is wrong.
    response = await app_client.post(
        "/graphql", json={"query": SUBJECT_BY_RESIDENT_ID, "variables": {"id": "110105194912310021"}}, headers=auth
    )
    body = response.json()
    assert body["data"] == {"subjectByResidentId": None}
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID_IDENTIFIER"
    assert error["extensions"]["position"] == 18
    assert "check digit" in error["extensions"]["reason"]
    assert error["path"] == ["subjectByResidentId"]
    assert "110105194912310021" not in response.text


async def test_a_page_over_the_maximum_is_refused(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post(
        "/graphql", json={"query": "{ hotels(first: 101) { nodes { code } } }"}, headers=auth
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAGE_SIZE_EXCEEDED"
    assert error["extensions"]["maximum"] == 100


@pytest.mark.parametrize("cursor", ["not-a-cursor", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""])
async def test_a_cursor_the_hub_did_not_issue_is_refused(
    app_client: httpx.AsyncClient, auth: dict[str, str], cursor: str
) -> None:
    query = "query($after: String) { hotels(first: 1, after: $after) { nodes { code } } }"
    response = await app_client.post("/graphql", json={"query": query, "variables": {"after": cursor}}, headers=auth)
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_unexpected_errors_are_masked(app_client: httpx.AsyncClient, auth: dict[str, str], db: Database) -> None:
    # Given a table the resolver needs has vanished (inside this test's transaction)
    await db.execute("ALTER TABLE tourism.hotel RENAME TO hotel_gone")
    response = await app_client.post("/graphql", json={"query": "{ hotels { nodes { code } } }"}, headers=auth)
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hotel" not in error["message"]
    assert "Traceback" not in response.text


async def test_get_serves_queries(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.get("/graphql", params={"query": "{ __typename }"}, headers=auth)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_graphiql_is_served_to_a_browser_in_development(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_document_with_two_operations_needs_a_name(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    query = "query A { __typename } query B { __typename }"
    response = await app_client.post("/graphql", json={"query": query}, headers=auth)
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    named = await app_client.post("/graphql", json={"query": query, "operationName": "B"}, headers=auth)
    assert named.json() == {"data": {"__typename": "Query"}}
    # A name the document lacks: the answer names the document's operations, and never echoes
    # the client's text (here a resident ID, which the fuzz test once put there).
    unknown = await app_client.post(
        "/graphql", json={"query": query, "operationName": "350102197604122712"}, headers=auth
    )
    [refused] = unknown.json()["errors"]
    assert refused["extensions"]["code"] == "UNKNOWN_OPERATION"
    assert "A, B" in refused["message"]
    assert "350102197604122712" not in unknown.text


async def test_an_oversized_body_is_refused(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await app_client.post(
        "/graphql", json={"query": "{ __typename }", "pad": "x" * (2 * 1024 * 1024)}, headers=auth
    )
    assert response.status_code == 413


async def test_get_never_changes_anything(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    operator = await make_agency("platform")
    response = await app_client.get(
        "/graphql",
        params={"query": 'mutation { createAgency(input: {code: "VIA-GET", name: "x", kind: COURT}) { apiKey } }'},
        headers=operator,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
    listed = await app_client.post("/graphql", json={"query": '{ agency(code: "VIA-GET") { code } }'}, headers=operator)
    assert listed.json() == {"data": {"agency": None}}


async def test_an_unexpected_failure_in_post_graphql_is_a_logged_masked_500(
    app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # POST /graphql skips Starlette's routing and middleware (HubApp): it must still fail
    # as every route does, logged, in GraphQL's JSON error format, with nothing of the error.
    import hub.gateway.app

    async def broken(request: object) -> None:
        raise RuntimeError("connection to 10.0.0.7 refused: secret detail")

    monkeypatch.setattr(hub.gateway.app, "graphql_endpoint", broken)
    with caplog.at_level("ERROR", logger="hub.gateway.app"):
        response = await app_client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {"message": "Unexpected error; it has been logged.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert "secret detail" not in response.text
    assert "secret detail" in caplog.text
    # GET still goes through the routes (and the endpoint they hold)
    assert (await app_client.get("/graphql", params={"query": "{ __typename }"})).status_code == 401


async def test_a_variable_that_does_not_coerce_is_not_quoted_back_with_its_id_number(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    query = """mutation($ids: [IdentityInput!]!) {
      screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) { decisions { decision } } }"""
    number, uscc = "11010519491231002X", "91350100M000100Y43"
    response = await app_client.post(
        "/graphql",
        json={"query": query, "variables": {"ids": [{"residentId": number}, {"uscc": uscc, "name": 7}]}},
        headers=land,
    )
    body = response.json()
    errors = body["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert "data" not in body  # refused before anything ran
    # Still says what is wrong: each error names the variable and points at its definition.
    at_ids = [{"line": 1, "column": query.index("$ids") + 1}]
    assert all("$ids" in e["message"] and e["locations"] == at_ids for e in errors)
    assert number not in response.text
    assert uscc not in response.text
