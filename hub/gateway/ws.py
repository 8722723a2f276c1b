"""GraphQL subscriptions over WebSocket: ``WS /graphql``, protocol graphql-transport-ws.

The protocol (github.com/enisdenjo/graphql-ws, PROTOCOL.md), as this hub speaks it:

- The client offers the subprotocol ``graphql-transport-ws``; without it the handshake is
  refused.
- The first message must be ``connection_init`` within ``INIT_TIMEOUT_SECONDS`` (else close
  4408), its payload ``{"authorization": "Bearer <key>", "purpose": ..., "operator": ...}``
  (purpose and operator optional: they play the Hub-Purpose and Hub-Operator headers). The
  web console sends no key: its session cookie and ``{"csrf": <the session's CSRF token>}``
  (the user is then the operator, whatever ``operator`` says). Any
  other message first closes 4401; an unknown or revoked key closes 4403; a second
  ``connection_init`` closes 4429. A message that is not a JSON object with a known
  ``type`` closes 4400.
- After ``connection_ack``: ``ping`` is answered ``pong``; ``subscribe`` runs the document
  through the same checks as HTTP (limits, field policy, purpose; subscription operations
  only), writes its audit record before anything is sent (if it cannot, the subscription
  is refused: the trail fails closed), then answers ``next`` per event, each traced first
  with the subjects it discloses (the stream ends if it cannot be), and ``complete``
  when the stream ends, or ``error`` when refused; a reused id closes 4409. ``complete``
  from the client stops that subscription.
- When the connection's key is revoked (anywhere: revocations are announced on LISTEN
  ``hub_keys``), the connection is closed 4403 and its subscriptions end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from hub.agencies import principal_for_key
from hub.audit import AuditUnavailable
from hub.console.sessions import COOKIE, csrf_ok, session_for
from hub.errors import HubError
from hub.gateway.graphql import audit_record, operation_done
from hub.policy import Principal
from hub.policy.limits import RateLimited
from hub.schema.context import HubContext
from hub.schema.execute import DENIED, LIMITED, MASKED_MESSAGE, Outcome

if TYPE_CHECKING:
    from hub.state import HubState

log = logging.getLogger(__name__)

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_SECONDS = 10.0
MAX_SUBSCRIPTIONS = 20

BAD_MESSAGE = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
INIT_TIMEOUT = 4408
DUPLICATE_ID = 4409
TOO_MANY_INIT = 4429


class _Closed(Exception):
    """Close the socket with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _text(value: Any, limit: int) -> str | None:
    """Free text from the init payload: printable characters, cut to ``limit``; None if empty."""
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()[:limit]
    return cleaned or None


async def graphql_ws(websocket: WebSocket) -> None:
    if PROTOCOL not in websocket.scope.get("subprotocols", ()):
        await websocket.close(code=1002)  # before accept: the handshake is refused
        return
    await websocket.accept(subprotocol=PROTOCOL)
    await _Session(websocket, websocket.state.hub).serve()


class _Session:
    def __init__(self, websocket: WebSocket, state: HubState) -> None:
        self.ws = websocket
        self.state = state
        self.client = websocket.client.host if websocket.client else None
        self.principal: Principal | None = None
        self.purpose: str | None = None
        self.operator: str | None = None
        self.subscriptions: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._open = True
        # The API key the connection was opened with (None for a console session).
        self._key: str | None = None
        # Set when some key was revoked (or announcements may have been missed): ours is checked.
        self._keys_changed = asyncio.Event()

    async def serve(self) -> None:
        try:
            try:
                first = await asyncio.wait_for(self._receive(), INIT_TIMEOUT_SECONDS)
            except TimeoutError:
                raise _Closed(INIT_TIMEOUT, "Connection initialisation timeout") from None
            await self._init(first)
            # A key's connection ends when the key is revoked; a console session's, at logout.
            watcher = None
            if self._key is not None:
                self.state.listener.on_keys_changed(self._keys_changed.set)
                watcher = asyncio.get_running_loop().create_task(self._watch_key(), name="ws-key-watch")
            try:
                while True:
                    await self._handle(await self._receive())
            finally:
                if watcher is not None:
                    self.state.listener.off_keys_changed(self._keys_changed.set)
                    watcher.cancel()
        except _Closed as closed:
            await self._close(closed.code, closed.reason)
        except (WebSocketDisconnect, RuntimeError):
            # RuntimeError: the watcher closed the socket under a pending receive.
            self._open = False
        finally:
            tasks = list(self.subscriptions.values())
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)

    async def _receive(self) -> dict[str, Any]:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            raise _Closed(BAD_MESSAGE, "Messages are JSON text")
        if len(text) > self.state.limits.max_body_bytes:
            raise _Closed(BAD_MESSAGE, "Message too large")
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise _Closed(BAD_MESSAGE, "Invalid message received") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
            raise _Closed(BAD_MESSAGE, "Invalid message received")
        return parsed

    async def _init(self, message: dict[str, Any]) -> None:
        if message["type"] != "connection_init":
            raise _Closed(UNAUTHORIZED, "Unauthorized")
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            raise _Closed(BAD_MESSAGE, "Invalid connection_init payload")
        self.purpose = _text(payload.get("purpose"), 100)
        self.operator = _text(payload.get("operator"), 200)
        header = payload.get("authorization") or payload.get("Authorization") or ""
        scheme, _, key = str(header).partition(" ")
        started = time.perf_counter()
        principal = None
        if scheme.lower() == "bearer" and key.strip():
            principal = await self.state.principals.principal(self.state.db, key.strip())
            self._key = key.strip()
        elif not header and COOKIE in self.ws.cookies:
            # The web console: its session cookie, and the session's CSRF token in the payload
            # (a page of another site cannot read it, so it cannot open a socket as the user).
            session = await session_for(self.state.db, self.ws.cookies.get(COOKIE))
            presented = payload.get("csrf")
            if session is not None and csrf_ok(
                self.state.csrf_key, session.token, presented if isinstance(presented, str) else None
            ):
                principal = session.principal
                self.operator = session.operator
        if principal is None:
            # Every refusal leaves its trace, as over HTTP; the socket closes either way.
            with contextlib.suppress(AuditUnavailable):
                await self._audit(None, DENIED, ("UNAUTHENTICATED",), started, None)
            raise _Closed(FORBIDDEN, "Forbidden")
        self.principal = principal
        await self._send({"type": "connection_ack"})

    async def _watch_key(self) -> None:
        """Close the connection once its key is revoked; checked on each announcement."""
        assert self._key is not None
        while True:
            await self._keys_changed.wait()
            self._keys_changed.clear()
            try:
                still = await principal_for_key(self.state.db, self._key)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, HubError):
                continue  # the next announcement or reconnection asks again
            if still is None:
                log.info("closing a WebSocket: its key was revoked")
                for task in list(self.subscriptions.values()):
                    task.cancel()
                await self._close(FORBIDDEN, "API key revoked")
                return

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            raise _Closed(TOO_MANY_INIT, "Too many initialisation requests")
        elif kind == "subscribe":
            ident, payload = message.get("id"), message.get("payload")
            if not isinstance(ident, str) or not ident or not isinstance(payload, dict):
                raise _Closed(BAD_MESSAGE, "Invalid subscribe message")
            query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
            if (
                not isinstance(query, str)
                or not (variables is None or isinstance(variables, dict))
                or not (name is None or isinstance(name, str))
            ):
                raise _Closed(BAD_MESSAGE, "Invalid subscribe payload")
            if ident in self.subscriptions:
                raise _Closed(DUPLICATE_ID, f"Subscriber for {ident} already exists")
            if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
                await self._error(ident, [_hub_error("TOO_MANY_SUBSCRIPTIONS", f"at most {MAX_SUBSCRIPTIONS} at once")])
                return
            task = asyncio.get_running_loop().create_task(self._subscription(ident, query, variables, name))
            self.subscriptions[ident] = task
            task.add_done_callback(self._forget)
        elif kind == "complete":
            ident = message.get("id")
            running = self.subscriptions.get(ident) if isinstance(ident, str) else None
            if running is not None:
                running.cancel()
        else:
            raise _Closed(BAD_MESSAGE, f"Unknown message type {kind[:50]}")

    def _forget(self, task: asyncio.Task[None]) -> None:
        for ident, running in list(self.subscriptions.items()):
            if running is task:
                del self.subscriptions[ident]

    async def _subscription(
        self, ident: str, query: str, variables: dict[str, Any] | None, operation_name: str | None
    ) -> None:
        state, principal = self.state, self.principal
        assert principal is not None
        started = time.perf_counter()
        try:
            await state.rate_limiter.admit(principal.agency_id)
        except RateLimited as exc:
            with contextlib.suppress(AuditUnavailable):
                await self._audit(None, LIMITED, (exc.code,), started, query)
            await self._error(ident, [{"message": exc.message, "extensions": exc.as_extensions()}])
            return
        except HubError as exc:  # the limits' counts could not be read: the database is away
            await self._error(ident, [{"message": exc.message, "extensions": exc.as_extensions()}])
            return
        context = HubContext(
            db=state.db,
            principal=principal,
            policy=state.policy_for(principal),
            cursor_key=state.cursor_key,
            max_page_size=state.settings.max_page_size,
            default_page_size=state.settings.default_page_size,
            remote=state.remote,
        )
        try:
            outcome, stream = await state.executor.subscribe(
                query, variables, operation_name, context, self.purpose, root_value=state.listener
            )
        except Exception:
            log.exception("subscription %s could not start", ident)
            await self._error(ident, [_hub_error("INTERNAL_SERVER_ERROR", MASKED_MESSAGE)])
            return
        try:
            try:
                await self._audit(outcome, outcome.result, outcome.error_codes, started, query)
            except AuditUnavailable as exc:
                log.error("audit trail unavailable; refusing the subscription")
                await self._error(ident, [{"message": exc.message, "extensions": exc.as_extensions()}])
                return
            if stream is None:
                await self._error(ident, outcome.body.get("errors") or [_hub_error("ERROR", MASKED_MESSAGE)])
                return
            async for body in stream:
                # Each event discloses data: its subjects are traced before it is sent, and
                # the stream ends if the trail cannot be written (fail closed).
                event_started = time.perf_counter()
                disclosed = dataclasses.replace(
                    outcome, subjects=tuple(sorted(context.returned_subjects)), error_codes=()
                )
                context.returned_subjects.clear()
                try:
                    await self._audit(disclosed, outcome.result, (), event_started, query)
                except AuditUnavailable as exc:
                    log.error("audit trail unavailable; ending the subscription")
                    await self._error(ident, [{"message": exc.message, "extensions": exc.as_extensions()}])
                    return
                await self._send({"type": "next", "id": ident, "payload": body})
            await self._send({"type": "complete", "id": ident})
        except HubError as exc:
            await self._error(ident, [{"message": exc.message, "extensions": exc.as_extensions()}])
        except (WebSocketDisconnect, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("subscription %s failed", ident)
            await self._error(ident, [_hub_error("INTERNAL_SERVER_ERROR", MASKED_MESSAGE)])
        finally:
            if stream is not None:
                await stream.aclose()

    async def _audit(
        self, outcome: Outcome | None, result: str, codes: tuple[str, ...], started: float, query: str | None
    ) -> None:
        principal = self.principal
        record = audit_record(
            principal=principal,
            operator=self.operator,
            outcome=outcome,
            query=query,
            purpose=self.purpose if principal else None,
            result=result,
            codes=codes,
            started=started,
            client=self.client,
        )
        await self.state.audit.append(record)
        operation_done(record, principal, result, started)

    async def _error(self, ident: str, errors: list[dict[str, Any]]) -> None:
        await self._send({"type": "error", "id": ident, "payload": errors})

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            if not self._open:
                return
            try:
                await self.ws.send_text(orjson.dumps(message).decode())
            except (WebSocketDisconnect, RuntimeError, OSError):
                self._open = False

    async def _close(self, code: int, reason: str) -> None:
        async with self._send_lock:
            if not self._open:
                return
            self._open = False
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.ws.close(code=code, reason=reason)


def _hub_error(code: str, message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
