"""A query operation compiled into one SQL statement that builds the response's ``data``.

The statement nests one ``LEFT JOIN LATERAL`` subquery per object, list or connection the
operation selects, and builds each object with ``json_build_object`` and each list with
``json_agg``, in the response's own key order. Beside the JSON it returns the ids of every
subject the answer discloses (comma-separated), exactly the subjects the resolvers would have
turned into objects, so the audit record names the same subjects on both paths.

What the resolvers check of their arguments (identifiers, page sizes, cursors, the removed
listings only courts may see) is checked before the statement runs, with the same code; a
request whose arguments fail any check is answered by the executor instead, which reports
the error exactly as it always has. Masking is SQL: the agency's policy is part of the plan.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values

from hub.errors import HubError, InvalidCursor
from hub.planner import model
from hub.planner.model import Dated, Embed, Identifier, Leaf, Listed, Paged, Related
from hub.planner.selection import Selections
from hub.policy.rules import EffectivePolicy
from hub.schema.pagination import decode_cursor, page_size

GUARD = "/*guard*/"
_CHUNK = 50  # json_build_object takes at most 100 arguments


class Uncompilable(Exception):
    """The operation selects something the compiler does not cover: run the executor."""


@dataclass(frozen=True, slots=True)
class FieldGroup:
    """One response key's field (the first of its merged nodes) and its definition; its
    arguments, coerced once, when they read no variable (the same for every request)."""

    index: int
    definition: GraphQLField
    node: FieldNode
    constant: dict[str, Any] | None = None


class Request:
    """One request's values for a plan's parameters: its coerced variables, each field's
    arguments (computed once) and decoded cursors."""

    __slots__ = ("_arguments", "_decoded", "context", "variables")

    def __init__(self, context: Any, variables: VariableValues) -> None:
        self.context = context
        self.variables = variables
        self._arguments: dict[int, dict[str, Any]] = {}
        self._decoded: dict[int, Any] = {}

    @property
    def today(self) -> datetime.date:
        """The hub's today, as a resolver reads it (bound once per statement)."""
        return datetime.date.today()

    def arguments(self, group: FieldGroup) -> dict[str, Any]:
        if group.constant is not None:
            return group.constant
        found = self._arguments.get(group.index)
        if found is None:
            found = self._arguments[group.index] = get_argument_values(group.definition, group.node, self.variables)
        return found

    def decoded(self, group: FieldGroup, decode: Callable[[Request], Any]) -> Any:
        if group.index not in self._decoded:
            self._decoded[group.index] = decode(self)
        return self._decoded[group.index]


Param = Callable[[Request], Any]


class Binder:
    """Placeholders for one field's per-request values, for the model's SQL fragments."""

    def __init__(self, compiler: Compiler, group: FieldGroup, decode: Callable[[Request], Any] | None = None) -> None:
        self._compiler = compiler
        self._group = group
        self._decode = decode

    def value(self, compute: Callable[[Mapping[str, Any], Any], Any], cast: str) -> str:
        """A value computed from the field's arguments (and the request): a literal of the
        statement when the arguments are literals of the document and the value needs nothing
        of the request (so PostgreSQL plans with it), else a parameter."""
        group = self._group
        if group.constant is not None:
            try:
                found = compute(group.constant, self._compiler.plan_context)
            except (AttributeError, HubError):
                pass  # it reads the request, or refuses: bound (and checked) per request
            else:
                literal = _literal(found, cast)
                if literal is not None:
                    return literal
        return self._compiler.param(lambda r: compute(r.arguments(group), r.context), cast)

    def after(self, compute: Callable[[Any], Any], cast: str) -> str:
        """A value of the decoded ``after`` cursor (null without one)."""
        group, decode = self._group, self._decode
        assert decode is not None
        if group.constant is not None and group.constant.get("after") is None:
            return f"NULL::{cast}"  # the document asks for the first page

        def read(r: Request) -> Any:
            value = r.decoded(group, decode)
            return None if value is None else compute(value)

        return self._compiler.param(read, cast)


@dataclass
class Built:
    """An object's JSON expression and the expressions of the subject ids it discloses."""

    json: str
    sids: list[str] = field(default_factory=list)


@dataclass
class Scope:
    """The lateral subqueries joined to one FROM item, each once (guarded by the row types
    that use it when the item is a subject of either kind)."""

    laterals: dict[str, tuple[str, list[str | None]]] = field(default_factory=dict)

    def add(self, compiler: Compiler, sql: str, guard: str | None) -> str:
        found = self.laterals.get(sql)
        if found is None:
            found = self.laterals[sql] = (compiler.alias("x"), [])
        found[1].append(guard)
        return found[0]

    def render(self, complete: Collection[frozenset[str]] = ()) -> str:
        """The laterals, each guarded by the row types that use it; unguarded when every
        type does (``complete`` holds each abstract type's full set of conditions)."""
        parts = []
        for sql, (alias, guards) in self.laterals.items():
            if None in guards or frozenset(guards) in complete:
                guarded = sql.replace(GUARD, "")
            else:
                condition = " OR ".join(sorted({g for g in guards if g is not None}))
                guarded = sql.replace(GUARD, f" AND ({condition})")
            parts.append(f" LEFT JOIN LATERAL ({guarded}) {alias} ON true")
        return "".join(parts)


@dataclass
class SqlPlan:
    """One statement and how to bind it for a request."""

    sql: str
    params: list[Param]
    checks: list[Callable[[Request], None]]
    casts: list[str]
    # Every root field may be answered by a fresh read replica (``model.REPLICA_ROOTS``).
    replica: bool = False

    def bind(self, request: Request) -> list[Any]:
        """The parameters; a HubError when an argument fails the resolver's own checks."""
        for check in self.checks:
            check(request)
        return [param(request) for param in self.params]


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


_PADS: dict[bytes, tuple[bytes, bytes]] = {}


def cursor_pads(key: bytes) -> tuple[bytes, bytes]:
    found = _PADS.get(key)
    if found is None:
        found = _PADS[key] = _pads(key)
    return found


def cursor_prefix(scope: str) -> str:
    """The start of a cursor's payload, ``["<scope>",``, as orjson writes it."""
    return "[" + orjson.dumps(scope).decode() + ","


class Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        selections: Selections,
        policy: EffectivePolicy,
        sees_removed: bool,
        local_police: bool,
        plan_context: PlanContext | None = None,
    ) -> None:
        self.schema = schema
        self.selections = selections
        self.policy = policy
        self.sees_removed = sees_removed
        self.local_police = local_police
        # What a value computed at plan time may read of a context: the page sizes.
        self.plan_context = plan_context or PlanContext()
        # Each abstract type's full set of row-type conditions (a lateral every type uses
        # needs none).
        self._complete: set[frozenset[str]] = set()
        self.params: list[Param] = []
        self.casts: list[str] = []
        self.checks: list[Callable[[Request], None]] = []
        self._shared: dict[str, int] = {}
        self._aliases = 0
        self._groups = 0
        self._memo: dict[tuple[Any, ...], tuple[str, bool]] = {}

    # -- parameters and names ------------------------------------------------------------

    def param(self, compute: Param, cast: str) -> str:
        self.params.append(compute)
        self.casts.append(cast)
        return f"${len(self.params)}::{cast}"

    def shared(self, name: str, compute: Param, cast: str) -> str:
        index = self._shared.get(name)
        if index is None:
            self.params.append(compute)
            self.casts.append(cast)
            index = self._shared[name] = len(self.params)
        return f"${index}::{cast}"

    def alias(self, prefix: str) -> str:
        self._aliases += 1
        return f"{prefix}{self._aliases}"

    def group(self, definition: GraphQLField, nodes: list[FieldNode]) -> FieldGroup:
        self._groups += 1
        node = nodes[0]
        constant = None
        if not any(_reads_variables(argument.value) for argument in node.arguments or ()):
            constant = get_argument_values(definition, node)
        return FieldGroup(self._groups, definition, node, constant)

    def cursor(self, prefix: str, value: str) -> str:
        ipad = self.shared("ipad", lambda r: cursor_pads(r.context.cursor_key)[0], "bytea")
        opad = self.shared("opad", lambda r: cursor_pads(r.context.cursor_key)[1], "bytea")
        return f"core.hub_cursor({ipad}, {opad}, {prefix} || {value} || ']')"

    # -- the operation -------------------------------------------------------------------

    def operation(self, operation: OperationDefinitionNode) -> SqlPlan:
        root = self.schema.query_type
        assert root is not None
        grouped = self.selections.collect(root, [operation.selection_set])
        scope = Scope()
        pairs: list[tuple[str, str]] = []
        sids: list[str] = []
        replica = True
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                pairs.append((key, "'Query'"))
                continue
            replica = replica and name in model.REPLICA_ROOTS
            definition = root.fields[name]
            spec = model.QUERY.fields.get(name)
            if spec is None:
                raise Uncompilable(f"Query.{name}")
            value, found = self.field("Query", spec, definition, "root", nodes, scope, None)
            pairs.append((key, value))
            sids += found
        subjects = f"concat_ws(',', {', '.join(sids)})" if sids else "NULL::text"
        laterals = scope.render(self._complete)
        sql = f"SELECT {json_object(pairs)} AS data, {subjects} AS subjects FROM (SELECT) root{laterals}"
        return SqlPlan(sql, self.params, self.checks, self.casts, replica)

    # -- objects -------------------------------------------------------------------------

    def value(self, kind: GraphQLOutputType, a: str, nodes: list[FieldNode], scope: Scope, guard: str | None) -> Built:
        """The JSON of an object (or null) of ``kind`` read from row ``a``."""
        named = _named(kind)
        if isinstance(named, GraphQLInterfaceType):
            abstract = model.ABSTRACT.get(named.name)
            if abstract is None:
                raise Uncompilable(named.name)
            column = abstract.discriminator(a)
            self._complete.add(frozenset(f"{column} = '{v}'" for v in abstract.types))
            branches: list[tuple[str, Built]] = []
            for value, type_name in abstract.types.items():
                object_type = self.schema.get_type(type_name)
                assert isinstance(object_type, GraphQLObjectType)
                condition = f"{column} = '{value}'"
                branches.append((value, self.concrete(object_type, a, nodes, scope, condition)))
            if len({(b.json, _concat(b.sids) if b.sids else "") for _, b in branches}) == 1:
                return branches[0][1]  # nothing type-specific selected: one object for every type
            json = "CASE " + column + "".join(f" WHEN '{v}' THEN {b.json}" for v, b in branches) + " END"
            sids = []
            if any(b.sids for _, b in branches):
                sids = [
                    "CASE "
                    + column
                    + "".join(f" WHEN '{v}' THEN {_concat(b.sids)}" for v, b in branches if b.sids)
                    + " END"
                ]
            return Built(json, sids)
        if not isinstance(named, GraphQLObjectType):
            raise Uncompilable(named.name)
        return self.concrete(named, a, nodes, scope, guard)

    def concrete(
        self, kind: GraphQLObjectType, a: str, nodes: list[FieldNode], scope: Scope, guard: str | None
    ) -> Built:
        spec = model.TYPES.get(kind.name)
        if spec is None:
            raise Uncompilable(kind.name)
        grouped = self.selections.collect(kind, self.selections.sub_selections(nodes))
        pairs: list[tuple[str, str]] = []
        sids: list[str] = [f"{a}.id"] if spec.subject else []
        for key, fields in grouped.items():
            name = fields[0].name.value
            if name == "__typename":
                pairs.append((key, f"'{kind.name}'"))
                continue
            field_spec = spec.fields.get(name)
            if field_spec is None:
                raise Uncompilable(f"{kind.name}.{name}")
            value, found = self.field(kind.name, field_spec, kind.fields[name], a, fields, scope, guard)
            pairs.append((key, value))
            sids += found
        return Built(json_object(pairs), sids)

    # -- fields --------------------------------------------------------------------------

    def field(
        self,
        parent: str,
        spec: model.FieldSpec,
        definition: GraphQLField,
        a: str,
        nodes: list[FieldNode],
        scope: Scope,
        guard: str | None,
    ) -> tuple[str, list[str]]:
        """The SQL of one field's value in the row ``a``, and the subject ids it discloses."""
        if isinstance(spec, Leaf):
            return self.leaf(definition.type, spec.expr(a)), []
        if isinstance(spec, Identifier):
            expr = spec.expr(a)
            if self.policy.identifier_mode(spec.identifier) != "FULL":
                expr = _masked(spec.identifier, expr)
            return expr, []
        if isinstance(spec, Dated):
            today = self.shared("today", lambda r: r.today, "date")
            return spec.expr(a, today), []
        if isinstance(spec, Embed):
            built = self.value(definition.type, spec.expr(a), nodes, scope, guard)
            if spec.absent is None:
                return built.json, built.sids
            absent = spec.absent(a)
            sids = [f"CASE WHEN {absent} THEN NULL ELSE {_concat(built.sids)} END"] if built.sids else []
            return f"CASE WHEN {absent} THEN NULL ELSE {built.json} END", sids
        if parent in ("Person", "Organisation") and nodes[0].name.value == "vehicles" and not self.local_police:
            raise Uncompilable("Subject.vehicles (remote source)")
        # A field of an interface selected outside type conditions is compiled once for the
        # row, whichever of its types the row turns out to be.
        memo = (a, id(spec), tuple(id(n) for n in nodes))
        found = self._memo.get(memo)
        if found is None:
            group = self.group(definition, nodes)
            if isinstance(spec, Related):
                sql, subjects = self.related(spec, definition, group, a, nodes)
            elif isinstance(spec, Listed):
                sql, subjects = self.listed(spec, definition, group, a, nodes)
            else:
                assert isinstance(spec, Paged)
                sql, subjects = self.paged(spec, definition, group, a, nodes)
            found = self._memo[memo] = (sql, subjects)
        sql, subjects = found
        x = scope.add(self, sql, guard)
        return f"{x}.j", [f"{x}.s"] if subjects else []

    def _check(self, check: model.Check | None, group: FieldGroup) -> None:
        """Run a resolver's argument check before the statement (a HubError: the executor)."""
        if check is not None:
            self.checks.append(lambda r: check(r.arguments(group), r.context))

    def leaf(self, kind: GraphQLOutputType, expr: str) -> str:
        if isinstance(kind, GraphQLNonNull):
            kind = kind.of_type
        if isinstance(kind, GraphQLList):
            item = kind.of_type.of_type if isinstance(kind.of_type, GraphQLNonNull) else kind.of_type
            if isinstance(item, GraphQLScalarType) and item.name in ("String", "Int"):
                return f"to_json({expr})"
            if isinstance(item, GraphQLScalarType) and item.name == "ID":
                return f"to_json(({expr})::text[])"
            if isinstance(item, GraphQLScalarType) and item.name == "ListKind":
                return f"to_json(ARRAY(SELECT upper(k) FROM unnest({expr}) AS k))"
            raise Uncompilable(f"[{item}]")
        if isinstance(kind, GraphQLEnumType):
            pairs = [(str(v.value), name) for name, v in kind.values.items()]
            if all(db == name for db, name in pairs):
                return expr
            return f"CASE {expr}" + "".join(f" WHEN '{db}' THEN '{name}'" for db, name in pairs) + " END"
        assert isinstance(kind, GraphQLScalarType)
        name = kind.name
        if name in ("ID", "Decimal"):
            return f"({expr})::text"
        if name == "DateTime":
            return f"core.json_datetime({expr})"
        if name == "Float":  # a Python float as orjson writes it (1.0, 0.5, 1e-05)
            return f"core.json_float(({expr})::float8)::json"
        if name == "JSON":
            return _python_json(expr)
        if name in ("String", "Int", "Boolean", "Date"):
            return expr
        if name == "ListKind":  # stored lower-case, shown upper-case (hub.schema.court.ListKind)
            return f"upper({expr})"
        raise Uncompilable(name)

    def related(
        self, spec: Related, definition: GraphQLField, group: FieldGroup, a: str, nodes: list[FieldNode]
    ) -> tuple[str, bool]:
        """The lateral subquery of a single related row (j: its JSON, s: its subjects)."""
        self._check(spec.check, group)
        t = self.alias("t")
        binder = Binder(self, group)
        inner = Scope()
        built = self.value(definition.type, t, nodes, inner, None)
        columns = f"{built.json} AS j" + (f", {_concat(built.sids)} AS s" if built.sids else "")
        order = f" ORDER BY {spec.order(t)}" if spec.order else ""
        sql = (
            f"SELECT {columns} FROM {spec.source(t, binder)}{inner.render(self._complete)} "
            f"WHERE {spec.where(a, t, binder)}{GUARD}{order} LIMIT 1"
        )
        return sql, bool(built.sids)

    def listed(
        self, spec: Listed, definition: GraphQLField, group: FieldGroup, a: str, nodes: list[FieldNode]
    ) -> tuple[str, bool]:
        """The lateral subquery of a plain list, aggregated in its order."""
        self._check(spec.check, group)
        t = self.alias("t")
        binder = Binder(self, group)
        inner = Scope()
        item = _list_item(definition.type)
        built = self.value(item, t, nodes, inner, None)
        where = spec.where(a, t, binder)
        if spec.hidden is not None:
            where += f" AND {spec.hidden(t, self.sees_removed, binder)}"
        columns = f"coalesce(json_agg({built.json} ORDER BY {spec.order(t)}), '[]'::json) AS j"
        if built.sids:
            columns += f", string_agg({_concat(built.sids)}, ',') AS s"
        sql = f"SELECT {columns} FROM {spec.source(t, binder)}{inner.render(self._complete)} WHERE {where}{GUARD}"
        return sql, bool(built.sids)

    def paged(
        self, spec: Paged, definition: GraphQLField, group: FieldGroup, a: str, nodes: list[FieldNode]
    ) -> tuple[str, bool]:
        """The lateral subquery of a connection: one page of rows (and one more when the
        selection asks whether a next page exists), aggregated into edges, nodes and pageInfo."""
        scope_of = spec.scope if callable(spec.scope) else (lambda args, s=spec.scope: s)

        def decode(r: Request) -> Any:
            args = r.arguments(group)
            after = args.get("after")
            if after is None:
                return None
            value = decode_cursor(r.context.cursor_key, scope_of(args), after)
            if spec.after is None and not isinstance(value, int):
                raise InvalidCursor("the cursor belongs to another list")
            return value

        self._check(spec.check, group)
        self.checks.append(lambda r: r.decoded(group, decode) and None)
        binder = Binder(self, group, decode)
        limit = binder.value(lambda args, ctx: page_size(ctx, args.get("first")), "integer")
        prefixes: list[str] = []

        def prefix() -> str:
            """The cursor's payload start: a literal, or bound per request when the scope
            depends on the arguments (made once, and only when a cursor is selected)."""
            if not prefixes:
                if callable(spec.scope):
                    prefixes.append(binder.value(lambda args, ctx: cursor_prefix(scope_of(args)), "text"))
                else:
                    prefixes.append("'" + cursor_prefix(spec.scope).replace("'", "''") + "'")
            return prefixes[0]

        t = self.alias("t")
        y = self.alias("y")
        inner = Scope()
        connection = _named(definition.type)
        assert isinstance(connection, GraphQLObjectType)
        node_type = _list_item(connection.fields["nodes"].type)
        node_spec_subject = _is_subject(node_type)
        columns: list[str] = []
        sids: list[str] = [f"{t}.id"] if node_spec_subject else []

        def node_column(field_nodes: list[FieldNode]) -> str:
            built = self.value(node_type, t, field_nodes, inner, None)
            name = f"j{len(columns)}"
            columns.append(f"{built.json} AS {name}")
            sids.extend(s for s in built.sids if s not in sids)
            return f"{y}.{name}"

        selected = self.selections.collect(connection, self.selections.sub_selections(nodes))
        # One row past the page tells whether another page follows: fetched only when asked.
        more = any(
            info_fields[0].name.value == "hasNextPage"
            for key, fields in selected.items()
            if fields[0].name.value == "pageInfo"
            for info_fields in self.selections.collect(
                _named(connection.fields["pageInfo"].type), self.selections.sub_selections(fields)
            ).values()
        )
        page = f"FILTER (WHERE {y}.n <= {limit})" if more else ""
        cursor_value = spec.cursor(y)
        pairs: list[tuple[str, str]] = []
        for key, fields in selected.items():
            name = fields[0].name.value
            if name == "__typename":
                pairs.append((key, f"'{connection.name}'"))
            elif name == "nodes":
                pairs.append((key, f"coalesce(json_agg({node_column(fields)} ORDER BY {y}.n) {page}, '[]'::json)"))
            elif name == "edges":
                edge = _named(connection.fields["edges"].type)
                assert isinstance(edge, GraphQLObjectType)
                edge_pairs: list[tuple[str, str]] = []
                for edge_key, edge_fields in self.selections.collect(
                    edge, self.selections.sub_selections(fields)
                ).items():
                    edge_name = edge_fields[0].name.value
                    if edge_name == "__typename":
                        edge_pairs.append((edge_key, f"'{edge.name}'"))
                    elif edge_name == "cursor":
                        edge_pairs.append((edge_key, self.cursor(prefix(), cursor_value)))
                    else:
                        edge_pairs.append((edge_key, node_column(edge_fields)))
                pairs.append((key, f"coalesce(json_agg({json_object(edge_pairs)} ORDER BY {y}.n) {page}, '[]'::json)"))
            elif name == "pageInfo":
                info = _named(connection.fields["pageInfo"].type)
                assert isinstance(info, GraphQLObjectType)
                info_pairs: list[tuple[str, str]] = []
                for info_key, info_fields in self.selections.collect(
                    info, self.selections.sub_selections(fields)
                ).items():
                    info_name = info_fields[0].name.value
                    if info_name == "__typename":
                        info_pairs.append((info_key, "'PageInfo'"))
                    elif info_name == "hasNextPage":
                        info_pairs.append((info_key, f"count(*) > {limit}"))
                    else:
                        last = f"(array_agg({cursor_value} ORDER BY {y}.n DESC) {page})[1]"
                        info_pairs.append((info_key, self.cursor(prefix(), last)))
                pairs.append((key, json_object(info_pairs)))
            else:
                raise Uncompilable(f"{connection.name}.{name}")

        order = ", ".join(f"{expr(t)}{' DESC' if desc else ''}" for expr, desc in spec.keys)
        keys = ", ".join(f"{expr(t)} AS k{i}" for i, (expr, _) in enumerate(spec.keys))
        if spec.after is not None:
            after = spec.after(t, binder)
        else:
            after = f"{spec.keys[0][0](t)} > coalesce({binder.after(lambda v: v, 'bigint')}, 0)"
        sid_column = f", {_concat(sids)} AS s" if sids else ""
        row_columns = "".join(f", {c}" for c in columns)
        fetched = f"{limit} + 1" if more else limit
        rows = (
            f"SELECT {keys}{row_columns}{sid_column}, row_number() OVER (ORDER BY {order}) AS n "
            f"FROM {spec.source(t, binder)}{inner.render(self._complete)} "
            f"WHERE {spec.where(a, t, binder)} AND {after}{GUARD} ORDER BY {order} LIMIT {fetched}"
        )
        outer = f"{json_object(pairs)} AS j"
        if sids:
            outer += f", string_agg({y}.s, ',') {page} AS s"
        # GROUP BY (): one row even for no rows and no aggregate (a selection of __typename).
        return f"SELECT {outer} FROM ({rows}) {y} GROUP BY ()", bool(sids)


@dataclass(frozen=True)
class PlanContext:
    """The settings a value folded into a statement at plan time may read (page_size)."""

    default_page_size: int = 20
    max_page_size: int = 100


def _literal(value: Any, cast: str) -> str | None:
    """``value`` as an SQL literal of type ``cast``, or None when it is better a parameter."""
    if value is None:
        return f"NULL::{cast}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and cast in ("integer", "bigint"):
        return str(value)
    if isinstance(value, str) and cast == "text" and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'::text"
    return None


def _reads_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_reads_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_reads_variables(f.value) for f in value.fields)
    return False


def _named(kind: GraphQLOutputType) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _list_item(kind: GraphQLOutputType) -> GraphQLOutputType:
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    assert isinstance(kind, GraphQLList)
    return kind.of_type  # type: ignore[no-any-return]


def _is_subject(kind: GraphQLOutputType) -> bool:
    named = _named(kind)
    if isinstance(named, GraphQLInterfaceType):
        return named.name in model.ABSTRACT
    spec = model.TYPES.get(named.name)
    return spec is not None and spec.subject


def _concat(parts: list[str]) -> str:
    # concat_ws of only nulls is '', not null: an aggregate over it must skip it as a null.
    return parts[0] + "::text" if len(parts) == 1 else f"nullif(concat_ws(',', {', '.join(parts)}), '')"


# The tokens of a jsonb value's text: strings, numbers, and runs of anything else (outside
# strings, digits and '-' occur only in numbers).
_JSON_TOKENS = r"""'"(?:[^"\\]|\\.)*"|-?[0-9][-+.0-9eE]*|[^"0-9-]+'"""


def _python_json(expr: str) -> str:
    """A jsonb value as the JSON scalar answers it: the executor loads the value's text into
    Python (orjson) and writes it back, so numbers with a fraction or exponent become floats
    (0.500000 is 0.5, 66.70 is 66.7, 100.00 is 100.0) and the rest is the text as it was
    (keys in jsonb's order)."""
    token = "x.m[1]"
    number = f"{token} ~ '^-?[0-9]' AND {token} ~ '[.eE]'"
    return (
        f"(SELECT string_agg(CASE WHEN {number} THEN core.json_float({token}::float8) ELSE {token} END, '' "
        f"ORDER BY x.o) FROM regexp_matches(({expr})::text, {_JSON_TOKENS}, 'g') WITH ORDINALITY x(m, o))::json"
    )


def _masked(identifier: str, expr: str) -> str:
    if identifier == "resident_id":  # hub.identity.mask_resident_id (stored numbers have 18)
        return f"(left({expr}, 10) || '****' || substr({expr}, 15))"
    # hub.identity.mask_uscc
    return f"(left({expr}, 8) || repeat('*', length({expr}) - 10) || right({expr}, 2))"


def json_object(pairs: list[tuple[str, str]]) -> str:
    """``json_build_object`` of (key, SQL) pairs in order, past its 100-argument limit."""
    if len(pairs) <= _CHUNK:
        return "json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"
    chunks = [pairs[i : i + _CHUNK] for i in range(0, len(pairs), _CHUNK)]
    texts = [json_object(chunk) + "::text" for chunk in chunks]
    inner = [f"substr(left({t}, -1), 2)" for t in texts[1:-1]]
    joined = " || ', ' || ".join([f"left({texts[0]}, -1)", *inner, f"substr({texts[-1]}, 2)"])
    return f"({joined})::json"
