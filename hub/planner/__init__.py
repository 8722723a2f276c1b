"""The planner: how an admitted operation runs, decided once per document and agency profile.

Every operation passes the same checks first (``hub.schema.execute``: parse, validate,
limits, field policy, purpose). Then the planner picks one of three ways, and caches its
choice on the prepared document, keyed by operation, the agency's profile and the values of
the variables that ``@skip``/``@include`` read:

- a **compiled read** (``hub.planner.compile``): a query over the hub's own tables becomes one
  SQL statement that builds the response's ``data`` in PostgreSQL, masking included, and names
  the subjects it discloses; Python never walks its fields;
- a **resolved root** (``hub.planner.resolved``): a mutation whose one root field has a fast
  resolver (``screen``) and whose selection is plain values of its result;
- the **executor** (graphql-core), for everything else: mutations, subscriptions, remote
  sources, introspection, and any request whose arguments a resolver would refuse (the
  executor reports the error exactly as ever).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, OperationType, value_from_ast_untyped
from graphql.execution.values import get_variable_values

from hub.errors import HubError
from hub.planner import resolved
from hub.planner.compile import Compiler, PlanContext, Request, SqlPlan, Uncompilable
from hub.planner.selection import Selections, directive_variables
from hub.planner.variables import SimpleVariables
from hub.policy.rules import EffectivePolicy

__all__ = ["Compiled", "OperationPlans", "Planner", "Request", "SqlPlan"]

log = logging.getLogger(__name__)


@dataclass
class OperationPlans:
    """The plans of one operation of one document, cached with the document."""

    operation: OperationDefinitionNode
    directive_variables: tuple[str, ...]
    resolved: resolved.Plan | None
    compiled: dict[tuple[Any, ...], SqlPlan | None] = field(default_factory=dict)
    # Why the operation does not compile (the first field that does not), for the logs.
    not_compiled: str | None = None
    variables: SimpleVariables = field(init=False)

    def __post_init__(self) -> None:
        self.variables = SimpleVariables(self.operation)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled read ready to run: its statement, parameters and request."""

    plan: SqlPlan
    values: list[Any]


class Planner:
    def __init__(
        self,
        schema: GraphQLSchema,
        resolvers: Mapping[str, resolved.Resolver] | None = None,
        *,
        local_police: bool = True,
        page_sizes: tuple[int, int] = (20, 100),
    ) -> None:
        self.schema = schema
        self.resolvers = dict(resolvers or {})
        self.local_police = local_police
        # Values of literal arguments (a page size) are folded into the statement.
        self.plan_context = PlanContext(*page_sizes)

    def operation_plans(self, document: DocumentNode, operation: OperationDefinitionNode) -> OperationPlans:
        found = None
        if operation.operation == OperationType.MUTATION and self.resolvers:
            found = resolved.plan(self.schema, operation, self.resolvers)
        return OperationPlans(operation, directive_variables(document, operation), found)

    def compiled(
        self,
        document: DocumentNode,
        plans: OperationPlans,
        policy: EffectivePolicy,
        sees_removed: bool,
        context: Any,
        variables: dict[str, Any] | None,
    ) -> Compiled | None:
        """The compiled read for this request, or None when the executor must answer it."""
        operation = plans.operation
        if operation.operation != OperationType.QUERY:
            return None
        coerced = plans.variables.coerce(variables or {}) or get_variable_values(
            self.schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None  # the executor refuses it, with its errors
        key = (policy.plan_key, sees_removed, *(coerced.coerced.get(v) for v in plans.directive_variables))
        if key in plans.compiled:
            plan = plans.compiled[key]
        else:
            plan = self._compile(document, plans, policy, sees_removed, coerced.coerced)
            plans.compiled[key] = plan
        if plan is None:
            return None
        request = Request(context, coerced)
        try:
            values = plan.bind(request)
        except HubError:
            return None  # a resolver would refuse an argument: the executor says how
        return Compiled(plan, values)

    def warm(self, document: DocumentNode, plans: OperationPlans, policy: EffectivePolicy, sees_removed: bool) -> None:
        """Compile a query operation ahead of its first request (a document being registered),
        for its variables' defaults where @skip/@include read them."""
        if plans.operation.operation != OperationType.QUERY:
            return
        defaults: dict[str, Any] = {}
        for definition in plans.operation.variable_definitions or ():
            name = definition.variable.name.value
            if name in plans.directive_variables and definition.default_value is not None:
                defaults[name] = value_from_ast_untyped(definition.default_value)
        key = (policy.plan_key, sees_removed, *(defaults.get(v) for v in plans.directive_variables))
        if key not in plans.compiled:
            plans.compiled[key] = self._compile(document, plans, policy, sees_removed, defaults)

    def _compile(
        self,
        document: DocumentNode,
        plans: OperationPlans,
        policy: EffectivePolicy,
        sees_removed: bool,
        directive_values: Mapping[str, Any],
    ) -> SqlPlan | None:
        selections = Selections(self.schema, document, directive_values)
        compiler = Compiler(self.schema, selections, policy, sees_removed, self.local_police, self.plan_context)
        try:
            return compiler.operation(plans.operation)
        except Uncompilable as exc:
            plans.not_compiled = str(exc)
            return None
        except Exception:
            # A gap in the compiler must not cost the agency its answer: the executor has it.
            log.exception("could not compile operation %s; it runs on the executor", plans.operation.name)
            plans.not_compiled = "error"
            return None
