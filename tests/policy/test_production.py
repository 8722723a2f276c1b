"""In production, introspection and GraphiQL are for the platform operator only."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from hub.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(env="production")


async def test_introspection_is_for_the_operator(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    query = {"query": '{ __type(name: "Subject") { name } }'}
    court = await make_agency("court")
    refused = await app_client.post("/graphql", json=query, headers=court)
    assert refused.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    operator = await make_agency("platform")
    allowed = await app_client.post("/graphql", json=query, headers=operator)
    assert allowed.json() == {"data": {"__type": {"name": "Subject"}}}


async def test_no_graphiql_and_no_suggestions(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    assert (await app_client.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
    court = await make_agency("court")
    response = await app_client.post("/graphql", json={"query": "{ hotell { code } }"}, headers=court)
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    # No suggestion, however worded: the fields it would suggest are named nowhere in the answer.
    assert not re.search(r"\bhotels?\b", response.text)
