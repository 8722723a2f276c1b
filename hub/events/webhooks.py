"""Webhooks: list and rating changes POSTed to system-docked agencies, signed, in order, at least once.

Registration (``registerWebhook``) stores the agency's endpoint and a signing secret shown
once. HTTPS is required; plain ``http://`` only to a loopback address (127.0.0.0/8, ::1),
for development and tests.

Each event is one POST of JSON ``{seq, kind, at, listing, subject}`` (a rating change,
kind ``rating.*``, carries ``rating`` and a null ``listing``; receivers switch on ``kind``):
the subject's resident ID is masked unless the agency's policy shows it in full (USCC
likewise), and an agency whose policy may not read a kind of change (the stream's field,
``STREAMS``) receives nothing of it. Headers:

    Hub-Event-Id:   <seq>                 the event number, increasing
    Hub-Timestamp:  <unix seconds>        when this attempt was signed
    Hub-Signature:  v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes with the
secret (its UTF-8 bytes) and compares in constant time; it rejects timestamps more than
5 minutes old (replay) and event ids it has already processed (at-least-once delivery
sends an event again after a lost answer).

Delivery is in order per agency: event n+1 is not sent before n was answered with a 2xx.
While the oldest undelivered event fails, the later ones wait behind it; each failed attempt
is followed by the next pause of the retry schedule (``HUB_WEBHOOK_SCHEDULE``; by default 5 s,
30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h: eleven attempts over about 24 hours),
and the first answer in 2xx sends the whole backlog, in order. A success starts the schedule
over. When the last attempt of the schedule fails, the WEBHOOK is parked: nothing is sent
until ``resumeWebhook`` (or a new ``registerWebhook``), which sends again from the oldest
undelivered event with the schedule from its start. Every attempt is a row in
``events.delivery``.

Before migration 0017 the event was parked and the next one sent; such events keep their
'parked' rows: ``redeliverParked(seq)`` queues one again, and queued redeliveries go before
the next new event (they are retried on the same schedule, and a parked webhook sends them
once resumed).

Two hub processes never deliver for one webhook at once: a delivery runs in a transaction
holding the webhook's row lock (``FOR UPDATE SKIP LOCKED``), and moves its cursor (or records
the failure and the time of the next attempt) in the same transaction. LISTEN/NOTIFY wakes
the dispatchers, and they also poll; neither brings a pending retry forward: a webhook is
claimed only once its ``next_attempt_at`` has come, and a dispatcher sleeps until the
earliest one (or the poll).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import asyncpg
import orjson

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import ConfigurationError, HubError, InvalidInput
from hub.events.listener import EventListener
from hub.identity import mask_resident_id, mask_uscc
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

Q = QUERIES.events
# The field whose rule decides whether an agency receives list changes at all.
LIST_CHANGES = "Subscription.listChanges"
# Per kind of event (the part before the dot), the stream whose rule decides who receives it.
STREAMS = {"listing": LIST_CHANGES, "rating": "Subscription.ratingChanges"}
MAX_URL = 2000


class WebhookUrlRefused(InvalidInput):
    code = "WEBHOOK_URL_REFUSED"


class NoWebhook(HubError):
    code = "NO_WEBHOOK"


class EventNotParked(InvalidInput):
    code = "EVENT_NOT_PARKED"


# Pauses after the 1st, 2nd... failed attempt in a row: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
# 2 h, 4 h, 8 h, 8 h; eleven attempts over 23 h 43 min, then the webhook is parked.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800)
SCHEDULE_ENV = "HUB_WEBHOOK_SCHEDULE"
# The longest pause accepted (a week): PostgreSQL's timestamps must hold the next attempt's time.
MAX_PAUSE = 7 * 24 * 3600.0
# The former settings: a first pause doubling for ``max attempts - 1`` pauses (1, 2, 4, 8 s).
LEGACY_ENV = ("HUB_WEBHOOK_BACKOFF_SECONDS", "HUB_WEBHOOK_MAX_ATTEMPTS")


@dataclass(frozen=True)
class WebhookConfig:
    """How the dispatcher retries: ``HUB_WEBHOOK_SCHEDULE``, a comma-separated list of pauses
    in seconds, one after each failed attempt in a row; after the last attempt fails (one more
    than there are pauses) the webhook is parked.

    The former ``HUB_WEBHOOK_BACKOFF_SECONDS`` (first pause, default 1) and
    ``HUB_WEBHOOK_MAX_ATTEMPTS`` (default 5) still work and make the schedule ``backoff *
    2**i`` for ``max_attempts - 1`` pauses (1, 2, 4, 8 s): short, it parks the webhook after a
    15-second outage. They cannot be combined with ``HUB_WEBHOOK_SCHEDULE``.
    """

    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    timeout_seconds: float = 5.0
    # Webhooks delivered at once by one process (each holds a connection while posting).
    concurrency: int = 4

    def __post_init__(self) -> None:
        if any(not 0 < pause <= MAX_PAUSE for pause in self.schedule):
            raise ConfigurationError(
                f"{SCHEDULE_ENV}: every pause must be more than 0 seconds and at most {MAX_PAUSE:.0f} (a week)"
            )

    @classmethod
    def doubling(cls, backoff_seconds: float, max_attempts: int) -> WebhookConfig:
        """The former schedule: ``backoff_seconds``, doubling, ``max_attempts - 1`` pauses."""
        if not backoff_seconds > 0 or max_attempts < 1:
            raise ConfigurationError("HUB_WEBHOOK_BACKOFF_SECONDS must be > 0 and HUB_WEBHOOK_MAX_ATTEMPTS >= 1")
        return cls(schedule=tuple(float(backoff_seconds * 2**i) for i in range(max_attempts - 1)))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebhookConfig:
        env = os.environ if environ is None else environ
        raw = (env.get(SCHEDULE_ENV) or "").strip()
        legacy = [name for name in LEGACY_ENV if (env.get(name) or "").strip()]
        if raw and legacy:
            raise ConfigurationError(
                f"set {SCHEDULE_ENV} or the former {' and '.join(legacy)}, not both ({SCHEDULE_ENV} replaces them)"
            )
        if legacy:
            try:
                backoff = float(env.get(LEGACY_ENV[0]) or 1.0)
                attempts = int(env.get(LEGACY_ENV[1]) or 5)
            except ValueError:
                raise ConfigurationError(
                    "HUB_WEBHOOK_BACKOFF_SECONDS and HUB_WEBHOOK_MAX_ATTEMPTS must be numbers"
                ) from None
            return cls.doubling(backoff, attempts)
        if not raw:
            return cls()
        try:
            schedule = tuple(float(part) for part in raw.split(","))
        except ValueError:
            raise ConfigurationError(
                f"{SCHEDULE_ENV} must be pauses in seconds separated by commas, e.g. 5,30,120,600; not {raw!r}"
            ) from None
        return cls(schedule=schedule)

    @property
    def max_attempts(self) -> int:
        """Attempts in a row before the webhook is parked: one more than there are pauses."""
        return len(self.schedule) + 1

    def delay(self, failures: int) -> float | None:
        """Seconds to wait after ``failures`` failed attempts in a row (1-based); None when
        that was the last attempt of the schedule (park the webhook)."""
        if failures > len(self.schedule):
            return None
        return float(self.schedule[failures - 1])


# ---------------------------------------------------------------- registration


def check_url(url: str) -> str:
    """The URL if a webhook may be sent to it; WebhookUrlRefused otherwise."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise WebhookUrlRefused(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError on a port out of range
    except ValueError:
        raise WebhookUrlRefused("the URL cannot be parsed") from None
    if not host:
        raise WebhookUrlRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("credentials in the URL are not accepted; the hub signs every request instead")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return url
        raise WebhookUrlRefused(
            "webhooks need HTTPS; plain http is accepted only to a loopback address (127.0.0.0/8, ::1)"
        )
    raise WebhookUrlRefused(f"the URL scheme must be https, not {parts.scheme or 'none'}")


@dataclass(frozen=True)
class Registered:
    url: str
    secret: str
    created_at: datetime
    # Events after this number are delivered to the new endpoint.
    after_seq: int


async def register(db: Database, agency_id: int, url: str) -> Registered:
    """Make ``url`` the agency's one active webhook with a new secret; a replaced webhook's
    cursor carries over, a first one starts at the outbox's head."""
    url = check_url(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    async with db.transaction() as conn:
        replaced = await conn.fetchrow(Q.deactivate_webhook, agency_id)
        after = replaced["last_seq"] if replaced is not None else await conn.fetchval(Q.last_seq)
        row = await conn.fetchrow(Q.insert_webhook, agency_id, url, secret.encode(), after)
        await conn.execute(Q.wake_dispatchers)
    assert row is not None
    return Registered(url=row["url"], secret=secret, created_at=row["created_at"], after_seq=row["last_seq"])


async def unregister(db: Database, agency_id: int) -> bool:
    """Stop the agency's webhook; False if it had none."""
    async with db.transaction() as conn:
        return await conn.fetchrow(Q.deactivate_webhook, agency_id) is not None


async def request_redelivery(db: Database, agency_id: int, seq: int) -> None:
    """Queue an event parked (before 0017) for its agency's active webhook; a parked webhook
    sends it once resumed."""
    async with db.transaction() as conn:
        hook = await conn.fetchrow(Q.active_webhook, agency_id)
        if hook is None:
            raise NoWebhook("the agency has no active webhook; register one first")
        if await conn.fetchval(Q.last_status, hook["id"], seq) != "parked":
            raise EventNotParked(f"event {seq} is not parked for this agency's webhook", seq=seq)
        await conn.execute(Q.request_redelivery, hook["id"], seq)


async def resume(db: Database, agency_id: int, by: str = "its agency") -> bool:
    """Re-enable the agency's parked webhook: it sends again from the oldest undelivered event
    (queued redeliveries first), the retry schedule from its start. False if it was not parked
    (nothing changes: a pending retry keeps its time)."""
    async with db.transaction() as conn:
        hook = await conn.fetchrow(Q.active_webhook, agency_id)
        if hook is None:
            raise NoWebhook("the agency has no active webhook; register one first")
        resumed = await conn.fetchrow(Q.resume_webhook, hook["id"])
    if resumed is not None:
        log.info("webhook %d resumed by %s", hook["id"], by)
    return resumed is not None


async def parked(db: Database, limit: int) -> list[asyncpg.Record]:
    """Parked webhooks of every agency, longest parked first (the operator's dashboard)."""
    return await db.fetch(Q.parked_webhooks, limit)


async def status(db: Database, agency_id: int, parked_limit: int) -> tuple[asyncpg.Record | None, list[asyncpg.Record]]:
    """The agency's active webhook (None if it has none) and its parked events, oldest first."""
    hook = await db.fetchrow(Q.webhook_status, agency_id)
    if hook is None:
        return None, []
    return hook, await db.fetch(Q.parked_events, hook["id"], parked_limit)


# ---------------------------------------------------------------- signing and the body


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``Hub-Signature`` header value."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: bytes, timestamp: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """What a receiver does: a fresh timestamp (5 minutes) and a matching signature."""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > 300:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)


def event_body(event: Mapping[str, Any] | asyncpg.Record, policy: EffectivePolicy) -> dict[str, Any]:
    """The JSON an agency receives for an outbox row, identifiers shown as its policy says."""
    payload = event["payload"]
    if isinstance(payload, str):
        payload = orjson.loads(payload)
    subject = dict(payload.get("subject") or {})
    identifier = subject.pop("identifier", None)
    if subject.get("kind") == "organisation":
        mode = policy.identifier_mode("uscc")
        subject["uscc"] = (
            None if mode == "NONE" or identifier is None else (identifier if mode == "FULL" else mask_uscc(identifier))
        )
    else:
        mode = policy.identifier_mode("resident_id")
        subject["residentId"] = (
            None
            if mode == "NONE" or identifier is None
            else (identifier if mode == "FULL" else mask_resident_id(identifier))
        )
    at: datetime = event["at"]
    body = {
        "seq": event["seq"],
        "kind": event["kind"],
        "at": at.isoformat(),
        "listing": payload.get("listing"),
        "subject": subject,
    }
    if "rating" in payload:
        body["rating"] = payload["rating"]
    return body


# ---------------------------------------------------------------- the dispatcher


class Dispatcher:
    """Delivers the outbox to every active webhook; ``start()``, then ``await stop()``."""

    def __init__(
        self,
        db: Database,
        policy_for: Callable[[Principal], EffectivePolicy],
        listener: EventListener,
        config: WebhookConfig | None = None,
    ) -> None:
        self._db = db
        self._policy_for = policy_for
        self._listener = listener
        self.config = config or WebhookConfig()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(self.config.concurrency)

    def start(self) -> None:
        if self._task is not None:
            return
        self.connect()
        schedule = self.config.schedule
        log.info(
            "webhooks: retried after %s s; parked after %d failed attempts in a row (%.1f h)",
            ", ".join(f"{p:g}" for p in schedule) or "no pause",
            self.config.max_attempts,
            sum(schedule) / 3600,
        )
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook-dispatcher")

    def connect(self) -> None:
        """Open the HTTP client (``start()`` does): enough to call ``run_once()`` by hand."""
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.config.timeout_seconds, follow_redirects=False)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        with self._listener.waiter() as waiter:
            while True:
                waiter.clear()
                try:
                    pause = await self.run_once()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, HubError) as exc:
                    log.warning("webhook dispatch failed (%s); retrying", exc)
                    pause = self._listener.poll_seconds
                except Exception:
                    # A dispatcher that died would stop every agency's pushes unnoticed.
                    log.exception("webhook dispatch failed unexpectedly; retrying")
                    pause = self._listener.poll_seconds
                await waiter.wait(pause)

    async def run_once(self) -> float:
        """Deliver what is due now; the seconds to wait before the next round: until the
        earliest pending retry is due, or the poll (parked webhooks are not waited for)."""
        hooks = await self._db.fetch(Q.active_webhook_ids)
        due = [h["id"] for h in hooks if h["wait_s"] <= 0]
        if any(await asyncio.gather(*(self._drain(hook_id) for hook_id in due))):
            return 0.0  # a round ended with events left: go on at once
        # Read again: the drains have just deferred the webhooks whose attempt failed.
        # An idle webhook (nothing deferred) waits for a notification or the poll.
        waits = [float(h["wait_s"]) for h in await self._db.fetch(Q.active_webhook_ids) if h["wait_s"] > 0]
        return min([self._listener.poll_seconds, *waits])

    async def _drain(self, webhook_id: int) -> bool:
        """Deliver a round of one webhook's events; True if it may have more."""
        async with self._slots:
            # A bounded round keeps one agency's backlog from holding a slot for ever.
            for _ in range(100):
                if not await self._step(webhook_id):
                    return False
            return True

    async def _step(self, webhook_id: int) -> bool:
        """Send the event at the head of one webhook; True to go on with the next."""
        async with self._db.transaction() as conn:
            hook = await conn.fetchrow(Q.claim_webhook, webhook_id)
            if hook is None:
                return False  # another process has it, a retry is not yet due, or it is parked
            redelivery = await conn.fetchval(Q.next_redelivery, webhook_id)
            if redelivery is not None:
                event = await conn.fetchrow(Q.event_by_seq, redelivery)
            else:
                rows = await conn.fetch(Q.events_after, hook["last_seq"], 1)
                event = rows[0] if rows else None
            if event is None:
                return False
            seq = event["seq"]

            async def done() -> None:
                if redelivery is not None:
                    await conn.execute(Q.finish_redelivery, webhook_id, seq)
                else:
                    await conn.execute(Q.advance_webhook, webhook_id, seq)
                if hook["attempts"]:
                    await conn.execute(Q.clear_failures, webhook_id)

            policy = self._policy_for(_principal(hook))
            if STREAMS.get(str(event["kind"]).partition(".")[0]) not in policy.allowed:
                await done()  # nothing this agency may see
                return True
            attempt = int(await conn.fetchval(Q.attempts_made, webhook_id, seq)) + 1
            body = orjson.dumps(event_body(event, policy))
            http_status, error = await self._post(hook["url"], bytes(hook["secret"]), seq, body)
            if http_status is not None and 200 <= http_status < 300:
                await conn.execute(Q.insert_delivery, webhook_id, seq, attempt, "delivered", http_status, None)
                await done()
                return True
            # The event stays at the head: the ones after it wait, in order.
            await conn.execute(Q.insert_delivery, webhook_id, seq, attempt, "failed", http_status, error)
            failures = int(hook["attempts"]) + 1
            pause = self.config.delay(failures)
            if pause is None:
                log.warning(
                    "webhook %d parked after %d failed attempts in a row (event %d: %s); it waits for resumeWebhook",
                    webhook_id,
                    failures,
                    seq,
                    error,
                )
                await conn.execute(Q.park_webhook, webhook_id, http_status, error)
            else:
                await conn.execute(Q.defer_webhook, webhook_id, pause, http_status, error)
            return False

    async def _post(self, url: str, secret: bytes, seq: int, body: bytes) -> tuple[int | None, str | None]:
        import httpx

        assert self._client is not None, "start() or connect() the dispatcher first"
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "joint-sanctions-hub webhooks",
            "Hub-Event-Id": str(seq),
            "Hub-Timestamp": str(timestamp),
            "Hub-Signature": signature(secret, timestamp, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:1000]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"


def _principal(hook: asyncpg.Record) -> Principal:
    """The agency behind a webhook, as the policy sees it (no key is involved)."""
    return Principal(
        agency_id=hook["agency_id"],
        agency_code=hook["agency_code"],
        agency_name=hook["agency_name"],
        kind=hook["agency_kind"],
        region=hook["agency_region"],
        key_id=0,
        role=hook["agency_role"],
    )
