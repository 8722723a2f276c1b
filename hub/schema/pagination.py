"""Relay-style connections with opaque, signed cursors and a maximum page size."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
import strawberry

from hub.errors import InvalidCursor, PageSizeExceeded
from hub.loaders.base import Page, PageArgs
from hub.schema.context import HubContext
from hub.sources.base import Row

T = TypeVar("T")

_TAG = 12  # bytes of HMAC-SHA256 kept: forging one is out of reach, cursors stay short


def encode_cursor(key: bytes, scope: str, value: Any) -> str:
    payload = orjson.dumps([scope, value])
    tag = hmac.new(key, payload, hashlib.sha256).digest()[:_TAG]
    return base64.urlsafe_b64encode(tag + payload).decode().rstrip("=")


def decode_cursor(key: bytes, scope: str, cursor: str) -> Any:
    """The value inside a cursor the hub issued for this list; InvalidCursor otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raw = b""
    tag, payload = raw[:_TAG], raw[_TAG:]
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:_TAG]
    if len(raw) <= _TAG or not hmac.compare_digest(tag, expected):
        raise InvalidCursor("the cursor was not issued by this hub; use pageInfo.endCursor")
    found_scope, value = orjson.loads(payload)
    if found_scope != scope:
        raise InvalidCursor(f"the cursor belongs to another list ({found_scope}), not {scope}")
    return value


def page_size(ctx: HubContext, first: int | None) -> int:
    if first is None:
        return ctx.default_page_size
    if first < 0:
        raise PageSizeExceeded("first must not be negative", argument="first", maximum=ctx.max_page_size)
    if first > ctx.max_page_size:
        raise PageSizeExceeded(
            f"first is {first}; the maximum page size is {ctx.max_page_size}",
            argument="first",
            maximum=ctx.max_page_size,
        )
    return first


def page_args(ctx: HubContext, scope: str, first: int | None, after: str | None, *filters: Any) -> PageArgs:
    """Page arguments of a child list keyed by integer id."""
    after_id = None if after is None else decode_cursor(ctx.cursor_key, scope, after)
    if after_id is not None and not isinstance(after_id, int):
        raise InvalidCursor("the cursor belongs to another list")
    # A cursor binds its filters too: a page of active listings does not continue removed ones.
    return PageArgs(page_size(ctx, first), after_id, tuple(filters))


@strawberry.type(description="Where this page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow; ask again with `after: endCursor`."
    )
    end_cursor: str | None = strawberry.field(
        description="Opaque cursor of the last item on this page; null when the page is empty."
    )


@strawberry.type(description="One item of a list and the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item; pass as `after`.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description=(
        "A page of a list in a stable order. Ask for `first` items (at most the hub's maximum "
        "page size) and continue with `after: pageInfo.endCursor`."
    )
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more items follow.")

    @strawberry.field(description="The items of this page without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def build_connection(
    ctx: HubContext,
    scope: str,
    rows: Sequence[Row],
    has_next: bool,
    node: Callable[[Row], T],
    sort_key: Callable[[Row], Any] = lambda row: row["id"],
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(ctx.cursor_key, scope, sort_key(r)), node=node(r)) for r in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )


def page_connection(ctx: HubContext, scope: str, page: Page, node: Callable[[Row], T]) -> Connection[T]:
    return build_connection(ctx, scope, page.rows, page.has_next, node)


First = Annotated[
    int | None,
    strawberry.argument(description="How many items to return (default 20, at most the maximum page size, 100)."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Return the items after this cursor (a pageInfo.endCursor from this same list)."),
]
