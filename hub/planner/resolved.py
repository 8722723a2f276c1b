"""The planner's resolved roots: the operation agencies send most, a screening, run without
graphql-core's executor.

A hotel front desk sends ``mutation { screen(...) { decisions { decision measures { name } } } }``
thousands of times an hour. graphql-core's executor spends about a tenth of such a request
on machinery that this operation does not need: it has one root field, and everything it
selects below is a plain value of the result. For an operation of exactly that form (no
fragments, no directives, only fields without resolvers of their own, scalars, enums, lists
and objects) a plan is made once per document: the root field's arguments are coerced by
graphql-core as ever, its resolver is called, and the result is turned into the response by
the plan. Anything else, including variables that do not coerce, goes the usual way, and so
does every error's shape: a failing resolver is reported as graphql-core reports it.

The plan serialises leaves with the schema's own scalar and enum types, so the response is
the executor's, value for value; the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    located_error,
)
from graphql.execution.values import get_argument_values, get_variable_values

# The root fields with a shortcut: their resolvers take (root, info, **arguments) and read
# only ``info.context``.
Resolver = Callable[..., Any]
Serialise = Callable[[Any], Any]


class _Unplannable(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Plan:
    """How to run one operation without the executor."""

    key: str
    field_node: FieldNode
    field: GraphQLField
    nullable: bool
    resolver: Resolver
    serialise: Serialise


@dataclass(frozen=True, slots=True)
class _Info:
    """What the shortcut's resolvers read of graphql-core's resolve info."""

    context: Any


def plan(schema: GraphQLSchema, operation: OperationDefinitionNode, resolvers: dict[str, Resolver]) -> Plan | None:
    """The plan for ``operation`` when it has the shortcut's form, else None."""
    if operation.operation != OperationType.MUTATION or operation.directives or schema.mutation_type is None:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    resolver = resolvers.get(node.name.value)
    field = schema.mutation_type.fields.get(node.name.value)
    if resolver is None or field is None or node.directives or node.selection_set is None:
        return None
    try:
        serialise = _compile(field.type, node.selection_set)
    except _Unplannable:
        return None
    return Plan(
        key=node.alias.value if node.alias else node.name.value,
        field_node=node,
        field=field,
        nullable=not isinstance(field.type, GraphQLNonNull),
        resolver=resolver,
        serialise=serialise,
    )


async def run(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    the_plan: Plan,
    variables: dict[str, Any] | None,
    context: Any,
) -> tuple[dict[str, Any] | None, list[GraphQLError]] | None:
    """Run the planned operation: the data and field errors, as the executor gives them; or
    None when the variables do not coerce (the executor reports that, without running)."""
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None
    try:
        arguments = get_argument_values(the_plan.field, the_plan.field_node, coerced)
        value = the_plan.serialise(await the_plan.resolver(None, _Info(context), **arguments))
    except Exception as exc:  # reported where the executor would report it
        error = located_error(exc, [the_plan.field_node], [the_plan.key])
        return ({the_plan.key: None} if the_plan.nullable else None), [error]
    return {the_plan.key: value}, []


def _compile(kind: GraphQLOutputType, selection: SelectionSetNode | None) -> Serialise:
    if isinstance(kind, GraphQLNonNull):
        inner = _compile(kind.of_type, selection)

        def non_null(value: Any) -> Any:
            if value is None:
                raise _NullValue()
            return inner(value)

        return non_null
    if isinstance(kind, GraphQLList):
        item = _compile(kind.of_type, selection)
        return lambda value: None if value is None else [item(v) for v in value]
    if isinstance(kind, GraphQLEnumType):
        if selection is not None:
            raise _Unplannable
        # An enum's serialisation depends on its member alone: each is asked once.
        names: dict[Any, Any] = {}

        def enum(value: Any) -> Any:
            if value is None:
                return None
            try:
                return names[value]
            except KeyError:
                names[value] = kind.serialize(value)
                return names[value]

        return enum
    if isinstance(kind, GraphQLScalarType):
        if selection is not None:
            raise _Unplannable
        leaf = kind.serialize
        return lambda value: None if value is None else leaf(value)
    if isinstance(kind, GraphQLObjectType) and selection is not None:
        return _compile_object(kind, selection)
    raise _Unplannable


def _compile_object(kind: GraphQLObjectType, selection: SelectionSetNode) -> Serialise:
    readers: list[tuple[str, str | None, Serialise | None]] = []
    for node in selection.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            raise _Unplannable
        name = node.name.value
        key = node.alias.value if node.alias else name
        if name == "__typename":
            readers.append((key, None, None))
            continue
        field = kind.fields.get(name)
        definition = None if field is None or not field.extensions else field.extensions.get("strawberry-definition")
        if (
            field is None
            or definition is None
            or definition.base_resolver is not None
            or definition.extensions
            or definition.permission_classes
        ):
            raise _Unplannable
        if any(key == k for k, _, _ in readers):
            raise _Unplannable  # fields merged under one key: the executor's business
        readers.append((key, definition.python_name, _compile(field.type, node.selection_set)))
    type_name = kind.name

    def read(value: Any) -> Any:
        if value is None:
            return None
        out = {}
        for key, attribute, serialise in readers:
            if attribute is None:
                out[key] = type_name
            else:
                out[key] = cast(Serialise, serialise)(getattr(value, attribute))
        return out

    return read


class _NullValue(Exception):
    """A non-null field resolved to null: never by design here; reported as internal."""
