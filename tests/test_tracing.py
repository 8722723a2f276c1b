"""Traces: off unless OTEL_* says so, and no ID number in any span."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.types import Receive, Scope, Send

from hub import tracing
from hub.db.database import Database
from hub.errors import ConfigurationError
from hub.gateway.app import create_app
from hub.settings import Settings
from tests.events.conftest import PERSON_ID

LOOKUP = "query Lookup($id: String!) { subjectByResidentId(residentId: $id) { name } }"


def test_traces_are_off_unless_the_otel_variables_turn_them_on() -> None:
    assert tracing.exporter_from_env({}) is None
    assert (
        tracing.exporter_from_env({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}) is None
    )
    assert tracing.exporter_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == "otlp"
    assert tracing.exporter_from_env({"OTEL_TRACES_EXPORTER": "console"}) == "console"
    assert tracing.exporter_from_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}) is None
    with pytest.raises(ConfigurationError, match="OTEL_TRACES_EXPORTER"):
        tracing.exporter_from_env({"OTEL_TRACES_EXPORTER": "zipkin"})


@pytest_asyncio.fixture
async def traced(db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    """The app traced into memory, the spans passing the same redaction as in production."""
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracing.Redacting(spans)))
    app = create_app(Settings(env="development"), db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=tracing.instrument(with_state, provider))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
                yield client, spans
        finally:
            tracing.uninstrument()


def _everything_in(span: Any) -> str:
    texts = [span.name, *map(str, span.attributes.values())]
    for event in span.events:
        texts += [event.name, *map(str, event.attributes.values())]
    return " ".join(texts)


async def test_a_lookup_by_resident_id_leaves_no_id_number_in_any_span(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter],
    make_agency: Callable[..., Awaitable[dict[str, str]]],
) -> None:
    client, spans = traced
    court = await make_agency("court", purpose="(2018)闽0102执1867号")

    posted = await client.post("/graphql", json={"query": LOOKUP, "variables": {"id": PERSON_ID}}, headers=court)
    got = await client.get("/graphql", params={"query": LOOKUP, "variables": f'{{"id": "{PERSON_ID}"}}'}, headers=court)
    # The ID as a literal in the document: a compiled read folds it into its statement's text.
    inline = await client.post(
        "/graphql", json={"query": f'{{ subjectByResidentId(residentId: "{PERSON_ID}") {{ name }} }}'}, headers=court
    )

    assert posted.status_code == 200
    assert got.status_code == 200
    assert inline.status_code == 200
    finished = spans.get_finished_spans()
    statements = [s for s in finished if s.attributes.get("db.system") == "postgresql"]
    requests = [s for s in finished if s.kind.name == "SERVER"]
    assert len(requests) == 3  # a span for each request
    assert statements  # and for the statements they ran
    for span in finished:
        text = _everything_in(span)
        assert PERSON_ID not in text, span.name
        assert PERSON_ID[:17] not in text, span.name
