"""Which fields an operation selects on an object, as the executor would collect them.

The executor's rules (GraphQL spec, "CollectFields"): fields are grouped by response key in
the order first seen; fragments and inline fragments apply when their type condition is the
object's type or an abstract type it belongs to; ``@skip`` and ``@include`` decide with the
request's variables. A plan is made for given values of the variables those two directives
read (``directive_variables``), so the same document may have a plan per combination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor

# Fields grouped by response key, in the order the executor answers them.
Grouped = dict[str, list[FieldNode]]


class Selections:
    """Collects fields of one operation's document for given directive-variable values."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables

    def collect(self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> Grouped:
        grouped: Grouped = {}
        for selection_set in selection_sets:
            self._collect(object_type, selection_set, grouped, set())
        return grouped

    def sub_selections(self, nodes: list[FieldNode]) -> list[SelectionSetNode]:
        return [node.selection_set for node in nodes if node.selection_set is not None]

    def _collect(
        self, object_type: GraphQLObjectType, selection_set: SelectionSetNode, grouped: Grouped, visited: set[str]
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, object_type):
                    self._collect(object_type, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = self.fragments.get(name)
                if fragment is not None and self._applies(fragment.type_condition.name.value, object_type):
                    self._collect(object_type, fragment.selection_set, grouped, visited)

    def _applies(self, condition: str, object_type: GraphQLObjectType) -> bool:
        if condition == object_type.name:
            return True
        kind = self.schema.get_type(condition)
        if isinstance(kind, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(kind, object_type)
        return False

    def _included(self, selection: Any) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value = self._if_value(directive)
            if name == "skip" and value:
                return False
            if name == "include" and not value:
                return False
        return True

    def _if_value(self, directive: Any) -> bool:
        for argument in directive.arguments:
            if argument.name.value == "if":
                node = argument.value
                if isinstance(node, BooleanValueNode):
                    return bool(node.value)
                if isinstance(node, VariableNode):
                    return bool(self.variables.get(node.name.value))
        return False


def directive_variables(document: DocumentNode, operation: OperationDefinitionNode) -> tuple[str, ...]:
    """Names of the variables that ``@skip``/``@include`` read anywhere in the document: a
    plan is made per combination of their values."""
    found: list[str] = []

    class Finder(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments:
                    if isinstance(argument.value, VariableNode) and argument.value.name.value not in found:
                        found.append(argument.value.name.value)

    visit(document, Finder())
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    return tuple(name for name in found if name in declared)
