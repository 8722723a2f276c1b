"""Sources kept at their agency, called over HTTP at query time.

One ``RemoteSource`` per configured source, shared by every request of the process: the app's
httpx client (its lifespan owns it), a time limit on each attempt, retries with a small
backoff for idempotent reads only, and a circuit breaker::

    closed ──N consecutive failed calls──▶ open ──cool-down──▶ half-open
      ▲                                                          │ one probe, no retries
      └───────────────────── probe succeeds ─────────────────────┘ (fails: open again)

A failure becomes ``SourceUnavailable`` (code ``SOURCE_UNAVAILABLE``, the source's name and a
reason); the address and the underlying exception go to the log only. Request bodies (which
hold ID numbers) are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import httpx
import orjson

from hub.errors import SourceUnavailable
from hub.settings import RemoteSettings

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

T = TypeVar("T")
Parse = Callable[[Any], T]


def _as_is(answer: Any) -> Any:
    return answer


class CircuitBreaker:
    """Counts consecutive failed calls; once ``threshold`` is reached, sheds calls for
    ``cooldown`` seconds, then lets one probe through to decide whether to close again."""

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._probing or self._clock() - self._opened_at >= self.cooldown:
            return HALF_OPEN
        return OPEN

    def admit(self) -> bool:
        """Whether a call may go out now. In half-open, the first caller becomes the probe
        and everyone else is shed until it has its answer."""
        if self._opened_at is None:
            return True
        if self._probing or self._clock() - self._opened_at < self.cooldown:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failed(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.threshold:
            self._opened_at = self._clock()
        self._probing = False

    def abandoned(self) -> None:
        """The call was cancelled before it had an answer: it proves nothing either way."""
        self._probing = False


class _Retryable(Exception):
    def __init__(self, reason: str, cause: str) -> None:
        self.reason = reason
        self.cause = cause


class _Final(Exception):
    def __init__(self, reason: str, cause: str) -> None:
        self.reason = reason
        self.cause = cause


class _Failed(Exception):
    """The source answered, and its answer says it failed (GraphQL ``errors``)."""

    def __init__(self, cause: str) -> None:
        self.cause = cause


# Connection-level failures after which an idempotent read may safely be sent again.
_CONNECTION_ERRORS = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class RemoteSource:
    """One agency's system: ``post`` for its JSON API, ``graphql`` for its GraphQL API."""

    def __init__(self, settings: RemoteSettings, client: httpx.AsyncClient) -> None:
        self.name = settings.source
        self.kind = settings.kind
        self._url = settings.url
        self._client = client
        self._timeout = settings.timeout_ms / 1000
        self._retries = settings.retries
        self._backoff = settings.backoff_ms / 1000
        self._headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if settings.token is not None:
            self._headers["Authorization"] = f"Bearer {settings.token.reveal()}"
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown_ms / 1000)

    async def post(self, path: str, body: Mapping[str, Any], *, idempotent: bool, parse: Parse[T] = _as_is) -> T:
        """POST ``body`` as JSON to ``path`` under the source's address; ``parse`` of the
        decoded answer.

        ``idempotent`` says the call only reads (sending it twice changes nothing): only such
        calls are retried. A write is sent once, whatever happens. ``parse`` raises
        ``ValueError`` (its text names what is wrong, never a value) when the answer breaks
        the contract.
        """
        return await self._call(self._url + path, body, idempotent, parse)

    async def graphql(self, query: str, variables: Mapping[str, Any], parse: Parse[T] = _as_is) -> T:
        """Run a GraphQL query (a read) at the source's address; ``parse`` of its ``data``."""

        def unwrap(answer: Any) -> T:
            if not isinstance(answer, dict):
                raise ValueError("the answer is not a JSON object")
            if answer.get("errors"):
                # The source's own messages may carry anything: only their count is logged.
                raise _Failed(f"{len(answer['errors'])} GraphQL error(s)")
            if not isinstance(answer.get("data"), dict):
                raise ValueError("no data in the answer")
            return parse(answer["data"])

        return await self._call(self._url, {"query": query, "variables": variables}, True, unwrap)

    async def _call(self, url: str, body: Mapping[str, Any], idempotent: bool, parse: Parse[T]) -> T:
        breaker = self.breaker
        if not breaker.admit():
            raise SourceUnavailable(self.name, "circuit_open")
        # A probe is a single attempt: the breaker wants one answer, not a burst.
        probing = breaker.state == HALF_OPEN
        attempts = 1 + self._retries if idempotent and not probing else 1
        content = orjson.dumps(body)
        try:
            answer = await self._attempts(url, content, attempts, parse)
        except SourceUnavailable:
            breaker.failed()
            raise
        except BaseException:
            breaker.abandoned()
            raise
        breaker.succeeded()
        return answer

    async def _attempts(self, url: str, content: bytes, attempts: int, parse: Parse[T]) -> T:
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 2))
            try:
                answer = await self._attempt(url, content)
            except _Retryable as failure:
                if attempt == attempts:
                    raise self._unavailable(failure.reason, attempt, failure.cause) from None
                continue
            except _Final as failure:
                raise self._unavailable(failure.reason, attempt, failure.cause) from None
            try:
                return parse(answer)
            except _Failed as failure:
                raise self._unavailable("failed", attempt, failure.cause) from None
            except (ValueError, TypeError, KeyError) as exc:
                raise self._unavailable("bad_response", attempt, f"{type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, url: str, content: bytes) -> Any:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(url, content=content, headers=self._headers, timeout=self._timeout)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise _Retryable("timeout", type(exc).__name__) from None
        except _CONNECTION_ERRORS as exc:
            raise _Retryable("unreachable", type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise _Final("unreachable", type(exc).__name__) from None
        if response.status_code >= 500:
            raise _Retryable("failed", f"HTTP {response.status_code}")
        if response.status_code >= 300:
            raise _Final("failed", f"HTTP {response.status_code}")
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise _Final("bad_response", "the answer is not JSON") from None

    def _unavailable(self, reason: str, attempts: int, cause: str) -> SourceUnavailable:
        log.warning("remote source %s: %s after %d attempt(s): %s", self.name, reason, attempts, cause)
        return SourceUnavailable(self.name, reason)


class RemoteSources:
    """The remote sources of one process, by source name; owns nothing but the mapping (the
    httpx client belongs to the app's lifespan)."""

    def __init__(self, sources: Mapping[str, RemoteSource] | None = None) -> None:
        self._sources = dict(sources or {})

    @classmethod
    def build(cls, settings: tuple[RemoteSettings, ...], client: httpx.AsyncClient | None) -> RemoteSources:
        """The configured sources over ``client`` (None: no source is remote)."""
        if client is None:
            return cls()
        return cls({s.source: RemoteSource(s, client) for s in settings})

    def get(self, source: str) -> RemoteSource | None:
        return self._sources.get(source)

    def __iter__(self) -> Iterator[RemoteSource]:
        return iter(self._sources.values())

    def __bool__(self) -> bool:
        return bool(self._sources)
