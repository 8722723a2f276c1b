"""Bad input gets one short answer: a document over a limit is told so once (the limits that
need no schema run before validation), and a document with many errors gets a few of them
and a count of the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from hub.schema.execute import MAX_ERRORS

OVERSIZED = {
    # 60 @include on one field: it used to get 59 "directive used more than once" errors (11 KB).
    "directives": ("{ hotels { nodes { code " + "@include(if: true) " * 60 + "} } }", "TOO_MANY_DIRECTIVES"),
    # Nested a hundred levels deep, in fields that do not even exist.
    "deep": ("{" + "a {" * 100 + "a" + "}" * 100 + "}", "QUERY_TOO_DEEP"),
    # A hundred aliases of a field that does not exist.
    "aliases": ("{ " + " ".join(f"a{i}: nope" for i in range(100)) + " }", "TOO_MANY_ALIASES"),
    # Fragments that spread each other twice: 2^25 fields once expanded, from 1 KB of text.
    "fragments": (
        "{ hotels { nodes { ...F0 } } } "
        + " ".join(f"fragment F{i} on Hotel {{ ...F{i + 1} ...F{i + 1} }}" for i in range(25))
        + " fragment F25 on Hotel { code }",
        "COST_LIMIT_EXCEEDED",
    ),
}


@pytest.mark.parametrize("kind", sorted(OVERSIZED))
async def test_an_oversized_document_gets_one_short_error(
    kind: str, app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    query, code = OVERSIZED[kind]
    court = await make_agency("court", "(2018)闽0102执1867号")
    response = await app_client.post("/graphql", json={"query": query}, headers=court)
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == [code]
    assert errors[0]["extensions"]["actual"] > errors[0]["extensions"]["limit"]
    assert len(response.content) < 400


async def test_a_document_within_the_limits_is_still_answered(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    """The early check measures what the later one does: a query at the limits passes it."""
    court = await make_agency("court", "(2018)闽0102执1867号")
    within = "{ hotels { nodes { " + " ".join(f"a{i}: code @include(if: true)" for i in range(15)) + " } } }"
    response = await app_client.post("/graphql", json={"query": within}, headers=court)
    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()


async def test_many_errors_are_cut_to_a_few_and_a_count(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    court = await make_agency("court", "(2018)闽0102执1867号")
    unknown = "{ " + " ".join(f"x{i}" for i in range(40)) + " }"  # 40 unknown fields
    response = await app_client.post("/graphql", json={"query": unknown}, headers=court)
    errors = response.json()["errors"]
    assert len(errors) == MAX_ERRORS + 1
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
    assert errors[-1]["extensions"]["omitted"] == 40 - MAX_ERRORS
    assert "35 more" in errors[-1]["message"]
    assert len(response.content) < 1500


async def test_many_denied_fields_are_cut_to_a_few_and_a_count(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    tourism = await make_agency("tourism")
    # Tourism agencies never look subjects up: every one of these 12 fields is denied.
    denied = '{ subjectByResidentId(residentId: "x") { ' + " ".join(f"f{i}: name" for i in range(11)) + " } }"
    response = await app_client.post("/graphql", json={"query": denied}, headers=tourism)
    errors = response.json()["errors"]
    assert response.status_code == 403, errors
    assert len(errors) == MAX_ERRORS + 1
    assert [e["extensions"]["code"] for e in errors] == ["FIELD_NOT_ALLOWED"] * (MAX_ERRORS + 1)
    assert errors[-1]["extensions"]["omitted"] == 12 - MAX_ERRORS
