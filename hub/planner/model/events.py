"""An agency's webhook, its state and the events parked before 0017: ``hub.schema.events`` (``Query.webhook``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hub.db.queries import QUERIES
from hub.errors import InvalidInput
from hub.planner.model.base import FieldSpec, Leaf, Listed, Related, TypeSpec, col, named

if TYPE_CHECKING:
    from hub.planner.compile import Binder


def _check_parked(args: Mapping[str, Any], ctx: Any) -> None:
    from hub.schema.events import MAX_PARKED

    if not 1 <= args["parkedFirst"] <= MAX_PARKED:
        raise InvalidInput(f"parkedFirst must be 1 to {MAX_PARKED}", argument="parkedFirst")


_STATUS = named(QUERIES.events.webhook_status, lambda b: b.value(lambda a, c: c.principal.agency_id, "bigint"))


def _webhook(t: str, b: Binder) -> str:
    """sql/queries/events.sql webhook_status of the principal's agency, with how many parked
    events the answer lists (the root's argument, read by ``parked``)."""
    limit = b.value(lambda a, c: a["parkedFirst"], "integer")
    return f"(SELECT w.*, {limit} AS parked_first FROM {_STATUS('w', b)}) {t}"


# events.sql parked_events for every webhook, numbered per webhook in seq order: a webhook's
# first parked_first are its page (the statement's $1 and $2).
_PARKED = """(SELECT d.webhook_id, d.seq, o.kind, o.at AS happened_at, d.at AS parked_at, d.attempt AS attempts,
       d.http_status, d.error,
       EXISTS (SELECT FROM events.redelivery r WHERE r.webhook_id = d.webhook_id AND r.seq = d.seq)
           AS redelivery_requested,
       row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.seq) AS n
  FROM events.delivery d
  JOIN events.outbox o ON o.seq = d.seq
 WHERE d.status = 'parked'
   AND NOT EXISTS (SELECT FROM events.delivery later
                    WHERE later.webhook_id = d.webhook_id AND later.seq = d.seq AND later.id > d.id))"""

ROOTS: dict[str, FieldSpec] = {
    "webhook": Related(source=_webhook, where=lambda p, t, b: "true", check=_check_parked),
}

TYPES: dict[str, TypeSpec] = {
    "WebhookStatus": TypeSpec(
        {
            "url": Leaf(col("url")),
            "createdAt": Leaf(col("created_at")),
            "deliveredThrough": Leaf(col("last_seq")),
            "state": Leaf(col("state")),
            "backlog": Leaf(col("backlog")),
            "nextAttemptAt": Leaf(col("next_attempt_at")),
            "failedAttempts": Leaf(col("failed_attempts")),
            "failingSince": Leaf(col("failing_since")),
            "lastHttpStatus": Leaf(col("last_http_status")),
            "lastError": Leaf(col("last_error")),
            "parkedAt": Leaf(col("parked_at")),
            "parked": Listed(
                source=lambda t, b: f"{_PARKED} {t}",
                where=lambda p, t, b: f"{t}.webhook_id = {p}.id AND {t}.n <= {p}.parked_first",
                order=col("seq"),
            ),
        }
    ),
    "ParkedEvent": TypeSpec(
        {
            "seq": Leaf(col("seq")),
            "kind": Leaf(col("kind")),
            "happenedAt": Leaf(col("happened_at")),
            "parkedAt": Leaf(col("parked_at")),
            "attempts": Leaf(col("attempts")),
            "lastHttpStatus": Leaf(col("http_status")),
            "lastError": Leaf(col("error")),
            "redeliveryRequested": Leaf(col("redelivery_requested")),
        }
    ),
}
