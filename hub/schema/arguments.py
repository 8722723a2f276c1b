"""Helpers for resolvers' arguments, shared by the schema's modules."""

from __future__ import annotations

from typing import Any

import strawberry

from hub.errors import InvalidInput


def arg(description: str) -> Any:
    """An argument's description, for ``Annotated[type, arg("...")]``."""
    return strawberry.argument(description=description)


def hub_id(raw: str, argument: str) -> int:
    """An id the hub issued (digits, a bigint), sent back as ``argument``; else InvalidInput."""
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput(f"{argument} must be an id issued by the hub", argument=argument)
    return int(raw)
