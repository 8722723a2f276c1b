"""The variables of a compiled read, coerced without graphql-core when they are plain.

Agencies' systems send plain values: strings, ids, integers, booleans, and lists of them.
For an operation whose variables are all of such types, a value of exactly the right JSON
type is what graphql-core's coercion would give back; anything else (a wrong type, a missing
required value, an input object, an enum) is left to graphql-core, which coerces it or says
precisely what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLString,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    value_from_ast,
)
from graphql.execution.values import VariableValues

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_TYPES = {"String": GraphQLString, "ID": GraphQLID, "Int": GraphQLInt, "Boolean": GraphQLBoolean, "Float": GraphQLFloat}
_SCALARS = tuple(_TYPES)


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    scalar: str
    required: bool
    listed: bool  # a list of the scalar
    item_required: bool
    default: Any  # the coerced default, or _NO_DEFAULT


_NO_DEFAULT = object()


def _plain(value: Any, scalar: str) -> tuple[bool, Any]:
    """Whether ``value`` is of exactly the JSON type ``scalar`` takes, and its coerced value."""
    if scalar == "String":
        return isinstance(value, str), value
    if scalar == "ID":
        if isinstance(value, str):
            return True, value
        if isinstance(value, int) and not isinstance(value, bool):
            return True, str(value)
        return False, None
    if scalar == "Int":
        ok = isinstance(value, int) and not isinstance(value, bool) and _INT_MIN <= value <= _INT_MAX
        return ok, value
    if scalar == "Boolean":
        return isinstance(value, bool), value
    if isinstance(value, int | float) and not isinstance(value, bool):  # Float
        return True, float(value)
    return False, None


class SimpleVariables:
    """Coerces an operation's variables when every one is of a plain scalar type (or a list
    of one); ``coerce`` answers None when graphql-core must."""

    def __init__(self, operation: OperationDefinitionNode) -> None:
        self._variables: list[_Variable] | None = []
        for definition in operation.variable_definitions or ():
            found = _describe(definition.variable.name.value, definition.type, definition.default_value)
            if found is None:
                self._variables = None
                return
            self._variables.append(found)

    def coerce(self, inputs: Mapping[str, Any]) -> VariableValues | None:
        if self._variables is None:
            return None
        coerced: dict[str, Any] = {}
        for variable in self._variables:
            if variable.name not in inputs:
                if variable.default is not _NO_DEFAULT:
                    coerced[variable.name] = variable.default
                elif variable.required:
                    return None
                continue
            value = inputs[variable.name]
            if value is None:
                if variable.required:
                    return None
                coerced[variable.name] = None
            elif variable.listed:
                items = value if isinstance(value, list) else [value]  # a single value is a list of one
                if variable.scalar in ("String", "ID") and all(type(item) is str for item in items):
                    coerced[variable.name] = items  # ids and strings, as they came: nothing to coerce
                    continue
                out: list[Any] = []
                for item in items:
                    if item is None:
                        if variable.item_required:
                            return None
                        out.append(None)
                        continue
                    ok, item_value = _plain(item, variable.scalar)
                    if not ok:
                        return None
                    out.append(item_value)
                coerced[variable.name] = out
            else:
                ok, plain = _plain(value, variable.scalar)
                if not ok:
                    return None
                coerced[variable.name] = plain
        return VariableValues({}, coerced)


def _describe(name: str, node: TypeNode, default: Any) -> _Variable | None:
    required = isinstance(node, NonNullTypeNode)
    inner = node.type if isinstance(node, NonNullTypeNode) else node
    listed = isinstance(inner, ListTypeNode)
    item_required = False
    if isinstance(inner, ListTypeNode):
        item = inner.type
        item_required = isinstance(item, NonNullTypeNode)
        inner = item.type if isinstance(item, NonNullTypeNode) else item
    if not isinstance(inner, NamedTypeNode) or inner.name.value not in _SCALARS:
        return None
    if default is None:
        return _Variable(name, inner.name.value, required, listed, item_required, _NO_DEFAULT)
    # A default is a literal of the document (validated): graphql-core's value of it.
    scalar = _TYPES[inner.name.value]
    kind: Any = GraphQLList(GraphQLNonNull(scalar) if item_required else scalar) if listed else scalar
    value = value_from_ast(default, kind)
    return _Variable(name, inner.name.value, required, listed, item_required, value)
