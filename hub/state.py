"""What the hub's ASGI app shares across requests (``request.state.hub``): built by the app's
lifespan (``hub.gateway.app``), read by the gateway, the WebSocket endpoint and the console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from hub.agencies import PrincipalCache
from hub.audit import AuditRecord, Comparison
from hub.db.database import Database
from hub.documents import DocumentCache, Vetter
from hub.events.listener import EventListener
from hub.metrics import Watch
from hub.policy import Principal
from hub.policy.limits import Limits
from hub.policy.public import PublicLimiter
from hub.policy.rates import RateLimiter
from hub.policy.rules import EffectivePolicy, Rules
from hub.sanctions.interceptions import InterceptionIds, NewInterception
from hub.schema.execute import Executor
from hub.settings import Settings
from hub.sources.remote import RemoteSources
from hub.sources.screening import FactsBatcher


class AuditSink(Protocol):
    async def append(
        self,
        record: AuditRecord,
        comparisons: Sequence[Comparison] = (),
        interceptions: Sequence[NewInterception] = (),
    ) -> int: ...


@dataclass
class HubState:
    """What the app shares across requests."""

    settings: Settings
    db: Database
    executor: Executor
    cursor_key: bytes
    rules: Rules
    audit: AuditSink
    rate_limiter: RateLimiter
    limits: Limits
    # Wakes subscription streams when the outbox moves (poll-only without a pool).
    listener: EventListener = field(default_factory=EventListener)
    # Sources kept at their agency, fetched at query time (empty: every source is local).
    remote: RemoteSources = field(default_factory=RemoteSources)
    # Signs console sessions' CSRF tokens (the same in every process).
    csrf_key: bytes = b""
    # Lets concurrent small screenings share one facts statement (none: each its own).
    facts: FactsBatcher | None = None
    # Draws interception ids ahead, so interceptions are written with their audit record.
    interception_ids: InterceptionIds | None = None
    # Limits the public disclosure search per client network (none: public disclosure is off).
    public_limiter: PublicLimiter | None = None
    # What the process's metric gauges are read from (none: not served, nothing to watch).
    watch: Watch | None = None
    # Principals of recently seen keys; trusted only while the listener hears revocations.
    principals: PrincipalCache = field(init=False)
    # Registered documents' texts, trusted on the same terms as the principals.
    documents: DocumentCache = field(init=False)
    _policies: dict[tuple[str, str, str | None], EffectivePolicy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.principals = PrincipalCache(self.listener.listening.is_set, self.settings.key_cache_seconds)
        self.listener.on_keys_changed(self.principals.forget)
        self.documents = DocumentCache(self.listener.listening.is_set, self.settings.key_cache_seconds)
        self.listener.on_keys_changed(self.documents.forget)

    def policy_for(self, principal: Principal) -> EffectivePolicy:
        key = (principal.agency_code, principal.kind, principal.role)
        policy = self._policies.get(key)
        if policy is None:
            policy = self.rules.for_principal(principal, development=self.settings.is_development)
            self._policies[key] = policy
        return policy

    def forget_access(self) -> None:
        """Forget cached keys and documents now (a change made in this process; the others
        hear of it on hub_keys)."""
        self.principals.forget()
        self.documents.forget()

    @cached_property
    def vetter(self) -> Vetter:
        """Vets documents for registration as this process vets requests."""
        return Vetter(self.executor, self.policy_for, self.settings.default_page_size, self.settings.max_page_size)
