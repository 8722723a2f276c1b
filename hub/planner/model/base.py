"""The model's building blocks: how a compiled GraphQL field reads from PostgreSQL.

Every entry mirrors a resolver of ``hub/schema/`` (the same rows, order, filters and masking),
written as SQL the compiler nests into one statement. ``tests/planner`` runs every document of
its corpus through both and compares the answers, so a change to a resolver that is not made
here too fails there.

A field is one of:

- ``Leaf``: a value of the row (``{a}`` is the row's alias or expression);
- ``Identifier``: a resident ID or USCC, in full or masked as the agency's policy says;
- ``Dated``: a value that depends on today's date in the hub (bound per request);
- ``Embed``: an object over the same row (a subject's ``region``), or null where ``absent``;
- ``Related``: one row of another table, or null;
- ``Listed``: a plain list, in a fixed order;
- ``Paged``: a connection (``first``/``after``, signed cursors, ``pageInfo``).

Per-request values (arguments, the principal, the policy) come from the ``Binder``; a
resolver's argument checks run before the statement as ``check`` (raising the resolver's own
``HubError``); and a request the statement cannot answer as the resolver would (an argument
only the database can refuse) raises ``ExecutorAnswers``: the executor answers it, whole.
A source may be one of the named statements of ``sql/queries`` (``named``), so a list or an
aggregate reads exactly the rows its resolver reads.

The domain modules beside this one (``core``, ``court``, ``land``...) map the schema's types
with these; the SQL here is built by the compiler from their fragments, and is data-layer
code like ``sql/queries``, kept beside the schema map it describes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hub.errors import HubError

if TYPE_CHECKING:
    from hub.planner.compile import Binder

# An SQL expression of a row alias (or of an expression standing for the row).
Expr = Callable[[str], str]
# A condition or FROM item of (parent alias, child alias, the field's arguments).
Where = Callable[[str, str, "Binder"], str]
Source = Callable[[str, "Binder"], str]
# Checks of the arguments the resolver makes (raise HubError), before anything runs: the
# field's arguments and the request's context.
Check = Callable[[Mapping[str, Any], Any], None]


class ExecutorAnswers(HubError):
    """Not an error an agency sees: the request needs what only its resolver does (a lookup
    whose failure is the resolver's error), so the planner leaves it to the executor."""

    code = "EXECUTOR_ANSWERS"


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
    """An object type read from the same row: ``expr`` stands for the row in the target.
    Null where ``absent`` holds of the row (a nullable object such as a mention's region)."""

    expr: Expr
    absent: Expr | None = None


@dataclass(frozen=True)
class Related:
    """One row of ``source`` (aliased by the child alias) meeting ``where``, or null."""

    source: Source
    where: Where
    order: Expr | None = None  # with LIMIT 1 when several rows could meet ``where``
    check: Check | None = None


@dataclass(frozen=True)
class Listed:
    """Every row of ``source`` meeting ``where``, ordered by ``order``."""

    source: Source
    where: Where
    order: Expr
    # A condition the agency's policy adds (removed listings: court.listing_history_visible_to).
    hidden: Callable[[str, bool, Binder], str] | None = None
    check: Check | None = None


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
    check: Check | None = None


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


_COMMENT = re.compile(r"--[^\n]*")
_PLACEHOLDER = re.compile(r"\$(\d+)")


def named(query: str, *values: Callable[[Binder], str]) -> Source:
    """A named statement of ``sql/queries`` (``QUERIES.<module>.<name>``) as a FROM item, its
    ``$n`` bound by ``values[n - 1]`` (placeholders from the binder, or SQL): the rows, filters
    and order of the resolver's own statement. Its comments are dropped (none of these
    statements has ``--`` inside a string)."""
    text = _COMMENT.sub("", query).strip().rstrip(";")

    def source(t: str, b: Binder) -> str:
        bound = [value(b) for value in values]
        return "(\n" + _PLACEHOLDER.sub(lambda m: bound[int(m.group(1)) - 1], text) + f"\n) {t}"

    return source


def own_agency(b: Binder) -> str:
    """The principal's agency id, or null for the platform operator, who sees every agency's
    (``None if ctx.policy.operator else ctx.principal.agency_id``, as the resolvers say)."""
    return b.value(lambda a, c: None if c.policy.operator else c.principal.agency_id, "bigint")


def argument(name: str, cast: str) -> Callable[[Binder], str]:
    """A placeholder for the field's argument ``name`` as coerced (for ``named``)."""
    return lambda b: b.value(lambda a, c: a.get(name), cast)


def enum_value(value: Any) -> str | None:
    """An enum argument's database value (``MentionStatus.PENDING`` -> ``pending``)."""
    if value is None:
        return None
    return str(value.value if hasattr(value, "value") else value)


def named_agency(code: str | None, ctx: Any) -> int | None:
    """The id of the agency an ``agencyCode`` argument names, where a statement can know it:
    None without one; the principal's own agency for its own code (it exists). Any other code
    the resolver looks up and refuses when unknown, with its error: ``ExecutorAnswers``."""
    if code is None:
        return None
    if code == ctx.principal.agency_code:
        return int(ctx.principal.agency_id)
    raise ExecutorAnswers("an agency code other than the principal's is looked up by the resolver")
