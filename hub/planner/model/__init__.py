"""How each compiled GraphQL type reads from PostgreSQL: the relational model of the schema,
one module per domain (as ``hub/schema/``), built from ``base``'s field kinds.

``QUERY`` holds the compiled root fields, ``TYPES`` the object types, ``ABSTRACT`` the
interfaces. A field missing here does not compile: an operation that selects it runs on the
executor, whole.
"""

from __future__ import annotations

from hub.planner.model import core, court, land, market, police, sanctions, tourism
from hub.planner.model.base import (
    Abstract,
    Dated,
    Embed,
    FieldSpec,
    Identifier,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
)

__all__ = [
    "ABSTRACT",
    "QUERY",
    "TYPES",
    "Abstract",
    "Dated",
    "Embed",
    "FieldSpec",
    "Identifier",
    "Leaf",
    "Listed",
    "Paged",
    "Related",
    "TypeSpec",
]

_DOMAINS = (core, court, land, market, police, tourism, sanctions)

QUERY = TypeSpec({k: v for domain in _DOMAINS for k, v in getattr(domain, "ROOTS", {}).items()})
TYPES: dict[str, TypeSpec] = {k: v for domain in _DOMAINS for k, v in domain.TYPES.items()}
ABSTRACT: dict[str, Abstract] = {k: v for domain in _DOMAINS for k, v in getattr(domain, "ABSTRACT", {}).items()}
