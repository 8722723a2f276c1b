"""Generic batching loaders; the domain modules name one per relationship.

Loaders are built per request (``Loaders(db)``), never at module level: their caches must not
outlive the request or cross agencies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

from hub.db.database import Database
from hub.sources.base import Row

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PageArgs:
    """One page of a child list: ``first`` rows after sort key ``after``, plus filters."""

    first: int
    after: int | None = None
    filters: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class PageKey:
    parent: int
    args: PageArgs


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    has_next: bool


class RowByKeyLoader(DataLoader[K, Row | None], Generic[K]):
    """One row per key, or None."""

    fetch: Callable[[Database, Sequence[K]], Awaitable[dict[K, Row]]]

    def __init__(self, db: Database) -> None:
        self.db = db
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[K]) -> list[Row | None]:
        found = await type(self).fetch(self.db, keys)
        return [found.get(key) for key in keys]


class RowsByKeyLoader(DataLoader[K, list[Row]], Generic[K]):
    """All rows per key (small, unpaged child lists)."""

    fetch: Callable[[Database, Sequence[K]], Awaitable[dict[K, list[Row]]]]

    def __init__(self, db: Database) -> None:
        self.db = db
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[K]) -> list[list[Row]]:
        found = await type(self).fetch(self.db, keys)
        return [found.get(key, []) for key in keys]


class PageByParentLoader(DataLoader[PageKey, Page]):
    """A page of a child list per parent: one statement per distinct set of page arguments."""

    fetch: Callable[..., Awaitable[dict[int, list[Row]]]]

    def __init__(self, db: Database) -> None:
        self.db = db
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[PageKey]) -> list[Page]:
        by_args: defaultdict[PageArgs, list[int]] = defaultdict(list)
        for key in keys:
            by_args[key.args].append(key.parent)
        pages: dict[PageKey, Page] = {}
        for args, parents in by_args.items():
            # One extra row tells whether a next page exists.
            found = await type(self).fetch(self.db, parents, args.after, args.first + 1, *args.filters)
            for parent in parents:
                rows = found.get(parent, [])
                pages[PageKey(parent, args)] = Page(rows[: args.first], len(rows) > args.first)
        return [pages[key] for key in keys]
