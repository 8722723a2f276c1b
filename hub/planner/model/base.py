"""The model's building blocks: how a compiled GraphQL field reads from PostgreSQL.

Every entry mirrors a resolver of ``hub/schema/`` (the same rows, order, filters and masking),
written as SQL the compiler nests into one statement. ``tests/planner`` runs every document of
its corpus through both and compares the answers, so a change to a resolver that is not made
here too fails there.

A field is one of:

- ``Leaf``: a value of the row (``{a}`` is the row's alias or expression);
- ``Identifier``: a resident ID or USCC, in full or masked as the agency's policy says;
- ``Dated``: a value that depends on today's date in the hub (bound per request);
- ``Embed``: an object over the same row (a subject's ``region``);
- ``Related``: one row of another table, or null;
- ``Listed``: a plain list, in a fixed order;
- ``Paged``: a connection (``first``/``after``, signed cursors, ``pageInfo``).

The domain modules beside this one (``core``, ``court``, ``land``...) map the schema's types
with these; the SQL here is built by the compiler from their fragments, and is data-layer
code like ``sql/queries``, kept beside the schema map it describes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.planner.compile import Binder

# An SQL expression of a row alias (or of an expression standing for the row).
Expr = Callable[[str], str]
# A condition or FROM item of (parent alias, child alias, the field's arguments).
Where = Callable[[str, str, "Binder"], str]
Source = Callable[[str, "Binder"], str]


@dataclass(frozen=True)
class Leaf:
    expr: Expr


@dataclass(frozen=True)
class Identifier:
    """A resident ID or USCC: FULL or MASKED by policy (NONE never gets here: denied)."""

    identifier: str  # "resident_id" | "uscc"
    expr: Expr


@dataclass(frozen=True)
class Dated:
    """A leaf computed against the hub's today (bound per request, as the resolver reads it)."""

    expr: Callable[[str, str], str]  # (row alias, today placeholder)


@dataclass(frozen=True)
class Embed:
    """An object type read from the same row: ``expr`` stands for the row in the target."""

    expr: Expr


@dataclass(frozen=True)
class Related:
    """One row of ``source`` (aliased by the child alias) meeting ``where``, or null."""

    source: Source
    where: Where
    order: Expr | None = None  # with LIMIT 1 when several rows could meet ``where``


@dataclass(frozen=True)
class Listed:
    """Every row of ``source`` meeting ``where``, ordered by ``order``."""

    source: Source
    where: Where
    order: Expr
    # A condition the agency's policy adds (courts and the operator see removed listings).
    hidden: Callable[[str, bool], str] | None = None


@dataclass(frozen=True)
class Paged:
    """A connection: ``first`` rows after the cursor, in key order, with signed cursors.

    ``keys`` are (expression, descending) pairs; ``cursor`` renders the cursor's JSON value
    from the key columns ``k0``, ``k1``... of the page row; ``after`` is the condition for
    rows after a decoded cursor value (placeholders from the binder).
    """

    source: Source
    where: Where
    # What a cursor of this list is bound to (hub.schema.pagination): fixed, or by arguments.
    scope: str | Callable[[Mapping[str, Any]], str]
    keys: tuple[tuple[Expr, bool], ...]
    cursor: Callable[[str], str] = lambda y: f"{y}.k0::text"
    after: Callable[[str, Binder], str] | None = None
    # Checks of the arguments the resolver makes (raise HubError), before anything runs.
    check: Callable[[Mapping[str, Any], Any], None] | None = None


FieldSpec = Leaf | Identifier | Dated | Embed | Related | Listed | Paged


@dataclass(frozen=True)
class TypeSpec:
    fields: Mapping[str, FieldSpec]
    # Rows of this type are subjects: their ids are what the audit trail names as disclosed.
    subject: bool = False


@dataclass(frozen=True)
class Abstract:
    """An interface whose rows say their type in a column."""

    discriminator: Expr
    types: Mapping[str, str]  # column value -> object type name


def col(name: str) -> Expr:
    return lambda a: f"{a}.{name}"


def by_id(table: str) -> Source:
    return lambda t, b: f"{table} {t}"


def same(column: str, parent_column: str = "id") -> Where:
    return lambda p, t, b: f"{t}.{column} = {p}.{parent_column}"


ID_KEY: tuple[tuple[Expr, bool], ...] = ((col("id"), False),)


SUBJECT_SOURCE = by_id("core.subject")


def subject(column: str) -> Related:
    """The subject whose id is in ``column`` of the parent row."""
    return Related(source=SUBJECT_SOURCE, where=lambda p, t, b: f"{t}.id = {p}.{column}")


def case(column: str) -> Related:
    """The enforcement case whose id is in ``column`` of the parent row."""
    return Related(source=by_id("court.enforcement_case"), where=lambda p, t, b: f"{t}.id = {p}.{column}")
