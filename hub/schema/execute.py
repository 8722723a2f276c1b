"""The place every GraphQL operation passes: parse, limit, validate, authorise, plan, run.

Parsing, validation and the analysis of what a document selects are cached by document text,
so a repeated query costs a set comparison against the agency's policy and its execution.
Then the planner (``hub.planner``) picks how it runs: a compiled read (one SQL statement that
builds the data), a resolved root (``screen``), or graphql-core's executor. Expected errors
(``HubError``) keep their message and code; anything else is masked and logged, never shown.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    parse,
    subscribe,
    validate,
)
from graphql import Executor as GraphQLExecutor
from graphql.validation.validate import ValidationAbortedError
from strawberry.execution import optimized_is_awaitable

from hub.db.database import lost, refused_write
from hub.errors import DatabaseUnavailable, HubError
from hub.planner import Compiled, OperationPlans, Planner, resolved
from hub.policy.document import Shape, Size, analyse, cost, measure
from hub.policy.limits import Limits
from hub.policy.rules import CASE_NUMBER, EffectivePolicy
from hub.schema.context import HubContext
from hub.schema.core import sees_removed_policy

log = logging.getLogger(__name__)

MASKED_MESSAGE = "Unexpected error; it has been logged."
# Bad input gets a short answer: at most this many errors, then one saying how many were left out.
MAX_ERRORS = 5
CASE_NUMBER_PATTERN = re.compile(r"^[(（][12][0-9]{3}[)）][\u4e00-\u9fff][0-9]{0,4}执(恢|异|保)?[0-9]{1,6}号$")

# How an operation ended, as the audit trail records it.
OK, ERROR, DENIED, LIMITED = "ok", "error", "denied", "limited"


@dataclass
class Outcome:
    """The response body, how the operation ended, and what it touched."""

    body: dict[str, Any]
    result: str
    # Nothing was executed because the request itself was at fault (parse, validation,
    # variables, limits, policy): GraphQL over HTTP answers such requests 4xx on request.
    rejected: bool = False
    http_status: int | None = None
    operation_type: str | None = None
    operation_name: str | None = None
    fields: tuple[str, ...] = ()
    subjects: tuple[int, ...] = ()
    error_codes: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    # A statement failed because the database went away: retried, or answered 503.
    database_unavailable: bool = False


@dataclass
class Prepared:
    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...]
    result: str = ERROR
    shapes: dict[str | None, Shape | dict[str, Any]] = field(default_factory=dict)
    # How each operation runs, per agency profile (the planner's, cached with the document).
    plans: dict[str | None, OperationPlans] = field(default_factory=dict)


@dataclass(frozen=True)
class Vetted:
    """What vetting a document found: its operations' names ('' for an anonymous one), or
    the errors a request of it would get (and how the trail would record the refusal)."""

    operations: tuple[str, ...]
    errors: list[dict[str, Any]]
    result: str


def error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code, **extensions}}


class Executor:
    def __init__(
        self,
        schema: strawberry.Schema,
        limits: Limits | None = None,
        cache_size: int = 1024,
        shortcuts: Mapping[str, resolved.Resolver] | None = None,
        *,
        compiled_reads: bool = True,
        local_police: bool = True,
        page_sizes: tuple[int, int] = (20, 100),
    ) -> None:
        self.schema = schema
        self.limits = limits or Limits()
        self._graphql = schema._schema
        self._cache: OrderedDict[str, Prepared] = OrderedDict()
        self._cache_size = cache_size
        self._subscription_executor = _memo_per_event(schema.execution_context_class)
        # Decides how an admitted operation runs; None: graphql-core's executor, always.
        self.planner: Planner | None = (
            Planner(self._graphql, shortcuts, local_police=local_police, page_sizes=page_sizes)
            if compiled_reads
            else None
        )

    def prepare(self, query: str) -> Prepared:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        prepared = self._prepare(query)
        self._cache[query] = prepared
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return prepared

    def _prepare(self, query: str) -> Prepared:
        limits = self.limits
        if len(query) > limits.max_query_chars:
            return Prepared(
                None,
                (
                    error(
                        f"the query has {len(query)} characters; the limit is {limits.max_query_chars}",
                        "QUERY_TOO_LONG",
                        limit=limits.max_query_chars,
                        actual=len(query),
                    ),
                ),
                LIMITED,
            )
        try:
            document = parse(query, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_comments)
        except GraphQLError as exc:
            if _parses_without_limits(query):
                # The text is bounded by max_query_chars: parsing it in full once is cheap.
                return Prepared(
                    None,
                    (
                        error(
                            f"the query has more than {limits.max_tokens} tokens (or {limits.max_comments} comments)",
                            "TOO_MANY_TOKENS",
                            limit=limits.max_tokens,
                        ),
                    ),
                    LIMITED,
                )
            return Prepared(None, (_request_error(exc, "GRAPHQL_PARSE_FAILED"),))
        # The limits that need no schema run first: a document with 60 repeated directives is
        # told it has too many, once, rather than given a validation error for each.
        limited = self._over_limits(measure(document))
        if limited is not None:
            return Prepared(None, (limited,), LIMITED)
        errors = validate(self._graphql, document, hide_suggestions=True)
        if errors:
            aborted = any(isinstance(e, ValidationAbortedError) for e in errors)
            found = [
                _request_error(e, "GRAPHQL_VALIDATION_FAILED", self._graphql)
                for e in errors
                if not isinstance(e, ValidationAbortedError)
            ]
            return Prepared(None, tuple(capped(found, stopped=aborted)))
        return Prepared(document, ())

    def _over_limits(self, size: Size) -> dict[str, Any] | None:
        """The error of the first limit a document's size is over, if any. The fields it
        selects are a lower bound of its cost (each counts at least 1)."""
        limits = self.limits
        for actual, limit, what, code in (
            (size.depth, limits.max_depth, "is {} levels deep", "QUERY_TOO_DEEP"),
            (size.aliases, limits.max_aliases, "has {} aliases", "TOO_MANY_ALIASES"),
            (size.directives, limits.max_directives, "has {} directives", "TOO_MANY_DIRECTIVES"),
        ):
            if actual > limit:
                message = f"the query {what.format(actual)}; the limit is {limit}"
                return error(message, code, limit=limit, actual=actual)
        if size.fields > limits.max_cost:
            return error(
                f"the query selects {size.fields} fields once its fragments are expanded; the limit "
                f"is {limits.max_cost} (each field counts 1 towards the cost, lists more)",
                "COST_LIMIT_EXCEEDED",
                limit=limits.max_cost,
                actual=size.fields,
            )
        return None

    def shape(self, prepared: Prepared, operation_name: str | None) -> Shape | dict[str, Any]:
        """What the named operation selects (cached with the document), or an error."""
        if operation_name in prepared.shapes:
            return prepared.shapes[operation_name]
        assert prepared.document is not None
        operation = _select_operation(prepared.document, operation_name)
        shape: Shape | dict[str, Any]
        if isinstance(operation, dict):
            shape = operation
        else:
            shape = analyse(self._graphql, prepared.document, operation)
        prepared.shapes[operation_name] = shape
        return shape

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: HubContext,
        allowed: tuple[str, ...] = ("query", "mutation"),
        purpose: str | None = None,
    ) -> Outcome:
        admitted = self._admit(query, variables, operation_name, context, allowed, purpose)
        if isinstance(admitted, Outcome):
            return admitted
        prepared, shape = admitted
        outcome = await self._run(prepared, shape, variables, operation_name, context)
        if outcome.database_unavailable and _retryable(shape):
            # The database went away under a read (or an operation idempotent by key): once
            # more, on a fresh connection, before the agency is told to come back.
            context.start_over()
            outcome = await self._run(prepared, shape, variables, operation_name, context)
        if outcome.database_unavailable:
            return self._unavailable(outcome)
        return outcome

    async def _run(
        self,
        prepared: Prepared,
        shape: Shape,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: HubContext,
    ) -> Outcome:
        assert prepared.document is not None
        op_type, op_name = shape.operation_type, shape.operation_name
        fields = tuple(sorted(shape.coordinates))

        def refuse(errors: list[dict[str, Any]], result: str, status: int | None = None) -> Outcome:
            outcome = _rejected(errors, result, status)
            outcome.operation_type, outcome.operation_name, outcome.fields = op_type, op_name, fields
            return outcome

        if self.planner is not None:
            plans = self.plans(prepared, operation_name)
            if plans.resolved is not None:
                ran = await resolved.run(self._graphql, plans.operation, plans.resolved, variables, context)
                if ran is not None:
                    return self._outcome(ran[0], ran[1], context, op_type, op_name, fields)
            compiled = self.planner.compiled(
                prepared.document,
                plans,
                context.policy,
                sees_removed_policy(context.policy),
                context,
                variables,
            )
            if compiled is not None:
                return await self._run_compiled(compiled, context, op_type, op_name, fields)
        result = execute(
            self._graphql,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # a bool-returning check is what it needs
            hide_suggestions=True,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            # Nothing executed: the variables did not coerce.
            return refuse([_request_error(e, "BAD_USER_INPUT", self._graphql) for e in result.errors], ERROR)
        return self._outcome(result.data, result.errors or (), context, op_type, op_name, fields)

    @staticmethod
    def _unavailable(outcome: Outcome) -> Outcome:
        """503: the database went away; nothing is answered of what ran (GraphQL over HTTP's
        request-error shape, no data), and the agency is told when to ask again."""
        failed = DatabaseUnavailable("the database is unavailable; retry in a moment")
        refused = _rejected([{"message": failed.message, "extensions": failed.as_extensions()}], ERROR, 503)
        refused.operation_type, refused.operation_name, refused.fields = (
            outcome.operation_type,
            outcome.operation_name,
            outcome.fields,
        )
        refused.headers = {"Retry-After": str(failed.retry_after)}
        return refused

    def _outcome(
        self,
        data: dict[str, Any] | None,
        raw_errors: Sequence[GraphQLError],
        context: HubContext,
        op_type: str,
        op_name: str | None,
        fields: tuple[str, ...],
    ) -> Outcome:
        if any(lost(e.original_error) for e in raw_errors if e.original_error is not None):
            gone = Outcome({}, ERROR, operation_type=op_type, operation_name=op_name, fields=fields)
            gone.database_unavailable = True
            return gone
        errors = [_field_error(e) for e in raw_errors]
        if context.audit_notes:
            fields = tuple(sorted({*fields, *context.audit_notes}))
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return Outcome(
            body,
            ERROR if errors else OK,
            operation_type=op_type,
            operation_name=op_name,
            fields=fields,
            subjects=tuple(sorted(context.returned_subjects)),
            error_codes=tuple(sorted({e["extensions"]["code"] for e in errors})),
        )

    def plans(self, prepared: Prepared, operation_name: str | None) -> OperationPlans:
        """The planner's plans for the named operation (made once per document)."""
        assert self.planner is not None
        found = prepared.plans.get(operation_name)
        if found is None:
            assert prepared.document is not None
            operation = _select_operation(prepared.document, operation_name)
            assert not isinstance(operation, dict)  # the shape was found: so was the operation
            found = prepared.plans[operation_name] = self.planner.operation_plans(prepared.document, operation)
        return found

    async def _run_compiled(
        self, compiled: Compiled, context: HubContext, op_type: str, op_name: str | None, fields: tuple[str, ...]
    ) -> Outcome:
        """One statement builds the data; its JSON goes out as PostgreSQL wrote it."""
        try:
            sql, values = compiled.plan.sql, compiled.values
            if compiled.plan.replica:
                row = await context.db.on_reader(lambda db: db.reads.fetchrow(sql, *values))
            else:
                row = await context.db.reads.fetchrow(sql, *values)
        except Exception as exc:  # the database gone, a statement timeout, or unexpected: masked
            failed = GraphQLError(str(exc), original_error=exc)
            return self._outcome(None, [failed], context, op_type, op_name, fields)
        assert row is not None
        disclosed = row["subjects"]
        if disclosed:
            context.returned_subjects.update(map(int, disclosed.split(",")))
        data = row["data"]  # bytes on the read pool's connections, text elsewhere (tests)
        return Outcome(
            {"data": orjson.Fragment(data if isinstance(data, bytes) else data.encode())},
            OK,
            operation_type=op_type,
            operation_name=op_name,
            fields=fields,
            subjects=tuple(sorted(context.returned_subjects)),
        )

    def _admit(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: HubContext,
        allowed: tuple[str, ...],
        purpose: str | None,
    ) -> tuple[Prepared, Shape] | Outcome:
        """The checks every operation passes before it runs: parse, validate, operation type,
        limits, policy. The prepared document and its shape, or the refusal."""
        prepared = self.prepare(query)
        if prepared.document is None:
            return _rejected(list(prepared.errors), prepared.result)
        shape = self.shape(prepared, operation_name)
        if isinstance(shape, dict):
            return _rejected([shape], ERROR)

        def refuse(errors: list[dict[str, Any]], result: str, status: int | None = None) -> Outcome:
            outcome = _rejected(errors, result, status)
            outcome.operation_type, outcome.operation_name = shape.operation_type, shape.operation_name
            outcome.fields = tuple(sorted(shape.coordinates))
            return outcome

        op_type = shape.operation_type
        if op_type not in allowed:
            return refuse(
                [error(f"{op_type} operations are not allowed on this transport", "OPERATION_NOT_ALLOWED")], ERROR, 405
            )
        limited = self._check_limits(shape, variables, context.default_page_size, context.max_page_size)
        if limited is not None:
            return refuse([limited], LIMITED)
        denied = _check_policy(shape, context.policy, purpose)
        if denied:
            return refuse(denied, DENIED, 403)
        return prepared, shape

    def warm(self, query: str, policy: EffectivePolicy, kind: str) -> None:
        """Plan a document's operations for an agency now (registration), not on first use."""
        if self.planner is None:
            return
        prepared = self.prepare(query)
        if prepared.document is None:
            return
        for definition in prepared.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                plans = self.plans(prepared, definition.name.value if definition.name else None)
                self.planner.warm(prepared.document, plans, policy, sees_removed_policy(policy))

    def vet(self, query: str, policy: EffectivePolicy, default_page_size: int, max_page_size: int) -> Vetted:
        """The checks a request of this document would pass before it runs (parse, validate,
        limits, field policy; the purpose is the request's own), for every operation in it:
        what registration of a trusted document requires. The refusals are the errors a
        request would get."""
        prepared = self.prepare(query)
        if prepared.document is None:
            return Vetted((), list(prepared.errors), prepared.result)
        names: list[str | None] = [
            d.name.value if d.name else None
            for d in prepared.document.definitions
            if isinstance(d, OperationDefinitionNode)
        ]
        for name in names:
            shape = self.shape(prepared, name)
            if isinstance(shape, dict):
                return Vetted((), [shape], ERROR)
            limited = self._check_limits(shape, None, default_page_size, max_page_size)
            if limited is not None:
                return Vetted((), [limited], LIMITED)
            denied = _check_policy(shape, policy, None, purpose_declared=False)
            if denied:
                return Vetted((), denied, DENIED)
        return Vetted(tuple(name or "" for name in names), [], OK)

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: HubContext,
        purpose: str | None = None,
        root_value: Any = None,
    ) -> tuple[Outcome, AsyncGenerator[dict[str, Any], None] | None]:
        """Start a subscription after the same checks as ``run``: the outcome of the start
        (for the audit trail; its body holds the errors when refused) and the stream of
        response bodies, or None when refused."""
        admitted = self._admit(query, variables, operation_name, context, ("subscription",), purpose)
        if isinstance(admitted, Outcome):
            return admitted, None
        prepared, shape = admitted
        outcome = Outcome(
            {},
            OK,
            operation_type=shape.operation_type,
            operation_name=shape.operation_name,
            fields=tuple(sorted(shape.coordinates)),
        )
        started: Any = subscribe(
            self._graphql,
            prepared.document,  # type: ignore[arg-type]  # admitted documents are parsed
            root_value=root_value,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self._subscription_executor,
            hide_suggestions=True,
        )
        if optimized_is_awaitable(started):
            started = await started
        if isinstance(started, ExecutionResult):
            errors = started.errors or []
            if all(e.path is None for e in errors):
                # Nothing started: the variables did not coerce.
                formatted = [_request_error(e, "BAD_USER_INPUT", self._graphql) for e in errors]
                refused = _rejected(formatted, ERROR)
            else:
                formatted = [_field_error(e) for e in errors]
                refused = _rejected(formatted, ERROR)
            refused.operation_type, refused.operation_name, refused.fields = (
                outcome.operation_type,
                outcome.operation_name,
                outcome.fields,
            )
            return refused, None
        stream: AsyncIterator[ExecutionResult] = started
        return outcome, _bodies(stream)

    def _check_limits(
        self, shape: Shape, variables: dict[str, Any] | None, default_page_size: int, max_page_size: int
    ) -> dict[str, Any] | None:
        limits = self.limits
        limited = self._over_limits(Size(shape.depth, shape.aliases, shape.directives, 0))
        if limited is not None:
            return limited
        estimate = shape.static_cost
        if estimate is None and not shape.variable_cost:
            estimate = shape.costs.get((default_page_size, max_page_size))
            if estimate is None:
                estimate = cost(shape.cost_tree, None, default_page_size, max_page_size)
                shape.costs[(default_page_size, max_page_size)] = estimate
        elif estimate is None:
            estimate = cost(shape.cost_tree, variables, default_page_size, max_page_size)
        if estimate > limits.max_cost:
            return error(
                f"the query may resolve {estimate} fields; the limit is {limits.max_cost} "
                "(each field counts 1; a list multiplies its selection by `first`, the default "
                "page size, the number of ids, or 10 for short plain lists)",
                "COST_LIMIT_EXCEEDED",
                limit=limits.max_cost,
                actual=estimate,
            )
        return None


def _memo_per_event(base: type[GraphQLExecutor[Any]]) -> type[GraphQLExecutor[Any]]:
    """``base`` for subscriptions: each event executed with a memo of its own.

    graphql-core 3.3 executes each event on a shallow copy of the subscription's executor,
    so the events share one memo of the subfields collected per (type, id of the field
    list), and each event's field lists are new: an entry per event, kept (with its lists)
    as long as the subscription lasts. A `listChanges` subscriber held about a dozen
    objects (1.2 to 1.4 KB) per list change that way: the hub's RSS growth of 2 to 3 MB a
    minute in `bench/soak.py`. A memo per event serves what the memo is for (one
    collection for a list of objects within the event) and is dropped with it."""

    class SubscriptionExecutor(base):  # type: ignore[valid-type,misc]  # the schema's executor class
        def build_per_event_executor(self, payload: Any) -> GraphQLExecutor[Any]:
            executor: GraphQLExecutor[Any] = super().build_per_event_executor(payload)
            executor._relevant_sub_fields = {}
            return executor

    return SubscriptionExecutor


def _check_policy(
    shape: Shape, policy: EffectivePolicy, purpose: str | None, *, purpose_declared: bool = True
) -> list[dict[str, Any]]:
    """The policy's refusals of a document's shape: introspection, fields, then the declared
    purpose (not checked when vetting a document, which declares none)."""
    if shape.introspection and not policy.introspection:
        return [error("introspection is for the platform operator and development only", "INTROSPECTION_DISABLED")]
    denied = shape.denials.get(policy.key)
    if denied is None:  # the same for every request of this document from this agency
        denied = shape.denials[policy.key] = tuple(
            (coordinate, path)
            for coordinate, path in shape.selections
            if coordinate not in policy.allowed and not coordinate.split(".", 1)[1].startswith("__")
        )
    if denied:
        return capped(
            [
                error(
                    f"field {path} ({coordinate}) is not allowed for this agency",
                    "FIELD_NOT_ALLOWED",
                    field=coordinate,
                    path=path,
                )
                for coordinate, path in denied
            ]
        )
    if not purpose_declared:
        return []
    if purpose is not None:
        if not (purpose in policy.purposes or (CASE_NUMBER in policy.purposes and CASE_NUMBER_PATTERN.match(purpose))):
            allowed = ", ".join(sorted(policy.purposes)) or "none"
            return [
                error(f"purpose {purpose!r} is not allowed for this agency (allowed: {allowed})", "PURPOSE_NOT_ALLOWED")
            ]
    elif shape.roots & policy.purpose_required:
        return [
            error(
                "declare the purpose of this question in the Hub-Purpose header: a matter code"
                + (" or the case number" if CASE_NUMBER in policy.purposes else ""),
                "PURPOSE_REQUIRED",
            )
        ]
    return []


async def _bodies(results: AsyncIterator[ExecutionResult]) -> AsyncGenerator[dict[str, Any], None]:
    """Each event's result as a response body, unexpected errors masked as in ``run``.
    Closing it closes the source stream (and the resolver's generator) too."""
    try:
        async for result in results:
            body: dict[str, Any] = {"data": result.data}
            if result.errors:
                body["errors"] = [_field_error(e) for e in result.errors]
            yield body
    finally:
        close = getattr(results, "aclose", None)
        if close is not None:
            await close()


def _parses_without_limits(query: str) -> bool:
    """Whether a document that failed to parse under the token and comment limits is valid
    GraphQL all the same: then the limits, not its syntax, refused it."""
    try:
        parse(query)
    except GraphQLError:
        return False
    return True


# Mutations that may run twice to one effect (an idempotency key, an upsert by natural key).
IDEMPOTENT = frozenset(
    {
        "Mutation.reportSanction",
        "Mutation.upsertRealEstate",
        "Mutation.upsertVehicle",
        "Mutation.upsertCompany",
        "Mutation.upsertEnforcementCase",
        "Mutation.upsertHotel",
    }
)


def _retryable(shape: Shape) -> bool:
    """A read, or a mutation whose every root field is idempotent: safe to run again."""
    return shape.operation_type == "query" or (shape.operation_type == "mutation" and shape.roots <= IDEMPOTENT)


def _select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | dict[str, Any]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(operations) == 1:
            return operations[0]
        return error("the document has several operations; name one in operationName", "OPERATION_NAME_REQUIRED")
    for operation in operations:
        if operation.name and operation.name.value == name:
            return operation
    # Names the document's operations, never echoes the one asked for: operationName is the
    # client's free text, and whatever it holds (an ID number, say) must not come back.
    names = [o.name.value for o in operations if o.name][:10]
    return error(
        f"operationName names no operation of the document (its named operations: {', '.join(names) or 'none'})",
        "UNKNOWN_OPERATION",
    )


def capped(errors: list[dict[str, Any]], *, stopped: bool = False) -> list[dict[str, Any]]:
    """The first ``MAX_ERRORS`` errors and one more saying how many were left out (with the
    code they share, or ``TOO_MANY_ERRORS``), when there are more than ``MAX_ERRORS + 1``;
    ``stopped``: the errors found are not all there are (validation gave up counting)."""
    if len(errors) <= MAX_ERRORS + 1 and not stopped:
        return errors
    shown, left_out = errors[:MAX_ERRORS], errors[MAX_ERRORS:]
    codes = {e["extensions"]["code"] for e in left_out}
    count = f"{len(left_out)}{' or more' if stopped else ''}"
    summary = error(
        f"{count} more errors like these were left out; correct these first",
        codes.pop() if len(codes) == 1 else "TOO_MANY_ERRORS",
        omitted=len(left_out),
    )
    return [*shown, summary]


def _rejected(errors: list[dict[str, Any]], result: str, status: int | None = None) -> Outcome:
    errors = capped(errors)
    codes = tuple(sorted({e["extensions"]["code"] for e in errors}))
    return Outcome({"errors": errors}, result, rejected=True, http_status=status, error_codes=codes)


# Resident IDs (18 or 15 characters) and USCCs, as graphql-core may quote them from a variable
# that did not coerce: such messages never carry an identifier back.
_IDENTIFIER_LIKE = re.compile(r"(?<![0-9A-Z])(?:[0-9]{17}[0-9Xx]|[0-9]{15}|[0-9A-HJ-NPQRTUWXY]{18})(?![0-9A-Z])")


# graphql-core names the enum a value is not part of ("... does not exist in 'ListKind' enum.",
# "Enum 'ListKind' cannot represent non-enum value: ..."); with suggestions hidden it does not
# say what would have been right.
_ENUM_NAMED = re.compile(r"(?:in|Enum) '(\w+)'")


def _request_error(exc: GraphQLError, code: str, schema: GraphQLSchema | None = None) -> dict[str, Any]:
    message = _IDENTIFIER_LIKE.sub("[identifier]", exc.message)
    extensions: dict[str, Any] = {"code": code}
    if schema is not None:
        for name in _ENUM_NAMED.findall(message):
            kind = schema.get_type(name)
            if isinstance(kind, GraphQLEnumType):
                allowed = list(kind.values)
                message += f" Allowed values of {name}: {', '.join(allowed)}."
                extensions["allowedValues"] = allowed
                break
    formatted: dict[str, Any] = {"message": message}
    if exc.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in exc.locations]
    formatted["extensions"] = extensions
    return formatted


def _field_error(exc: GraphQLError) -> dict[str, Any]:
    original = exc.original_error
    if original is not None and not isinstance(original, HubError):
        original = refused_write(original) or original
    if isinstance(original, HubError):
        message, extensions = original.message, original.as_extensions()
    else:
        log.error("unexpected error at %s", exc.path, exc_info=original or exc)
        message, extensions = MASKED_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"}
    formatted: dict[str, Any] = {"message": message}
    if exc.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in exc.locations]
    if exc.path is not None:
        formatted["path"] = exc.path
    formatted["extensions"] = extensions
    return formatted
