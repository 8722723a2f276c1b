"""One LISTEN connection per process, fanned out in-process to every waiting stream.

A notification only says "the outbox moved": each subscriber and dispatcher then reads the
outbox after the last sequence number it handled, so a lost or merged notification costs
latency, never an event. Waiters also wake every ``poll_seconds`` on their own, which covers
the moments the LISTEN connection is down (it reconnects, then wakes everyone).

Hooks registered with ``on_changes`` hear every notification on the outbox channel (its
payload: ``<seq>@<WAL position>`` for a list change) and, with None, every (re)connection:
the read replicas' freshness rule (``hub.db.replicas``) starts from them.

The same connection LISTENs on ``hub_keys``, where key revocations are announced: caches of
principals registered with ``on_keys_changed`` are emptied on each announcement, and whenever
the connection is lost or regained.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

import asyncpg

from hub.events.outbox import CHANNEL

log = logging.getLogger(__name__)

KEYS_CHANNEL = "hub_keys"


class Waiter:
    """A subscriber's wake-up flag. ``clear()`` before reading the outbox, ``wait()`` after."""

    def __init__(self, poll_seconds: float) -> None:
        self._event = asyncio.Event()
        self._poll = poll_seconds

    def wake(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, at_most: float | None = None) -> None:
        """Until a notification arrived since the last ``clear()``, or the poll interval
        (or ``at_most`` seconds, if shorter) ends."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), min(self._poll, self._poll if at_most is None else at_most))


class EventListener:
    """LISTENs on the outbox channel over its own connection; without a URL it only polls."""

    def __init__(self, url: str | None = None, *, poll_seconds: float = 5.0, retry_seconds: float = 1.0) -> None:
        self._url = url
        self.poll_seconds = poll_seconds
        self._retry = retry_seconds
        self._waiters: set[Waiter] = set()
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self._key_hooks: list[Callable[[], None]] = []
        self._change_hooks: list[Callable[[str | None], None]] = []

    def on_changes(self, hook: Callable[[str | None], None]) -> None:
        """Call ``hook(payload)`` on each outbox notification, ``hook(None)`` on each
        (re)connection (notifications may have been missed while it was down)."""
        self._change_hooks.append(hook)

    def on_keys_changed(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when a key is revoked anywhere, or announcements may have been missed."""
        self._key_hooks.append(hook)

    def off_keys_changed(self, hook: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._key_hooks.remove(hook)

    def _keys_changed(self, *_notification: object) -> None:
        for hook in list(self._key_hooks):
            hook()

    @contextlib.contextmanager
    def waiter(self) -> Iterator[Waiter]:
        waiter = Waiter(self.poll_seconds)
        self._waiters.add(waiter)
        try:
            yield waiter
        finally:
            self._waiters.discard(waiter)

    def wake_all(self) -> None:
        for waiter in list(self._waiters):
            waiter.wake()

    def start(self) -> None:
        if self._url is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(self._url), name="events-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None

    def _notified(self, connection: object, pid: int, channel: str, payload: object) -> None:
        for hook in self._change_hooks:
            hook(payload if isinstance(payload, str) else None)
        self.wake_all()

    async def _run(self, url: str) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(url, server_settings={"application_name": "hub-events-listener"})
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._notified)
                await conn.add_listener(KEYS_CHANNEL, self._keys_changed)
                self._keys_changed()
                for hook in self._change_hooks:
                    hook(None)
                self.listening.set()
                # Anything committed while we were not listening is found by a re-read.
                self.wake_all()
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), self.poll_seconds)
                    if not lost.is_set():
                        # A half-open TCP connection never reports itself; ask.
                        await conn.fetchval("SELECT 1")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("event listener connection failed (%s); reconnecting", exc)
            finally:
                self.listening.clear()
                self._keys_changed()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(self._retry)
