"""A document cut down to what one agency's policy lets it select, so every profile's own
kind of question is asked, not only the ones its policy refuses outright."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)


def prune(schema: GraphQLSchema, query: str, allowed: Set[str]) -> str | None:
    """``query`` without the fields ``allowed`` (schema coordinates) leaves out, and without
    what is left empty or unused; None when nothing is left to ask."""
    document = parse(query)
    while True:
        before = print_ast(document)
        document = _drop_fields(schema, document, allowed)
        document = _drop_empty(document)
        if print_ast(document) == before:
            break
    document = _drop_unused_variables(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations or not operations[0].selection_set.selections:
        return None
    return print_ast(document)


def _drop_fields(schema: GraphQLSchema, document: DocumentNode, allowed: Set[str]) -> DocumentNode:
    info = TypeInfo(schema)

    class Drop(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            parent = info.get_parent_type()
            name = node.name.value
            if name.startswith("__") or parent is None:
                return None
            if f"{parent.name}.{name}" not in allowed:
                return REMOVE
            return None

    result: DocumentNode = visit(document, TypeInfoVisitor(info, Drop()))
    return result


def _drop_empty(document: DocumentNode) -> DocumentNode:
    empty_fragments = {
        d.name.value
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode) and not d.selection_set.selections
    }

    class Drop(Visitor):
        def leave_field(self, node: FieldNode, *_: Any) -> Any:
            if node.selection_set is not None and not node.selection_set.selections:
                return REMOVE
            return None

        def leave_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> Any:
            return REMOVE if not node.selection_set.selections else None

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> Any:
            return REMOVE if node.name.value in empty_fragments else None

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> Any:
            return REMOVE if node.name.value in empty_fragments else None

    result: DocumentNode = visit(document, Drop())
    return result


def _drop_unused_variables(document: DocumentNode) -> DocumentNode:
    used: set[str] = set()

    class Uses(Visitor):
        def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> Any:
            return False  # the definition's own name is not a use

        def enter_variable(self, node: VariableNode, *_: Any) -> Any:
            used.add(node.name.value)

    visit(document, Uses())

    class Drop(Visitor):
        def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> Any:
            return None if node.variable.name.value in used else REMOVE

    result: DocumentNode = visit(document, Drop())
    return result
