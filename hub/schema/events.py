"""List and rating changes as they happen: the ``listChanges`` and ``ratingChanges``
subscriptions and agencies' webhooks."""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator
from contextlib import aclosing
from enum import Enum
from typing import Annotated, Any

import orjson
import strawberry

from hub.errors import InvalidInput
from hub.events import outbox, webhooks
from hub.events.listener import EventListener
from hub.sanctions.repair import hidden_listings
from hub.schema.console import ConsoleSubscription
from hub.schema.context import Info
from hub.schema.core import Subject, load_subject
from hub.schema.court import Circumstance, ListKind, RemovalReason
from hub.sources.base import Row

# Events read from the outbox per statement while catching up.
BATCH = 100


@strawberry.enum(description="What happened to a list entry.")
class ListChangeKind(Enum):
    PUBLISHED = strawberry.enum_value("listing.published", description="Its publisher published the entry.")
    EXTENDED = strawberry.enum_value("listing.extended", description="Its term was extended.")
    CORRECTED = strawberry.enum_value("listing.corrected", description="Its publisher corrected it (a new version).")
    REMOVED = strawberry.enum_value("listing.removed", description="It was removed: stop applying it at once.")
    EXPIRED = strawberry.enum_value("listing.expired", description="Its term ended: stop applying it at once.")


@strawberry.type(description="The list entry as it stood right after the change.")
class ChangedListing:
    id: strawberry.ID = strawberry.field(description="The hub's internal id of the entry.")
    version: int = strawberry.field(description="Revision of the entry after the change.")
    list: ListKind = strawberry.field(description="Which list the entry is on (a list kind code, e.g. DISHONEST).")
    circumstance: Circumstance | None = strawberry.field(description="Statutory circumstance; dishonest list only.")
    published_on: datetime.date = strawberry.field(description="Publication date.")
    expires_on: datetime.date | None = strawberry.field(description="End of the term; null if open-ended.")
    removed_on: datetime.date | None = strawberry.field(description="Date of removal; null while listed.")
    removal_reason: RemovalReason | None = strawberry.field(description="Why it was removed.")
    case_number: str | None = strawberry.field(
        description="Court lists: the enforcement case number, e.g. (2019)闽0102执1234号; null for other lists."
    )
    court_code: str | None = strawberry.field(
        description="Court lists: the executing court's code as in case numbers, e.g. 闽0102; null for other lists."
    )
    basis_document: str | None = strawberry.field(
        description="Other lists: the publisher's decision document, e.g. 闽农黑〔2026〕3号; null for court lists."
    )
    publisher_code: str | None = strawberry.field(
        description="Other lists: the code of the agency that published the entry; null for court lists."
    )


@strawberry.type(description="One change to a list (court lists, sector blacklists, the red list), numbered in order.")
class ListChange:
    subject_id: strawberry.Private[int]
    seq: int = strawberry.field(
        description="The event number: increasing; pass the last one seen as `after` to resume without a gap."
    )
    at: datetime.datetime = strawberry.field(description="When the change was committed.")
    kind: ListChangeKind = strawberry.field(description="What happened.")
    listing: ChangedListing = strawberry.field(description="The entry after the change.")

    @strawberry.field(description="The listed subject, its identifier shown as the agency's policy says.")
    async def subject(self, info: Info) -> Subject:
        subject = await load_subject(info, self.subject_id)
        assert subject is not None, "a listed subject is never deleted"
        return subject


def _date(value: Any) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)


def change_from_row(row: Row) -> ListChange:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = orjson.loads(payload)
    facts = payload["listing"]
    published = _date(facts["publishedOn"])
    assert published is not None
    return ListChange(
        subject_id=row["subject_id"],
        seq=row["seq"],
        at=row["at"],
        kind=ListChangeKind(row["kind"]),
        listing=ChangedListing(
            id=strawberry.ID(str(facts["id"])),
            version=facts["version"],
            list=ListKind(facts["list"]),
            circumstance=None if facts["circumstance"] is None else Circumstance(facts["circumstance"]),
            published_on=published,
            expires_on=_date(facts["expiresOn"]),
            removed_on=_date(facts["removedOn"]),
            removal_reason=None if facts["removalReason"] is None else RemovalReason(facts["removalReason"]),
            case_number=facts["caseNumber"],
            court_code=facts["courtCode"],
            basis_document=facts.get("basisDocument"),
            publisher_code=facts.get("publisherCode"),
        ),
    )


@strawberry.enum(description="What happened to a credit rating.")
class RatingChangeKind(Enum):
    PUBLISHED = strawberry.enum_value(
        "rating.published", description="An authority rated the subject (superseding its previous rating, if any)."
    )
    WITHDRAWN = strawberry.enum_value("rating.withdrawn", description="The rating was withdrawn: it no longer counts.")
    EXPIRED = strawberry.enum_value("rating.expired", description="The rating's validity ended: it no longer counts.")


@strawberry.type(description="The rating as it stood right after the change.")
class ChangedRating:
    id: strawberry.ID = strawberry.field(description="The hub's id of the rating.")
    scheme: str = strawberry.field(description="The scheme's code (see ratingSchemes).")
    level: str = strawberry.field(description="The level given, e.g. A.")
    rated_on: datetime.date = strawberry.field(description="The date of the rating.")
    expires_on: datetime.date = strawberry.field(description="It holds on the days before this one.")
    withdrawn_on: datetime.date | None = strawberry.field(description="When it was withdrawn; null if not.")
    withdrawal_reason: str | None = strawberry.field(description="Why it was withdrawn.")
    supersedes: strawberry.ID | None = strawberry.field(
        description="The subject's previous rating of the scheme, replaced by this one; null if none."
    )


@strawberry.type(description="One change to a credit rating, numbered in the same order as list changes.")
class RatingChange:
    subject_id: strawberry.Private[int]
    seq: int = strawberry.field(
        description="The event number: increasing; pass the last one seen as `after` to resume without a gap."
    )
    at: datetime.datetime = strawberry.field(description="When the change was committed.")
    kind: RatingChangeKind = strawberry.field(description="What happened.")
    rating: ChangedRating = strawberry.field(description="The rating after the change.")

    @strawberry.field(description="The rated subject, its identifier shown as the agency's policy says.")
    async def subject(self, info: Info) -> Subject:
        subject = await load_subject(info, self.subject_id)
        assert subject is not None, "a rated subject is never deleted"
        return subject


def rating_change_from_row(row: Row) -> RatingChange:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = orjson.loads(payload)
    facts = payload["rating"]
    rated, expires = _date(facts["ratedOn"]), _date(facts["expiresOn"])
    assert rated is not None
    assert expires is not None
    supersedes = facts.get("supersedes")
    return RatingChange(
        subject_id=row["subject_id"],
        seq=row["seq"],
        at=row["at"],
        kind=RatingChangeKind(row["kind"]),
        rating=ChangedRating(
            id=strawberry.ID(str(facts["id"])),
            scheme=facts["scheme"],
            level=facts["level"],
            rated_on=rated,
            expires_on=expires,
            withdrawn_on=_date(facts["withdrawnOn"]),
            withdrawal_reason=facts["withdrawalReason"],
            supersedes=None if supersedes is None else strawberry.ID(str(supersedes)),
        ),
    )


async def _stream(info: Info, after: int | None, kinds: frozenset[str]) -> AsyncGenerator[Row, None]:
    """The outbox's events of ``kinds`` after ``after`` (or from now on), then each new one as it
    commits. Events of other kinds are passed over: they have their own streams."""
    ctx = info.context
    if after is not None and after < 0:
        raise InvalidInput("after must be an event number (0 or more)", argument="after")
    root = info.root_value
    listener = root if isinstance(root, EventListener) else EventListener()
    # Registered before the first read, so a change committed meanwhile still wakes us.
    with listener.waiter() as waiter:
        last = after if after is not None else await outbox.last_seq(ctx.db)
        while True:
            waiter.clear()
            rows = await outbox.events_after(ctx.db, last, BATCH)
            # An entry removed by credit repair stays in history for its publisher and the
            # operator only: others get its removal (to drop their copy), not its past events.
            hidden = await hidden_listings(
                ctx.db,
                [r["listing_id"] for r in rows if r["kind"] in kinds and r["listing_id"] is not None],
                ctx.principal.agency_id,
            )
            for row in rows:
                last = row["seq"]
                if row["kind"] not in kinds:
                    continue
                if row["listing_id"] in hidden and row["kind"] != "listing.removed":
                    continue
                # Each event is its own answer: no loader cache kept across a long stream.
                ctx.fresh_loaders()
                yield row
            if len(rows) < BATCH:
                await waiter.wait()


@strawberry.type(description="Streams over WebSocket (graphql-transport-ws on /graphql).")
class Subscription(ConsoleSubscription):
    @strawberry.subscription(
        description=(
            "Every change to the lists, in order: first the events after `after` (replay), then each "
            "new one as it is committed. Without `after`, only changes from now on. After a "
            "disconnect, subscribe again with the last `seq` received: nothing is missed or repeated."
        )
    )
    async def list_changes(
        self,
        info: Info,
        after: Annotated[
            int | None, strawberry.argument(description="Replay the events numbered above this one first.")
        ] = None,
    ) -> AsyncGenerator[ListChange, None]:
        # Closed with this stream, so its waiter is dropped at once, not when collected.
        async with aclosing(_stream(info, after, outbox.LISTING_KINDS)) as rows:
            async for row in rows:
                yield change_from_row(row)

    @strawberry.subscription(
        description=(
            "Every change to credit ratings, in order: published (superseding the previous one), withdrawn, "
            "expired. First the events after `after` (replay), then each new one as it is committed; without "
            "`after`, only changes from now on. Event numbers are shared with listChanges."
        )
    )
    async def rating_changes(
        self,
        info: Info,
        after: Annotated[
            int | None, strawberry.argument(description="Replay the events numbered above this one first.")
        ] = None,
    ) -> AsyncGenerator[RatingChange, None]:
        # Closed with this stream, so its waiter is dropped at once, not when collected.
        async with aclosing(_stream(info, after, outbox.RATING_KINDS)) as rows:
            async for row in rows:
                yield rating_change_from_row(row)


@strawberry.type(description="A webhook just registered: store `secret` now, it is not shown again.")
class RegisteredWebhook:
    url: str = strawberry.field(description="The endpoint the hub POSTs list changes to.")
    secret: str = strawberry.field(
        description="Signing secret: Hub-Signature is v1=hex(HMAC-SHA256(secret, timestamp + '.' + body))."
    )
    created_at: datetime.datetime = strawberry.field(description="When it was registered.")
    after_seq: int = strawberry.field(description="Events numbered above this one will be delivered.")


MAX_PARKED = 100


@strawberry.enum(description="Where this agency's webhook stands.")
class WebhookState(Enum):
    DELIVERING = strawberry.enum_value(
        "delivering", description="Your endpoint answers: events are sent as they happen, in order."
    )
    RETRYING = strawberry.enum_value(
        "retrying",
        description=(
            "The oldest undelivered event failed and is retried at `nextAttemptAt`; later events wait "
            "behind it and follow, in order, as soon as your endpoint answers 2xx. Nothing to do but fix "
            "the endpoint."
        ),
    )
    PARKED = strawberry.enum_value(
        "parked",
        description=(
            "Every attempt of the retry schedule failed (about a day by default): nothing is sent until "
            "you fix the endpoint and call `resumeWebhook`, which delivers every pending event in order."
        ),
    )


@strawberry.type(
    description=(
        "An event given up on by itself (earlier hub versions parked the event and sent the next; now the "
        "webhook is parked instead, see `WebhookStatus.state`); `redeliverParked(seq)` sends it again."
    )
)
class ParkedEvent:
    seq: int = strawberry.field(description="The event's number in the outbox.")
    kind: ListChangeKind = strawberry.field(description="What happened to the list entry.")
    happened_at: datetime.datetime = strawberry.field(description="When the list change was committed.")
    parked_at: datetime.datetime = strawberry.field(description="When the last attempt failed and it was parked.")
    attempts: int = strawberry.field(description="Attempts made before it was parked.")
    last_http_status: int | None = strawberry.field(
        description="Your endpoint's HTTP status on the last attempt; null if it did not answer."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (status, timeout, connection refused...)."
    )
    redelivery_requested: bool = strawberry.field(
        description="A redelivery is queued and will be sent before the next new event."
    )


@strawberry.type(
    description=(
        "This agency's webhook: where events go, whether it delivers, retries or is parked, how far delivery has got."
    )
)
class WebhookStatus:
    url: str = strawberry.field(description="The endpoint the hub POSTs list changes to.")
    created_at: datetime.datetime = strawberry.field(description="When it was registered.")
    state: WebhookState = strawberry.field(
        description="DELIVERING, RETRYING (your endpoint fails; retried on schedule) or PARKED (call `resumeWebhook`)."
    )
    delivered_through: int = strawberry.field(
        description=(
            "Every event numbered up to this one has been delivered (or is listed in `parked`); the next "
            "one sent is the one after it."
        )
    )
    backlog: int = strawberry.field(description="Events numbered above `deliveredThrough`, not yet delivered.")
    next_attempt_at: datetime.datetime = strawberry.field(
        description=(
            "When the next attempt is due: later than now while RETRYING waits for its pause; while PARKED, "
            "when it was parked (nothing is attempted until `resumeWebhook`)."
        )
    )
    failed_attempts: int = strawberry.field(
        description=(
            "Failed attempts in a row since the last delivery or resume; each is followed by the next pause of "
            "the retry schedule, and when the schedule is used up the webhook is PARKED. 0 while your endpoint "
            "answers 2xx."
        )
    )
    failing_since: datetime.datetime | None = strawberry.field(
        description="When the first of those failed attempts was made; null while nothing fails."
    )
    last_http_status: int | None = strawberry.field(
        description=(
            "Your endpoint's HTTP status on the latest failed attempt; null if it did not answer (see "
            "`lastError`) or nothing fails."
        )
    )
    last_error: str | None = strawberry.field(
        description="Why the latest attempt failed (HTTP status, timeout, connection refused...); null if none failed."
    )
    parked_at: datetime.datetime | None = strawberry.field(
        description="When the webhook was parked after its last scheduled attempt failed; null unless PARKED."
    )
    parked: list[ParkedEvent] = strawberry.field(
        description=(
            "Events parked one by one by earlier hub versions, oldest first (at most `parkedFirst`); ask for "
            "each again with `redeliverParked`. New failures park the webhook, not an event."
        )
    )


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description=(
            "This agency's active webhook: delivering, retrying or parked, how far delivery has got, and "
            "events parked by earlier hub versions; null if it has none."
        )
    )
    async def webhook(
        self,
        info: Info,
        parked_first: Annotated[
            int, strawberry.argument(description=f"How many parked events to list, 1 to {MAX_PARKED}.")
        ] = 20,
    ) -> WebhookStatus | None:
        if not 1 <= parked_first <= MAX_PARKED:
            raise InvalidInput(f"parkedFirst must be 1 to {MAX_PARKED}", argument="parkedFirst")
        hook, parked = await webhooks.status(info.context.db, info.context.principal.agency_id, parked_first)
        if hook is None:
            return None
        return WebhookStatus(
            url=hook["url"],
            created_at=hook["created_at"],
            delivered_through=hook["last_seq"],
            state=WebhookState(hook["state"]),
            backlog=hook["backlog"],
            next_attempt_at=hook["next_attempt_at"],
            failed_attempts=hook["failed_attempts"],
            failing_since=hook["failing_since"],
            last_http_status=hook["last_http_status"],
            last_error=hook["last_error"],
            parked_at=hook["parked_at"],
            parked=[
                ParkedEvent(
                    seq=r["seq"],
                    kind=ListChangeKind(r["kind"]),
                    happened_at=r["happened_at"],
                    parked_at=r["parked_at"],
                    attempts=r["attempts"],
                    last_http_status=r["http_status"],
                    last_error=r["error"],
                    redelivery_requested=r["redelivery_requested"],
                )
                for r in parked
            ],
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description=(
            "Have list changes POSTed to this agency's endpoint (HTTPS; plain http only to a loopback "
            "address). Replaces the agency's previous webhook, keeping its place in the event stream (a parked "
            "webhook resumes this way too, from its oldest undelivered event)."
        )
    )
    async def register_webhook(
        self, info: Info, url: Annotated[str, strawberry.argument(description="The endpoint's URL.")]
    ) -> RegisteredWebhook:
        registered = await webhooks.register(info.context.db, info.context.principal.agency_id, url)
        return RegisteredWebhook(
            url=registered.url,
            secret=registered.secret,
            created_at=registered.created_at,
            after_seq=registered.after_seq,
        )

    @strawberry.mutation(description="Stop this agency's webhook; false if it had none.")
    async def unregister_webhook(self, info: Info) -> bool:
        return await webhooks.unregister(info.context.db, info.context.principal.agency_id)

    @strawberry.mutation(
        description=(
            "Send again an event listed in `webhook.parked` (parked by itself by an earlier hub version); it "
            "goes before the next new event, or once the webhook is resumed if it is parked."
        )
    )
    async def redeliver_parked(
        self, info: Info, seq: Annotated[int, strawberry.argument(description="The parked event's number.")]
    ) -> bool:
        await webhooks.request_redelivery(info.context.db, info.context.principal.agency_id, seq)
        return True

    @strawberry.mutation(
        description=(
            "Re-enable this agency's PARKED webhook once its endpoint answers again: every pending event is "
            "delivered in order from the oldest undelivered one, and the retry schedule starts over. True if "
            "it was parked; false if not (nothing changes: a RETRYING webhook keeps its next attempt time)."
        )
    )
    async def resume_webhook(self, info: Info) -> bool:
        return await webhooks.resume(info.context.db, info.context.principal.agency_id)
