"""What every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import strawberry

from hub.audit.chain import Comparison
from hub.db.database import Database
from hub.documents import Vetter
from hub.loaders import Loaders
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy
from hub.sanctions.interceptions import InterceptionIds, NewInterception
from hub.sources.remote import RemoteSources
from hub.sources.screening import FactsBatcher


@dataclass
class HubContext:
    db: Database
    principal: Principal
    policy: EffectivePolicy
    cursor_key: bytes
    max_page_size: int = 100
    default_page_size: int = 20
    # Hub-Purpose and Hub-Operator as sent (the operator is recorded, never trusted).
    purpose: str | None = None
    operator: str | None = None
    # Sources kept at their agency (shared by the process: breakers span requests).
    remote: RemoteSources | None = None
    # Shares screenings' facts statements across concurrent requests (the process's).
    facts_batcher: FactsBatcher | None = None
    # Internal ids of the subjects whose data this operation returned (for the audit trail
    # and the enumeration guard).
    returned_subjects: set[int] = field(default_factory=set)
    # What the operation's audit record notes next to its fields, e.g. the rules version of each
    # integrity score it answered ("IntegrityScoreRules:<version>", hub.schema.score).
    audit_notes: set[str] = field(default_factory=set)
    # Identities this operation screened (agency id, matter, region, count): counted with
    # its audit record.
    comparisons: list[Comparison] = field(default_factory=list)
    # Interceptions this operation made (BLOCK and REVIEW): written with its audit record.
    interceptions: list[NewInterception] = field(default_factory=list)
    # Draws their ids ahead (the process's; none: a draw per screening).
    interception_ids: InterceptionIds | None = None
    # Called after a key is revoked here, so this process's key cache forgets at once.
    keys_revoked: Callable[[], None] = field(default=lambda: None, repr=False)
    # Vets documents for registration as this process vets requests (the operator's mutation).
    vetter: Vetter | None = None

    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    @property
    def loaders(self) -> Loaders:
        """This request's loaders, built on first use: a screening never needs them."""
        if self._loaders is None:
            self._loaders = Loaders(self.db, self.remote)
        return self._loaders

    def start_over(self) -> None:
        """Forget what a failed run of the operation gathered: it runs again from scratch."""
        self._loaders = None
        self.returned_subjects.clear()
        self.audit_notes.clear()
        self.comparisons.clear()
        self.interceptions.clear()

    def fresh_loaders(self) -> None:
        """Forget what the loaders cached (a subscription, between events)."""
        self._loaders = None


Info = strawberry.Info[HubContext, None]
