"""Each limit has a readable error that names it; limits do not defeat the validation cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from hub.policy.limits import Limits
from hub.settings import Settings

SMALL = Limits(
    max_depth=4,
    max_aliases=2,
    max_tokens=60,
    max_directives=2,
    max_query_chars=400,
    max_cost=300,
    operations_per_minute=5,
    subjects_per_minute=3,
    max_body_bytes=4096,
)


@pytest.fixture
def settings() -> Settings:
    return Settings(env="development", limits=SMALL)


async def _code(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    body = response.json()
    return response.status_code, body["errors"][0]["extensions"]["code"], body["errors"][0]["extensions"]


@pytest.mark.parametrize(
    ("query", "code", "limit"),
    [
        ("{ subjects(ids: [1]) { listings { nodes { case { court { name } } } } } }", "QUERY_TOO_DEEP", 4),
        (
            "{ a: hotels { nodes { code } } b: hotels { nodes { code } } c: hotels { nodes { code } } }",
            "TOO_MANY_ALIASES",
            2,
        ),
        (
            "{ hotels { nodes { code @include(if: true) name @include(if: true) stars @skip(if: false) } } }",
            "TOO_MANY_DIRECTIVES",
            2,
        ),
        ("{ hotels { nodes { " + "a " * 70 + "} } }", "TOO_MANY_TOKENS", 60),
        (
            '{ hotels(first: 100) { nodes { code region { name } } } hotel(code: "X") { code } }',
            "COST_LIMIT_EXCEEDED",
            300,
        ),
        ("# " + "x" * 500 + "\n{ hotels { nodes { code } } }", "QUERY_TOO_LONG", 400),
    ],
)
async def test_each_limit_names_itself(
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    query: str,
    code: str,
    limit: int,
) -> None:
    court = await make_agency("court", "(2018)闽0102执1867号")
    _, found, extensions = await _code(app_client, court, query)
    assert found == code
    assert extensions["limit"] == limit


async def test_batches_and_big_bodies_are_refused(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    court = await make_agency("court")
    batch = await app_client.post("/graphql", json=[{"query": "{ __typename }"}], headers=court)
    assert batch.status_code == 400
    assert batch.json()["errors"][0]["extensions"]["code"] == "BATCHING_NOT_SUPPORTED"
    big = await app_client.post("/graphql", json={"query": "{ __typename }", "x": "y" * 5000}, headers=court)
    assert big.status_code == 413
    assert big.json()["errors"][0]["extensions"]["limit"] == 4096


async def test_operations_per_minute(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    court = await make_agency("court")
    statuses = [
        (await app_client.post("/graphql", json={"query": "{ __typename }"}, headers=court)).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    other = await make_agency("land")  # limits are per agency
    assert (await app_client.post("/graphql", json={"query": "{ __typename }"}, headers=other)).status_code == 200


async def test_distinct_subjects_per_minute(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]], stories: dict[str, int]
) -> None:
    court = await make_agency("court", "(2018)闽0102执1867号")
    for key in ("lin", "cao", "gong"):
        response = await app_client.post(
            "/graphql", json={"query": f'{{ subject(id: "{stories[key]}") {{ name }} }}'}, headers=court
        )
        assert response.status_code == 200
    response = await app_client.post(
        "/graphql", json={"query": f'{{ subject(id: "{stories["wu"]}") {{ name }} }}'}, headers=court
    )
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBJECT_RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1


async def test_limits_keep_the_validation_cache(
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A repeated document is parsed and validated once, limits and policy included
    (strawberry's own limiters re-validate every time: strawberry issue 4635)."""
    import hub.schema.execute as execute_module

    calls = []
    original = execute_module.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(execute_module, "validate", counting)
    court = await make_agency("court")
    for _ in range(3):
        response = await app_client.post("/graphql", json={"query": "{ hotels { nodes { code } } }"}, headers=court)
        assert response.status_code == 200
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("query", "static"),
    [
        ('mutation { screen(matter: "M", identities: []) { decisions { decision measures { name reach } } } }', True),
        ("{ hotels(first: 5) { nodes { code } } }", False),
        ("{ subjects(ids: [1, 2]) { name } }", False),
    ],
)
def test_a_cost_known_from_the_document_alone_is_computed_once(query: str, static: bool) -> None:
    from graphql import OperationDefinitionNode, parse

    from hub.policy.document import analyse, cost
    from hub.schema import build_schema

    schema = build_schema()._schema
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    shape = analyse(schema, document, operation)
    if static:
        # Then it is what the walk per request would find, whatever the variables
        assert shape.static_cost == cost(shape.cost_tree, {"x": 1}, 20, 100) > 10
    else:
        assert shape.static_cost is None
