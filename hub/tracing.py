"""OpenTelemetry traces of requests (ASGI) and their statements (asyncpg): off by default.

On only when the standard variables ask for them: ``OTEL_TRACES_EXPORTER`` set to ``otlp``
or ``console``, or an OTLP endpoint given (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, which mean ``otlp``); ``OTEL_SDK_DISABLED=true`` or
``OTEL_TRACES_EXPORTER=none`` keeps them off. The SDK reads the rest itself
(``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``, the OTLP
headers and timeouts). OTLP is sent over HTTP/protobuf and needs the ``otlp`` extra
(``pip install -c requirements.lock -e '.[otlp]'``).

No ID number goes into a span: statements are traced without their parameters (the
asyncpg instrumentation's default, kept), the query string of a request (a GET's variables)
never reaches the ASGI instrumentation, and every span passes :class:`Redacting` on its
way out, which masks a full resident ID number wherever one would still appear (a name,
an attribute, an event) as the logs do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.errors import ConfigurationError
from hub.logs import redact

# Kept out of the instrumentation's sight, put back for the app.
_QUERY_STRING = "hub.query_string"


def exporter_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """``otlp`` or ``console`` when the OTEL_* variables turn traces on, else None."""
    env = os.environ if environ is None else environ
    if (env.get("OTEL_SDK_DISABLED") or "").strip().lower() == "true":
        return None
    named = (env.get("OTEL_TRACES_EXPORTER") or "").strip().lower()
    if not named:
        endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        return "otlp" if endpoint else None
    if named == "none":
        return None
    if named not in ("otlp", "console"):
        raise ConfigurationError(f"OTEL_TRACES_EXPORTER must be otlp, console or none, not {named!r}")
    return named


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ConfigurationError(
            "OTLP traces need the otlp extra: pip install -c requirements.lock -e '.[otlp]'"
        ) from None
    exporter: SpanExporter = OTLPSpanExporter()
    return exporter


def provider_from_env(environ: Mapping[str, str] | None = None) -> TracerProvider | None:
    """A tracer provider exporting as the OTEL_* variables say; None when traces are off."""
    name = exporter_from_env(environ)
    if name is None:
        return None
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Redacting(_exporter(name))))
    return provider


class Redacting(SpanExporter):
    """Hands spans on with every full resident ID number masked (name, attributes, events)."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([_redacted(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def _clean(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, str):
            value = redact(value)
        elif isinstance(value, tuple | list):
            value = tuple(redact(v) if isinstance(v, str) else v for v in value)
        cleaned[key] = value
    return cleaned


def _redacted(span: ReadableSpan) -> ReadableSpan:
    from opentelemetry.sdk.trace import Event

    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_clean(span.attributes),
        events=[Event(e.name, _clean(e.attributes), e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def instrument(app: ASGIApp, provider: TracerProvider) -> ASGIApp:
    """``app`` with a span per request, and asyncpg's statements traced (this process)."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    # The instrumentation packages carry no annotations.
    instrumentor = AsyncPGInstrumentor(capture_parameters=False)  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)

    async def restore(scope: Scope, receive: Receive, send: Send) -> None:
        if _QUERY_STRING in scope:
            scope["query_string"] = scope.pop(_QUERY_STRING)
        await app(scope, receive, send)

    traced = OpenTelemetryMiddleware(restore, tracer_provider=provider, exclude_spans=["receive", "send"])

    async def hide_query(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope[_QUERY_STRING] = scope.get("query_string", b"")
            scope["query_string"] = b""
        await traced(scope, receive, send)

    return hide_query


def uninstrument() -> None:
    """Stop tracing asyncpg's statements (tests)."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
