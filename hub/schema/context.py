"""What every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from hub.db.database import Database
from hub.loaders import Loaders
from hub.policy import Principal


@dataclass
class HubContext:
    db: Database
    principal: Principal
    cursor_key: bytes
    max_page_size: int = 100
    default_page_size: int = 20
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


Info = strawberry.Info[HubContext, None]
