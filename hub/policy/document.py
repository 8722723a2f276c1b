"""What a GraphQL document asks for, computed once per (document, operation) and cached.

The walk expands fragments and inline fragments against the schema, so aliases, fragments
and interfaces all end at the same schema coordinates (``Person.listings``): that is what the
policy checks and what the audit trail records. It also measures depth, aliases and
directives for the limits, and keeps what the cost needs (list arguments) for each request.

``measure`` takes the same measures from the syntax alone, before validation: a document over
a limit gets one error naming the limit, not one validation error per repeated directive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

INTROSPECTION = ("__schema", "__type")
# Plain (unpaged) lists are short by construction (owners of a flat, officers of a company);
# the cost counts them as this many items.
PLAIN_LIST_ESTIMATE = 10


@dataclass
class CostNode:
    """One selected field for the cost: how its size is known, and its children."""

    multiplier: str  # "one" | "page" | "ids" | "list"
    arguments: dict[str, ValueNode]
    children: list[CostNode] = field(default_factory=list)


@dataclass
class Shape:
    operation_type: str
    operation_name: str | None
    coordinates: frozenset[str]
    # (coordinate, response path) for naming a denied field in an error
    selections: tuple[tuple[str, str], ...]
    roots: frozenset[str]
    introspection: bool
    depth: int
    aliases: int
    directives: int
    cost_tree: list[CostNode]
    # The cost when no field's size depends on arguments (``cost`` need not walk the tree
    # per request); None when one does.
    static_cost: int | None = None
    # Whether a size depends on the request's variables; if not, the cost depends on the
    # page sizes alone, and is computed once per page-size setting (``costs``).
    variable_cost: bool = True
    costs: dict[tuple[int, int], int] = field(default_factory=dict)
    # The (coordinate, path) pairs each policy (by key) may not select: found once per agency.
    denials: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def _unwrap(kind: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        if isinstance(kind, GraphQLList):
            is_list = True
        kind = kind.of_type
    return kind, is_list


def analyse(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> Shape:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    selections: list[tuple[str, str]] = []
    stats = {"aliases": 0, "directives": len(operation.directives or ()), "depth": 0, "introspection": 0}
    root_type = schema.get_root_type(operation.operation)
    assert root_type is not None

    def walk(
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        path: str,
        depth: int,
        seen: frozenset[str],
    ) -> list[CostNode]:
        nodes: list[CostNode] = []
        for selection in selection_set.selections:
            stats["directives"] += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if selection.alias is not None:
                    stats["aliases"] += 1
                if name == "__typename":
                    continue
                key = selection.alias.value if selection.alias else name
                if name in INTROSPECTION:
                    stats["introspection"] += 1
                    selections.append((f"{parent.name}.{name}", f"{path}.{key}".lstrip(".")))
                    continue
                assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                definition = parent.fields[name]  # the document is validated
                coordinate = f"{parent.name}.{name}"
                response_path = f"{path}.{key}".lstrip(".")
                selections.append((coordinate, response_path))
                stats["depth"] = max(stats["depth"], depth)
                child_type, is_list = _unwrap(definition.type)
                arguments = {a.name.value: a.value for a in selection.arguments or ()}
                if child_type.name.endswith("Connection") and "first" in definition.args:
                    multiplier = "page"
                elif parent.name.endswith("Connection") and name in ("nodes", "edges"):
                    multiplier = "one"  # the page's items: counted by the connection field
                elif "ids" in definition.args:
                    multiplier = "ids"
                else:
                    multiplier = "list" if is_list else "one"
                node = CostNode(multiplier, arguments)
                if selection.selection_set is not None:
                    node.children = walk(selection.selection_set, child_type, response_path, depth + 1, seen)
                nodes.append(node)
            elif isinstance(selection, InlineFragmentNode):
                target: GraphQLNamedType | None = parent
                if selection.type_condition is not None:
                    target = schema.get_type(selection.type_condition.name.value)
                assert target is not None
                nodes.extend(walk(selection.selection_set, target, path, depth, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen:  # validation forbids cycles; stay safe anyway
                    continue
                fragment = fragments[name]
                stats["directives"] += len(fragment.directives or ())
                fragment_type = schema.get_type(fragment.type_condition.name.value)
                assert fragment_type is not None
                nodes.extend(walk(fragment.selection_set, fragment_type, path, depth, seen | {name}))
        return nodes

    cost_tree = walk(operation.selection_set, root_type, "", 1, frozenset())
    return Shape(
        operation_type=operation.operation.value,
        operation_name=operation.name.value if operation.name else None,
        coordinates=frozenset(c for c, _ in selections),
        selections=tuple(selections),
        roots=frozenset(c for c, p in selections if "." not in p),
        introspection=stats["introspection"] > 0,
        depth=stats["depth"],
        aliases=stats["aliases"],
        directives=stats["directives"],
        cost_tree=cost_tree,
        static_cost=_static_cost(cost_tree),
        variable_cost=_variable_cost(cost_tree),
    )


@dataclass(frozen=True)
class Size:
    """A document's largest depth, aliases, directives and selected fields (the fields the
    cost counts at least once each), over its operations, with fragments expanded."""

    depth: int
    aliases: int
    directives: int
    fields: int


def measure(document: DocumentNode) -> Size:
    """The measures ``analyse`` takes (equal for a valid document), from the syntax alone.

    Each fragment is measured once and its measures reused wherever it is spread, so a
    document whose fragments spread each other many times (millions of fields once expanded)
    is measured in one pass over its text. A spread of an unknown fragment, or one already
    being measured (a cycle), counts nothing: validation refuses such documents anyway.
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    measured: dict[str, tuple[int, int, int, int]] = {}
    measuring: set[str] = set()

    def of_fragment(name: str) -> tuple[int, int, int, int]:
        found = measured.get(name)
        if found is not None:
            return found
        fragment = fragments.get(name)
        if fragment is None or name in measuring:
            return (0, 0, 0, 0)
        measuring.add(name)
        depth, aliases, directives, fields = of_selections(fragment.selection_set)
        measuring.discard(name)
        found = measured[name] = (depth, aliases, directives + len(fragment.directives or ()), fields)
        return found

    def of_selections(selection_set: SelectionSetNode) -> tuple[int, int, int, int]:
        """(depth below this level, aliases, directives, fields) of a selection set."""
        depth = aliases = directives = fields = 0
        for selection in selection_set.selections:
            directives += len(selection.directives or ())
            inner = (0, 0, 0, 0)
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    aliases += 1
                if selection.name.value == "__typename" or selection.name.value in INTROSPECTION:
                    continue  # as in ``analyse``: neither depth nor cost
                fields += 1
                if selection.selection_set is not None:
                    inner = of_selections(selection.selection_set)
                depth = max(depth, 1 + inner[0])
            elif isinstance(selection, InlineFragmentNode):
                inner = of_selections(selection.selection_set)
                depth = max(depth, inner[0])
            elif isinstance(selection, FragmentSpreadNode):
                inner = of_fragment(selection.name.value)
                depth = max(depth, inner[0])
            aliases, directives, fields = aliases + inner[1], directives + inner[2], fields + inner[3]
        return depth, aliases, directives, fields

    largest = (0, 0, 0, 0)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            depth, aliases, directives, fields = of_selections(definition.selection_set)
            size = (depth, aliases, directives + len(definition.directives or ()), fields)
            largest = tuple(max(a, b) for a, b in zip(largest, size, strict=True))  # type: ignore[assignment]
    return Size(*largest)


def _static_cost(tree: list[CostNode]) -> int | None:
    def dynamic(nodes: list[CostNode]) -> bool:
        return any(n.multiplier in ("page", "ids") or dynamic(n.children) for n in nodes)

    return None if dynamic(tree) else cost(tree, None, 0, 0)


def _variable_cost(tree: list[CostNode]) -> bool:
    def reads(value: ValueNode) -> bool:
        if isinstance(value, VariableNode):
            return True
        if isinstance(value, ListValueNode):
            return any(reads(v) for v in value.values)
        return False

    def dynamic(nodes: list[CostNode]) -> bool:
        return any(
            (n.multiplier in ("page", "ids") and any(reads(v) for v in n.arguments.values())) or dynamic(n.children)
            for n in nodes
        )

    return dynamic(tree)


def cost(tree: list[CostNode], variables: Mapping[str, Any] | None, default_page: int, max_page: int) -> int:
    """Fields the operation may resolve: each field counts 1, and a list multiplies the cost
    of its selection by its size (``first`` or the default page size for connections, the
    number of ``ids``, ``PLAIN_LIST_ESTIMATE`` for plain lists)."""

    def size(node: CostNode) -> int:
        if node.multiplier == "one":
            return 1
        if node.multiplier == "list":
            return PLAIN_LIST_ESTIMATE
        argument = node.arguments.get("first" if node.multiplier == "page" else "ids")
        if isinstance(argument, VariableNode):  # the variable's value as sent, not a copy of it
            value = (variables or {}).get(argument.name.value)
        else:
            value = None if argument is None else value_from_ast_untyped(argument, dict(variables or {}))
        if node.multiplier == "ids":
            return len(value) if isinstance(value, list) else max_page
        return min(value, max_page) if isinstance(value, int) and value >= 0 else default_page

    def total(nodes: list[CostNode]) -> int:
        return sum(1 + size(n) * total(n.children) for n in nodes)

    return total(tree)
