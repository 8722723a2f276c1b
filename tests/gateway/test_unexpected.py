"""No bare 500 anywhere: every route kind answers an error nothing else handled in its own
format (GraphQL's JSON errors for the API, the error page for the console), masked; and the
database gone is 503 with Retry-After, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.types import Receive, Scope, Send

from hub.db.database import Database
from hub.errors import DatabaseUnavailable
from hub.gateway.app import create_app
from hub.settings import Settings

SECRET = "select * from core.api_key -- internal detail"


@pytest_asyncio.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, whose unhandled errors reach the client as the server would send them
    (not re-raised into the test, as httpx's ASGI transport does by default)."""
    app = create_app(Settings(env="development"), db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http


def failing(exc: Exception) -> Any:
    async def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


ROUTES = [
    # (what breaks, the request)
    ("hub.gateway.graphql._authenticate", ("POST", "/graphql", {"json": {"query": "{ __typename }"}})),
    ("hub.gateway.graphql._authenticate", ("GET", "/graphql", {"params": {"query": "{ __typename }"}})),
    ("hub.gateway.ingest.principal_for_key", ("POST", "/ingest/land", {"content": b"{}"})),
]


@pytest.mark.parametrize(("target", "request_"), ROUTES)
async def test_an_api_route_answers_an_unexpected_error_as_masked_json(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, target: str, request_: tuple[str, str, dict[str, Any]]
) -> None:
    monkeypatch.setattr(target, failing(RuntimeError(SECRET)))
    method, path, options = request_
    response = await client.request(method, path, headers={"Authorization": "Bearer hub_x"}, **options)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "errors": [
            {"message": "Unexpected error; it has been logged.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert SECRET not in response.text


@pytest.mark.parametrize(("target", "request_"), ROUTES)
async def test_an_api_route_answers_the_database_gone_with_503_and_retry_after(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, target: str, request_: tuple[str, str, dict[str, Any]]
) -> None:
    monkeypatch.setattr(target, failing(ConnectionResetError(SECRET)))
    method, path, options = request_
    response = await client.request(method, path, headers={"Authorization": "Bearer hub_x"}, **options)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert SECRET not in response.text


async def test_graphql_answers_the_database_gone_in_the_media_type_asked_for(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hub.gateway.graphql._authenticate", failing(DatabaseUnavailable("gone")))
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Accept": "application/graphql-response+json", "Authorization": "Bearer hub_x"},
    )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    ("exc", "status", "message"), [(RuntimeError(SECRET), 500, "已记录"), (OSError(SECRET), 503, "稍后重试")]
)
async def test_a_console_page_answers_with_its_error_page(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, exc: Exception, status: int, message: str
) -> None:
    monkeypatch.setattr("hub.console.pages.current_session", failing(exc))
    response = await client.get("/console")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert SECRET not in response.text
