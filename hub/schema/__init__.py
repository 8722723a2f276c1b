"""The GraphQL schema: code-first with strawberry, free of HTTP."""

from __future__ import annotations

from functools import cache

import strawberry
from strawberry.schema.config import StrawberryConfig

from hub.schema.admin import Mutation
from hub.schema.core import Organisation, Person
from hub.schema.court import LIST_KIND_SCALAR, ListKind
from hub.schema.events import Subscription
from hub.schema.query import Query
from hub.schema.sanctions import SHORTCUTS, install_fast_paths

__all__ = ["SHORTCUTS", "build_schema", "schema_sdl"]


@cache
def build_schema() -> strawberry.Schema:
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Person, Organisation],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={ListKind: LIST_KIND_SCALAR}),
    )
    install_fast_paths(schema._schema)
    return schema


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
