"""What every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from hub.db.database import Database
from hub.loaders import Loaders
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy
from hub.sources.remote import RemoteSources


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
    loaders: Loaders = field(init=False)
    # Internal ids of the subjects whose data this operation returned (for the audit trail
    # and the enumeration guard).
    returned_subjects: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.remote)


Info = strawberry.Info[HubContext, None]
